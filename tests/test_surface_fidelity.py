"""The Tensor surface as torch's, expression by expression: ``ta.tensor`` of nested data
with tensors inside, sizes and dims given as tensors, Python ints out of a small integer
dtype's range, and torch's keywords (memory_format, layout, size=, dims=, dtype=). Each
expression runs in torch and here (``lib`` is the library): the same shape, dtype, values and
strides, or an error of the same type."""
import warnings

import numpy as np
import pytest

import tinygrad_acts as ta

torch = pytest.importorskip("torch")


def _run(lib, src):
    env = {"np": np, "lib": lib, "t": lib.tensor, "x": lib.ones(6),
           "u8": lib.tensor([1, 2], dtype=lib.uint8), "i8": lib.tensor([1, 2], dtype=lib.int8)}
    strided = torch.strided if lib is torch else "strided"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = eval(src.replace("lib.strided", "strided"), {**env, "strided": strided})
    except Exception as e:  # noqa: BLE001 (the error's type is what is compared)
        return ("error", type(e).__name__)
    if isinstance(r, (ta.Tensor, torch.Tensor)):
        return ("tensor", tuple(r.shape), str(r.dtype).replace("torch.", ""), r.tolist(),
                r.stride())
    return ("value", repr(r))


def _check(src):
    ours, theirs = _run(ta, src), _run(torch, src)
    assert ours == theirs, f"{src}: torch {theirs}, ours {ours}"


# --- ta.tensor of nested data (tensors inside), sizes and dims as tensors --------------

NESTED_AND_SIZES = [
    't([t([1.]), t([2.])])',
    't([t(1.), t(2.)])',
    't([t(1.), 2])',
    't([1, t(2.)])',
    't([t([1.]), 2.])',
    't([lib.ones(2), lib.ones(2)])',
    't([t(1), t(2)])',
    't([t(1,dtype=lib.float64), 2.])',
    't([t([1.,2.])])',
    't([[t(1.)], [2.]])',
    't([t([[1.]]), t([[2.]])])',
    't([t(True), 1])',
    't([t(1., requires_grad=True), 2.])',
    't([t([1., 2.])[0], 3.])',
    't([np.float64(1.), 2.])',
    't([np.array(1.), 2.])',
    't([np.ones(2), np.ones(2)])',
    't((t(1.), t(2.)))',
    't([t(1,dtype=lib.uint8), 300])',
    't([[1., 2.], t([3., 4.])])',
    't(t(1.))',
    't([t(1), 2.5])',
    't([t(1, dtype=lib.int32), 2])',
    't([t([]), t([])])',
    't([1e40])',
    't([2**63])',
    't([-2**63])',
    't([1, 2.5, True])',
    't([True, 1])',
    "t([float('inf'), 1.])",
    't(2**63)',
    't([])',
    't(())',
    't([[]])',
    'lib.zeros(t(3))',
    'lib.zeros(t([2,3]))',
    'lib.zeros(t([3]))',
    'lib.zeros(t(3.))',
    'lib.zeros(3.)',
    'lib.zeros(t(2),t(3))',
    'lib.zeros((t(2),3))',
    'lib.zeros(np.int64(3))',
    'lib.zeros(np.int32(3), 2)',
    'lib.zeros(True)',
    'lib.zeros(t([2]),3)',
    'lib.zeros(t(3, dtype=lib.uint8))',
    'x.view(t(2),-1)',
    'x.view(np.int64(2),-1)',
    'x.view(t([2,3]))',
    'x.view(t([2]),3)',
    'x.view(t(2.),-1)',
    'x.view(2.,-1)',
    'x.reshape(t(2),-1)',
    'x.reshape(t([2,3]))',
    'x.reshape((t(2),-1))',
    'lib.ones(1,3).expand(t(2),-1)',
    'lib.ones(1,3).expand(t([2,3]))',
    'x.new_zeros(t(2))',
    'x.new_zeros((t(2),3))',
    'x.new_zeros(t([2,3]))',
    'x.new_ones(t(2),3)',
    'lib.ones(t(2))',
    'lib.randn(t(2),3).shape',
    'lib.rand(t([2,3]))',
    'lib.zeros(t([[2]]))',
    'lib.full((t(2),),1.)',
    'lib.full(t([2,3]),1.)',
    'lib.randint(0,5,(t(2),)).shape',
    'x.new_full((t(2),),1.)',
    'x.view(-1, t(3))',
    'lib.ones(2,3).permute(t(1),t(0))',
    'lib.ones(2,3).permute(t([1,0]))',
    'lib.ones(2,3).repeat(t(2),1)',
    'lib.ones(2,3).tile((t(2),1))',
    'lib.zeros(np.array([2,3]))',
    'lib.zeros(np.array(3))',
    'lib.zeros([np.int64(2),3])',
    'lib.zeros(t(-1))',
    'lib.zeros(lib.Size([2,3]))',
    'lib.ones(2,3).flatten(t(0))',
    'lib.ones(2,3).sum(t(0))',
    'lib.ones(2,3).unsqueeze(t(0)).shape',
    'lib.ones(2,3).transpose(t(0), t(1)).shape',
    'lib.arange(t(3))',
    'lib.ones(2,3).narrow(0, t(0), t(1))',
    'lib.ones(6).split(t(2))',
    'lib.ones(2,3).size(t(1))',
    'lib.eye(t(2))',
    'lib.ones(2, 3).view(lib.Size([3, 2]))',
    'lib.ones(2, 3).view(lib.ones(3, 2).shape).shape',
    'lib.ones(t(2), dtype=lib.float64)',
    'lib.zeros_like(lib.ones(t(2)))',
]


