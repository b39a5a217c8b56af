"""nn.utils: gradient clipping, parameter vectors, ``nn.utils.rnn`` (padding and
packing variable-length sequences), weight and spectral normalization (the hook-based
forms, and ``parametrize`` / ``parametrizations``)."""
from __future__ import annotations

from . import clip_grad, convert_parameters, parametrizations, parametrize, rnn, stateless
from .clip_grad import clip_grad_norm_, clip_grad_value_, clip_grads_with_norm_, get_total_norm
from .convert_parameters import parameters_to_vector, vector_to_parameters
from .spectral_norm import remove_spectral_norm, spectral_norm
from .weight_norm import remove_weight_norm, weight_norm

__all__ = ["clip_grad", "convert_parameters", "rnn", "stateless", "clip_grad_norm_",
           "clip_grad_value_", "clip_grads_with_norm_", "get_total_norm", "parameters_to_vector",
           "vector_to_parameters", "parametrize", "parametrizations", "weight_norm",
           "remove_weight_norm", "spectral_norm", "remove_spectral_norm"]
