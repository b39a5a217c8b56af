"""The torch.utils.data kit: Dataset, TensorDataset, Subset, ConcatDataset, random_split, the
samplers, default_collate / default_convert, DataLoader over any map-style or iterable
dataset (and its earlier array form), and the MNIST / FashionMNIST datasets. Each behaviour
is checked on its own and, where torch is installed, against torch.utils.data."""
import collections
import gzip
import inspect
import os
import struct
import warnings

import numpy as np
import pytest

import tinygrad_acts as ta
from tinygrad_acts import data
from tinygrad_acts.data import (
    MNIST,
    BatchSampler,
    ChainDataset,
    ConcatDataset,
    DataLoader,
    Dataset,
    FashionMNIST,
    IterableDataset,
    RandomSampler,
    SequentialSampler,
    StackDataset,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
    default_collate,
    default_convert,
    random_split,
)

Point = collections.namedtuple("Point", ["x", "y"])


def plain(obj):
    """A batch with every Tensor (ours or torch's) as (ndarray, dtype name), for comparing
    the two frameworks' batches structure by structure."""
    if isinstance(obj, ta.Tensor):
        return ("T", obj.numpy().tolist(), str(obj.dtype))
    if type(obj).__module__.startswith("torch") and hasattr(obj, "numpy"):
        return ("T", obj.numpy().tolist(), str(obj.dtype).replace("torch.", ""))
    if isinstance(obj, dict):
        return {k: plain(v) for k, v in obj.items()}
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return (type(obj).__name__, tuple(plain(v) for v in obj))
    if isinstance(obj, (list, tuple)):
        return (type(obj).__name__, [plain(v) for v in obj])
    return obj


class Squares(Dataset):
    """A map-style dataset of (ndarray, int, float) samples."""

    def __init__(self, n=7):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(i)
        return np.array([i, i * i], np.float32), i, float(i) / 2


class Forever(Dataset):
    """A dataset whose __getitem__ never raises: only len() tells where it ends."""

    def __init__(self):
        self.calls = 0

    def __len__(self):
        return 5

    def __getitem__(self, i):
        self.calls += 1
        return i


class NoLen:
    def __getitem__(self, i):
        return i


class Stream(IterableDataset):
    def __init__(self, n=7):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        return self.n


def as_torch(ds, torch):
    """The same samples as a torch map-style dataset."""
    class Wrapped(torch.utils.data.Dataset):
        def __len__(self):
            return len(ds)

        def __getitem__(self, i):
            return ds[i]
    return Wrapped()


# --- datasets -----------------------------------------------------------------------------

def test_tensor_dataset_holds_tensors_or_arrays_without_copies():
    x, y = np.arange(12.0).reshape(6, 2), ta.arange(6)
    ds = TensorDataset(x, y)
    assert len(ds) == 6 and isinstance(ds.tensors[0], ta.Tensor)
    assert np.shares_memory(ds.tensors[0].numpy(), x) and ds.tensors[1] is y
    xi, yi = ds[2]
    assert xi.tolist() == [4.0, 5.0] and yi.item() == 2 and yi.shape == ()
    assert len(TensorDataset(x)) == 6


def test_tensor_dataset_errors():
    with pytest.raises(AssertionError, match=r"Size mismatch between tensors.*\[3, 2\]"):
        TensorDataset(np.zeros(3), np.zeros(2))
    with pytest.raises(IndexError, match="0-d tensor"):
        TensorDataset(np.float64(3.0))
    with pytest.raises(TypeError, match="dtype <U1"):
        TensorDataset(np.array(["a", "b"]))


def test_dataset_base_and_concatenation():
    with pytest.raises(NotImplementedError, match="should implement __getitem__"):
        Dataset()[0]
    both = Squares(3) + Squares(2)
    assert isinstance(both, ConcatDataset) and len(both) == 5
    assert both.cumulative_sizes == [3, 5]
    assert both[3][1] == 0 and both[-1][1] == 1 and both[2][1] == 2
    with pytest.raises(ValueError, match="should not exceed dataset length"):
        both[-6]
    with pytest.raises(IndexError, match="index 5 is out of range for 5"):
        both[5]
    with pytest.raises(AssertionError, match="empty iterable"):
        ConcatDataset([])
    with pytest.raises(AssertionError, match="does not support IterableDataset"):
        ConcatDataset([Stream()])


