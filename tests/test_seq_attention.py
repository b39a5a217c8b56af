"""F.scaled_dot_product_attention's masks against torch: which shapes torch refuses.

torch adds the mask to the scores in place, so a mask may broadcast into the scores'
shape but never grow it; and its fused CPU kernel (4-d query, key and value of one batch
and heads, no dropout, no mask that requires grad) reads the mask's dim -2, so there a
0- or 1-d mask is an IndexError, where the other paths broadcast it.
"""
import numpy as np
import pytest

import tinygrad_acts as ta
import tinygrad_acts.functional as F

torch = pytest.importorskip("torch")

QK = {"2-d": ((3, 4), (5, 4)), "3-d": ((2, 3, 4), (2, 5, 4)),
      "4-d": ((2, 2, 3, 4), (2, 2, 5, 4)), "4-d, key heads 1": ((2, 2, 3, 4), (2, 1, 5, 4)),
      "4-d, key batch 1": ((2, 2, 3, 4), (1, 2, 5, 4)), "4-d, 3-d key": ((2, 2, 3, 4), (2, 5, 4)),
      "5-d": ((2, 1, 2, 3, 4), (2, 1, 2, 5, 4))}
MASKS = [(), (1,), (5,), (1, 5), (3, 5), (3, 1), (2, 3, 5), (2, 1, 3, 5), (2, 2, 3, 5),
         (1, 2, 2, 3, 5), (3, 2, 2, 3, 5), (1, 1, 1, 1, 1, 3, 5)]


def _both(qs, ks, ms, kind, **kw):
    """(torch's outcome, ours): ("ok", output, input grads) or ("raise", type)."""
    r = np.random.default_rng(0)
    arrays = [r.standard_normal(qs), r.standard_normal(ks), r.standard_normal(ks[:-1] + (3,))]
    mask = np.asarray(r.random(ms) > 0.4) if kind == "bool" else r.standard_normal(ms)
    grad_mask = kind == "float, requires grad"
    out = []
    for lib, sdpa in ((torch, torch.nn.functional.scaled_dot_product_attention),
                      (ta, F.scaled_dot_product_attention)):
        ts = [lib.tensor(a, requires_grad=True) for a in arrays]
        m = lib.tensor(mask, requires_grad=grad_mask)
        try:
            y = sdpa(*ts, attn_mask=m, **kw)
        except (RuntimeError, IndexError, ValueError) as e:
            out.append(("raise", type(e).__name__))
            continue
        y.sum().backward()
        grads = [t.grad.numpy() for t in ts] + ([m.grad.numpy()] if grad_mask else [])
        out.append(("ok", y.detach().numpy(), grads))
    return out


@pytest.mark.parametrize("kind", ["bool", "float", "float, requires grad"])
@pytest.mark.parametrize("ms", MASKS, ids=str)
@pytest.mark.parametrize("qk", list(QK))
def test_sdpa_mask_shapes_run_and_raise_as_torch(qk, ms, kind):
    theirs, ours = _both(*QK[qk], ms, kind)
    assert theirs[0] == ours[0], (theirs[:2], ours[:2])
    if theirs[0] == "raise":
        assert theirs[1] == ours[1]  # torch's IndexError for the fused kernel's dim -2
        return
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-10, atol=1e-12)
    for a, b in zip(ours[2], theirs[2]):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("kw", [{"enable_gqa": True}, {"dropout_p": 0.0}, {"scale": 0.3}],
                         ids=str)
@pytest.mark.parametrize("ms", [(), (5,), (3, 5), (2, 2, 3, 5)], ids=str)
def test_sdpa_fused_kernel_conditions_are_torchs(ms, kw):
    """GQA (key heads repeated) still takes the fused kernel; dropout_p=0.0 too."""
    for qk in (((2, 4, 3, 4), (2, 2, 5, 4)), ((2, 2, 3, 4), (2, 2, 5, 4))):
        if "enable_gqa" not in kw and qk[0][1] != qk[1][1]:
            continue
        theirs, ours = _both(*qk, ms, "bool", **kw)
        assert theirs[0] == ours[0] and (theirs[0] == "ok" or theirs[1] == ours[1])


def test_sdpa_mask_that_grows_the_scores_names_both_shapes():
    q = ta.zeros(3, 4)
    with pytest.raises(RuntimeError, match=r"output with shape \[3, 5\] doesn't match the "
                                           r"broadcast shape \[2, 3, 5\]"):
        F.scaled_dot_product_attention(q, ta.zeros(5, 4), ta.zeros(5, 2),
                                       attn_mask=ta.ones(2, 3, 5, dtype=ta.bool))


def test_sdpa_one_dim_mask_with_fused_inputs_is_an_index_error_naming_the_shapes():
    q = ta.zeros(1, 2, 3, 4)
    with pytest.raises(IndexError, match=r"attn_mask of shape \(5,\).*\(1, 2, 3, 4\)"):
        F.scaled_dot_product_attention(q, ta.zeros(1, 2, 5, 4), ta.zeros(1, 2, 5, 4),
                                       attn_mask=ta.ones(5, dtype=ta.bool))
    # with dropout torch takes its composite path, which broadcasts the mask
    out = F.scaled_dot_product_attention(q, ta.zeros(1, 2, 5, 4), ta.zeros(1, 2, 5, 4),
                                         attn_mask=ta.ones(5, dtype=ta.bool), dropout_p=0.5)
    assert out.shape == (1, 2, 3, 4)
