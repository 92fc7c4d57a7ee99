"""deltah.linearize on a tiny Qwen2 built from a config (random weights, no download), in float64.

Checks, each against an independent route:
* ∇θH̄·Δθ (reverse mode, parameter space) equals the token mean of −Cov_π(log π, J·Δθ/T) (forward
  mode, logit space) to 1e-6 relative (both are the same derivative; float64 rounding is ~1e-13);
* finite differences (H̄(θ + εΔθ) − H̄(θ))/ε converge to it: relative error ≤ 1e-4 at the best ε
  (forward differences: truncation O(ε), rounding O(1e-16/ε));
* J·Δθ equals central differences of the logits along Δθ (truncation O(ε²));
* predict_update's Δθ equals the actual Δθ of real optimizer steps to 1e-6 relative (float64: the
  same formulas in a different order, so ~1e-15), for SGD (momentum, dampening, Nesterov, weight
  decay, maximize) and Adam/AdamW (L2 and decoupled weight decay, AMSGrad), over several steps so that
  the state matters; and it changes neither the optimizer state nor the gradients;
* the reverse-mode pass leaves the training gradients untouched;
* write_jvp_dump's file, read by `deltah compare --linearized`, reproduces the Python first order.

Skipped without torch and transformers (the torch venv of scripts/torch-tests.sh has them).
"""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

HERE = os.path.dirname(__file__)
sys.path.insert(0, os.path.join(HERE, ".."))
from deltah import export as dx  # noqa: E402
from deltah import linearize as lz  # noqa: E402

from deltah_binary import DELTAH  # noqa: E402
from float64_qwen2 import true_float64  # noqa: E402

T = 0.9
B, P, C, V = 3, 4, 5, 37
SLICE = (slice(None), slice(P - 1, P + C - 1))


@pytest.fixture(scope="module", autouse=True)
def true_float64_qwen2():
    """Qwen2 computes RMSNorm and eager attention's softmax in float32 even in a float64 model,
    which caps finite differences at float32 accuracy; for these float64 checks both run in float64
    (same formulas; J·Δθ and ∇θH̄·Δθ go through the same code)."""
    with true_float64():
        yield


def tiny_model(seed=0, dtype=torch.float64):
    torch.manual_seed(seed)
    cfg = transformers.Qwen2Config(
        vocab_size=V, hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
        num_key_value_heads=2, max_position_embeddings=64, initializer_range=0.2,
    )
    return transformers.Qwen2ForCausalLM(cfg).to(dtype)


def batch(seed=1):
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(0, V, (B, P + C), generator=g)
    # No left padding: in float64, transformers 5.24's eager attention turns a fully masked query
    # row (a padding position) into NaN, which spreads through the values (float32 is fine).
    attn = torch.ones(B, P + C, dtype=torch.long)
    mask = torch.ones(B, C, dtype=torch.bool)
    mask[1, -2:] = False  # a completion that ended early
    adv = torch.tensor([1.0, -0.5, -0.5], dtype=torch.float64)
    return ids, attn, mask, adv


def policy_loss(model, ids, attn, mask, adv):
    """A GRPO-like surrogate: −Σ A log π(y_t) / tokens over the completion positions."""
    z = model(input_ids=ids, attention_mask=attn).logits[SLICE] / T
    logp = torch.log_softmax(z, -1).gather(-1, ids[:, P:, None]).squeeze(-1)
    return -(adv[:, None] * logp * mask).sum() / mask.sum()


def one_step(model, opt, data):
    opt.zero_grad()
    policy_loss(model, *data).backward()
    before = lz.snapshot_parameters(model)
    predicted = lz.predict_update(opt, dict(model.named_parameters()))
    opt.step()
    return before, predicted, lz.parameter_delta(before, model)


def norm(d):
    return float(torch.sqrt(sum((x.to(torch.float64) ** 2).sum() for x in d.values())))


def rel(a, b):
    return norm({k: a[k] - b[k] for k in b}) / norm(b)


@pytest.fixture(scope="module")
def adam_step():
    model = tiny_model()
    data = batch()
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01)
    one_step(model, opt, data)  # a first step so that the second has Adam state
    before, predicted, delta = one_step(model, opt, data)
    return model, data, before, predicted, delta


def test_two_routes_one_number(adam_step):
    model, (ids, attn, mask, _), before, _, delta = adam_step
    jvp = lz.linearized_logit_change(model, before, delta, ids, attn, SLICE)
    z = lz.logits_at(model, before, ids, attn, SLICE)
    per_token = lz.first_order_entropy_change(z, jvp, T)
    logit_route = float(per_token[mask].mean())
    parameter_route = lz.entropy_gradient_dot_update(model, before, delta, ids, attn, SLICE, mask, T)
    assert abs(logit_route) > 1e-6  # a real change, not two zeros
    assert parameter_route == pytest.approx(logit_route, rel=1e-6)


