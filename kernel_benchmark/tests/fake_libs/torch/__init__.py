"""A stand-in for torch with a simulated GPU, for testing the benchmark's GPU paths without a GPU (or torch).

Tensors carry only a shape and a dtype. The device is a timeline: every op
launched from the host starts when both the host and the GPU are ready and
keeps the GPU busy for `state.op_us` µs (or what a fake library says), while
the host spends `state.host_us` µs launching it. CUDA events read the
timeline, CUDA graphs record launches and replay them back to back. So a
call whose host cost exceeds its GPU time looks slow to per-call events and
fast to graph replays, as on a real GPU.
"""
from __future__ import annotations

import contextlib
import math
from types import SimpleNamespace

__version__ = "2.8.0+fake"


class _State:
    def reset(self):
        self.gpu = 0.0  # µs at which the GPU stream is free
        self.host = 0.0  # µs the host has spent
        self.op_us = 5.0
        self.host_us = 1.0
        self.capturing = None
        self.allocated = 0
        self.total_memory = 80 * 1024**3
        self.l2_bytes = 50 * 1024**2
        self.launches = []  # names of kernels launched (outside capture) or replayed
        self.replayed = []  # names of kernels run by graph replays: what a CUDA-graph timing measures
        self.fail_capture = set()  # op names that raise during graph capture


state = _State()
state.reset()


class dtype:
    def __init__(self, name, size):
        self.name, self.itemsize = name, size

    def __repr__(self):
        return f"torch.{self.name}"


float32 = float = dtype("float32", 4)
float64 = double = dtype("float64", 8)
bfloat16 = dtype("bfloat16", 2)
float16 = half = dtype("float16", 2)
float8_e4m3fn = dtype("float8_e4m3fn", 1)
int32 = int = dtype("int32", 4)
int64 = long = dtype("int64", 8)
uint8 = dtype("uint8", 1)
bool = dtype("bool", 1)


def launch(name="op", gpu_us=None, host_us=None):
    """One kernel launch on the simulated stream (recorded instead when a graph is being captured)."""
    us = state.op_us if gpu_us is None else gpu_us
    if state.capturing is not None:
        if name in state.fail_capture:
            raise RuntimeError(f"operation not permitted when stream is capturing ({name})")
        state.capturing.kernels.append((name, us))
        return
    state.host += state.host_us if host_us is None else host_us
    start = max(state.gpu, state.host)
    state.gpu = start + us
    state.launches.append(name)


class Tensor:
    def __init__(self, shape, dt=None, device="cuda", allocate=True, strides=None):
        self.shape = tuple(shape)
        self.dtype = dt or float32
        self.device = device
        self._strides = tuple(strides) if strides is not None else _contiguous(self.shape)
        if allocate:
            state.allocated += self.nbytes

    def stride(self, dim=None):
        return self._strides if dim is None else self._strides[dim]

    # sizes
    def numel(self):
        return math.prod(self.shape)

    def element_size(self):
        return self.dtype.itemsize

    @property
    def nbytes(self):
        return self.numel() * self.dtype.itemsize

    def size(self, dim=None):
        return self.shape if dim is None else self.shape[dim]

    def dim(self):
        return len(self.shape)

    # views (no allocation)
    def _view(self, shape):
        return Tensor(shape, self.dtype, self.device, allocate=False)

    def t(self):
        return self.transpose(0, 1) if len(self.shape) == 2 else self._view(self.shape)

    def transpose(self, a, b):
        s, st = list(self.shape), list(self._strides)
        s[a], s[b] = s[b], s[a]
        st[a], st[b] = st[b], st[a]
        return Tensor(s, self.dtype, self.device, allocate=False, strides=st)

    @property
    def mT(self):
        return self.transpose(-2, -1)

    def view(self, *shape):
        if len(shape) == 1 and isinstance(shape[0], dtype):
            return Tensor(self.shape, shape[0], self.device, allocate=False)
        return self._view(_resolve(shape, self.numel()))

    reshape = view

    def unsqueeze(self, d):
        s = list(self.shape)
        s.insert(d if d >= 0 else len(s) + d + 1, 1)
        return self._view(s)

    def expand(self, *shape):
        return self._view([o if n == -1 else n for n, o in zip(shape, self.shape)])

    def __getitem__(self, key):
        if isinstance(key, Tensor):  # gather rows by an index tensor
            return Tensor((*key.shape, *self.shape[1:]), self.dtype, self.device, allocate=False)
        if isinstance(key, slice) and self.shape:
            rows = len(range(*key.indices(self.shape[0])))
            return Tensor((rows, *self.shape[1:]), self.dtype, self.device, allocate=False, strides=self._strides)
        return Tensor(self.shape, self.dtype, self.device, allocate=False, strides=self._strides)

    def __setitem__(self, key, value):
        pass

    # copies (allocate)
    def to(self, dt=None, **kw):
        if isinstance(dt, dtype):
            return Tensor(self.shape, dt, self.device)
        return self

    def float(self):
        return self.to(float32)

    def contiguous(self):
        return self

    def clone(self):
        return Tensor(self.shape, self.dtype, self.device)

    # in-place and element-wise (one kernel each)
    def _inplace(self, *a, **k):
        launch("elementwise")
        return self

    mul_ = normal_ = zero_ = fill_ = copy_ = uniform_ = clamp_ = _inplace

    def _elementwise(self, *a, **k):
        launch("elementwise")
        return self._view(self.shape)

    __mul__ = __rmul__ = __add__ = __radd__ = __sub__ = __truediv__ = __neg__ = _elementwise
    abs = amax = clamp = sigmoid = relu = cumsum = sum = _elementwise

    values = None  # set by torch.tensor(list): what item() and tolist() give back

    def tolist(self):
        return list(self.values) if self.values is not None else [0.0] * (self.shape[0] if self.shape else 1)

    def item(self):
        return self.values[0] if self.values else 0


