"""Audit throughput and peak memory on generated chat logs, next to the bare `check_many` rate.

    python benchmarks/bench_audit.py                          # 200k messages, 1 and 2 processes
    python benchmarks/bench_audit.py --sizes 200000,1000000 --jobs 1,2 --large-jobs 2

Each audit runs as `outreach-guard audit` in a subprocess; its process tree (driver + joblib workers) is
sampled with psutil for the peak RSS (sum over the tree, and the largest single process), and ru_maxrss of
the waited children is recorded too. The bare rate is `Detector.check_many` on the same log's seller
messages in this process, one core. Results (JSON) go to benchmarks/results/. No asserts: this measures.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def bare_rate(log: Path, n: int = 20_000, batch: int = 1000) -> dict:
    from detector import Detector

    texts = []
    with gzip.open(log, "rt", encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            if row["sender"] == "seller":
                texts.append(row["text"])
                if len(texts) >= n:
                    break
    det = Detector.load()
    det.check_many(texts[:200])  # warm up
    t0, c0 = time.perf_counter(), time.process_time()
    for i in range(0, len(texts), batch):
        det.check_many(texts[i : i + batch])
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {
        "messages": len(texts),
        "seconds": round(dt, 3),
        "msg_per_s": round(len(texts) / dt, 1),
        "cpu_s": round(cpu, 3),
        "msg_per_cpu_s": round(len(texts) / cpu, 1),
        "detector_version": det.version,
    }


def _sample_tree(proc: psutil.Process, stop: threading.Event, peak: dict) -> None:
    while not stop.is_set():
        try:
            procs = [proc, *proc.children(recursive=True)]
            rss = [p.memory_info().rss for p in procs if p.is_running()]
        except psutil.Error:
            rss = []
        try:
            for q in procs:
                ct = q.cpu_times()
                peak.setdefault("cpu", {})[q.pid] = ct.user + ct.system
        except psutil.Error:
            pass
        if rss:
            peak["tree"] = max(peak.get("tree", 0), sum(rss))
            peak["largest"] = max(peak.get("largest", 0), max(rss))
            peak["main"] = max(peak.get("main", 0), rss[0])
        stop.wait(0.1)


def run_audit(log: Path, out: Path, jobs: int) -> dict:
    cmd = [
        sys.executable,
        "-m",
        "detector.cli",
        "audit",
        str(log),
        "--out",
        str(out),
        "--jobs",
        str(jobs),
        "-q",
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak: dict = {}
    stop = threading.Event()
    th = threading.Thread(target=_sample_tree, args=(psutil.Process(p.pid), stop, peak), daemon=True)
    th.start()
    stdout, stderr = p.communicate()
    wall = time.perf_counter() - t0
    stop.set()
    th.join()
    if p.returncode != 0:
        raise RuntimeError(f"audit failed ({p.returncode}): {stderr[-2000:]}")
    summary = json.loads((out / "summary.json").read_text())
    maxrss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {
        "jobs": jobs,
        "wall_s": round(wall, 2),
        "rows": summary["rows_read"],
        "seller_messages": summary["scored"],
        "rows_per_s": round(summary["rows_read"] / wall, 1),
        "seller_msg_per_s": round(summary["scored"] / wall, 1),
        "timings_s": summary["timings_s"],
        "flagged": summary["flagged"],
        "promotional_clusters": summary["promotional_clusters"],
        # CPU seconds of the whole tree (last sample per process): throughput per CPU second does not depend
        # on what else runs on the machine, unlike the wall-clock rate
        "cpu_s": round(sum(peak.get("cpu", {}).values()), 2),
        "seller_msg_per_cpu_s": round(summary["scored"] / max(1e-9, sum(peak.get("cpu", {}).values())), 1),
        "peak_rss_tree_mb": round(peak.get("tree", 0) / 2**20, 1),
        "peak_rss_largest_process_mb": round(peak.get("largest", 0) / 2**20, 1),
        "peak_rss_driver_mb": round(peak.get("main", 0) / 2**20, 1),
        "ru_maxrss_children_mb": round(max(maxrss, before) / 1024, 1),
        "load_avg_1m_after": round(os.getloadavg()[0], 2),  # the machine is shared: read figures with this
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="200000", help="comma-separated message counts")
    ap.add_argument("--jobs", default="1,2", help="process counts for the first size")
    ap.add_argument("--large-jobs", default="2", help="process counts for the other sizes (memory check)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", default=None, help="results JSON (default benchmarks/results/audit-<time>.json)")
    a = ap.parse_args()
    sizes = [int(s) for s in a.sizes.split(",")]
    from training.chatlog import write_chatlog

    results: dict = {
        "benchmark": "audit",
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "runs": [],
    }
    with tempfile.TemporaryDirectory(prefix="bench-audit-") as tmp:
        for k, size in enumerate(sizes):
            log = Path(tmp) / f"chats-{size}.jsonl.gz"
            t0 = time.perf_counter()
            write_chatlog(log, size, seed=a.seed, corpus=None)
            gen_s = time.perf_counter() - t0
            bare = bare_rate(log)
            print(f"{size}: generated in {gen_s:.1f}s; bare check_many {bare['msg_per_s']} msg/s", flush=True)
            jobs = [int(j) for j in (a.jobs if k == 0 else a.large_jobs).split(",")]
            for j in jobs:
                run = run_audit(log, Path(tmp) / f"out-{size}-{j}", j)
                run["ratio_to_bare_check_many"] = round(run["seller_msg_per_s"] / bare["msg_per_s"], 3)
                run["cpu_ratio_to_bare_check_many"] = round(
                    run["seller_msg_per_cpu_s"] / bare["msg_per_cpu_s"], 3
                )
                run.update(
                    {"size": size, "input_mb": round(log.stat().st_size / 2**20, 1), "bare_check_many": bare}
                )
                results["runs"].append(run)
                print(
                    json.dumps(
                        {
                            k2: run[k2]
                            for k2 in (
                                "size",
                                "jobs",
                                "wall_s",
                                "rows_per_s",
                                "seller_msg_per_s",
                                "ratio_to_bare_check_many",
                                "cpu_ratio_to_bare_check_many",
                                "peak_rss_tree_mb",
                                "peak_rss_driver_mb",
                            )
                        }
                    ),
                    flush=True,
                )
    out = (
        Path(a.out)
        if a.out
        else ROOT / "benchmarks" / "results" / f"audit-{time.strftime('%Y%m%d-%H%M%S')}.json"
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"results: {out}")


if __name__ == "__main__":
    main()
