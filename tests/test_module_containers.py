"""The containers against torch: Sequential, ModuleList, ModuleDict, ParameterList,
ParameterDict (indexing, slicing, insert / extend / pop / del, +, *, |, update, repr, errors).

Each case is written once, in torch terms, and run in both libraries (``lib`` is torch or
tinygrad_acts); ``same`` compares the results (values, dtypes, which calls raise, the
warnings). dtypes are compared by name (``dt``): they print as numpy's here (guarantees.md)."""

from collections import OrderedDict

import pytest

from tests.test_module_hooks import run

torch = pytest.importorskip("torch")
import tinygrad_acts as ta  # noqa: E402

CASES = {}


def case(fn):
    CASES[fn.__name__] = fn
    return fn


def dt(dtype):
    """A dtype's name in either library (``float32``)."""
    return str(dtype).replace("torch.", "")


def names(modules):
    return [type(m).__name__ for m in modules]


def keys(container):
    return list(container._modules)


def mods(lib):
    nn = lib.nn
    return [nn.Linear(1, 1), nn.ReLU(), nn.Tanh(), nn.Sigmoid()]


@case
def seq_od(lib):
    s = lib.nn.Sequential(OrderedDict([("a", lib.nn.ReLU()), ("b", lib.nn.Tanh())]))
    return keys(s), repr(s)


@case
def seq_slice(lib):
    s = lib.nn.Sequential(*mods(lib))
    t = s[1:3]
    return type(t).__name__, keys(t), names(t), t[0] is s[1]


@case
def seq_slice_od(lib):
    s = lib.nn.Sequential(
        OrderedDict([("a", lib.nn.ReLU()), ("b", lib.nn.Tanh()), ("c", lib.nn.Sigmoid())])
    )
    return keys(s[1:]), keys(s[::-1])


@case
def seq_neg(lib):
    s = lib.nn.Sequential(*mods(lib))
    return type(s[-1]).__name__, type(s[-4]).__name__


@case
def seq_oob(lib):
    lib.nn.Sequential(*mods(lib))[4]


@case
def seq_oob_neg(lib):
    lib.nn.Sequential(*mods(lib))[-5]


@case
def seq_str_index(lib):
    lib.nn.Sequential(*mods(lib))["0"]


@case
def seq_append(lib):
    s = lib.nn.Sequential()
    r = s.append(lib.nn.ReLU())
    return r is s, keys(s)


@case
def seq_append_bad(lib):
    lib.nn.Sequential().append(3)


@case
def seq_insert(lib):
    s = lib.nn.Sequential(*mods(lib))
    s.insert(1, lib.nn.ELU())
    s.insert(-1, lib.nn.GELU())
    s.insert(len(s), lib.nn.SiLU())
    return names(s), keys(s)


@case
def seq_insert_oob(lib):
    lib.nn.Sequential(*mods(lib)).insert(7, lib.nn.ELU())


@case
def seq_insert_bad(lib):  # torch: AssertionError, here TypeError
    try:
        lib.nn.Sequential(*mods(lib)).insert(0, 3)
    except Exception:  # noqa: BLE001
        return "raised"


@case
def seq_extend(lib):
    s = lib.nn.Sequential(*mods(lib))
    r = s.extend(lib.nn.Sequential(lib.nn.ELU()))
    s.extend([lib.nn.GELU()])
    return r is s, names(s), keys(s)


@case
def seq_pop(lib):
    s = lib.nn.Sequential(*mods(lib))
    p = s.pop(1)
    return type(p).__name__, names(s), keys(s)


@case
def seq_pop_neg(lib):
    s = lib.nn.Sequential(*mods(lib))
    p = s.pop(-1)
    return type(p).__name__, keys(s)


@case
def seq_del(lib):
    s = lib.nn.Sequential(*mods(lib))
    del s[0]
    del s[-1]
    return names(s), keys(s)


@case
def seq_del_slice(lib):
    s = lib.nn.Sequential(*mods(lib))
    del s[1:3]
    return names(s), keys(s)


@case
def seq_del_od(lib):
    s = lib.nn.Sequential(
        OrderedDict([("a", lib.nn.ReLU()), ("b", lib.nn.Tanh()), ("c", lib.nn.Sigmoid())])
    )
    del s[1]
    return keys(s)


@case
def seq_setitem(lib):
    s = lib.nn.Sequential(*mods(lib))
    s[1] = lib.nn.ELU()
    s[-1] = lib.nn.GELU()
    return names(s), keys(s)


@case
def seq_setitem_bad(lib):
    s = lib.nn.Sequential(*mods(lib))
    s[0] = 3


