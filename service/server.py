"""Run the app under uvicorn (what `outreach-guard serve` calls). Each worker loads the model once."""

from __future__ import annotations

import os
import shutil
import tempfile


def run(host: str = "127.0.0.1", port: int = 8000, workers: int = 1, log_level: str = "info") -> None:
    import uvicorn

    mp_dir = None
    if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Share metrics across workers: each writes its own files, /metrics sums them.
        mp_dir = tempfile.mkdtemp(prefix="outreach-guard-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = mp_dir
    try:
        uvicorn.run("service.main:create_app", factory=True, host=host, port=port, workers=workers,
                    log_level=log_level, access_log=False, server_header=False)
    finally:
        if mp_dir is not None:
            shutil.rmtree(mp_dir, ignore_errors=True)
            os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
