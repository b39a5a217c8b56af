"""PyTorch's public surface against ours, found by rule, so a gap shows itself.

For torch, torch.Tensor, torch.nn, torch.nn.functional, torch.optim, torch.linalg,
torch.special, torch.utils.data, and the device and testing boilerplate (torch.cuda,
torch.accelerator, torch.amp, torch.backends.mps, torch.testing, torch.autograd,
torch.autograd.functional),
the public names a tutorial would use are computed by rules (below, in ``_tutorial_names``):
no underscore names, no modules, nothing of quantization / sparse / distributed / jit / fx /
export / compilers / GPU hardware (streams, graphs, allocators, device properties), nothing
documented as deprecated. The device names a CPU script calls stay in: ``x.is_cuda``,
``torch.cuda.is_available``, ``manual_seed_all``, ``set_num_threads``, ``autocast``...
The names we lack must equal KNOWN_MISSING (at the end of this file), and for
the names both have, the keywords torch's signature accepts that ours refuses must equal
KNOWN_REFUSED: a new gap fails, and so does a closed one left listed. The lists are the
visible backlog; regenerate them with ``python tests/test_api_coverage.py`` (it rewrites
only the block between the BACKLOG markers).
"""
from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

import tinygrad_acts as ta

torch = pytest.importorskip("torch") if __name__ != "__main__" else __import__("torch")
pytestmark = pytest.mark.torch

#: names of machinery a CPU tutorial never calls: other devices' kernels, compilers,
#: quantization, sparse layouts, distributed, tracing, storage internals, profilers. (CUDA's
#: own API is not hidden: ``torch.cuda`` is a surface below, and ``x.cuda()`` / ``x.is_cuda``
#: / ``get_device`` are what CPU scripts call; ``cudnn_`` / ``_cuda`` kernels still are.)
EXCLUDED = re.compile(
    r"^cudnn|_cudnn|mps_|_mps|xpu|mkl|miopen|hip|vulkan|mtia|hpu|ipu|xla|lazy|"
    r"privateuse|quantiz|profil|Profil|kineto|DeviceType|torch_function|^is_tensor_like|"
    r"^set_$|^set_flush_denormal|"
    r"^get_device_module|^init_num_threads|^thread_safe_generator|"
    r"^q_|^q[a-z]|qscheme|fake_quant|sparse|^to_sparse|csr|csc|bsr|bsc|coo|mkldnn|distributed|"
    r"^jit|fx|onnx|export|compile|dynamo|inductor|autocast|vmap|functorch|_foreach|fbgemm|"
    r"nested|storage|symint|^sym_|^Sym|typename|^is_(?!autocast).*_available|^has_|nnpack|"
    r"batch_norm_|_jvp|^native_|^cudnn|^miopen|^rrelu_with|^slow_|^thnn|^segment_reduce|"
    r"^fused_|^ctc|^embedding_renorm|^quantized|^dequantize|^int_repr|^fbgemm|^conv_tbc|"
    r"^promote|^can_cast|^enable_|^disable_|^unsafe|_unsafe|"
    r"^resize|^record_stream|^pin_memory|^is_pinned|^share_memory|^data_ptr|^untyped|"
    r"^element_size$|_out$|^module_load|^apply_|^map_|^map2_|^retains_grad$|^dim_order|"
    r"^is_shared|^is_set_to|^is_inference$|^names$|^rename|^refine_names|^align_|"
    r"^unflatten$|^output_nr|^itemsize$|^nbytes$|^layout$|^grad_fn$|^is_meta|^is_quantized|"
    r"^is_nested|^is_mkldnn|^is_sparse|^is_xpu|^is_ipu|^is_vulkan|"
    r"^is_xla|^is_mtia|^is_maia|^is_cpu$|^is_conj|^is_neg|^resolve_|^conj_physical|"
    r"^imag|^real$|^is_complex|^complex|^polar|^view_as_|^angle|^conj|^adjoint|^chalf|"
    r"^cfloat|^cdouble|^bfloat16|float8|^float4|^bits|^uint|^int1|^int2|^int3|^int4|^int5|"
    r"^int6|^int7|^register_|^dsplit|^hsplit|^vsplit|^dstack|^hstack|^vstack|^column_stack|"
    r"^row_stack|^swapdims|^moveaxis|^movedim|^sub_$|^TypedStorage|^UntypedStorage|"
    r"datapipe|DataPipe|validation|determinism|DataChunk")