def test_jvp_matches_central_differences_of_the_logits(adam_step):
    model, (ids, attn, _, _), before, _, delta = adam_step
    jvp = lz.linearized_logit_change(model, before, delta, ids, attn, SLICE)
    eps = 1e-4
    plus = lz.logits_at(model, {n: before[n] + eps * delta[n] for n in before}, ids, attn, SLICE)
    minus = lz.logits_at(model, {n: before[n] - eps * delta[n] for n in before}, ids, attn, SLICE)
    fd = (plus - minus) / (2 * eps)
    # Central differences: truncation ~ε²·|third derivative|, rounding ~1e-16/ε.
    assert float((jvp - fd).abs().max()) <= 1e-7 * float(fd.abs().max())


def test_finite_differences_converge_to_the_parameter_space_first_order(adam_step):
    model, (ids, attn, mask, _), before, _, delta = adam_step
    exact = lz.entropy_gradient_dot_update(model, before, delta, ids, attn, SLICE, mask, T)
    h0 = lz.mean_entropy(model, before, ids, attn, SLICE, mask, T)
    errors = []
    for eps in [10.0 ** -k for k in range(1, 9)]:
        h = lz.mean_entropy(model, {n: before[n] + eps * delta[n] for n in before}, ids, attn, SLICE, mask, T)
        errors.append(abs((h - h0) / eps - exact) / abs(exact))
    assert min(errors) <= 1e-4, errors
    # The truncation error shrinks with ε before rounding takes over.
    assert errors[3] < errors[0]


def test_reverse_pass_leaves_training_gradients_alone(adam_step):
    model, (ids, attn, mask, adv), before, _, delta = adam_step
    model.zero_grad()
    policy_loss(model, ids, attn, mask, adv).backward()
    grads = {n: p.grad.clone() for n, p in model.named_parameters()}
    lz.entropy_gradient_dot_update(model, before, delta, ids, attn, SLICE, mask, T)
    for n, p in model.named_parameters():
        assert torch.equal(p.grad, grads[n]), n


OPTIMIZERS = [
    ("sgd", lambda ps: torch.optim.SGD(ps, lr=0.05)),
    ("sgd-momentum-wd", lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01)),
    ("sgd-nesterov", lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.02)),
    ("sgd-maximize", lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.5, maximize=True)),
    ("adam", lambda ps: torch.optim.Adam(ps, lr=1e-3)),
    ("adam-l2-amsgrad", lambda ps: torch.optim.Adam(ps, lr=1e-3, weight_decay=0.05, amsgrad=True)),
    ("adamw", lambda ps: torch.optim.AdamW(ps, lr=1e-3, weight_decay=0.1, betas=(0.8, 0.95), eps=1e-6)),
    ("adamw-amsgrad-maximize", lambda ps: torch.optim.AdamW(ps, lr=1e-3, amsgrad=True, maximize=True)),
    ("adamw-foreach", lambda ps: torch.optim.AdamW(ps, lr=1e-3, weight_decay=0.1, foreach=True)),
    ("adamw-fused", lambda ps: torch.optim.AdamW(ps, lr=1e-3, weight_decay=0.1, fused=True)),
]


@pytest.mark.parametrize("name,make", OPTIMIZERS, ids=[o[0] for o in OPTIMIZERS])
def test_predicted_update_equals_actual_update(name, make):
    model = tiny_model(seed=3)
    data = batch(seed=4)
    opt = make(model.parameters())
    for step in range(3):
        opt.zero_grad()
        policy_loss(model, *data).backward()
        if step == 1:
            torch.nn.utils.clip_grad_norm_(model.parameters(), 0.05)  # clipping precedes the step
        state = {id(p): {k: (v.clone() if torch.is_tensor(v) else v) for k, v in s.items()} for p, s in opt.state.items()}
        grads = {n: p.grad.clone() for n, p in model.named_parameters()}
        before = lz.snapshot_parameters(model)
        predicted = lz.predict_update(opt, dict(model.named_parameters()))
        # Nothing changed by the prediction.
        assert {id(p): set(s) for p, s in opt.state.items()} == {k: set(v) for k, v in state.items()}
        for p, s in opt.state.items():
            for k, v in s.items():
                assert (torch.equal(v, state[id(p)][k]) if torch.is_tensor(v) else v == state[id(p)][k]), (name, k)
        for n, p in model.named_parameters():
            assert torch.equal(p.grad, grads[n])
        opt.step()
        actual = lz.parameter_delta(before, model)
        assert set(predicted) == set(actual)
        assert rel(predicted, actual) <= 1e-6, (name, step, rel(predicted, actual))