@case
def seq_len(lib):
    return len(lib.nn.Sequential(*mods(lib))), len(lib.nn.Sequential())


@case
def seq_add(lib):
    a = lib.nn.Sequential(*mods(lib)[:2])
    b = lib.nn.Sequential(*mods(lib)[2:])
    c = a + b
    return type(c).__name__, names(c), keys(c), c[0] is a[0]


@case
def seq_add_bad(lib):
    lib.nn.Sequential() + lib.nn.ModuleList()


@case
def seq_iadd(lib):
    a = lib.nn.Sequential(*mods(lib)[:2])
    b = lib.nn.Sequential(*mods(lib)[2:])
    c = a
    a += b
    return a is c, names(a), keys(a)


@case
def seq_mul(lib):
    a = lib.nn.Sequential(lib.nn.ReLU(), lib.nn.Tanh())
    c = a * 2
    return names(c), keys(c), c[0] is c[2]


@case
def seq_rmul(lib):
    a = lib.nn.Sequential(lib.nn.ReLU())
    c = 2 * a
    return names(c)


@case
def seq_imul(lib):
    a = lib.nn.Sequential(lib.nn.ReLU())
    b = a
    a *= 3
    return a is b, keys(a)


@case
def seq_mul_bad(lib):
    lib.nn.Sequential(lib.nn.ReLU()) * 0


@case
def seq_forward_kw(lib):
    s = lib.nn.Sequential(lib.nn.ReLU())
    return s(lib.tensor([-1.0, 2.0]))


@case
def seq_dir(lib):
    return "0" in dir(lib.nn.Sequential(lib.nn.ReLU()))


@case
def seq_iter(lib):
    return names(iter(lib.nn.Sequential(*mods(lib))))


@case
def seq_bad_init(lib):
    lib.nn.Sequential(lambda x: x)


@case
def seq_dict_init(lib):
    lib.nn.Sequential({"a": lib.nn.ReLU()})


@case
def ml_slice(lib):
    ml = lib.nn.ModuleList(mods(lib))
    t = ml[1:3]
    return type(t).__name__, keys(t), t[0] is ml[1]


@case
def ml_neg(lib):
    ml = lib.nn.ModuleList(mods(lib))
    return type(ml[-1]).__name__


@case
def ml_oob(lib):
    lib.nn.ModuleList(mods(lib))[4]


@case
def ml_oob_neg(lib):
    lib.nn.ModuleList(mods(lib))[-5]


@case
def ml_insert(lib):
    ml = lib.nn.ModuleList(mods(lib))
    ml.insert(1, lib.nn.ELU())
    ml.insert(-1, lib.nn.GELU())
    ml.insert(100, lib.nn.SiLU())
    ml.insert(-100, lib.nn.Mish())
    return names(ml), keys(ml)


@case
def ml_insert_ret(lib):
    return lib.nn.ModuleList().insert(0, lib.nn.ReLU())


@case
def ml_extend(lib):
    ml = lib.nn.ModuleList()
    r = ml.extend(mods(lib))
    return r is ml, keys(ml)


@case
def ml_extend_bad(lib):
    lib.nn.ModuleList().extend(lib.nn.ReLU())


@case
def ml_iadd(lib):
    ml = lib.nn.ModuleList(mods(lib)[:1])
    k = ml
    ml += mods(lib)[1:]
    return ml is k, keys(ml)


@case
def ml_add(lib):
    ml = lib.nn.ModuleList(mods(lib)[:1])
    c = ml + lib.nn.ModuleList(mods(lib)[1:])
    return type(c).__name__, keys(c)


@case
def ml_add_list(lib):
    ml = lib.nn.ModuleList(mods(lib)[:1])
    c = ml + mods(lib)[1:]
    return type(c).__name__, keys(c)


@case
def ml_setitem(lib):
    ml = lib.nn.ModuleList(mods(lib))
    ml[-1] = lib.nn.ELU()
    ml[0] = lib.nn.GELU()
    return names(ml)


@case
def ml_setitem_oob(lib):
    ml = lib.nn.ModuleList(mods(lib))
    ml[5] = lib.nn.ELU()


@case
def ml_del(lib):
    ml = lib.nn.ModuleList(mods(lib))
    del ml[1]
    del ml[-1]
    return names(ml), keys(ml)


@case
def ml_del_slice(lib):
    ml = lib.nn.ModuleList(mods(lib))
    del ml[::2]
    return names(ml), keys(ml)