def test_iterable_datasets_chain():
    chained = Stream(2) + Stream(3)
    assert isinstance(chained, ChainDataset)
    assert list(chained) == [0, 1, 0, 1, 2] and len(chained) == 5
    with pytest.raises(AssertionError, match="only supports IterableDataset"):
        list(ChainDataset([Squares()]))
    with pytest.raises(TypeError, match="abstract"):
        IterableDataset()


def test_stack_dataset_pairs_datasets():
    assert StackDataset([1, 2], [3, 4])[1] == (2, 4)
    assert StackDataset(a=[1, 2], b=[3, 4])[0] == {"a": 1, "b": 3}
    with pytest.raises(ValueError, match="Size mismatch between datasets"):
        StackDataset([1], [1, 2])
    with pytest.raises(ValueError, match="At least one dataset"):
        StackDataset()


def test_subset_indexes_through_its_indices():
    s = Subset(Squares(), [4, 1, 6])
    assert len(s) == 3 and s[0][1] == 4 and s[-1][1] == 6
    assert [sample[1] for sample in s.__getitems__([2, 0])] == [6, 4]
    assert Subset(Subset(list(range(10)), [9, 8, 7]), [2, 0]).__getitems__([0, 1]) == [7, 9]

    class Doubled(Subset):
        def __getitem__(self, i):
            return 2 * super().__getitem__(i)

    with pytest.raises(NotImplementedError, match="overrides __getitem__ but not __getitems__"):
        Doubled([1], [0])


# --- random_split -------------------------------------------------------------------------

SPLITS = [(10, [0.5, 0.5]), (10, [0.33, 0.33, 0.34]), (7, [0.5, 0.5]), (11, [0.1] * 10),
          (5, [0.7, 0.2, 0.1]), (3, [1.0]), (100, [0.8, 0.1, 0.1]), (9, [2, 3, 4]),
          (4, [0.0, 1.0]), (0, [0, 0])]


@pytest.mark.parametrize("n, lengths", SPLITS)
def test_random_split_partitions_the_dataset(n, lengths):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parts = random_split(range(n), lengths, generator=np.random.default_rng(0))
    indices = [i for p in parts for i in p.indices]
    assert sorted(indices) == list(range(n)) and all(isinstance(p, Subset) for p in parts)


