# DeltaH — entropy change of softmax policies.
"""The per-token quantities of a logit batch in float64 numpy: the independent reference the
oracle tests check ``deltah analyze``/``whatif`` against (docs/theory.md#polarity).

With π = softmax(z/T): log π, H = −Σπ log π, the discriminator Sᵢ = πᵢ(log πᵢ + H), E_π[S] = Σπᵢ Sᵢ,
and at the sampled token y: log π(y) and S_y.
"""

from __future__ import annotations

from typing import Dict

import numpy as np


def log_softmax(logits: np.ndarray, temperature: float) -> np.ndarray:
    """log softmax(z/T) over the last axis, in float64 (max-shifted log-sum-exp).

    Parameters
    ----------
    logits : numpy.ndarray
        [..., V] logits of any float dtype.
    temperature : float
        T > 0.

    Returns
    -------
    numpy.ndarray
        float64 log-probabilities, same shape.
    """
    x = logits.astype(np.float64) / temperature
    m = x.max(-1, keepdims=True)
    return x - (np.log(np.exp(x - m).sum(-1, keepdims=True)) + m)


def token_quantities(logits: np.ndarray, tokens: np.ndarray, temperature: float) -> Dict[str, np.ndarray]:
    """Entropy, discriminators and the sampled token's log-prob of every position.

    Parameters
    ----------
    logits : numpy.ndarray
        [..., V] logits.
    tokens : numpy.ndarray
        [...] sampled token ids (int).
    temperature : float
        T > 0.

    Returns
    -------
    dict of numpy.ndarray
        ``entropy`` H, ``expected_discriminator`` E_π[S], ``logp`` log π(y) and
        ``sampled_discriminator`` S_y, each of shape [...].
    """
    logp_all = log_softmax(logits, temperature)
    p = np.exp(logp_all)
    h = -(p * logp_all).sum(-1)
    s = p * (logp_all + h[..., None])
    return {
        "entropy": h,
        "expected_discriminator": (p * s).sum(-1),
        "logp": np.take_along_axis(logp_all, tokens[..., None], -1)[..., 0],
        "sampled_discriminator": np.take_along_axis(s, tokens[..., None], -1)[..., 0],
    }
