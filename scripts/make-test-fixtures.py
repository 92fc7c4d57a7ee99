#!/usr/bin/env python3
"""Regenerate the committed fixtures in Tests/LogitDumpsTests/Fixtures with real numpy and the
real safetensors package (and python/deltah.export.py for BF16).

Run: .venv-py/bin/python scripts/make-test-fixtures.py   (after scripts/python-tests.sh made the venv)

Every value follows a formula that the Swift tests re-derive independently:
  grid(i)  = i * 0.25 - 3          (exact in F16, BF16, F32, F64)
  ids(i)   = i * 3
  adv(i)   = i * 0.5 - 2
  ramp(i)  = float32(1 + i / 1000) (needs rounding in BF16; the Swift test rounds it itself)
"""

import json
import os
import sys

import numpy as np
from safetensors.numpy import save_file

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "LogitDumpsTests", "Fixtures")
sys.path.insert(0, os.path.join(ROOT, "python"))
from deltah import export as dx  # noqa: E402


def grid(shape, dtype):
    n = int(np.prod(shape))
    return (np.arange(n, dtype=np.float64) * 0.25 - 3).reshape(shape).astype(dtype)


def main():
    os.makedirs(OUT, exist_ok=True)  # files are overwritten; swift_writer.safetensors is Swift's
    p = lambda name: os.path.join(OUT, name)  # noqa: E731

    # .npy: v1 header (np.save), v2 header (write_array version=(2, 0)), fortran 1-D (numpy's
    # own header writer with fortran_order=True), and a real column-major 2-D array.
    np.save(p("grid_f32_v1.npy"), grid((3, 4), np.float32))
    with open(p("ids_i64_v2.npy"), "wb") as f:
        np.lib.format.write_array(f, np.arange(6, dtype=np.int64) * 3, version=(2, 0))
    with open(p("fortran_1d_f64.npy"), "wb") as f:
        np.lib.format.write_array_header_1_0(f, {"descr": "<f8", "fortran_order": True, "shape": (5,)})
        grid((5,), np.float64).tofile(f)
    np.save(p("fortran_2d_f32.npy"), np.asfortranarray(grid((3, 4), np.float32)))

    # .npz: the same dump, stored (np.savez) and deflated (np.savez_compressed).
    dump = dict(
        logits=grid((2, 3, 5), np.float32),
        token_ids=np.arange(6, dtype=np.int64).reshape(2, 3) * 3,
        advantages=(np.arange(6) * 0.5 - 2).reshape(2, 3).astype(np.float32),
        mask=np.array([[True, True, False], [True, False, False]]),
    )
    np.savez(p("dump_stored.npz"), **dump)
    np.savez_compressed(p("dump_deflated.npz"), **dump, big=grid((200, 50), np.float32))
    with open(p("dump_deflated.metadata.json"), "w") as f:
        json.dump({"temperature": 0.5, "step": 9}, f)

    # safetensors via the real library (numpy backend): F32, F64, F16 with metadata.
    save_file({"logits": grid((2, 3, 5), np.float32), "token_ids": dump["token_ids"],
               "advantages": dump["advantages"]}, p("dump_f32.safetensors"),
              metadata={"temperature": "0.7", "step": "12", "lr": "1e-06"})
    save_file({"x": grid((4, 3), np.float64)}, p("grid_f64.safetensors"))
    save_file({"x": grid((4, 3), np.float16)}, p("grid_f16.safetensors"))

    # BF16 via the export helper: logits ramp(i) for [8, 8], token_ids ids(i), advantages adv(i).
    ramp = (1 + np.arange(64, dtype=np.float64) / 1000).astype(np.float32).reshape(8, 8)
    dx.save_dump(p("dump_bf16.safetensors"), logits=ramp, token_ids=np.arange(8) * 3,
                 advantages=np.arange(8) * 0.5 - 2, temperature=0.7, step=5, lr=1e-6)
    dx.save_npz(p("dump_bf16.npz"), logits=ramp, token_ids=np.arange(8) * 3,
                advantages=np.arange(8) * 0.5 - 2, temperature=0.7, step=5)

    for name in sorted(os.listdir(OUT)):
        print(f"{os.path.getsize(p(name)):7d}  {name}")


if __name__ == "__main__":
    main()