#: torch.cuda's (and torch.accelerator's) GPU hardware API (streams, events, graphs,
#: allocators and memory pools,
#: device properties and counters, NVML readings): nothing a CPU script can call. What is
#: left is what a CPU-only torch answers too (is_available, device_count, the seeding calls,
#: empty_cache, the memory counters, synchronize's error...).
CUDA_HARDWARE = re.compile(
    r"Stream|stream|Event|Graph|graph|Allocator|allocator|MemPool|mem_pool|GreenContext|"
    r"blas|solver|cudart|power_draw|temperature|utilization|clock_rate|memory_usage|"
    r"list_gpu_processes|ipc_|peer|check_error|gencode|sync_debug|host_memory|"
    r"memory_snapshot|memory_summary|mem_get_info|per_process_memory|device_memory_used|"
    r"caching|accumulated|Error$|is_tf32|^device$|^device_of$|^set_device$|"
    r"get_device_properties|memory_stats_as_nested|reset_max_memory_cached|"
    r"^memory_cached|^max_memory_cached|^get_allocator")


def _documented_deprecated(obj) -> bool:
    doc = getattr(obj, "__doc__", None)
    doc = (doc if isinstance(doc, str) else "")[:2000].lower()
    return "deprecated" in doc


def _tutorial_names(owner, want_classes: bool | None = None) -> set[str]:
    """The public names of ``owner`` a tutorial would use, by the rules above.
    want_classes: True keeps only classes (nn modules), False only non-classes, None both."""
    names = set()
    for name in dir(owner):
        if name.startswith("_") or EXCLUDED.search(name):
            continue
        try:
            obj = getattr(owner, name)
        except Exception:  # noqa: BLE001 (a lazily failing attribute is not public API)
            continue
        if inspect.ismodule(obj) or _documented_deprecated(obj):
            continue
        module = getattr(obj, "__module__", None) or "torch"
        if callable(obj) and (not module.startswith("torch") or not getattr(obj, "__doc__", None)):
            continue  # typing names re-exported, and undocumented helpers, are not API
        if want_classes is not None and inspect.isclass(obj) != want_classes:
            continue
        if owner is not torch.Tensor and not callable(obj):
            continue
        if isinstance(obj, type) and issubclass(obj, Warning):
            continue
        names.add(name)
    return names


def surfaces() -> dict[str, tuple[set[str], object]]:
    """surface name -> (torch's tutorial names, our object holding the same names)."""
    import torch.autograd.functional as taf
    import torch.utils.data as tud

    import tinygrad_acts.autograd_functional as ours_taf
    cuda = {n for n in _tutorial_names(torch.cuda) if not CUDA_HARDWARE.search(n)}
    return {
        "torch": (_tutorial_names(torch), ta),
        "torch.Tensor": (_tutorial_names(torch.Tensor), ta.Tensor),
        "torch.nn": (_tutorial_names(torch.nn, want_classes=True), ta.nn),
        "torch.nn.functional": (_tutorial_names(torch.nn.functional), ta.nn.functional),
        "torch.optim": (_tutorial_names(torch.optim, want_classes=True), ta.optim),
        "torch.linalg": (_tutorial_names(torch.linalg), ta.linalg),
        "torch.special": (_tutorial_names(torch.special), ta.special),
        "torch.utils.data": (_tutorial_names(tud), ta.utils.data),
        "torch.cuda": (cuda, ta.cuda),
        "torch.accelerator": ({n for n in _tutorial_names(torch.accelerator)
                               if not CUDA_HARDWARE.search(n)}, ta.accelerator),
        "torch.amp": (_tutorial_names(torch.amp), ta.amp),
        "torch.backends.mps": (_tutorial_names(torch.backends.mps), ta.backends.mps),
        "torch.testing": (_tutorial_names(torch.testing), ta.testing),
        "torch.autograd": (_tutorial_names(torch.autograd), ta.autograd),
        "torch.autograd.functional": (_tutorial_names(taf), ours_taf),
    }


def missing() -> dict[str, list[str]]:
    return {surface: sorted(n for n in names if not hasattr(ours, n))
            for surface, (names, ours) in surfaces().items()}


# --- keywords: what torch's signature accepts and ours refuses -------------------------------

_SIGNATURE_LINE = re.compile(r"^\s*(?:[\w.]+\.)?(\w+)\((.*?)\)\s*(?:->|$)", re.M)


