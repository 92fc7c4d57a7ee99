"""A true-float64 Qwen2 for derivative checks.

transformers' Qwen2RMSNorm casts to float32 for the variance and eager attention takes its softmax in
float32, even in a float64 model; that caps finite differences and cross-route agreement at float32
accuracy. ``true_float64()`` replaces both by the same formulas without the casts while it is
active (a context manager; nothing is patched outside it).
"""

import contextlib

import pytest
import torch


@contextlib.contextmanager
def true_float64():
    from transformers.models.qwen2 import modeling_qwen2 as q

    def rms_norm(self, hidden_states):
        variance = hidden_states.pow(2).mean(-1, keepdim=True)
        return self.weight * (hidden_states * torch.rsqrt(variance + self.variance_epsilon))

    def eager_attention(module, query, key, value, attention_mask, scaling, dropout=0.0, **kwargs):
        key_states = q.repeat_kv(key, module.num_key_value_groups)
        value_states = q.repeat_kv(value, module.num_key_value_groups)
        weights = torch.matmul(query, key_states.transpose(2, 3)) * scaling
        if attention_mask is not None:
            weights = weights + attention_mask
        weights = torch.softmax(weights, dim=-1)
        return torch.matmul(weights, value_states).transpose(1, 2).contiguous(), weights

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(q.Qwen2RMSNorm, "forward", rms_norm)
        mp.setattr(q, "eager_attention_forward", eager_attention)
        yield
