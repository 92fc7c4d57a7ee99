"""One process of the real two-process capture run of ``test_trl_multiprocess.py`` (started by
``torch.distributed.run --nproc_per_node 2``; not a test module itself).

    python -m torch.distributed.run --nproc_per_node 2 trl_two_process_run.py OUT

Each process trains the tiny GRPO run (2 steps, ``linearize=True``, F32 dumps) with
``deltah.trl.capture`` into ``OUT/dumps`` and records every file the deltah writers put in place
(path and SHA-256 of the finished file, in write order) in ``OUT/writes.process{p}.json``, with the
callback's ``written``, ``failures`` and jvp paths and the accelerator's process index and count.
"""

import hashlib
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "examples"))
sys.path.insert(0, os.path.join(HERE, ".."))

import torch  # noqa: E402

import trl_grpo_tiny as tiny  # noqa: E402
from deltah import export  # noqa: E402
from deltah.trl import capture  # noqa: E402


def sha256(path: str) -> str:
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def main(out: str) -> None:
    writes = []
    atomic_write = export._atomic_write

    def recording(path, *args, **kwargs):
        atomic_write(path, *args, **kwargs)
        writes.append([os.path.basename(path), sha256(path)])

    export._atomic_write = recording  # deltah.linearize writes the jvp dump through export._atomic_write too
    torch.manual_seed(0)
    trainer = tiny.make_trainer(os.path.join(out, "trainer"), steps=2, seed=0)
    callback = capture(trainer, os.path.join(out, "dumps"), dtype="f32", linearize=True)
    trainer.train()
    accelerator = trainer.accelerator
    record = {
        "process_index": accelerator.process_index, "num_processes": accelerator.num_processes,
        "distributed_type": str(accelerator.distributed_type), "writes": writes,
        "written": [[os.path.basename(b), os.path.basename(a)] for b, a in callback.written],
        "jvp": {str(s): os.path.basename(r["path"]) for s, r in callback.linearized.items()},
        "failures": callback.failures,
    }
    with open(os.path.join(out, f"writes.process{accelerator.process_index}.json"), "w") as f:
        json.dump(record, f)


if __name__ == "__main__":
    main(sys.argv[1])
