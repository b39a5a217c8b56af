"""Attention and transformers: F.scaled_dot_product_attention (its rows are swept by
tests/test_ops.py; here: masks, fully masked rows, dropout, grouped-query attention,
second derivatives, errors) and the modules (MultiheadAttention, the encoder and decoder
layers and stacks, Transformer), each checked against torch from the same state_dict in
float64: outputs, attention weights and every gradient to 1e-10."""
import numpy as np
import pytest

import tinygrad_acts as ta
import tinygrad_acts.functional as F
from tinygrad_acts import nn

pytestmark = pytest.mark.filterwarnings("ignore:Support for mismatched")

RNG = np.random.default_rng(0)


def rand(*shape):
    return RNG.standard_normal(shape)


def sdpa(*args, **kw):
    return F.scaled_dot_product_attention(*args, **kw)


# --- F.scaled_dot_product_attention, without torch ------------------------------------------


def _ref(q, k, v, mask=0.0, scale=None):
    s = q @ np.swapaxes(k, -1, -2) * (scale or 1 / np.sqrt(q.shape[-1])) + mask
    e = np.exp(s - s.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True) @ v


def test_sdpa_bool_mask_takes_part_where_true_and_float_mask_adds():
    q, k, v = rand(2, 3, 4), rand(2, 5, 4), rand(2, 5, 2)
    keep = RNG.random((3, 5)) > 0.3
    keep[:, 0] = True
    got = sdpa(*map(ta.tensor, (q, k, v)), attn_mask=ta.tensor(keep)).numpy()
    np.testing.assert_allclose(got, _ref(q, k, v, np.where(keep, 0, -np.inf)), rtol=1e-12)
    m = rand(3, 5)
    got = sdpa(*map(ta.tensor, (q, k, v)), attn_mask=ta.tensor(m)).numpy()
    np.testing.assert_allclose(got, _ref(q, k, v, m), rtol=1e-12)


def test_sdpa_a_query_with_no_key_left_gives_zeros_and_zero_gradients():
    q, k, v = (ta.tensor(rand(*s), requires_grad=True) for s in ((3, 4), (5, 4), (5, 2)))
    keep = np.ones((3, 5), bool)
    keep[1] = False
    out = sdpa(q, k, v, attn_mask=ta.tensor(keep))
    assert np.all(out.numpy()[1] == 0) and np.all(np.isfinite(out.numpy()))
    out.sum().backward()
    assert np.all(q.grad.numpy()[1] == 0) and np.all(np.isfinite(k.grad.numpy()))


def test_sdpa_no_keys_gives_zeros():
    q, k, v = ta.randn(2, 3, 4), ta.randn(2, 0, 4), ta.randn(2, 0, 5)
    out = sdpa(q, k, v)
    assert out.shape == (2, 3, 5) and np.all(out.numpy() == 0)


@pytest.mark.parametrize("mask", ["none", "bool", "float", "dead row"])
def test_sdpa_gradcheck_and_gradgradcheck(mask):
    q, k, v = (ta.tensor(rand(*s), requires_grad=True) for s in ((2, 3, 4), (2, 5, 4),
                                                                  (2, 5, 2)))
    keep = np.ones((3, 5), bool)
    keep[0, 2:] = False
    if mask == "dead row":
        keep[1] = False
    inputs = [q, k, v]
    if mask == "float":
        inputs.append(ta.tensor(rand(3, 5), requires_grad=True))

    def fn(*xs):
        kw = {"attn_mask": ta.tensor(keep)} if mask in ("bool", "dead row") else {}
        return sdpa(*xs, **kw) if len(xs) == 3 else sdpa(*xs[:3], attn_mask=xs[3])
    assert ta.gradcheck(fn, inputs)
    assert ta.gradgradcheck(fn, inputs)


