"""A training script written as a user would, against `deltah.trl.capture`'s public signature only,
whose dumps are checked against an independent float64 recomputation.

The user script: a tiny random Qwen2 built here (not from the example), a GRPOTrainer with
gradient accumulation and a cosine schedule, `capture(trainer, out, every=1, max_sequences=6,
dtype="f32")`, and a callback of the user's own that snapshots the parameters after every step.
The check: a float64 copy of the model at θ_{s-1} (before step s) and θ_s (after it) recomputes the
logits of the stored prompt + completion tokens; the dumps must match to 2e-5 (float32 forward vs
float64 forward on logits of magnitude ≲ 3: float32 rounding through two layers, measured ≲ 3e-6),
and shifting the positions by one must not match (the alignment is checked, not assumed).
"""

import copy
import json
import os

import numpy as np
import pytest

torch = pytest.importorskip("torch")
trl = pytest.importorskip("trl")
datasets = pytest.importorskip("datasets")

from safetensors.numpy import load_file  # noqa: E402


def char_tokenizer():
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    chars = list("xyz0123456789 .,!?")
    vocab = {t: i for i, t in enumerate(["[PAD]", "[BOS]", "[EOS]"] + chars)}
    core = Tokenizer(models.WordLevel(vocab=vocab, unk_token="[PAD]"))
    core.pre_tokenizer = pre_tokenizers.Split("", "isolated")
    core.decoder = decoders.Fuse()
    tok = PreTrainedTokenizerFast(tokenizer_object=core, pad_token="[PAD]", bos_token="[BOS]", eos_token="[EOS]")
    tok.padding_side = "left"
    return tok


def test_user_script_dumps_match_float64_recomputation(tmp_path):
    from transformers import Qwen2Config, Qwen2ForCausalLM, TrainerCallback
    from trl import GRPOConfig, GRPOTrainer

    from deltah.trl import capture

    tok = char_tokenizer()
    config = Qwen2Config(vocab_size=len(tok), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64,
                         initializer_range=0.2, tie_word_embeddings=False, pad_token_id=tok.pad_token_id,
                         eos_token_id=tok.eos_token_id, bos_token_id=tok.bos_token_id)
    torch.manual_seed(7)
    model = Qwen2ForCausalLM(config)
    model.generation_config.pad_token_id = tok.pad_token_id
    model.generation_config.eos_token_id = tok.eos_token_id
    data = datasets.Dataset.from_dict({"prompt": [f"{i % 10}{(3 * i) % 10}." for i in range(16)]})

    def reward(completions, **kwargs):
        return [c.count("x") - c.count("z") * 0.5 for c in completions]

    args = GRPOConfig(output_dir=str(tmp_path / "run"), per_device_train_batch_size=4, gradient_accumulation_steps=2,
                      num_generations=4, max_completion_length=8, max_steps=3, learning_rate=1e-3,
                      lr_scheduler_type="cosine", temperature=1.3, use_cpu=True, bf16=False, report_to=[],
                      save_strategy="no", seed=3, disable_tqdm=True)
    trainer = GRPOTrainer(model=model, reward_funcs=reward, args=args, train_dataset=data, processing_class=tok)

    snapshots = {0: copy.deepcopy(trainer.model.state_dict())}

    class Snapshot(TrainerCallback):
        def on_step_end(self, args, state, control, model=None, **kwargs):
            snapshots[state.global_step] = copy.deepcopy(model.state_dict())

    trainer.add_callback(Snapshot())
    capture(trainer, tmp_path / "dumps", every=1, max_sequences=6, dtype="f32")  # the one added line
    trainer.train()

    reference = Qwen2ForCausalLM(config).double().eval()
    names = sorted(os.listdir(tmp_path / "dumps"))
    assert names == [f"step_{s:06d}.{p}.safetensors" for s in (1, 2, 3) for p in ("after", "before")]
    for step in (1, 2, 3):
        for phase, theta in (("before", snapshots[step - 1]), ("after", snapshots[step])):
            path = tmp_path / "dumps" / f"step_{step:06d}.{phase}.safetensors"
            d = load_file(str(path))
            with open(path, "rb") as f:
                n = int.from_bytes(f.read(8), "little")
                meta = json.loads(f.read(n))["__metadata__"]
            assert float(meta["temperature"]) == 1.3 and int(meta["step"]) == step
            assert d["token_ids"].shape[0] == 6  # max_sequences
            reference.load_state_dict({k: v.double() for k, v in theta.items()})
            prompt, completion = torch.from_numpy(d["prompt_ids"]), torch.from_numpy(d["token_ids"])
            attention = torch.cat([torch.from_numpy(d["prompt_mask"]), torch.from_numpy(d["mask"])], 1).long()
            with torch.no_grad():
                z = reference(input_ids=torch.cat([prompt, completion], 1), attention_mask=attention).logits.numpy()
            p, c = prompt.shape[1], completion.shape[1]
            expected = z[:, p - 1 : p + c - 1]
            valid = d["mask"].astype(bool)
            err = np.abs(d["logits"].astype(np.float64) - expected)[valid]
            assert err.max() <= 2e-5, (step, phase, err.max())
            shifted = np.abs(d["logits"][:, 1:].astype(np.float64) - z[:, p - 1 : p + c - 2])[valid[:, 1:]]
            assert shifted.max() > 1e-2  # an off-by-one alignment would be caught
    # the steps really changed the policy
    before1 = load_file(str(tmp_path / "dumps" / "step_000001.before.safetensors"))["logits"]
    after1 = load_file(str(tmp_path / "dumps" / "step_000001.after.safetensors"))["logits"]
    assert np.abs(before1 - after1).max() > 1e-3