@pytest.mark.parametrize("src", NESTED_AND_SIZES)
def test_nested_data_and_sizes_as_torch(src):
    _check(src)


# --- Python ints out of a small integer dtype's range: wrapped or refused, as torch -------

OUT_OF_RANGE = [
    'u8.add(1, alpha=300)',
    'u8.add(1, alpha=-1)',
    'u8.add(1, alpha=2.5)',
    'u8.sub(1, alpha=300)',
    'u8.clone().add_(1, alpha=300)',
    'u8.clone().sub_(1, alpha=-1)',
    'lib.ones(2).add(1, alpha=300)',
    'lib.ones(2).add(lib.ones(2), alpha=2.5)',
    'u8.add(u8, alpha=300)',
    'u8.add(u8, alpha=2)',
    'i8.add(1, alpha=200)',
    'u8 + -1',
    'u8 + 255',
    'u8 + 256',
    'u8 * 300',
    'u8 - 300',
    'u8 * -1',
    'i8 + 200',
    'i8 + 128',
    'i8 + -129',
    'i8 * 1000',
    'u8 + 2**40',
    'u8 + 2**63',
    'u8 + 2**64',
    'u8 + (2**63 - 1)',
    'i8 + 2**64-1',
    'u8 // 300',
    'u8 % 300',
    'u8 / 300',
    'u8 ** 300',
    '300 - u8',
    '-1 * u8',
    'u8 & 256',
    'u8 | 300',
    'u8 ^ -1',
    'u8 < 300',
    'u8 == 257',
    'u8 > -1',
    'lib.full((2,), 300, dtype=lib.uint8)',
    'lib.full((2,), -1, dtype=lib.uint8)',
    'lib.full((2,), 200, dtype=lib.int8)',
    'lib.full((2,), 1e10, dtype=lib.int32)',
    'lib.full((2,), 2**63, dtype=lib.uint8)',
    'lib.full((2,), 70000, dtype=lib.int16)',
    'lib.full((2,), 300.5, dtype=lib.uint8)',
    "lib.full((2,), float('nan'), dtype=lib.int32)",
    'u8.clone().fill_(300)',
    'u8.clone().fill_(-1)',
    'i8.clone().fill_(200)',
    'i8.clone().fill_(1000)',
    'u8.clone().fill_(2**63)',
    'u8.clone().fill_(300.7)',
    'u8.clone().add_(300)',
    'u8.clone().mul_(300)',
    'u8.clone().add_(-1)',
    'u8.clone().sub_(256)',
    'i8.clone().add_(200)',
    'lib.maximum(u8, t(300))',
    'u8.clamp(0, 300)',
    'u8.clamp(-5, 300)',
    'u8.clamp(min=300)',
    'lib.where(u8 > 1, u8, 300)',
    'lib.where(u8 > 1, u8, -1)',
    'u8.add(300, alpha=2)',
    'u8.sub(1, alpha=-1)',
    'u8.new_full((2,), 300)',
    'lib.full_like(u8, 300)',
    'lib.full_like(u8, -1)',
    'lib.zeros(2, dtype=lib.uint8) + True',
    'lib.tensor([1, 2], dtype=lib.int16) * 40000',
    'lib.tensor([1, 2], dtype=lib.int32) * 2**40',
    'lib.tensor([1, 2], dtype=lib.int64) * 2**64',
    'lib.tensor([1, 2], dtype=lib.int64) + 2**63',
    'u8 * 2.5',
    'u8 + 1e10',
    'lib.remainder(u8, 300)',
    'u8.pow(300)',
    'u8.fmod(300)',
    'lib.tensor([1, 2], dtype=lib.bool) + 300',
    'u8.eq(300)',
    'u8.lt(-1)',
    'lib.tensor([1,2], dtype=lib.int32).clone().fill_(2**40)',
]