def test_sdpa_dropout_is_reproducible_unbiased_and_differentiable():
    q, k, v = (ta.tensor(rand(*s), requires_grad=True) for s in ((2, 3, 4), (2, 5, 4),
                                                                  (2, 5, 2)))

    def fn(*xs):
        ta.manual_seed(3)
        return sdpa(*xs, dropout_p=0.3)
    np.testing.assert_array_equal(fn(q, k, v).numpy(), fn(q, k, v).numpy())
    assert not np.allclose(fn(q, k, v).numpy(), sdpa(q, k, v).numpy())
    assert ta.gradcheck(fn, [q, k, v])
    ta.manual_seed(0)
    big = [ta.tensor(rand(*s)) for s in ((1, 4), (400, 4), (400, 1))]
    mean = np.mean([sdpa(*big, dropout_p=0.5).item() for _ in range(200)])
    assert abs(mean - sdpa(*big).item()) < 0.05
    assert np.all(sdpa(q, k, v, dropout_p=1.0).numpy() == 0)


def test_sdpa_keeps_float32():
    q = ta.randn(2, 3, 4)
    out = sdpa(q, q, q, attn_mask=ta.zeros(3, 3))
    assert out.dtype == np.float32


# --- F.scaled_dot_product_attention against torch -------------------------------------------


def _both(torch, arrays, grad=True):
    ours = [ta.tensor(a, requires_grad=grad and a.dtype.kind == "f") for a in arrays]
    theirs = [torch.tensor(a, requires_grad=grad and a.dtype.kind == "f") for a in arrays]
    return ours, theirs


def _agree(torch, ours, theirs, out, tout, atol=1e-12):
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-10, atol=atol)
    w = rand(*out.shape)
    out.backward(ta.tensor(w))
    tout.backward(torch.tensor(w))
    for a, b in zip(ours, theirs):
        if b.grad is not None:
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10, atol=atol)


SDPA_CASES = {
    "plain": (((2, 3, 4), (2, 5, 4), (2, 5, 3)), {}),
    "4-d": (((2, 2, 3, 4), (2, 2, 5, 4), (2, 2, 5, 3)), {}),
    "broadcast batch": (((2, 2, 3, 4), (1, 5, 4), (2, 1, 5, 3)), {}),
    "causal L < S": (((2, 3, 4), (2, 5, 4), (2, 5, 3)), {"is_causal": True}),
    "causal L > S": (((2, 6, 4), (2, 3, 4), (2, 3, 3)), {"is_causal": True}),
    "scale": (((2, 3, 4), (2, 5, 4), (2, 5, 3)), {"scale": 0.3}),
    "gqa": (((2, 4, 3, 4), (2, 2, 5, 4), (2, 1, 5, 3)), {"enable_gqa": True}),
    "gqa 3-d": (((4, 3, 4), (2, 5, 4), (2, 5, 3)), {"enable_gqa": True}),
    "unbatched": (((3, 4), (5, 4), (5, 2)), {}),
}


@pytest.mark.parametrize("case", list(SDPA_CASES))
def test_sdpa_matches_torch(case):
    torch = pytest.importorskip("torch")
    shapes, kw = SDPA_CASES[case]
    ours, theirs = _both(torch, [rand(*s) for s in shapes])
    _agree(torch, ours, theirs, sdpa(*ours, **kw),
           torch.nn.functional.scaled_dot_product_attention(*theirs, **kw))


@pytest.mark.parametrize("mask", ["bool", "bool with dead rows", "float", "float -inf rows",
                                  "float32 mask", "broadcast float"])
def test_sdpa_masks_match_torch(mask):
    torch = pytest.importorskip("torch")
    q, k, v = rand(2, 3, 4), rand(2, 5, 4), rand(2, 5, 3)
    if mask.startswith("bool"):
        m = RNG.random((3, 5)) > 0.4
        if "dead" in mask:
            m[1] = False
    elif mask == "broadcast float":
        m = rand(2, 1, 5)
    else:
        m = rand(3, 5)
        if "inf" in mask:
            m[0] = -np.inf
            m[2, :3] = -np.inf
    if mask == "float32 mask":
        m = m.astype(np.float32)
    ours, theirs = _both(torch, [q, k, v, m])
    out = sdpa(*ours[:3], attn_mask=ours[3])
    tout = torch.nn.functional.scaled_dot_product_attention(*theirs[:3], attn_mask=theirs[3])
    assert out.dtype == np.float64
    _agree(torch, ours, theirs, out, tout)