@pytest.mark.parametrize("n, lengths", SPLITS)
def test_random_split_lengths_match_torch(n, lengths):
    torch = pytest.importorskip("torch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = random_split(range(n), lengths)
        theirs = torch.utils.data.random_split(range(n), lengths)
    assert [len(p) for p in ours] == [len(p) for p in theirs]


def test_random_split_is_seeded_and_warns_on_empty_splits():
    def split(**kw):
        return [p.indices for p in random_split(range(20), [0.5, 0.5], **kw)]
    ta.manual_seed(5)
    first = split()
    ta.manual_seed(5)
    assert split() == first                              # the package generator
    assert split(generator=np.random.default_rng(1)) == split(
        generator=np.random.default_rng(1))
    with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
        random_split(range(2), [0.1, 0.2, 0.7])


@pytest.mark.parametrize("lengths, error, message", [
    ([3, 3], ValueError, "Sum of input lengths does not equal"),
    ([0.5, 0.6], ValueError, "Sum of input lengths does not equal"),
    ([1.2, -0.2], ValueError, "Fraction at index 0 is not between 0 and 1"),
])
def test_random_split_errors_match_torch(lengths, error, message):
    with pytest.raises(error, match=message):
        random_split(range(10), lengths)
    torch = pytest.importorskip("torch")
    with pytest.raises(error, match=message):
        torch.utils.data.random_split(range(10), lengths)


def test_random_split_refuses_negative_lengths_and_other_generators():
    # NOTE: torch returns splits of 9 and 1 for [-1, 11] (it slices with a negative length)
    with pytest.raises(ValueError, match="non-negative integers"):
        random_split(range(10), [-1, 11])
    with pytest.raises(TypeError, match="numpy.random.Generator"):
        random_split(range(10), [5, 5], generator=np.random.RandomState(0))


# --- samplers -----------------------------------------------------------------------------

def test_sequential_and_random_samplers():
    assert list(SequentialSampler(range(4))) == [0, 1, 2, 3]
    sampler = RandomSampler(range(30), generator=np.random.default_rng(0))
    first, second = list(sampler), list(sampler)
    assert sorted(first) == sorted(second) == list(range(30)) and first != second
    assert len(sampler) == 30
    more = list(RandomSampler(range(4), num_samples=10, generator=np.random.default_rng(0)))
    assert len(more) == 10 and sorted(more[:4]) == sorted(more[4:8]) == [0, 1, 2, 3]
    drawn = list(RandomSampler(range(3), replacement=True, num_samples=5000))
    assert len(drawn) == 5000 and set(drawn) == {0, 1, 2}


def test_random_sampler_uses_the_package_generator_at_each_pass():
    sampler = RandomSampler(range(10))
    ta.manual_seed(2)
    first = list(sampler)
    ta.manual_seed(2)
    assert list(sampler) == first


@pytest.mark.parametrize("kwargs, error, message", [
    ({"replacement": 1}, TypeError, "replacement should be a boolean value"),
    ({"num_samples": 0}, ValueError, "num_samples should be a positive integer value"),
    ({"num_samples": 2.0}, ValueError, "num_samples should be a positive integer value"),
])
def test_random_sampler_errors_match_torch(kwargs, error, message):
    with pytest.raises(error, match=message):
        RandomSampler(range(3), **kwargs)
    torch = pytest.importorskip("torch")
    with pytest.raises(error, match=message):
        torch.utils.data.RandomSampler(range(3), **kwargs)


def test_subset_and_weighted_samplers():
    sub = SubsetRandomSampler([5, 7, 9], generator=np.random.default_rng(0))
    assert sorted(sub) == [5, 7, 9] and len(sub) == 3
    weighted = WeightedRandomSampler([0.0, 1.0, 3.0], 400, generator=np.random.default_rng(0))
    counts = np.bincount(list(weighted), minlength=3)
    assert counts[0] == 0 and counts[2] > 2 * counts[1] and len(weighted) == 400
    assert sorted(WeightedRandomSampler([1, 1, 0, 1], 3, replacement=False)) == [0, 1, 3]
    with pytest.raises(RuntimeError, match="without replacement"):
        WeightedRandomSampler([1, 0], 2, replacement=False)
    with pytest.raises(ValueError, match="weights should be a 1d sequence"):
        WeightedRandomSampler([[1.0]], 1)


@pytest.mark.parametrize("n, size, drop_last", [(10, 3, False), (10, 3, True), (9, 3, True),
                                                 (2, 5, False), (2, 5, True), (0, 2, False)])
def test_batch_sampler_matches_torch(n, size, drop_last):
    ours = BatchSampler(SequentialSampler(range(n)), size, drop_last)
    got = list(ours)
    assert len(got) == len(ours)
    assert [i for b in got for i in b] == list(range(len(got) * size))[:n]
    torch = pytest.importorskip("torch")
    theirs = torch.utils.data.BatchSampler(range(n), size, drop_last)
    assert got == list(theirs) and len(ours) == len(theirs)


@pytest.mark.parametrize("size, drop_last, message", [
    (0, False, "batch_size should be a positive integer value, but got batch_size=0"),
    (True, False, "batch_size should be a positive integer value"),
    (2.0, False, "batch_size should be a positive integer value"),
    (2, 1, "drop_last should be a boolean value, but got drop_last=1"),
])
def test_batch_sampler_errors_match_torch(size, drop_last, message):
    with pytest.raises(ValueError, match=message):
        BatchSampler(range(3), size, drop_last)
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError, match=message):
        torch.utils.data.BatchSampler(range(3), size, drop_last)


# --- collation ----------------------------------------------------------------------------

COLLATE_CASES = {
    "ints": [1, 2, 3],
    "bools": [True, False],
    "int then bool": [True, 2],
    "int then float": [1, 2.5],
    "floats": [1.0, 2.0],
    "float32 scalars": [np.float32(1), np.float32(2)],
    "int32 scalars": [np.int32(1), np.int32(-4)],
    "uint8 scalars": [np.uint8(7), np.uint8(9)],
    "numpy bools": [np.bool_(True), np.bool_(False)],
    "ndarrays": [np.ones((2, 2), np.float32), np.zeros((2, 2), np.float32)],
    "0-d ndarrays": [np.array(1.5), np.array(2.5)],
    "int ndarrays": [np.arange(3), np.arange(3, 6)],
    "strings": ["a", "bc"],
    "bytes": [b"a", b"b"],
    "tuples": [(np.zeros(2), 1), (np.ones(2), 2)],
    "lists": [[1, 2.0], [3, 4.0]],
    "dicts": [{"image": np.zeros(3), "label": 1, "name": "a"},
              {"image": np.ones(3), "label": 0, "name": "b"}],
    "named tuples": [Point(1, np.zeros(2)), Point(2, np.ones(2))],
    "nested": [{"pair": (1, [2.0, np.float64(3)])}, {"pair": (4, [5.0, np.float64(6)])}],
}