@case
def ml_pop(lib):
    ml = lib.nn.ModuleList(mods(lib))
    p = ml.pop(1)
    return type(p).__name__, keys(ml), names(ml)


@case
def ml_pop_default(lib):
    ml = lib.nn.ModuleList(mods(lib))
    p = ml.pop()
    return type(p).__name__


@case
def ml_append_bad(lib):
    lib.nn.ModuleList().append(3)


@case
def ml_init_bad(lib):
    lib.nn.ModuleList([3])


@case
def ml_call(lib):
    lib.nn.ModuleList(mods(lib))(lib.ones(1))


@case
def ml_str_index(lib):
    lib.nn.ModuleList(mods(lib))["0"]


@case
def ml_contains(lib):
    ml = lib.nn.ModuleList(mods(lib))
    return ml[0] in ml, lib.nn.ReLU() in ml


@case
def ml_dir(lib):
    return "0" in dir(lib.nn.ModuleList(mods(lib)))


@case
def ml_repr_nested(lib):
    return repr(
        lib.nn.ModuleList(
            [
                lib.nn.Sequential(lib.nn.Linear(1, 1)),
                lib.nn.Sequential(lib.nn.Linear(1, 1)),
                lib.nn.ReLU(),
            ]
        )
    )


@case
def md_ops(lib):
    d = lib.nn.ModuleDict({"b": lib.nn.ReLU(), "a": lib.nn.Tanh()})
    d.update([("c", lib.nn.ELU())])
    d.update({"d": lib.nn.GELU()})
    p = d.pop("b")
    return (
        list(d.keys()),
        names(d.values()),
        [k for k, _ in d.items()],
        type(p).__name__,
        "a" in d,
        len(d),
    )


@case
def md_pop_missing(lib):
    lib.nn.ModuleDict().pop("x")


@case
def md_getitem_missing(lib):
    lib.nn.ModuleDict()["x"]


@case
def md_bad_value(lib):
    lib.nn.ModuleDict({"a": 3})


@case
def md_bad_key(lib):
    lib.nn.ModuleDict({1: lib.nn.ReLU()})


@case
def md_update_bad(lib):
    lib.nn.ModuleDict().update(3)


@case
def md_update_bad_pair(lib):
    lib.nn.ModuleDict().update([("a",)])


@case
def md_update_od(lib):
    d = lib.nn.ModuleDict(OrderedDict([("z", lib.nn.ReLU()), ("a", lib.nn.Tanh())]))
    return list(d)


@case
def md_clear(lib):
    d = lib.nn.ModuleDict({"a": lib.nn.ReLU()})
    d.clear()
    return len(d), list(d._modules)


@case
def md_setitem_dot(lib):
    d = lib.nn.ModuleDict()
    d["a.b"] = lib.nn.ReLU()


@case
def md_call(lib):
    lib.nn.ModuleDict()(1)


@case
def md_attr(lib):
    d = lib.nn.ModuleDict({"a": lib.nn.ReLU()})
    return type(d.a).__name__


@case
def md_update_md(lib):
    d = lib.nn.ModuleDict({"a": lib.nn.ReLU()})
    d.update(lib.nn.ModuleDict({"b": lib.nn.Tanh()}))
    return list(d)


@case
def md_del(lib):
    d = lib.nn.ModuleDict({"a": lib.nn.ReLU(), "b": lib.nn.ReLU()})
    del d["a"]
    return list(d)


@case
def pl_ops(lib):
    p = lib.nn.ParameterList([lib.nn.Parameter(lib.ones(1)), lib.zeros(2)])
    p.append(lib.ones(3))
    p.extend([lib.ones(4)])
    p += [lib.ones(5)]
    return (
        len(p),
        [x.shape[0] for x in p],
        [type(x).__name__ for x in p],
        [k for k, _ in p.named_parameters()],
    )


@case
def pl_neg(lib):
    p = lib.nn.ParameterList([lib.ones(1), lib.zeros(2)])
    return p[-1].shape[0]


@case
def pl_oob(lib):
    lib.nn.ParameterList([lib.ones(1)])[1]


@case
def pl_slice(lib):
    p = lib.nn.ParameterList([lib.ones(1), lib.zeros(2), lib.ones(3)])
    s = p[1:]
    return type(s).__name__, len(s), s[0] is p[1]


@case
def pl_setitem(lib):
    p = lib.nn.ParameterList([lib.ones(1), lib.zeros(2)])
    p[0] = lib.ones(7)
    p[1] = 3
    return [k for k, _ in p.named_parameters()], p[1]


@case
def pl_obj(lib):
    p = lib.nn.ParameterList([lib.ones(1), "x", 2])
    return [k for k, _ in p.named_parameters()], p[1], dt(repr(p))