@pytest.mark.parametrize("src", OUT_OF_RANGE)
def test_out_of_range_ints_as_torch(src):
    _check(src)


# --- torch's keywords: memory_format, layout, size=, dims=, dtype=, low=/high=, force= ----

KEYWORDS = [
    'x.new_zeros(size=(2,))',
    'x.new_ones(size=(2, 3))',
    'x.new_empty(size=(2,)).shape',
    'x.new_zeros((2,), size=(2,))',
    'x.float(memory_format=lib.contiguous_format)',
    'x.double(memory_format=lib.contiguous_format)',
    'lib.ones(2,3).t().double(memory_format=lib.contiguous_format).stride()',
    'lib.ones(2,3).t().double().stride()',
    'lib.ones(2,3).t().double(memory_format=lib.preserve_format).stride()',
    'lib.ones(2,3).double(memory_format=lib.channels_last)',
    'lib.ones(2,3,4,5).double(memory_format=lib.channels_last).stride()',
    'lib.ones(2,3,4,5).int(memory_format=lib.channels_last).stride()',
    'lib.ones(2,3,4,5).bool(memory_format=lib.channels_last).stride()',
    'lib.ones(2,3,4,5).half(memory_format=lib.channels_last).stride()',
    'lib.ones(2,3,4,5).long(memory_format=lib.channels_last).stride()',
    'lib.ones(2,3,4,5).short(memory_format=lib.channels_last).stride()',
    'lib.ones(2,3).float(memory_format=lib.channels_last)',
    'x.cpu(memory_format=lib.contiguous_format)',
    'lib.ones(2,3,4,5).contiguous(memory_format=lib.channels_last).stride()',
    'lib.ones(2,3,4,5).contiguous(memory_format=lib.channels_last).contiguous().stride()',
    'lib.ones(2,3,4,5,6).contiguous(memory_format=lib.channels_last_3d).stride()',
    'lib.ones(2,3).contiguous(memory_format=lib.channels_last)',
    'lib.ones(2,3).t().contiguous(memory_format=lib.preserve_format).stride()',
    'lib.ones(2,3).t().contiguous(memory_format=lib.contiguous_format).stride()',
    'lib.ones(2,3,4,5).clone(memory_format=lib.channels_last).stride()',
    'lib.ones(2,3).t().clone(memory_format=lib.contiguous_format).stride()',
    'lib.ones(2,3).t().clone(memory_format=lib.preserve_format).stride()',
    'lib.ones(2,3).t().clone().stride()',
    'lib.ones(2,3,4).clone(memory_format=lib.channels_last)',
    'lib.empty(2,3,4,5, memory_format=lib.channels_last).stride()',
    'lib.empty(2,3, memory_format=lib.preserve_format)',
    'lib.empty(2,3, memory_format=lib.contiguous_format).stride()',
    'lib.empty_like(lib.ones(2,3).t()).stride()',
    'lib.empty_like(lib.ones(2,3,4,5), memory_format=lib.channels_last).stride()',
    'lib.zeros_like(lib.ones(2,3,4,5), memory_format=lib.channels_last).stride()',
    'lib.ones_like(lib.ones(2,3).t(), memory_format=lib.contiguous_format).stride()',
    'lib.full_like(lib.ones(2,3).t(), 2.).stride()',
    'lib.full_like(lib.ones(2,3,4,5), 2., memory_format=lib.channels_last).stride()',
    'lib.rand_like(lib.ones(2,3).t()).stride()',
    'lib.randn_like(lib.ones(2,3,4,5), memory_format=lib.channels_last).stride()',
    'lib.randint_like(lib.ones(2,3).t(), 5).stride()',
    'lib.randint_like(lib.ones(2,3,4,5), 5, memory_format=lib.channels_last).stride()',
    'lib.zeros_like(lib.ones(2,3), layout=lib.strided)',
    'lib.zeros_like(lib.ones(2,3), memory_format=lib.channels_last)',
    'lib.linspace(0, 1, 3, layout=lib.strided)',
    'lib.logspace(0, 1, 3, layout=lib.strided)',
    'lib.randperm(3, layout=lib.strided, pin_memory=False).shape',
    'lib.randint(low=0, high=5, size=(2,)).shape',
    'lib.randint(0, high=5, size=(2,)).shape',
    'lib.randint(high=5, size=(2,)).shape',
    'lib.randint(5, size=(2,)).shape',
    'lib.randint(5, (2,), layout=lib.strided).shape',
    'lib.tile(x, dims=(2,)).shape',
    'x.tile(dims=(2,)).shape',
    'x.tile(2).shape',
    'lib.ones(2, 3).sum(dtype=lib.float64)',
    'lib.tensor([1, 2]).sum(dtype=lib.float64)',
    'lib.tensor([1, 2]).sum(0, dtype=lib.float64)',
    'lib.tensor([1, 2]).mean(dtype=lib.float64)',
    'lib.tensor([1., 2.]).mean(dtype=lib.int64)',
    'lib.tensor([1., 2.]).sum(dtype=lib.int64)',
    'lib.ones(2, 3).mean(1, True, dtype=lib.float64)',
    'x.numpy(force=True).shape',
    'lib.ones(2, 3).t().contiguous(memory_format="x")',
]