@pytest.mark.parametrize("name", list(COLLATE_CASES))
def test_default_collate_matches_torch(name):
    torch = pytest.importorskip("torch")
    batch = COLLATE_CASES[name]
    assert plain(default_collate(batch)) == plain(torch.utils.data.default_collate(batch))


@pytest.mark.parametrize("name", list(COLLATE_CASES))
def test_default_convert_matches_torch(name):
    torch = pytest.importorskip("torch")
    sample = COLLATE_CASES[name][0]
    assert plain(default_convert(sample)) == plain(torch.utils.data.default_convert(sample))


def test_default_collate_of_tensors_stacks_and_keeps_the_graph():
    a = ta.tensor([1.0, 2.0], requires_grad=True)
    batch = default_collate([a, a * 2])
    assert batch.shape == (2, 2)
    batch.sum().backward()
    assert a.grad.tolist() == [3.0, 3.0]
    torch = pytest.importorskip("torch")
    t = torch.tensor([1.0, 2.0])
    assert plain(torch.utils.data.default_collate([t, t * 2])) == plain(
        default_collate([ta.tensor([1.0, 2.0]), ta.tensor([2.0, 4.0])]))


@pytest.mark.parametrize("batch, error, message", [
    ([object()], TypeError, "batch must contain tensors, numpy arrays, numbers, dicts or "
                            "lists; found <class 'object'>"),
    ([np.array(["a"])], TypeError, "found <U1"),
    ([[1, 2], [1]], RuntimeError, "each element in list of batch should be of equal size"),
    ([np.zeros(2), np.zeros(3)], RuntimeError, "stack expects each tensor to be equal size"),
    ([1 + 2j], TypeError, "found <class 'complex'>"),
])
def test_default_collate_errors_match_torch(batch, error, message):
    with pytest.raises(error, match=message):
        default_collate(batch)
    torch = pytest.importorskip("torch")
    with pytest.raises(error, match=message):
        torch.utils.data.default_collate(batch)


def test_collate_of_unequal_tensors_is_torchs_runtime_error():
    with pytest.raises(RuntimeError, match=r"\(2,\) at entry 0 and \(3,\) at entry 1"):
        default_collate([ta.zeros(2), ta.zeros(3)])


# --- DataLoader over datasets -------------------------------------------------------------

LOADER_CASES = [
    {}, {"batch_size": 3}, {"batch_size": 3, "drop_last": True}, {"batch_size": 7},
    {"batch_size": 10}, {"batch_size": None}, {"batch_size": 2, "sampler": [6, 0, 3, 3]},
    {"batch_sampler": [[0, 1], [6], [2, 5, 4]]}, {"batch_size": None, "sampler": [5, 2]},
    {"batch_size": 4, "collate_fn": lambda b: [s[1] for s in b]},
]


@pytest.mark.parametrize("kwargs", LOADER_CASES)
def test_loader_gives_torchs_batches(kwargs):
    torch = pytest.importorskip("torch")
    ours = DataLoader(Squares(), **kwargs)
    theirs = torch.utils.data.DataLoader(as_torch(Squares(), torch), **kwargs)
    assert [plain(b) for b in ours] == [plain(b) for b in theirs]
    assert len(ours) == len(theirs)


@pytest.mark.parametrize("kwargs", [{"batch_size": 2}, {"batch_size": 3, "drop_last": True},
                                    {"batch_size": None}, {"batch_size": 10}])
def test_loader_over_an_iterable_dataset_matches_torch(kwargs):
    torch = pytest.importorskip("torch")

    class TorchStream(torch.utils.data.IterableDataset):
        def __iter__(self):
            return iter(range(7))

        def __len__(self):
            return 7

    ours, theirs = DataLoader(Stream(), **kwargs), torch.utils.data.DataLoader(
        TorchStream(), **kwargs)
    assert [plain(b) for b in ours] == [plain(b) for b in theirs]
    assert len(ours) == len(theirs)


