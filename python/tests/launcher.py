"""Run a launcher (``python -m torch.distributed.run``) under a time limit that also ends its workers.

``subprocess.run(..., timeout=T)`` sends SIGKILL to the launcher alone when T passes. The workers
``torch.distributed.run`` starts run in sessions of their own (``start_new_session=True``), so they
survive it, orphaned: a worker stuck in a collective keeps both cores busy until gloo's own timeout
(30 minutes) ends it. SIGTERM lets the launcher stop its workers first (its handler sends them the
signal and kills them after its grace period), so that is sent first, SIGKILL only after ``grace``
seconds. Not a test module.
"""

import signal
import subprocess
from typing import Any, List


def run_with_deadline(command: List[str], timeout: float, grace: float = 60.0, **kwargs: Any) -> "subprocess.CompletedProcess[str]":
    """Run ``command`` (stdout and stderr captured as text) for at most ``timeout`` seconds.

    Parameters
    ----------
    command : list of str
        The launcher's command line.
    timeout : float
        Seconds before the launcher is stopped.
    grace : float
        Seconds the launcher gets after SIGTERM to stop its workers before SIGKILL.
    **kwargs
        Passed to ``subprocess.Popen`` (``env``, ``cwd``).

    Returns
    -------
    subprocess.CompletedProcess
        The finished launcher's exit code and output.

    Raises
    ------
    subprocess.TimeoutExpired
        When ``timeout`` passed; the launcher was stopped (SIGTERM, then SIGKILL after ``grace``)
        and reaped. Never waits on the output pipes after that (an orphan may hold them).
    """
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except BaseException:  # the deadline, or Ctrl-C of the test run
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=grace)
        except BaseException:
            proc.kill()
            proc.wait()
        for pipe in (proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()
        raise
    return subprocess.CompletedProcess(command, proc.returncode, stdout, stderr)