def _torch_keywords(obj, name: str) -> set[str] | None:
    """The keyword-passable parameter names of torch's ``name``: from inspect.signature for
    Python-level functions, else from the docstring's first signature line."""
    try:
        sig = inspect.signature(obj)
        return {p.name for p in sig.parameters.values()
                if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name != "self"}
    except (TypeError, ValueError):
        pass
    doc = getattr(obj, "__doc__", None)
    doc = doc if isinstance(doc, str) else ""
    for m in _SIGNATURE_LINE.finditer(doc[:3000]):
        if m.group(1) != name:
            continue
        params = set()
        for part in m.group(2).split(","):
            part = part.strip().split("=")[0].split(":")[0].strip()
            # NOTE: `*size` in a builtin's docstring is also the keyword `size=`
            # (torch.zeros(size=(2, 3))); a bare `*` only marks what follows keyword-only
            part = DOC_KEYWORD_FIXES.get(name, {}).get(part, part).lstrip("*") \
                if part not in ("*args", "**kwargs") else ""
            if re.fullmatch(r"[A-Za-z_]\w*", part) and part not in ("self",):
                params.add(part)
        return params
    return None


#: where a builtin's docstring names a parameter other than its keyword: Tensor.view's
#: docstring says ``view(*shape)``, but the keyword torch accepts is ``size=``
DOC_KEYWORD_FIXES = {"view": {"*shape": "*size"}}


def _our_keywords(obj) -> set[str] | None:
    """Our keyword names, or None when ours takes **kwargs (anything) or has no signature."""
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return None
    if any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values()):
        return None
    return {p.name for p in sig.parameters.values()
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}


def refused() -> dict[str, list[str]]:
    """``surface.name`` -> torch's keywords that ours does not accept (functions only)."""
    import torch.autograd.functional as taf
    import torch.utils.data as tud
    owners = {"torch": torch, "torch.Tensor": torch.Tensor, "torch.nn.functional":
              torch.nn.functional, "torch.linalg": torch.linalg, "torch.special": torch.special,
              "torch.utils.data": tud,
              "torch.cuda": torch.cuda, "torch.accelerator": torch.accelerator,
              "torch.amp": torch.amp, "torch.testing": torch.testing,
              "torch.autograd": torch.autograd, "torch.autograd.functional": taf}
    out = {}
    for surface, (names, ours) in surfaces().items():
        if surface not in owners:
            continue
        for name in sorted(names):
            if not hasattr(ours, name):
                continue
            theirs = _torch_keywords(getattr(owners[surface], name), name)
            mine = _our_keywords(getattr(ours, name))
            if not theirs or mine is None or inspect.isclass(getattr(ours, name)):
                continue
            lacking = sorted(theirs - mine - {"input", "self", "out"} if "input" not in mine
                             else theirs - mine - {"out"})
            if lacking:
                out[f"{surface}.{name}"] = lacking
    return out


# --- the tests -------------------------------------------------------------------------------

def test_the_rules_find_what_tutorials_use():
    """The rule-based surface holds the names every tutorial uses, and none of the machinery
    the rules exclude (the checker can see a gap, and does not drown in internals)."""
    found = surfaces()
    assert {"zeros", "randn", "cat", "no_grad", "manual_seed"} <= found["torch"][0]
    assert {"backward", "view", "sum", "item"} <= found["torch.Tensor"][0]
    assert {"Linear", "Conv2d", "Sequential"} <= found["torch.nn"][0]
    assert not {n for n in found["torch"][0] if "cudnn" in n or "quantize" in n}
    # the device boilerplate is measured, the GPU hardware API is not
    assert {"manual_seed_all", "is_available", "empty_cache"} <= found["torch.cuda"][0]
    assert not {n for n in found["torch.cuda"][0] if "stream" in n.lower()}
    assert {"is_cuda", "get_device"} <= found["torch.Tensor"][0]
    assert {"set_num_threads", "get_rng_state", "use_deterministic_algorithms"} <= found["torch"][0]


def test_the_signature_parser_reads_star_size_as_a_keyword():
    """``zeros(*size, *, out=None, ...)``: ``size=`` is a keyword of torch's zeros (the
    parser once dropped it, hiding ``zeros(size=(2, 3))`` from the backlog)."""
    assert {"size", "out", "dtype"} <= _torch_keywords(torch.zeros, "zeros")
    assert "size" in _torch_keywords(torch.Tensor.view, "view")
    assert "args" not in (_torch_keywords(torch.Tensor.to, "to") or set())


def test_the_missing_names_are_the_known_backlog():
    now = missing()
    new = {s: sorted(set(v) - set(KNOWN_MISSING.get(s, ()))) for s, v in now.items()}
    closed = {s: sorted(set(KNOWN_MISSING.get(s, ())) - set(v)) for s, v in now.items()}
    assert not any(new.values()), f"torch names we lack (implement, or list them): {new}"
    assert not any(closed.values()), f"implemented now: remove from KNOWN_MISSING: {closed}"