def test_loader_over_other_map_style_objects_matches_torch():
    torch = pytest.importorskip("torch")
    for dataset in ([(1, 2.0), (3, 4.0), (5, 6.0)], np.arange(5), np.arange(12).reshape(6, 2),
                    [{"a": np.ones(2)}] * 3):
        for kwargs in ({"batch_size": 2}, {"batch_size": None}):
            ours = DataLoader(dataset, **kwargs)
            theirs = torch.utils.data.DataLoader(dataset, **kwargs)
            assert [plain(b) for b in ours] == [plain(b) for b in theirs], (dataset, kwargs)


def test_tensor_dataset_batches_match_torch():
    torch = pytest.importorskip("torch")
    x, y = np.arange(20, dtype=np.float32).reshape(10, 2), np.arange(10)
    ours = DataLoader(TensorDataset(x, y), batch_size=4, sampler=[9, 0, 5, 1, 2, 3])
    theirs = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(
        torch.from_numpy(x), torch.from_numpy(y)), batch_size=4, sampler=[9, 0, 5, 1, 2, 3])
    assert [plain(b) for b in ours] == [plain(b) for b in theirs]


def test_the_fast_path_gives_what_default_collate_gives():
    x, y = np.arange(30.0).reshape(10, 3), (np.arange(10) % 3).astype(np.int32)
    for dataset in (TensorDataset(x, y), x, ta.tensor(x), TensorDataset(ta.tensor(x)),
                    Subset(TensorDataset(x, y), [9, 2, 2, -1, 0]),
                    Subset(Subset(x, np.arange(10)[::-1]), [1, 3, 5, 7, 0])):
        for sampler in (None, [3, 1, 4, 1, 0, 2, -1]):
            fast = DataLoader(dataset, batch_size=3, sampler=sampler)
            slow = DataLoader(dataset, batch_size=3, sampler=sampler,
                              collate_fn=default_collate)
            assert [plain(b) for b in fast] == [plain(b) for b in slow]
    for drop_last in (False, True):                 # shuffled: the same draws, the same order
        fast = DataLoader(TensorDataset(x, y), batch_size=3, shuffle=True, drop_last=drop_last,
                          generator=np.random.default_rng(4))
        slow = DataLoader(TensorDataset(x, y), batch_size=3, shuffle=True, drop_last=drop_last,
                          generator=np.random.default_rng(4), collate_fn=default_collate)
        assert [plain(b) for _ in range(2) for b in fast] == [
            plain(b) for _ in range(2) for b in slow]
    first = next(iter(DataLoader(TensorDataset(x, y), batch_size=4)))
    assert np.shares_memory(first[0].numpy(), x)   # in order: a slice, no copy
    w = ta.tensor(x, requires_grad=True)
    xb, = next(iter(DataLoader(TensorDataset(w), batch_size=2, sampler=[4, 4])))
    xb.sum().backward()
    assert w.grad.numpy()[4].tolist() == [2.0, 2.0, 2.0] and w.grad.numpy().sum() == 6


def test_a_never_raising_dataset_is_read_at_its_len_indices_only():
    forever = Forever()
    assert [b.tolist() for b in DataLoader(forever, batch_size=2)] == [[0, 1], [2, 3], [4]]
    assert forever.calls == 5
    assert len(list(DataLoader(forever, batch_size=2, shuffle=True))) == 3


def test_a_dataset_without_len_raises_as_torch_unless_a_sampler_is_given():
    loader = DataLoader(NoLen(), batch_size=2)       # as torch: building it is fine
    with pytest.raises(TypeError, match="'NoLen' has no len"):
        next(iter(loader))
    with pytest.raises(TypeError, match="'NoLen' has no len"):
        len(loader)
    assert [b.tolist() for b in DataLoader(NoLen(), batch_size=2, sampler=[7, 8, 9])] == [
        [7, 8], [9]]
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError, match="'NoLen' has no len"):
        next(iter(torch.utils.data.DataLoader(NoLen(), batch_size=2)))


