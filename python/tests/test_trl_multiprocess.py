"""deltah.trl.capture in a REAL two-process data-parallel run (CPU, gloo), not a stood-in index.

``torch.distributed.run --nproc_per_node 2`` starts ``trl_two_process_run.py`` twice; transformers
sets up accelerate's MULTI_CPU state (torch.distributed, gloo backend) from the launcher's
environment, and TRL's GRPOTrainer trains the tiny random Qwen2 for 2 steps with DDP, each process
capturing its own completions (``linearize=True``, F32 dumps). Checked afterwards:

* each process wrote exactly its own files, ``step_{s:06d}.process{p}.{before,after,jvp}.safetensors``
  for both steps (metadata ``process`` = "p of 2"), and the folder holds nothing else (no
  temporaries, no plain names);
* no file was written twice (every path occurs once in the two processes' write logs) or clobbered
  (each file's SHA-256 is the one its writer recorded right after writing it);
* the processes captured different completions, and the prompt groups are GRPO's: process p holds
  groups 2p and 2p + 1 (8 rows per process, 4 generations), each group one prompt, its advantages
  summing to 0 (tolerance 1e-5: F32 advantages of size ~1, four terms);
* ``deltah analyze`` reads every dump (its token count is the dump's mask sum) and
  ``deltah compare --linearized`` each process's own triple.

Skipped, with the reason, when torch.distributed or its gloo backend is missing or no local TCP
port can be bound (the launcher's rendezvous needs one). Wall time of the launch 12-24 s on 2
shared cores (most of it importing torch/transformers/trl in both processes); it is given 240 s,
then stopped by SIGTERM, which the launcher passes on to its workers (``launcher.run_with_deadline``).
"""

import hashlib
import json
import os
import socket
import subprocess
import sys
import time

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("trl")
pytest.importorskip("datasets")

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))

from deltah import cli, per_token  # noqa: E402

from deltah_binary import DELTAH, requires_binary  # noqa: E402
from launcher import run_with_deadline  # noqa: E402

STEPS, PROCESSES, PHASES = (1, 2), (0, 1), ("before", "after", "jvp")


def free_local_port():
    """A TCP port on 127.0.0.1 that can be bound now, or None when none can."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]
    except OSError:
        return None


def cannot_start_two_processes():
    if not torch.distributed.is_available():
        return "torch was built without torch.distributed"
    if not torch.distributed.is_gloo_available():
        return "torch.distributed has no gloo backend (the CPU backend of a multi-process run)"
    if free_local_port() is None:
        return "no TCP port can be bound on 127.0.0.1 for the launcher's rendezvous"
    return None


@pytest.fixture(scope="module")
def two_process_run(tmp_path_factory):
    reason = cannot_start_two_processes()
    if reason:
        pytest.skip(f"a two-process run cannot start here: {reason}")
    out = tmp_path_factory.mktemp("two_processes")
    # TMPDIR: the launcher's torchelastic_* log folders go under pytest's temporary folder, not /tmp.
    scratch = tmp_path_factory.mktemp("two_processes_tmp")
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONWARNINGS="ignore", TMPDIR=str(scratch))
    command = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_addr", "127.0.0.1",
               "--master_port", str(free_local_port()), os.path.join(HERE, "trl_two_process_run.py"), str(out)]
    start = time.perf_counter()
    try:  # at the deadline the launcher gets SIGTERM, which stops its workers (own sessions) too
        proc = run_with_deadline(command, timeout=240, env=env, cwd=str(out))
    except subprocess.TimeoutExpired:
        pytest.fail(f"{' '.join(command)} did not finish in 240 s; stopped with its workers")
    seconds = time.perf_counter() - start
    assert proc.returncode == 0, f"{' '.join(command)} exited {proc.returncode}:\n{proc.stderr[-3000:]}"
    print(f"[measured] two-process GRPO run with capture(linearize=True), 2 steps: {seconds:.1f} s wall")
    logs = {}
    for p in PROCESSES:
        with open(out / f"writes.process{p}.json") as f:
            logs[p] = json.load(f)
    return out / "dumps", logs


def name(step, process, phase):
    return f"step_{step:06d}.process{process}.{phase}.safetensors"


def test_each_process_writes_its_own_files_once(two_process_run):
    dumps, logs = two_process_run
    for p, log in logs.items():
        assert (log["process_index"], log["num_processes"]) == (p, 2)
        assert log["distributed_type"] == "DistributedType.MULTI_CPU"
        assert log["failures"] == []
        assert log["written"] == [[name(s, p, "before"), name(s, p, "after")] for s in STEPS]
        assert log["jvp"] == {str(s): name(s, p, "jvp") for s in STEPS}
        # In the order the capture writes them: before, after, jvp per step; each once.
        assert [path for path, _ in log["writes"]] == [name(s, p, phase) for s in STEPS for phase in PHASES]
    expected = {name(s, p, phase) for s in STEPS for p in PROCESSES for phase in PHASES}
    assert sorted(os.listdir(dumps)) == sorted(expected)
    writes = [w for log in logs.values() for w in log["writes"]]
    assert len(writes) == len({path for path, _ in writes}) == len(expected)  # no path written twice
    for path, digest in writes:  # not clobbered after its writer put it in place
        with open(dumps / path, "rb") as f:
            assert hashlib.sha256(f.read()).hexdigest() == digest, path
    for s in STEPS:
        for p in PROCESSES:
            for phase in PHASES:
                meta = per_token.load_metadata(str(dumps / name(s, p, phase)))
                assert meta["process"] == f"{p} of 2" and meta["step"] == str(s), (s, p, phase, meta)


def test_processes_hold_their_own_completions_and_groups(two_process_run):
    dumps, _ = two_process_run
    for s in STEPS:
        d = {p: per_token.load(str(dumps / name(s, p, "before"))) for p in PROCESSES}
        assert not np.array_equal(d[0]["token_ids"], d[1]["token_ids"])
        for p in PROCESSES:
            groups = d[p]["group_ids"][:, 0]
            assert sorted(np.unique(groups)) == [2 * p, 2 * p + 1], (s, p, groups)
            for g in np.unique(groups):
                rows = groups == g
                assert rows.sum() == 4
                assert (d[p]["prompt_ids"][rows] == d[p]["prompt_ids"][rows][0]).all()
                assert abs(float(d[p]["advantages"][rows, 0].astype(np.float64).sum())) <= 1e-5


@requires_binary
def test_deltah_reads_every_process_file(two_process_run):
    dumps, _ = two_process_run
    for s in STEPS:
        for p in PROCESSES:
            paths = {phase: str(dumps / name(s, p, phase)) for phase in PHASES}
            for phase in ("before", "after"):
                summary = cli.analyze(paths[phase], binary=DELTAH)
                assert summary["tokens"] == int(per_token.load(paths[phase])["mask"].sum()), (s, p, phase)
            result = cli.compare(paths["before"], paths["after"], linearized=paths["jvp"], binary=DELTAH)
            meta = per_token.load_metadata(paths["jvp"])
            assert result["tokens"] == summary["tokens"]
            assert result["parameter_space_first_order"] == float(meta["parameter_space_first_order"])