def _contiguous(shape):
    strides, step = [], 1
    for n in reversed(shape):
        strides.append(step)
        step *= max(1, n)
    return tuple(reversed(strides))


def _resolve(shape, numel):
    shape = list(shape[0]) if len(shape) == 1 and isinstance(shape[0], (list, tuple)) else list(shape)
    if -1 in shape:
        known = math.prod(s for s in shape if s != -1)
        shape[shape.index(-1)] = numel // max(1, known)
    return shape


def _shape(args):
    return list(args[0]) if len(args) == 1 and isinstance(args[0], (list, tuple)) else list(args)


def _factory(*shape, dtype=None, device="cuda", **kw):
    return Tensor(_shape(shape), dtype, device)


empty = zeros = ones = randn = rand = _factory


def full(shape, value, dtype=None, device="cuda", **kw):
    return Tensor(shape, dtype, device)


def arange(*args, dtype=None, device="cuda", **kw):
    n = args[0] if len(args) == 1 else args[1] - args[0]
    return Tensor([n], dtype or int64, device)


def randperm(n, dtype=None, device="cuda", **kw):
    return Tensor([n], dtype or int64, device)


def randint(low, high, size, dtype=None, device="cuda", **kw):
    return Tensor(size, dtype or int64, device)


def tensor(values, dtype=None, device="cuda", **kw):
    t = Tensor([len(values)] if isinstance(values, (list, tuple)) else [], dtype, device)
    t.values = list(values) if isinstance(values, (list, tuple)) else [values]
    return t


def empty_like(t, dtype=None, **kw):
    return Tensor(t.shape, dtype or t.dtype, t.device)


def stack(ts, dim=0):
    return Tensor([len(ts), *ts[0].shape], ts[0].dtype, ts[0].device)


def cat(ts, dim=0):
    return Tensor(ts[0].shape, ts[0].dtype, ts[0].device)


def _matmul(a, b, **kw):
    launch("gemm")
    return Tensor((*a.shape[:-1], b.shape[-1]), a.dtype, a.device, allocate=False)


matmul = bmm = mm = _matmul


def softmax(x, dim=-1, **kw):
    launch("softmax")
    return x._view(x.shape)


def gather(x, dim, index):
    launch("gather")
    return Tensor(index.shape, x.dtype, x.device, allocate=False)


class _Functional:
    @staticmethod
    def scaled_dot_product_attention(q, k, v, **kw):
        launch("sdpa")
        return q._view(q.shape)

    @staticmethod
    def normalize(x, dim=-1):
        return x

    @staticmethod
    def logsigmoid(x):
        return x

    @staticmethod
    def silu(x):
        launch("silu")
        return x

    @staticmethod
    def pad(x, pad):
        return x

    @staticmethod
    def conv1d(x, w, groups=1):
        launch("conv1d")
        return x


nn = SimpleNamespace(functional=_Functional())
version = SimpleNamespace(cuda="12.8")


# ---- torch.cuda on the simulated timeline ----

class _Event:
    def __init__(self, enable_timing=False):
        self.t = None

    def record(self, stream=None):
        if state.capturing is not None:
            return
        state.host += 0.1
        self.t = max(state.gpu, state.host)
        state.gpu = self.t

    def elapsed_time(self, end):
        return (end.t - self.t) / 1000.0  # ms


class _Graph:
    def __init__(self):
        self.kernels = []

    def replay(self):
        state.host += state.host_us
        start = max(state.gpu, state.host)
        state.gpu = start + sum(us for _, us in self.kernels)
        state.launches.extend(name for name, _ in self.kernels)
        state.replayed.extend(name for name, _ in self.kernels)


@contextlib.contextmanager
def _graph(g, **kw):
    state.capturing = g
    try:
        yield
    finally:
        state.capturing = None


class _Stream:
    def wait_stream(self, other):
        pass


def _synchronize(*a):
    state.host = max(state.host, state.gpu)


def _props(index=0):
    return SimpleNamespace(name="NVIDIA H100 80GB HBM3", multi_processor_count=132, total_memory=state.total_memory,
                           major=9, minor=0, L2_cache_size=state.l2_bytes, uuid="fake-uuid")


cuda = SimpleNamespace(
    Event=_Event,
    CUDAGraph=_Graph,
    graph=_graph,
    Stream=_Stream,
    stream=lambda s: contextlib.nullcontext(),
    current_stream=lambda: _Stream(),
    synchronize=_synchronize,
    memory_allocated=lambda *a: state.allocated,
    mem_get_info=lambda *a: (state.total_memory - state.allocated, state.total_memory),
    get_device_properties=_props,
    current_device=lambda: 0,
    is_available=lambda: True,
    empty_cache=lambda: None,
    set_device=lambda i: None,
    device_count=lambda: 8,
)


def _scaled_mm(a, b, scale_a=None, scale_b=None, out_dtype=None, **kw):
    launch("scaled_mm")
    return Tensor((a.shape[0], b.shape[-1]), out_dtype or bfloat16, a.device, allocate=False)


def _grouped_mm(a, b, offs=None, **kw):
    launch("grouped_mm")
    return Tensor((a.shape[0], b.shape[-1]), a.dtype, a.device, allocate=False)
