"""deltah.verl against verl's own DataProto, GRPO advantage and position-id code (verl 0.9.1).

Opt-in: verl pins transformers<5.11 and needs its own venv; `scripts/verl-tests.sh` makes
~/.cache/deltah/venv-verl and runs this file there. Skipped when verl is not installed.

A batch is built the way RayPPOTrainer.fit holds it (left-padded prompts, right-padded responses,
`attention_mask`, `position_ids` from verl's compute_position_id_with_mask, `uid` with n responses
per prompt, GRPO advantages from verl's compute_grpo_outcome_advantage, `old_log_probs` from the
actor's forward). A tiny random Qwen2 is the actor; one SGD step between the before and after
forwards. Tolerances: F32 logits vs the same float32 forward, 1e-5 (reduction order);
DeltaH's recomputed log-probs vs log_softmax in float64 of the same F32 logits, 1e-6.
"""

import os
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")
verl = pytest.importorskip("verl")
from verl import DataProto  # noqa: E402
from verl.trainer.ppo.core_algos import compute_grpo_outcome_advantage  # noqa: E402
from verl.utils.model import compute_position_id_with_mask  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from deltah import cli, per_token  # noqa: E402
from deltah.verl import dump_batch, group_ids_from_uid, response_logits  # noqa: E402

from deltah_binary import DELTAH, requires_binary  # noqa: E402

T = 0.8
LR = 0.005


def tiny_actor(vocab=40, seed=0):
    from transformers import Qwen2Config, Qwen2ForCausalLM

    torch.manual_seed(seed)
    config = Qwen2Config(vocab_size=vocab, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64,
                         initializer_range=0.2, tie_word_embeddings=False, pad_token_id=0)
    return Qwen2ForCausalLM(config)


def verl_batch(model, prompts_n=3, n=4, p=5, r=6, vocab=40, seed=1):
    g = torch.Generator().manual_seed(seed)
    b = prompts_n * n
    prompt_len = torch.randint(2, p + 1, (prompts_n,), generator=g).repeat_interleave(n)
    response_len = torch.randint(1, r + 1, (b,), generator=g)
    prompts = torch.zeros(b, p, dtype=torch.long)
    base = torch.randint(1, vocab, (prompts_n, p), generator=g).repeat_interleave(n, 0)
    responses = torch.randint(1, vocab, (b, r), generator=g)
    attention = torch.zeros(b, p + r, dtype=torch.long)
    for i in range(b):
        prompts[i, p - prompt_len[i]:] = base[i, p - prompt_len[i]:]
        attention[i, p - prompt_len[i]: p] = 1
        attention[i, p: p + response_len[i]] = 1
        responses[i, response_len[i]:] = 0
    response_mask = attention[:, p:].clone()
    uid = np.array([f"prompt-{i // n}" for i in range(b)], dtype=object)
    scores = torch.randn(b, generator=g)
    token_rewards = torch.zeros(b, r)
    token_rewards[torch.arange(b), response_len - 1] = scores
    advantages, _ = compute_grpo_outcome_advantage(token_rewards, response_mask.float(), uid)
    batch = DataProto.from_dict(
        tensors={"prompts": prompts, "responses": responses, "input_ids": torch.cat([prompts, responses], 1),
                 "attention_mask": attention, "position_ids": compute_position_id_with_mask(attention),
                 "response_mask": response_mask, "advantages": advantages},
        non_tensors={"uid": uid}, meta_info={"temperature": T, "global_steps": 7})
    z = response_logits(model, batch)
    old = torch.log_softmax(z / T, -1).gather(-1, responses[..., None])[..., 0]
    batch.batch["old_log_probs"] = old
    return batch


def test_group_ids_from_uid():
    assert group_ids_from_uid(np.array(["b", "b", "a", "a", "b"], dtype=object)).tolist() == [0, 0, 1, 1, 0]


def test_response_logits_slice_matches_a_direct_forward():
    model = tiny_actor()
    batch = verl_batch(model)
    z = response_logits(model, batch)
    p = batch.batch["prompts"].shape[1]
    with torch.no_grad():
        full = model(input_ids=batch.batch["input_ids"], attention_mask=batch.batch["attention_mask"],
                     position_ids=batch.batch["position_ids"]).logits
    assert torch.equal(z, full[:, p - 1 : -1].float())
    assert z.shape == (*batch.batch["responses"].shape, 40)