def test_shuffling_reshuffles_every_pass_reproducibly():
    def epochs(loader, n=2):
        return [[i for b in loader for i in b.tolist()] for _ in range(n)]
    first, second = epochs(DataLoader(Forever(), batch_size=2, shuffle=True,
                                      generator=np.random.default_rng(3)), 2)
    assert sorted(first) == list(range(5))
    again = epochs(DataLoader(Forever(), batch_size=2, shuffle=True,
                              generator=np.random.default_rng(3)), 2)
    assert again == [first, second]
    many = epochs(DataLoader(range(40), batch_size=8, shuffle=True), 2)
    assert many[0] != many[1]
    ta.manual_seed(11)
    a = epochs(DataLoader(range(40), batch_size=8, shuffle=True), 1)
    ta.manual_seed(11)
    assert epochs(DataLoader(range(40), batch_size=8, shuffle=True), 1) == a


def test_the_array_form_keeps_its_order_and_arguments():
    x, y = np.arange(20.0).reshape(10, 2), np.arange(10)
    for seed in (0, 7):
        loader = DataLoader(x, y, 4, shuffle=True, seed=seed)     # as the examples call it
        order = np.random.default_rng(seed).permutation(10)      # the earlier loader's order
        got = np.concatenate([yb.numpy() for _, yb in loader])
        np.testing.assert_array_equal(got, order)
    assert [len(yb) for _, yb in DataLoader(x, y=y, batch_size=3, drop_last=True)] == [3] * 3
    assert [b.shape for b in DataLoader(ta.tensor(x), batch_size=6)] == [(6, 2), (4, 2)]
    with pytest.raises(ValueError, match="pass generator= or seed=, not both"):
        DataLoader(x, y, seed=1, generator=np.random.default_rng(1))
    with pytest.raises(ValueError, match="x needs a sample axis"):
        DataLoader(np.float64(1.0))


@pytest.mark.parametrize("kwargs, message", [
    ({"batch_size": 0}, "positive integer"),
    ({"batch_size": 2.0}, "positive integer"),
    ({"batch_size": True}, "positive integer"),
    ({"batch_size": None, "drop_last": True}, "batch_size=None option disables auto-batching"),
    ({"shuffle": True, "sampler": [0]}, "sampler option is mutually exclusive with shuffle"),
    ({"batch_sampler": [[0]], "batch_size": 2}, "batch_sampler option is mutually exclusive"),
    ({"batch_sampler": [[0]], "drop_last": True}, "batch_sampler option is mutually exclusive"),
    ({"num_workers": -1}, "num_workers option should be non-negative"),
    ({"timeout": -1}, "timeout option should be non-negative"),
    ({"prefetch_factor": 2}, "prefetch_factor option could only be specified"),
    ({"persistent_workers": True}, "persistent_workers option needs num_workers > 0"),
    ({"multiprocessing_context": "spawn"}, "multiprocessing_context can only be used"),
    ({"drop_last": 1}, "drop_last should be a boolean value"),
])
def test_loader_errors_match_torch(kwargs, message):
    with pytest.raises(ValueError, match=message):
        DataLoader(list(range(5)), **kwargs)
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError, match=message):
        torch.utils.data.DataLoader(list(range(5)), **kwargs)


@pytest.mark.parametrize("kwargs, name", [({"shuffle": True}, "shuffle"),
                                          ({"sampler": [0]}, "sampler"),
                                          ({"batch_sampler": [[0]]}, "batch_sampler")])
def test_an_iterable_dataset_refuses_samplers_as_torch(kwargs, name):
    message = f"IterableDataset: expected unspecified {name} option"
    with pytest.raises(ValueError, match=message):
        DataLoader(Stream(), **kwargs)
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError, match=message):
        torch.utils.data.DataLoader(torch.utils.data.ChainDataset([]), **kwargs)