@case
def pl_extend_bad(lib):
    lib.nn.ParameterList().extend(3)


@case
def pl_call(lib):
    lib.nn.ParameterList()(1)


@case
def pl_dir(lib):
    return "0" in dir(lib.nn.ParameterList([lib.ones(1)]))


@case
def pl_requires_grad(lib):
    p = lib.nn.ParameterList([lib.ones(1), lib.nn.Parameter(lib.ones(1), requires_grad=False)])
    return [x.requires_grad for x in p]


@case
def pd_ops(lib):
    d = lib.nn.ParameterDict({"b": lib.ones(1), "a": lib.zeros(2)})
    d["c"] = lib.ones(3)
    d.update({"e": lib.ones(1), "d": lib.ones(1)})
    p = d.pop("b")
    return (
        list(d.keys()),
        [x.shape for x in d.values()],
        [k for k, _ in d.items()],
        p.shape,
        "a" in d,
        len(d),
        [k for k, _ in d.named_parameters()],
    )


@case
def pd_pop_missing(lib):
    lib.nn.ParameterDict().pop("x")


@case
def pd_getitem_missing(lib):
    lib.nn.ParameterDict()["x"]


@case
def pd_bad_key(lib):
    lib.nn.ParameterDict()[1] = lib.ones(1)


@case
def pd_get(lib):
    d = lib.nn.ParameterDict({"a": lib.ones(1)})
    return d.get("a").shape, d.get("z", 5)


@case
def pd_popitem(lib):
    d = lib.nn.ParameterDict({"a": lib.ones(1), "b": lib.ones(2)})
    k, _v = d.popitem()
    return k, list(d)


@case
def pd_popitem_empty(lib):
    lib.nn.ParameterDict().popitem()


@case
def pd_setdefault(lib):
    d = lib.nn.ParameterDict()
    v = d.setdefault("a", lib.ones(1))
    return type(v).__name__, list(d)


@case
def pd_copy(lib):
    d = lib.nn.ParameterDict({"a": lib.ones(1)})
    c = d.copy()
    return type(c).__name__, c["a"] is d["a"]


@case
def pd_fromkeys(lib):
    d = lib.nn.ParameterDict()
    c = d.fromkeys(["x", "y"], lib.ones(1))
    return list(c), c["x"] is c["y"]


@case
def pd_or(lib):
    a = lib.nn.ParameterDict({"a": lib.ones(1)})
    b = lib.nn.ParameterDict({"b": lib.ones(1)})
    c = a | b
    return type(c).__name__, list(c)


@case
def pd_ior(lib):
    a = lib.nn.ParameterDict({"a": lib.ones(1)})
    k = a
    a |= lib.nn.ParameterDict({"b": lib.ones(1)})
    return a is k, list(a)


@case
def pd_ror(lib):
    a = lib.nn.ParameterDict({"a": lib.ones(1)})
    c = {"z": lib.ones(1)} | a
    return type(c).__name__, list(c)


@case
def pd_update_bad(lib):
    lib.nn.ParameterDict().update(3)


@case
def pd_update_pairs(lib):
    d = lib.nn.ParameterDict()
    d.update([("b", lib.ones(1)), ("a", lib.ones(1))])
    return list(d)


@case
def pd_repr2(lib):
    return repr(
        lib.nn.ParameterDict(
            {
                "a": lib.nn.Parameter(lib.ones(2)),
                "b": lib.nn.Parameter(lib.ones(2, 3, dtype=lib.float64)),
                "c": "x",
            }
        )
    )


@case
def pd_repr0(lib):
    return repr(lib.nn.ParameterDict())


@case
def pd_call(lib):
    lib.nn.ParameterDict()(1)


@case
def pd_reversed(lib):
    return list(reversed(lib.nn.ParameterDict({"a": lib.ones(1), "b": lib.ones(1)})))


@case
def pd_clear(lib):
    d = lib.nn.ParameterDict({"a": lib.ones(1)})
    d.clear()
    return len(d), list(d._parameters)


@case
def pd_del(lib):
    d = lib.nn.ParameterDict({"a": lib.ones(1), "b": lib.ones(1)})
    del d["a"]
    return list(d), list(d.state_dict())


@case
def pd_attr(lib):
    d = lib.nn.ParameterDict({"a": lib.ones(1)})
    return d.a.shape


@pytest.mark.parametrize("name", list(CASES))
def test_same_as_torch(name):
    want, got = run(CASES[name], torch), run(CASES[name], ta)
    assert got == want