ERRORS = {
    "mask and causal": (((2, 3, 4), (2, 5, 4), (2, 5, 3)),
                        {"attn_mask": np.ones((3, 5), bool), "is_causal": True}),
    "mixed dtypes": (((2, 3, 4), (2, 5, 4), (2, 5, 3)), {"_q32": True}),
    "1-d": (((4,), (4,), (4,)), {}),
    "int inputs": (((2, 3, 4), (2, 5, 4), (2, 5, 3)), {"_int": True}),
    "int mask": (((2, 3, 4), (2, 5, 4), (2, 5, 3)), {"attn_mask": np.zeros((3, 5), int)}),
    "float64 mask, float32 query": (((2, 3, 4), (2, 5, 4), (2, 5, 3)),
                                    {"attn_mask": np.zeros((3, 5)), "_all32": True}),
    "bad value": (((2, 3, 4), (2, 5, 4), (2, 4, 3)), {}),
    "bad key": (((2, 3, 4), (2, 5, 3), (2, 5, 3)), {}),
    "bad mask": (((2, 3, 4), (2, 5, 4), (2, 5, 3)), {"attn_mask": np.zeros((2, 5))}),
    "gqa heads": (((2, 3, 3, 4), (2, 2, 5, 4), (2, 2, 5, 3)), {"enable_gqa": True}),
    "gqa 2-d": (((3, 4), (5, 4), (5, 3)), {"enable_gqa": True}),
    "dropout > 1": (((2, 3, 4), (2, 5, 4), (2, 5, 3)), {"dropout_p": 1.5}),
}


@pytest.mark.parametrize("case", list(ERRORS))
def test_sdpa_raises_where_torch_raises(case):
    torch = pytest.importorskip("torch")
    shapes, kw = ERRORS[case]
    kw = dict(kw)
    arrays = [rand(*s) for s in shapes]
    if kw.pop("_q32", False):
        arrays[0] = arrays[0].astype(np.float32)
    if kw.pop("_all32", False):
        arrays = [a.astype(np.float32) for a in arrays]
    if kw.pop("_int", False):
        arrays = [a.astype(np.int64) for a in arrays]
    mask = kw.pop("attn_mask", None)
    with pytest.raises(Exception) as theirs:
        torch.nn.functional.scaled_dot_product_attention(
            *map(torch.tensor, arrays), attn_mask=None if mask is None else torch.tensor(mask),
            **kw)
    with pytest.raises(theirs.type, match="scaled_dot_product_attention"):
        sdpa(*map(ta.tensor, arrays), attn_mask=None if mask is None else ta.tensor(mask),
             **kw)


# --- the modules against torch, from the same state_dict ------------------------------------


@pytest.fixture
def float64():
    torch = pytest.importorskip("torch")
    old, told = ta.get_default_dtype(), torch.get_default_dtype()
    ta.set_default_dtype(np.float64)
    torch.set_default_dtype(torch.float64)
    yield torch
    ta.set_default_dtype(old)
    torch.set_default_dtype(told)


def _load(torch, tmod, ours):
    """ours loads torch's state_dict strictly, with the same keys in the same order."""
    state = tmod.state_dict()
    assert list(ours.state_dict()) == list(state)
    ours.load_state_dict({k: ta.tensor(v.detach().numpy().copy()) for k, v in state.items()})
    return ours


def _run_both(torch, tmod, ours, arrays, call, masks=()):
    """call(module, *tensors, *masks) on both (eval mode); outputs and gradients (inputs
    and parameters) agree to 1e-10."""
    tmod.eval()
    ours.eval()
    a, b = _both(torch, arrays)
    tm = [None if m is None else torch.tensor(m) for m in masks]
    om = [None if m is None else ta.tensor(m) for m in masks]
    outs, touts = call(ours, *a, *om), call(tmod, *b, *tm)
    outs = outs if isinstance(outs, tuple) else (outs,)
    touts = touts if isinstance(touts, tuple) else (touts,)
    total, ttotal = 0, 0
    for o, t in zip(outs, touts):
        assert (o is None) == (t is None)
        if o is None:
            continue
        assert o.shape == tuple(t.shape)
        np.testing.assert_allclose(o.numpy(), t.detach().numpy(), rtol=1e-10, atol=1e-10)
        w = rand(*o.shape)
        total = total + (o * ta.tensor(w)).sum()
        ttotal = ttotal + (t * torch.tensor(w)).sum()
    total.backward()
    ttotal.backward()
    for x, tx in zip(a, b):
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-9, atol=1e-10)
    named = dict(ours.named_parameters())
    for name, p in tmod.named_parameters():
        if p.grad is None:
            assert named[name].grad is None or not np.any(named[name].grad.numpy()), name
            continue
        np.testing.assert_allclose(named[name].grad.numpy(), p.grad.numpy(), rtol=1e-9,
                                   atol=1e-10, err_msg=name)