def test_the_refused_keywords_are_the_known_backlog():
    now = refused()
    new = {k: v for k, v in now.items() if KNOWN_REFUSED.get(k) != v}
    closed = sorted(set(KNOWN_REFUSED) - set(now))
    assert not new, f"keywords torch accepts and we refuse (accept, or list them): {new}"
    assert not closed, f"accepted now: remove from KNOWN_REFUSED: {closed}"


def test_the_checker_sees_a_missing_keyword():
    """A function without torch's ``dim`` keyword is flagged (the comparison can fail)."""
    def fake(input, dtype=None):
        return input
    softmax = torch.nn.functional.softmax
    assert {"dim"} <= _torch_keywords(softmax, "softmax") - _our_keywords(fake)


def _backlog_block() -> str:
    lines = [BEGIN, "KNOWN_MISSING = {"]
    for surface, names in missing().items():
        lines.append(f"    {surface!r}: [")
        lines += [f"        {n!r}," for n in names]
        lines.append("    ],")
    lines += ["}", "", "KNOWN_REFUSED = {"]
    for k, v in refused().items():
        line = f"    {k!r}: {v!r},"
        lines += [line] if len(line) <= 100 else [f"    {k!r}: ["] + [
            f"        {n!r}," for n in v] + ["    ],"]
    lines += ["}", END]
    return "\n".join(lines)


BEGIN, END = "# --- BEGIN BACKLOG (generated) ---", "# --- END BACKLOG ---"

if __name__ == "__main__":  # regenerate the backlog block below
    path = Path(__file__)
    text = path.read_text()
    head, _, rest = text.partition("\n" + BEGIN)
    _, _, tail = rest.partition("\n" + END)
    path.write_text(head + "\n" + _backlog_block() + tail)
    print(f"{sum(len(v) for v in missing().values())} missing names, {len(refused())} "
          "functions with refused keywords")

# the backlog: what torch has and we lack (shrink it by implementing, then regenerate)
# --- BEGIN BACKLOG (generated) ---
KNOWN_MISSING = {
    'torch': [
        'AcceleratorError',
        'AggregationType',
        'DispatchKey',
        'Event',
        'OutOfMemoryError',
        'ScriptClass',
        'ScriptFunction',
        'Stream',
        'Tag',
        'as_strided',
        'as_strided_copy',
        'as_strided_scatter',
        'col_indices_copy',
        'cond',
        'crow_indices_copy',
        'empty_permuted',
        'empty_strided',
        'fork',
        'from_file',
        'frombuffer',
        'geqrf',
        'hash_tensor',
        'histogramdd',
        'hspmm',
        'import_ir_module',
        'import_ir_module_from_buffer',
        'indices_copy',
        'is_warn_always_enabled',
        'istft',
        'lobpcg',
        'merge_type_from_type_comment',
        'nonzero_static',
        'ormqr',
        'parse_ir',
        'parse_schema',
        'parse_type_comment',
        'pca_lowrank',
        'poisson',
        'set_warn_always',
        'smm',
        'sspaddmm',
        'svd_lowrank',
        'to_dlpack',
        'unify_type_list',
        'values_copy',
        'wait',
        'while_loop',
    ],
    'torch.Tensor': [
        'as_strided',
        'as_strided_',
        'as_strided_scatter',
        'as_subclass',
        'cauchy_',
        'coalesce',
        'col_indices',
        'const_data_ptr',
        'crow_indices',
        'dense_dim',
        'geometric_',
        'geqrf',
        'grad_dtype',
        'index',
        'indices',
        'is_coalesced',
        'istft',
        'log_normal_',
        'multinomial',
        'name',
        'new_empty_strided',
        'nonzero_static',
        'ormqr',
        'smm',
        'sspaddmm',
        'stft',
        'to_dense',
        'to_padded_tensor',
        'values',
        'volatile',
    ],
    'torch.nn': [
        'AdaptiveLogSoftmaxWithLoss',
        'DataParallel',
        'FractionalMaxPool2d',
        'FractionalMaxPool3d',
        'LazyBatchNorm1d',
        'LazyBatchNorm2d',
        'LazyBatchNorm3d',
        'LazyInstanceNorm1d',
        'LazyInstanceNorm2d',
        'LazyInstanceNorm3d',
        'LinearCrossEntropyLoss',
        'LinearCrossEntropyOptions',
        'SyncBatchNorm',
        'UninitializedBuffer',
        'UninitializedParameter',
    ],
    'torch.nn.functional': [
        'ScalingType',
        'SwizzleType',
        'boolean_dispatch',
        'fractional_max_pool2d',
        'fractional_max_pool2d_with_indices',
        'fractional_max_pool3d',
        'fractional_max_pool3d_with_indices',
        'grouped_mm',
        'linear_cross_entropy',
        'multi_head_attention_forward',
        'scaled_grouped_mm',
        'scaled_mm',
    ],
    'torch.optim': [
        'Muon',
        'SparseAdam',
    ],
    'torch.linalg': [
        'eig',
        'eigvals',
    ],
    'torch.special': [
    ],
    'torch.utils.data': [
        'DistributedSampler',
    ],
    'torch.cuda': [
        'reset_max_memory_allocated',
        'reset_peak_memory_stats',
    ],
    'torch.accelerator': [
        'device_index',
    ],
    'torch.amp': [
    ],
    'torch.backends.mps': [
        'get_core_count',
        'get_name',
        'is_macos13_or_newer',
        'is_macos_or_newer',
    ],
    'torch.testing': [
    ],
    'torch.autograd': [
        'NestedIOFunction',
        'enforce_grad_layout_policy',
        'inference_mode',
        'is_multithreading_enabled',
        'is_view_replay_enabled',
        'set_multithreading_enabled',
    ],
    'torch.autograd.functional': [
    ],
}

