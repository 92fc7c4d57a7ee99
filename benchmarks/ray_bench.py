#!/usr/bin/env python3
"""Cost of deltah.ray on a local Ray cluster: per-task scheduling overhead and wall time of a
sharded analysis.

    python benchmarks/ray_bench.py DUMP [DUMP …] --cpus 2 --shards 4 --repeat 3 [--noop-tasks 200]

Prints one JSON object: the cluster's CPUs, Ray's per-task overhead (no-op tasks, and tasks
that start a trivial subprocess), and the wall time of each `analyze_run` repeat on the dumps
(partials deleted between repeats, so every repeat computes every shard; the dump stays in the
page cache). Needs Ray (scripts/ray-tests.sh makes a venv) and $DELTAH_BIN or deltah on PATH.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "python"))
import ray  # noqa: E402

from deltah import ray as dray  # noqa: E402


def noop() -> int:
    return 0


def spawn() -> int:
    return subprocess.run(["true"]).returncode


def per_task(fn, count: int) -> float:
    remote = ray.remote(fn).options(num_cpus=1)
    ray.get([remote.remote() for _ in range(4)])  # start the workers first
    t = time.perf_counter()
    ray.get([remote.remote() for _ in range(count)])
    return (time.perf_counter() - t) / count


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("dumps", nargs="+")
    ap.add_argument("--cpus", type=int, required=True)
    ap.add_argument("--shards", type=int, required=True, help="shards per dump")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--noop-tasks", type=int, default=200)
    a = ap.parse_args()
    ray.init(num_cpus=a.cpus, include_dashboard=False, log_to_driver=False)
    out = {"cpus": a.cpus, "shards": a.shards, "dumps": len(a.dumps),
           "dump_bytes": sum(os.path.getsize(d) for d in a.dumps),
           "load_average": os.getloadavg()}
    if a.noop_tasks:
        out["noop_task_seconds"] = per_task(noop, a.noop_tasks)
        out["subprocess_task_seconds"] = per_task(spawn, a.noop_tasks)
    work = tempfile.mkdtemp(prefix="deltah-ray-bench-")
    times = []
    try:
        for _ in range(a.repeat):
            shutil.rmtree(work)
            t = time.perf_counter()
            dray.analyze_run(a.dumps, shards_per_dump=a.shards, output_dir=work, progress=False)
            times.append(time.perf_counter() - t)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    out["analyze_run_seconds"] = times
    out["load_average_after"] = os.getloadavg()
    print(json.dumps(out))
    ray.shutdown()


if __name__ == "__main__":
    main()