L, S, N, E, H = 4, 5, 3, 8, 2


def _kpm(kind, n=N, s=S):
    if kind is None:
        return None
    m = RNG.random((n, s)) > 0.7
    m[:, 0] = False
    return m if kind == "bool" else np.where(m, -np.inf, 0.0) + rand(n, s) * 0.1


def _attn_mask(kind, length=L, s=S):
    if kind is None:
        return None
    if kind == "causal":
        return np.triu(np.ones((length, s), bool), 1)
    shape = (length, s) if "2d" in kind else (N * H, length, s)
    m = RNG.random(shape) > 0.7
    m[..., 0] = False
    return m if kind.startswith("bool") else np.where(m, -np.inf, 0.0) + rand(*shape) * 0.1


MHA_OPTIONS = {
    "default": {},
    "batch_first": {"batch_first": True},
    "no bias": {"bias": False},
    "add_bias_kv": {"add_bias_kv": True},
    "add_zero_attn": {"add_zero_attn": True},
    "bias_kv and zero_attn": {"add_bias_kv": True, "add_zero_attn": True},
    "kdim vdim": {"kdim": 6, "vdim": 7},
    "kdim vdim batch_first": {"kdim": 6, "vdim": 7, "batch_first": True},
}


@pytest.mark.parametrize("need_weights, average", [(True, True), (True, False),
                                                   (False, True)])
@pytest.mark.parametrize("option", list(MHA_OPTIONS))
def test_multihead_attention_matches_torch(float64, option, need_weights, average):
    torch = float64
    kw = MHA_OPTIONS[option]
    tmod = torch.nn.MultiheadAttention(E, H, **kw)
    ours = _load(torch, tmod, nn.MultiheadAttention(E, H, **kw))
    bf = kw.get("batch_first", False)
    dims = (kw.get("kdim", E), kw.get("vdim", E))
    shape = (lambda length, e: (N, length, e)) if bf else (lambda length, e: (length, N, e))
    arrays = [rand(*shape(L, E)), rand(*shape(S, dims[0])), rand(*shape(S, dims[1]))]
    masks = (_kpm("bool"), _attn_mask("float2d"))
    _run_both(torch, tmod, ours, arrays, lambda m, q, k, v, kpm, am: m(
        q, k, v, key_padding_mask=kpm, attn_mask=am, need_weights=need_weights,
        average_attn_weights=average), masks)


MASKS = [(None, None), ("bool", None), ("float", None), (None, "bool2d"), (None, "float3d"),
         ("bool", "bool3d"), ("float", "float2d"), (None, "causal")]


@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("kpm, am", MASKS)
def test_multihead_self_attention_masks_match_torch(float64, kpm, am, need_weights):
    torch = float64
    tmod = torch.nn.MultiheadAttention(E, H, batch_first=True)
    ours = _load(torch, tmod, nn.MultiheadAttention(E, H, batch_first=True))
    causal = am == "causal"

    def call(m, x, kpm_, am_):
        return m(x, x, x, key_padding_mask=kpm_, attn_mask=am_, need_weights=need_weights,
                 is_causal=causal)
    _run_both(torch, tmod, ours, [rand(N, S, E)], call, (_kpm(kpm), _attn_mask(am, S, S)))