KNOWN_REFUSED = {
    'torch.broadcast_to': ['shape'],
    'torch.dot': ['tensor'],
    'torch.from_numpy': ['ndarray'],
    'torch.hamming_window': ['pin_memory'],
    'torch.load': ['f', 'mmap', 'pickle_module'],
    'torch.maximum': ['other'],
    'torch.minimum': ['other'],
    'torch.result_type': ['tensor1', 'tensor2'],
    'torch.save': [
        '_disable_byteorder_record',
        '_use_new_zipfile_serialization',
        'f',
        'pickle_module',
        'pickle_protocol',
    ],
    'torch.searchsorted': ['values'],
    'torch.set_num_interop_threads': ['int'],
    'torch.set_num_threads': ['int'],
    'torch.true_divide': ['dividend', 'divisor'],
    'torch.Tensor.bmm': ['batch2'],
    'torch.Tensor.div': ['value'],
    'torch.Tensor.div_': ['value'],
    'torch.Tensor.divide': ['value'],
    'torch.Tensor.floor_divide': ['value'],
    'torch.Tensor.fmod': ['divisor'],
    'torch.Tensor.index_copy': ['tensor2'],
    'torch.Tensor.index_copy_': ['tensor'],
    'torch.Tensor.masked_scatter': ['tensor'],
    'torch.Tensor.matmul': ['tensor2'],
    'torch.Tensor.mul': ['value'],
    'torch.Tensor.mul_': ['value'],
    'torch.Tensor.multiply': ['value'],
    'torch.Tensor.multiply_': ['value'],
    'torch.Tensor.narrow': ['dimension'],
    'torch.Tensor.narrow_copy': ['dimension'],
    'torch.Tensor.orgqr': ['input2'],
    'torch.Tensor.pow': ['exponent'],
    'torch.Tensor.remainder': ['divisor'],
    'torch.Tensor.split': ['split_size'],
    'torch.Tensor.sum_to_size': ['size'],
    'torch.Tensor.take': ['indices'],
    'torch.Tensor.true_divide': ['value'],
    'torch.Tensor.type_as': ['tensor'],
    'torch.nn.functional.elu': ['inplace'],
    'torch.nn.functional.hardtanh': ['inplace'],
    'torch.nn.functional.log_softmax': ['_stacklevel'],
    'torch.nn.functional.silu': ['inplace'],
    'torch.nn.functional.softmax': ['_stacklevel'],
    'torch.linalg.det': ['A'],
    'torch.autograd.backward': ['grad_variables'],
    'torch.autograd.gradcheck': [
        'check_backward_ad',
        'check_batched_forward_grad',
        'check_batched_grad',
        'check_forward_ad',
        'check_grad_dtypes',
        'check_undefined_grad',
        'func',
        'masked',
        'nondet_tol',
    ],
    'torch.autograd.gradgradcheck': [
        'check_batched_grad',
        'check_fwd_over_rev',
        'check_grad_dtypes',
        'check_rev_over_rev',
        'check_undefined_grad',
        'func',
        'gen_non_contig_grad_outputs',
        'masked',
        'nondet_tol',
    ],
}
# --- END BACKLOG ---