def test_loader_attributes_and_signature_are_torchs():
    loader = DataLoader(Squares(), batch_size=2, shuffle=True, num_workers=2)
    assert isinstance(loader.sampler, RandomSampler)
    assert isinstance(loader.batch_sampler, BatchSampler) and loader.batch_size == 2
    assert loader.collate_fn is default_collate and loader.num_workers == 2
    assert len(list(loader)) == 4                    # num_workers: loads in this process
    with pytest.raises(ValueError, match="batch_size attribute should not be set"):
        loader.batch_size = 3
    assert DataLoader(Squares(), batch_size=None).collate_fn is default_convert
    with pytest.raises(TypeError, match="numpy.random.Generator"):
        DataLoader(Squares(), shuffle=True, generator=3)
    with pytest.raises(TypeError, match="unexpected keyword argument 'batchsize'"):
        DataLoader(Squares(), batchsize=3)
    assert data.get_worker_info() is None
    torch = pytest.importorskip("torch")
    ours = inspect.signature(DataLoader).parameters
    theirs = inspect.signature(torch.utils.data.DataLoader).parameters
    assert [p for p in ours if p != "seed"] == list(theirs)
    assert all(ours[p].default == theirs[p].default and ours[p].kind == theirs[p].kind
               for p in theirs)


def test_utils_data_is_the_data_module():
    import tinygrad_acts.utils
    assert tinygrad_acts.utils.data is data
    assert ta.utils.data.DataLoader is DataLoader and ta.data.TensorDataset is TensorDataset


# --- MNIST / FashionMNIST -----------------------------------------------------------------

def write_idx(path, array):
    code = {np.dtype(np.uint8): 0x08}[array.dtype]
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    path.write_bytes(gzip.compress(header + array.tobytes()))


def _mnist_files(folder, n_train=5, n_test=3):
    rng = np.random.default_rng(0)
    os.makedirs(folder, exist_ok=True)
    arrays = {"train-images-idx3-ubyte": rng.integers(0, 256, (n_train, 28, 28), np.uint8),
              "train-labels-idx1-ubyte": rng.integers(0, 10, n_train, np.uint8),
              "t10k-images-idx3-ubyte": rng.integers(0, 256, (n_test, 28, 28), np.uint8),
              "t10k-labels-idx1-ubyte": rng.integers(0, 10, n_test, np.uint8)}
    for name, array in arrays.items():
        write_idx(folder / (name + ".gz"), array)
    return arrays


def test_mnist_dataset_reads_the_idx_files(tmp_path):
    arrays = _mnist_files(tmp_path)
    train, test = MNIST(tmp_path), MNIST(tmp_path, train=False)
    assert len(train) == 5 and len(test) == 3
    image, label = train[1]
    np.testing.assert_array_equal(image, arrays["train-images-idx3-ubyte"][1])
    assert image.dtype == np.uint8 and type(label) is int
    assert label == arrays["train-labels-idx1-ubyte"][1]
    assert train.targets.dtype == np.int64 and train.data.shape == (5, 28, 28)
    assert "Number of datapoints: 3" in repr(test) and "Split: Test" in repr(test)
    scaled = MNIST(tmp_path, transform=lambda im: im[None] / np.float32(255),
                   target_transform=lambda t: t + 100)
    xb, yb = next(iter(DataLoader(scaled, batch_size=4)))
    assert xb.shape == (4, 1, 28, 28) and xb.dtype == np.float32 and yb.dtype == np.int64
    np.testing.assert_array_equal(yb.numpy(), arrays["train-labels-idx1-ubyte"][:4] + 100)


def test_mnist_finds_torchvisions_layout_and_says_what_is_missing(tmp_path):
    _mnist_files(tmp_path / "FashionMNIST" / "raw")
    assert len(FashionMNIST(tmp_path)) == 5
    assert FashionMNIST.classes[9] == "Ankle boot" and MNIST(
        tmp_path / "FashionMNIST" / "raw").class_to_idx["3 - three"] == 3
    with pytest.raises(FileNotFoundError, match=r"MNIST: no train-images-idx3-ubyte\[.gz\]"):
        MNIST(tmp_path)
    with pytest.raises(FileNotFoundError, match="never downloads"):
        MNIST(tmp_path, download=True)


FASHION = "/usr/share/datasets/fashion-mnist"


@pytest.mark.skipif(not os.path.isdir(FASHION), reason="Debian's fashion-mnist not installed")
def test_the_real_fashion_mnist_test_split():
    test = FashionMNIST(FASHION, train=False)
    assert len(test) == 10000 and np.bincount(test.targets).tolist() == [1000] * 10
    image, label = test[0]
    assert image.shape == (28, 28) and test.classes[label] == "Ankle boot"
    batches = DataLoader(test, batch_size=1000)
    assert len(batches) == 10
    xb, yb = next(iter(batches))
    assert xb.shape == (1000, 28, 28) and xb.dtype == np.uint8 and yb.dtype == np.int64
