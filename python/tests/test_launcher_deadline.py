"""The time limit of the two-process TRL test (``launcher.run_with_deadline``) ends the workers too.

Before: ``test_trl_multiprocess`` ran ``torch.distributed.run`` with ``subprocess.run(timeout=240)``,
which SIGKILLs the launcher alone; its workers run in sessions of their own and were left running,
orphaned (a worker stuck in a gloo collective keeps both cores busy for gloo's 30-minute timeout).
A stand-in launcher does what torch.distributed.run does: it starts a worker with
``start_new_session=True`` and, on SIGTERM, stops it before exiting; then it hangs.
"""

import os
import subprocess
import sys
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from launcher import run_with_deadline  # noqa: E402

STAND_IN = """
import os, signal, subprocess, sys, time
worker = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"], start_new_session=True)
def stop(signum, frame):
    os.killpg(worker.pid, signal.SIGTERM)
    worker.wait()
    sys.exit(128 + signum)
signal.signal(signal.SIGTERM, stop)
with open(sys.argv[1], "w") as f:
    f.write(str(worker.pid))
time.sleep(300)
"""


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as f:  # a zombie waiting for init counts as gone
        return f.read().split(")")[-1].split()[0] != "Z"


def gone_within(pid: int, seconds: float) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if not alive(pid):
            return True
        time.sleep(0.05)
    return not alive(pid)


def worker_pid(path: str) -> int:
    for _ in range(200):
        if os.path.exists(path) and open(path).read():
            return int(open(path).read())
        time.sleep(0.05)
    raise AssertionError("the stand-in launcher did not start its worker")


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="needs /proc to see a process's state")
def test_subprocess_run_timeout_leaves_the_workers_running(tmp_path):
    """The defect, shown: subprocess.run's timeout kills the launcher only."""
    pid_file = str(tmp_path / "worker.pid")
    with pytest.raises(subprocess.TimeoutExpired):
        subprocess.run([sys.executable, "-c", STAND_IN, pid_file], capture_output=True, text=True, timeout=2)
    pid = worker_pid(pid_file)
    try:
        assert not gone_within(pid, 1.0)
    finally:
        os.kill(pid, 9)


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="needs /proc to see a process's state")
def test_the_deadline_stops_the_launcher_and_its_workers(tmp_path):
    pid_file = str(tmp_path / "worker.pid")
    start = time.monotonic()
    with pytest.raises(subprocess.TimeoutExpired):
        run_with_deadline([sys.executable, "-c", STAND_IN, pid_file], timeout=2, grace=20)
    pid = worker_pid(pid_file)
    assert gone_within(pid, 5.0), f"worker {pid} still running after the deadline"
    assert time.monotonic() - start < 20  # the launcher stopped on SIGTERM, not after the grace


def test_a_launcher_that_finishes_returns_its_output():
    done = run_with_deadline([sys.executable, "-c", "import sys; print('out'); print('err', file=sys.stderr); sys.exit(3)"],
                             timeout=30)
    assert (done.returncode, done.stdout, done.stderr) == (3, "out\n", "err\n")