@pytest.mark.parametrize("kind", ["self", "cross", "key is value"])
def test_multihead_attention_unbatched_and_shared_inputs_match_torch(float64, kind):
    torch = float64
    tmod = torch.nn.MultiheadAttention(E, H)
    ours = _load(torch, tmod, nn.MultiheadAttention(E, H))
    if kind == "self":
        def call(m, x, kpm):
            return m(x, x, x, key_padding_mask=kpm)
        _run_both(torch, tmod, ours, [rand(S, E)], call, (_kpm("bool", 1, S)[0],))
    elif kind == "key is value":
        _run_both(torch, tmod, ours, [rand(L, E), rand(S, E)], lambda m, q, kv: m(q, kv, kv))
    else:
        _run_both(torch, tmod, ours, [rand(L, E), rand(S, E), rand(S, E)],
                  lambda m, q, k, v: m(q, k, v, need_weights=False))


@pytest.mark.parametrize("need_weights", [True, False])
def test_multihead_attention_fully_masked_query_is_torchs(float64, need_weights):
    """A query that may attend to nothing: nan with need_weights (torch's softmax), zeros
    without (torch's scaled_dot_product_attention)."""
    torch = float64
    tmod = torch.nn.MultiheadAttention(E, H).eval()
    ours = _load(torch, tmod, nn.MultiheadAttention(E, H)).eval()
    x = rand(L, N, E)
    mask = np.zeros((L, L), bool)
    mask[1] = True
    a = ours(*[ta.tensor(x)] * 3, attn_mask=ta.tensor(mask), need_weights=need_weights)
    b = tmod(*[torch.tensor(x)] * 3, attn_mask=torch.tensor(mask), need_weights=need_weights)
    np.testing.assert_allclose(a[0].numpy(), b[0].detach().numpy(), rtol=1e-10, atol=1e-12)
    assert np.isnan(a[0].numpy()[1]).all() == need_weights
    if need_weights:
        np.testing.assert_allclose(a[1].numpy(), b[1].detach().numpy(), rtol=1e-10)


def test_transformer_encoder_layer_unbatched_matches_torch(float64):
    torch = float64
    tmod = torch.nn.TransformerEncoderLayer(E, H, 16, norm_first=True)
    ours = _load(torch, tmod, nn.TransformerEncoderLayer(E, H, 16, norm_first=True))
    _run_both(torch, tmod, ours, [rand(S, E)], lambda m, x, kpm: m(
        x, src_key_padding_mask=kpm), (_kpm("bool", 1, S)[0],))


def test_multihead_attention_init_and_errors_follow_torch():
    torch = pytest.importorskip("torch")
    ours, theirs = nn.MultiheadAttention(8, 2, add_bias_kv=True), torch.nn.MultiheadAttention(
        8, 2, add_bias_kv=True)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours) == repr(theirs)
    assert np.all(ours.in_proj_bias.numpy() == 0) and np.all(ours.out_proj.bias.numpy() == 0)
    bound = np.sqrt(6 / (8 + 24))  # xavier-uniform over (3E, E)
    assert np.abs(ours.in_proj_weight.numpy()).max() <= bound
    sep = nn.MultiheadAttention(8, 2, kdim=3)
    assert sep.in_proj_weight is None and sep.k_proj_weight.shape == (8, 3)
    with pytest.raises(AssertionError):
        nn.MultiheadAttention(8, 3)
    mha = nn.MultiheadAttention(8, 2)
    x = ta.randn(4, 3, 8)
    with pytest.raises(RuntimeError, match="Need attn_mask"):
        mha(x, x, x, is_causal=True)
    with pytest.raises(RuntimeError, match="2D attn_mask"):
        mha(x, x, x, attn_mask=ta.zeros(3, 4))
    with pytest.raises(RuntimeError, match="3D attn_mask"):
        mha(x, x, x, attn_mask=ta.zeros(2, 4, 4))
    with pytest.raises(AssertionError):
        mha(x, x, ta.randn(4, 8))


def test_multihead_attention_dropout_in_training_only():
    mha = nn.MultiheadAttention(8, 2, dropout=0.5, batch_first=True)
    x = ta.randn(2, 5, 8)
    a, b = mha(x, x, x)[0], mha(x, x, x)[0]
    assert not np.allclose(a.numpy(), b.numpy())
    mha.eval()
    np.testing.assert_array_equal(mha(x, x, x)[0].numpy(), mha(x, x, x)[0].numpy())


