"""Run the app under uvicorn (what `outreach-guard serve` calls). Each worker loads the model once."""

from __future__ import annotations

import inspect
import os
import shutil
import socket
import tempfile


def run(host: str = "127.0.0.1", port: int = 8000, workers: int = 1, log_level: str = "info") -> None:
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    config = uvicorn.Config("service.main:create_app", factory=True, host=host, port=port, workers=workers,
                            log_level=log_level, access_log=False, server_header=False)
    server = uvicorn.Server(config)
    if workers <= 1:
        server.run()
        return
    mp_dir = None
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Share metrics across workers: each writes its own files, /metrics sums them.
        mp_dir = tempfile.mkdtemp(prefix="outreach-guard-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = mp_dir
    try:
        sock = config.bind_socket()
        # uvicorn's pre-bound socket has proto 0, so asyncio skips TCP_NODELAY on accepted connections and
        # each response waits ~40 ms for a delayed ACK. Accepted sockets inherit the option on Linux.
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if "target" in inspect.signature(Multiprocess).parameters:  # uvicorn < 0.30 wants the target
            Multiprocess(config, target=server.run, sockets=[sock]).run()
        else:
            Multiprocess(config, sockets=[sock]).run()
    finally:
        if mp_dir is not None:
            shutil.rmtree(mp_dir, ignore_errors=True)
            os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