@pytest.mark.parametrize("src", KEYWORDS)
def test_keywords_as_torch(src):
    _check(src)


def test_memory_formats_print_as_torch():
    for name in ("contiguous_format", "preserve_format", "channels_last", "channels_last_3d"):
        assert repr(getattr(ta, name)) == repr(getattr(torch, name))


def test_channels_last_keeps_the_graph():
    x = ta.randn(2, 3, 4, 5, dtype=ta.float64, requires_grad=True)
    y = x.contiguous(memory_format=ta.channels_last)
    assert y.stride() == (60, 1, 15, 3) and y.requires_grad
    (y * y).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * x.detach().numpy())


def test_tensor_fast_path_gives_what_the_general_path_gives():
    for data in ([0.1, 2.5, -3.0], [1, 2, 3], [True, False], [1, 2.5], 0.1, 7, True,
                 [2 ** 62, -2 ** 62], [3.4e38, -3.4e38], (0.5, 1.5)):
        fast = ta.tensor(data)
        general = ta.tensor(data, dtype=fast.dtype)  # (a dtype given: the general path)
        assert fast.dtype == general.dtype and fast.tolist() == general.tolist()
        assert fast.tolist() == torch.tensor(data).tolist()
        assert str(fast.dtype) == str(torch.tensor(data).dtype).replace("torch.", "")
    data = [0.5, 1.5]
    assert not np.shares_memory(ta.tensor(data).numpy(), ta.tensor(data).numpy())
    t = ta.tensor([0.5], requires_grad=True)
    assert t.requires_grad and t.is_leaf
    with pytest.raises(RuntimeError, match="tensor.*floating point"):
        ta.tensor([1, 2], requires_grad=True)