@requires_binary
def test_dump_batch_before_after_with_compare(tmp_path):
    model = tiny_actor()
    batch = verl_batch(model)
    before = response_logits(model, batch)
    dump_batch(batch, tmp_path / "before.safetensors", logits=before, logits_dtype="f32", lr=LR)
    # one SGD step on the GRPO objective Σ A log π(response) / tokens
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)
    ids, attention = batch.batch["input_ids"], batch.batch["attention_mask"]
    p = batch.batch["prompts"].shape[1]
    z = model(input_ids=ids, attention_mask=attention, position_ids=batch.batch["position_ids"]).logits[:, p - 1 : -1]
    logp = torch.log_softmax(z / T, -1).gather(-1, batch.batch["responses"][..., None])[..., 0]
    mask = batch.batch["response_mask"].float()
    (-(batch.batch["advantages"] * logp * mask).sum() / mask.sum()).backward()
    optimizer.step()
    after = response_logits(model, batch)
    dump_batch(batch, tmp_path / "after.safetensors", logits=after, logits_dtype="f32", lr=LR)

    d = per_token.load(tmp_path / "before.safetensors")
    meta = per_token.load_metadata(tmp_path / "before.safetensors")
    assert meta["temperature"] == repr(T) and meta["step"] == "7" and meta["lr"] == repr(LR)
    assert np.array_equal(d["token_ids"], batch.batch["responses"].numpy())
    assert np.array_equal(d["mask"], batch.batch["response_mask"].numpy().astype(np.uint8))
    assert np.array_equal(d["group_ids"][:, 0], np.repeat(np.arange(3), 4))
    assert np.array_equal(d["prompt_ids"], batch.batch["prompts"].numpy())
    assert np.array_equal(d["logits"], before.numpy())
    assert np.allclose(d["advantages"], batch.batch["advantages"].numpy())
    # GRPO: one advantage per response, broadcast over its valid tokens, summing to ~0 per group
    valid = d["mask"].astype(bool)
    seq_adv = np.array([d["advantages"][i][valid[i]][0] for i in range(12)])
    assert np.abs(seq_adv.reshape(3, 4).sum(1)).max() < 1e-5

    pt = tmp_path / "pt.safetensors"
    r = cli.analyze(tmp_path / "before.safetensors", per_token=pt, binary=DELTAH)
    assert r["tokens"] == int(valid.sum())
    x = before.double().numpy() / T
    ref = x - np.log(np.exp(x - x.max(-1, keepdims=True)).sum(-1, keepdims=True)) - x.max(-1, keepdims=True)
    ref = np.take_along_axis(ref, d["token_ids"][..., None], -1)[..., 0]
    assert np.abs(per_token.load(pt)["logprob"][valid] - ref[valid]).max() <= 1e-6
    # verl's old_log_probs (float32 log_softmax of the same policy) travel unchanged into the dump
    assert np.abs(d["old_logprobs"][valid] - ref[valid]).max() <= 1e-5
    c = cli.compare(tmp_path / "before.safetensors", tmp_path / "after.safetensors", binary=DELTAH)
    assert c["tokens"] == int(valid.sum()) and c["pearson_first_order"] > 0.5
    assert c["pearson_second_order"] > c["pearson_first_order"]  # a small step: the curvature term helps
    print("verl tiny step: pearson first/second order", c["pearson_first_order"], c["pearson_second_order"])


def test_dump_batch_errors_and_scalar_only(tmp_path):
    batch = verl_batch(tiny_actor())
    batch.meta_info.pop("temperature")
    with pytest.raises(ValueError, match="temperature"):
        dump_batch(batch, tmp_path / "x.safetensors")
    out = dump_batch(batch, tmp_path / "x.safetensors", temperature=1.0, max_sequences=5)
    d = per_token.load(out)
    assert d["token_ids"].shape[0] == 5 and "logits" not in d and "old_logprobs" in d
    del batch.batch["advantages"]
    with pytest.raises(ValueError, match="advantages"):
        dump_batch(batch, tmp_path / "y.safetensors", temperature=1.0)