ENCODER_OPTIONS = {
    "default": {},
    "gelu": {"activation": "gelu"},
    "callable": {"activation": "_tanh"},
    "norm_first": {"norm_first": True},
    "batch_first": {"batch_first": True},
    "no bias": {"bias": False},
    "eps": {"layer_norm_eps": 1e-3, "norm_first": True, "activation": "gelu"},
}


def _activation(torch, kw, mine):
    kw = dict(kw)
    if kw.get("activation") == "_tanh":
        kw["activation"] = F.tanh if mine else torch.tanh
    return kw


@pytest.mark.parametrize("masks", [(None, None), ("bool", "causal"), ("float", "float2d")])
@pytest.mark.parametrize("option", list(ENCODER_OPTIONS))
def test_transformer_encoder_layer_matches_torch(float64, option, masks):
    torch = float64
    kw = ENCODER_OPTIONS[option]
    tmod = torch.nn.TransformerEncoderLayer(E, H, 16, **_activation(torch, kw, False))
    ours = _load(torch, tmod, nn.TransformerEncoderLayer(E, H, 16, **_activation(torch, kw,
                                                                                  True)))
    shape = (N, S, E) if kw.get("batch_first") else (S, N, E)
    _run_both(torch, tmod, ours, [rand(*shape)],
              lambda m, x, kpm, am: m(x, src_mask=am, src_key_padding_mask=kpm),
              (_kpm(masks[0]), _attn_mask(masks[1], S, S)))


@pytest.mark.parametrize("norm", [False, True])
def test_transformer_encoder_matches_torch(float64, norm):
    torch = float64
    tl = torch.nn.TransformerEncoderLayer(E, H, 16, activation="gelu")
    tmod = torch.nn.TransformerEncoder(tl, 2, norm=torch.nn.LayerNorm(E) if norm else None,
                                       enable_nested_tensor=False)
    ol = nn.TransformerEncoderLayer(E, H, 16, activation="gelu")
    ours = _load(torch, tmod, nn.TransformerEncoder(ol, 2, norm=nn.LayerNorm(E) if norm
                                                    else None, enable_nested_tensor=False))
    causal = np.triu(np.full((S, S), -np.inf), 1)
    _run_both(torch, tmod, ours, [rand(S, N, E)],
              lambda m, x, kpm, am: m(x, mask=am, src_key_padding_mask=kpm),
              (_kpm("bool"), causal))


DECODER_OPTIONS = {"default": {}, "norm_first gelu": {"norm_first": True, "activation": "gelu"},
                   "batch_first": {"batch_first": True}, "no bias": {"bias": False}}


@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("option", list(DECODER_OPTIONS))
def test_transformer_decoder_layer_matches_torch(float64, option, masked):
    torch = float64
    kw = DECODER_OPTIONS[option]
    tmod = torch.nn.TransformerDecoderLayer(E, H, 16, **kw)
    ours = _load(torch, tmod, nn.TransformerDecoderLayer(E, H, 16, **kw))
    bf = kw.get("batch_first", False)
    shapes = [(N, L, E), (N, S, E)] if bf else [(L, N, E), (S, N, E)]
    masks = (_attn_mask("causal", L, L), _attn_mask("float2d"), _kpm("bool", N, L),
             _kpm("float")) if masked else (None,) * 4

    def call(m, tgt, mem, tm, mm, tk, mk):
        return m(tgt, mem, tgt_mask=tm, memory_mask=mm, tgt_key_padding_mask=tk,
                 memory_key_padding_mask=mk, tgt_is_causal=masked)
    _run_both(torch, tmod, ours, [rand(*s) for s in shapes], call, masks)