def test_optimizer_wrapped_by_accelerate_is_unwrapped():
    """Regression: accelerate's AcceleratedOptimizer subclasses torch.optim.Optimizer, so it was
    taken for the optimizer itself and refused as unsupported."""
    accelerate = pytest.importorskip("accelerate")
    model = tiny_model(seed=5)
    data = batch(seed=6)
    wrapped = accelerate.Accelerator(cpu=True).prepare_optimizer(torch.optim.AdamW(model.parameters(), lr=1e-3))
    assert isinstance(wrapped, accelerate.optimizer.AcceleratedOptimizer)
    wrapped.zero_grad()
    policy_loss(model, *data).backward()
    before = lz.snapshot_parameters(model)
    predicted = lz.predict_update(wrapped, dict(model.named_parameters()))
    wrapped.step()
    assert rel(predicted, lz.parameter_delta(before, model)) <= 1e-6


def test_unsupported_optimizer_is_named():
    model = tiny_model()
    opt = torch.optim.RMSprop(model.parameters(), lr=1e-3)
    with pytest.raises(NotImplementedError, match="RMSprop"):
        lz.predict_update(opt)


def test_twin_is_built_once_on_meta():
    model = tiny_model()
    twin = lz.eager_twin(model)
    assert lz.eager_twin(model) is twin
    assert all(p.device.type == "meta" for p in twin.parameters())
    assert twin.config._attn_implementation == "eager"


@pytest.mark.skipif(not os.path.exists(DELTAH), reason="deltah binary not built")
def test_jvp_dump_read_by_deltah_compare(adam_step, tmp_path):
    model, (ids, attn, mask, adv), before, _, delta = adam_step
    z0 = lz.logits_at(model, before, ids, attn, SLICE)
    z1 = lz.logits_at(model, {n: before[n] + delta[n] for n in before}, ids, attn, SLICE)
    jvp = lz.linearized_logit_change(model, before, delta, ids, attn, SLICE)
    b, a = str(tmp_path / "step_000002.before.safetensors"), str(tmp_path / "step_000002.after.safetensors")
    common = dict(token_ids=ids[:, P:], mask=mask, advantages=adv[:, None].expand(B, C), temperature=T, step=2, logits_dtype="f32")
    dx.save_dump(b, logits=z0, **common)
    dx.save_dump(a, logits=z1, **common)
    j = lz.jvp_path(str(tmp_path), 2)
    g = lz.entropy_gradient_dot_update(model, before, delta, ids, attn, SLICE, mask, T)
    lz.write_jvp_dump(j, jvp, b, parameter_space_first_order=g, predicted_before_step=0.5)
    tensors, meta = lz.read_safetensors(j)
    assert meta["step"] == "2" and meta["temperature"] == repr(T) and float(meta["parameter_space_first_order"]) == g
    assert tensors["logits"][0] == "F32" and np.array_equal(tensors["token_ids"][1], ids[:, P:].numpy())
    out = str(tmp_path / "per_token.safetensors")
    proc = subprocess.run([DELTAH, "compare", b, a, "--linearized", j, "--json", "--per-token", out], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    per_token, _ = lz.read_safetensors(out)
    # Python's first order on the same F32-rounded inputs, in float64.
    z0_32 = torch.from_numpy(z0.float().numpy()).double()
    j32 = torch.from_numpy(jvp.float().numpy()).double()
    expected = lz.first_order_entropy_change(z0_32, j32, T)
    got = torch.from_numpy(per_token["delta_linearized_first_order"][1])
    m = mask
    assert torch.allclose(got[m], expected[m], rtol=1e-9, atol=1e-14)
    assert torch.isnan(got[~m]).all()
    assert summary["linearized_tokens"] == int(mask.sum())
    assert summary["mean_delta_linearized_first_order"] == pytest.approx(float(expected[m].mean()), rel=1e-9)
    # Two routes: F32 storage of z and J·Δθ limits the agreement to ~1e-6.
    assert summary["parameter_space_first_order"] == pytest.approx(summary["mean_delta_linearized_first_order"], rel=1e-4)
    parts = summary["mean_delta_linearized_first_order"] + summary["mean_logit_nonlinearity"] + summary["mean_second_order_remainder"]
    assert parts == pytest.approx(summary["mean_delta_actual"], rel=1e-12, abs=1e-15)


@pytest.mark.skipif(not os.path.exists(DELTAH), reason="deltah binary not built")
def test_deltah_compare_names_a_jvp_file_of_other_positions(adam_step, tmp_path):
    model, (ids, attn, mask, adv), before, _, delta = adam_step
    z0 = lz.logits_at(model, before, ids, attn, SLICE)
    b = str(tmp_path / "b.safetensors")
    dx.save_dump(b, logits=z0, token_ids=ids[:, P:], mask=mask, advantages=adv[:, None].expand(B, C), temperature=T, logits_dtype="f32")
    j = str(tmp_path / "short.jvp.safetensors")
    lz.write_jvp_dump(j, torch.zeros(B, C - 1, V), ({"token_ids": ("I64", ids[:, P + 1:].numpy())}, {"temperature": repr(T)}))
    proc = subprocess.run([DELTAH, "compare", b, b, "--linearized", j], capture_output=True, text=True)
    assert proc.returncode != 0
    assert "short.jvp.safetensors" in proc.stderr and "shape" in proc.stderr