def test_transformer_decoder_and_transformer_match_torch(float64):
    torch = float64
    tmod = torch.nn.TransformerDecoder(torch.nn.TransformerDecoderLayer(E, H, 16), 2,
                                       norm=torch.nn.LayerNorm(E))
    ours = _load(torch, tmod, nn.TransformerDecoder(nn.TransformerDecoderLayer(E, H, 16), 2,
                                                    norm=nn.LayerNorm(E)))
    tgt_mask = nn.Transformer.generate_square_subsequent_mask(L).numpy()
    _run_both(torch, tmod, ours, [rand(L, N, E), rand(S, N, E)],
              lambda m, t, mem, tm: m(t, mem, tgt_mask=tm), (tgt_mask,))
    kw = {"dim_feedforward": 16, "batch_first": True, "num_encoder_layers": 2,
          "num_decoder_layers": 1}
    tmod = torch.nn.Transformer(E, H, **kw)
    ours = _load(torch, tmod, nn.Transformer(E, H, **kw))

    def call(m, src, tgt, tm, sk):
        return m(src, tgt, tgt_mask=tm, src_key_padding_mask=sk,
                 memory_key_padding_mask=sk)
    _run_both(torch, tmod, ours, [rand(N, S, E), rand(N, L, E)], call,
              (tgt_mask, _kpm("bool")))


def test_generate_square_subsequent_mask_is_torchs():
    torch = pytest.importorskip("torch")
    np.testing.assert_array_equal(nn.Transformer.generate_square_subsequent_mask(4).numpy(),
                                  torch.nn.Transformer.generate_square_subsequent_mask(4))
    assert nn.Transformer.generate_square_subsequent_mask(2, dtype=np.float64).dtype == \
        np.float64


def test_transformer_modules_train():
    """A few SGD steps on a copy task lower the loss (dropout on, training mode)."""
    ta.manual_seed(0)
    layer = nn.TransformerEncoderLayer(16, 2, 32, dropout=0.1, batch_first=True)
    model = nn.Sequential(nn.TransformerEncoder(layer, 1, enable_nested_tensor=False))
    head = nn.Linear(16, 4)
    emb = nn.Embedding(4, 16)
    params = [*model.parameters(), *head.parameters(), *emb.parameters()]
    opt = ta.optim.Adam(params, lr=1e-2)
    idx = ta.tensor(np.random.default_rng(0).integers(0, 4, (8, 6)))
    losses = []
    for _ in range(30):
        opt.zero_grad()
        loss = F.cross_entropy(head(model(emb(idx))).reshape(-1, 4), idx.reshape(-1))
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0] * 0.5


def test_transformer_errors_follow_torch():
    with pytest.raises(RuntimeError, match="relu/gelu"):
        nn.TransformerEncoderLayer(8, 2, activation="tanh")
    model = nn.Transformer(8, 2, 1, 1, 16)
    with pytest.raises(RuntimeError, match="batch number"):
        model(ta.randn(5, 3, 8), ta.randn(4, 2, 8))
    with pytest.raises(RuntimeError, match="d_model"):
        model(ta.randn(5, 3, 6), ta.randn(4, 3, 6))


def test_in_place_softmax_backward_is_the_plain_formula_bit_for_bit():
    """On arrays, Attention's backward turns dP into dS in dP's own memory (and the forward
    exponentiates the scores in theirs): the same operations, so the same bits."""
    from tinygrad_acts.ops import attention as A
    rng = np.random.default_rng(3)
    s = rng.standard_normal((2, 3, 4, 5)).astype(np.float32)
    s[0, 0, 1] = -np.inf  # a dead row (all keys masked): zeros, not nan
    top = s.max(-1, keepdims=True)
    safe = np.where(top == -np.inf, 0.0, top)
    with np.errstate(under="ignore", invalid="ignore"):
        e = np.exp(s - safe)
    total = e.sum(-1, keepdims=True)
    want_p = e / np.where(total == 0, 1, total)
    p = A.probs(s.copy())
    np.testing.assert_array_equal(p.view(np.int32), want_p.view(np.int32))
    assert not np.isnan(p).any() and (p[0, 0, 1] == 0).all()
    dp = rng.standard_normal(p.shape).astype(np.float32)
    want = p * (dp - (dp * p).sum(axis=-1, keepdims=True))
    got = A.softmax_grad(p, dp.copy())
    np.testing.assert_array_equal(got.view(np.int32), want.view(np.int32))
