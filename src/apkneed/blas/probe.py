"""The probe: runs inside the Python environment being inspected.

apkneed starts ``<python> probe.py '<request JSON>'`` as a subprocess, one
per question, and reads one JSON object per line from its stdout. Running in
a subprocess is deliberate:

* the interpreter inspected may be another one (``--python``), without
  apkneed installed: this file therefore uses only the standard library,
  NumPy, and threadpoolctl loaded from the file path apkneed passes in;
* BLAS settings are read from the environment when a library starts, so a
  setting can only be measured "with" and "without" in fresh processes;
* loading a foreign BLAS starts its threads and may crash (a core type the
  CPU lacks dies of SIGILL): that kills the probe, never apkneed.

The probe decides nothing: it loads, calls, times and reports. Tasks:

``detect``  NumPy/SciPy versions and build configuration, the BLAS-like
            libraries mapped into the process, threadpoolctl's view of them
``bench``   best-of timings of NumPy operations at given sizes and threads
``library`` best-of timings of one library's Fortran ``dgemm`` through
            ctypes, each result checked against NumPy's own product
``clock``   the core clock (a chain of dependent multiplies), the FLOP/s of
            an FMA kernel compiled here, and NumPy's a*b+c as a floor

It must stay importable by Python 3.8 and free of apkneed imports.
"""

import sys

# Run as a script, the first entry of sys.path is this file's directory:
# drop it so nothing here can shadow a module NumPy imports.
if __name__ == "__main__" and sys.path and sys.path[0]:
    del sys.path[0]

import json  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402

#: relative error above which a dgemm result counts as wrong; a correct
#: product differs from NumPy's by rounding only (about n * 1e-16)
WRONG_RESULT_THRESHOLD = 1e-9


class ProbeFailure(Exception):
    """A failure to report as one JSON error line, with a code apkneed maps."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


def open_json_channel():
    """Keep the real stdout for JSON and send fd 1 to stderr.

    Libraries print to stdout (netlib's XERBLA reports a bad argument there);
    they must never corrupt the JSON stream.
    """
    sys.stdout.flush()
    channel = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    return channel


def emit(channel, kind, **fields):
    fields["kind"] = kind
    channel.write(json.dumps(fields) + "\n")
    channel.flush()


def load_threadpoolctl(path):
    """Import threadpoolctl from apkneed's environment by file path."""
    if not path:
        return None
    import importlib.util

    spec = importlib.util.spec_from_file_location("threadpoolctl", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["threadpoolctl"] = module
    spec.loader.exec_module(module)
    return module


def import_numpy():
    try:
        import numpy
    except ImportError as exc:
        raise ProbeFailure("no-numpy", "NumPy is not installed in {} ({})".format(sys.executable, exc))
    return numpy


def mapped_libraries(name_prefixes):
    """Shared objects mapped into this process whose file name matches."""
    paths = []
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                parts = line.split(None, 5)
                if len(parts) < 6:
                    continue
                path = parts[5].strip()
                base = os.path.basename(path)
                if ".so" in base and base.startswith(tuple(name_prefixes)) and path not in paths:
                    paths.append(path)
    except OSError:
        pass
    return paths


def show_config(module):
    """A package's build configuration: a dict when it can give one."""
    try:
        return module.show_config(mode="dicts")
    except TypeError:  # NumPy < 1.26 has no mode: keep its printed text
        import contextlib
        import io

        text = io.StringIO()
        with contextlib.redirect_stdout(text):
            module.show_config()
        return {"text": text.getvalue()}
    except Exception as exc:  # noqa: BLE001 - the config is a nicety, the report goes on
        return {"error": "{}: {}".format(type(exc).__name__, exc)}


def call_string_function(path, names):
    """Call the first ``const char *f(void)`` among names, in a loaded library."""
    import ctypes

    try:
        mode = getattr(os, "RTLD_NOLOAD", 0) | getattr(os, "RTLD_LAZY", 1)
        library = ctypes.CDLL(path, mode=mode)
    except OSError:
        return None, None
    for name in names:
        function = getattr(library, name, None)
        if function is None:
            continue
        function.restype = ctypes.c_char_p
        function.argtypes = []
        value = function()
        return name, value.decode("utf-8", "replace").strip() if value else None
    return None, None


def task_detect(request, channel):
    threadpoolctl = load_threadpoolctl(request.get("threadpoolctl"))
    prefixes = request["name_prefixes"]
    numpy = import_numpy()
    import numpy.linalg  # noqa: F401 - loads the LAPACK side where it is separate

    numpy_libraries = mapped_libraries(prefixes)
    scipy_info = None
    try:
        import scipy
        import scipy.linalg  # noqa: F401 - loads SciPy's BLAS/LAPACK
    except ImportError:
        scipy = None
    loaded = mapped_libraries(prefixes)  # NumPy's and SciPy's
    if scipy is not None:
        scipy_info = {
            "version": scipy.__version__,
            "path": os.path.dirname(scipy.__file__),
            "config": show_config(scipy),
            "libraries": [p for p in loaded if p not in numpy_libraries],
        }
    configs = {}
    for path in loaded:
        name, value = call_string_function(path, request.get("config_symbols", []))
        if value is not None:
            configs[path] = {"symbol": name, "config": value}
    emit(
        channel,
        "detect",
        python={
            "executable": sys.executable,
            "version": platform.python_version(),
            "implementation": platform.python_implementation(),
            "libc": list(platform.libc_ver()),
        },
        numpy={
            "version": numpy.__version__,
            "path": os.path.dirname(numpy.__file__),
            "config": show_config(numpy),
            "libraries": numpy_libraries,
        },
        scipy=scipy_info,
        threadpool_info=threadpoolctl.threadpool_info() if threadpoolctl else None,
        configs=configs,
    )


def best_time(function, min_runs, max_runs, budget_s):
    """Best of several timed calls after one warm-up call: (seconds, runs)."""
    function()
    times = []
    start = time.perf_counter()
    while len(times) < min_runs or (len(times) < max_runs and time.perf_counter() - start < budget_s):
        before = time.perf_counter()
        function()
        times.append(time.perf_counter() - before)
    return min(times), len(times)


def sustained_time(function, duration_s):
    """Mean seconds per call over calls repeated for ``duration_s`` after a
    warm-up: what a long computation gets, throttling included."""
    function()
    calls = 0
    start = time.perf_counter()
    while calls == 0 or time.perf_counter() - start < duration_s:
        function()
        calls += 1
    return (time.perf_counter() - start) / calls, calls


def timed(function, request):
    if request.get("sustained_s"):
        return sustained_time(function, request["sustained_s"])
    return best_time(function, request["min_runs"], request["max_runs"], request["budget_s"])


def numpy_workload(numpy, op, n):
    """A callable running one operation on fixed random data of size n."""
    rng = numpy.random.default_rng(n)
    a = rng.random((n, n))
    if op == "dgemm":
        b = rng.random((n, n))
        return lambda: numpy.matmul(a, b)
    if op == "solve":
        a += n * numpy.eye(n)  # diagonally dominant: well conditioned
        b = rng.random(n)
        return lambda: numpy.linalg.solve(a, b)
    if op == "svd":
        return lambda: numpy.linalg.svd(a, compute_uv=False)
    if op == "eigh":
        s = a + a.T
        return lambda: numpy.linalg.eigvalsh(s)
    raise ProbeFailure("bad-request", "unknown operation {!r}".format(op))


def blas_threads(threadpoolctl):
    return [
        {"filepath": i["filepath"], "num_threads": i["num_threads"], "architecture": i.get("architecture")}
        for i in threadpoolctl.threadpool_info()
        if i.get("user_api") == "blas"
    ]


def task_bench(request, channel):
    threadpoolctl = load_threadpoolctl(request["threadpoolctl"])
    numpy = import_numpy()
    import numpy.linalg  # noqa: F401

    emit(channel, "blas", libraries=blas_threads(threadpoolctl))
    for point in request["points"]:
        function = numpy_workload(numpy, point["op"], point["n"])
        threads = point.get("threads")
        if threads:
            with threadpoolctl.threadpool_limits(limits=threads, user_api="blas"):
                used = [lib["num_threads"] for lib in blas_threads(threadpoolctl)]
                seconds, runs = timed(function, request)
        else:
            used = [lib["num_threads"] for lib in blas_threads(threadpoolctl)]
            seconds, runs = timed(function, request)
        emit(channel, "point", op=point["op"], n=point["n"], threads=threads, threads_used=used,
             seconds=seconds, runs=runs)


def relative_error(result, reference):
    """max |result - reference| / max |reference|; inf when NaN shows up."""
    import numpy

    scale = float(numpy.max(numpy.abs(reference))) or 1.0
    difference = float(numpy.max(numpy.abs(result - reference)))
    if difference != difference:  # NaN
        return float("inf")
    return difference / scale


def fortran_dgemm(library, symbol, int_bits):
    """Bind ``dgemm`` with the Fortran ABI: ``bind(a, b, c)`` gives a call
    computing c = a @ b.

    Every argument goes by reference (characters as pointers too);
    column-major arrays; the two hidden character-length arguments gfortran
    appends are passed as well (C implementations ignore them, a
    Fortran-compiled netlib expects them). Arguments are built once per
    binding so the timed call is the library call alone.
    """
    import ctypes

    function = getattr(library, symbol, None)
    if function is None:
        raise ProbeFailure("symbol", "{} is not exported".format(symbol))
    integer = ctypes.c_int64 if int_bits == 64 else ctypes.c_int32
    double_p = ctypes.POINTER(ctypes.c_double)
    function.restype = None

    def bind(a, b, c):
        for array in (a, b, c):
            if not array.flags.f_contiguous or array.dtype != "float64":
                raise ProbeFailure("bad-request", "dgemm needs column-major float64 arrays")
        size = integer(a.shape[0])
        one, zero = ctypes.c_double(1.0), ctypes.c_double(0.0)
        no_transpose = ctypes.c_char_p(b"N")
        arguments = (
            no_transpose, no_transpose, ctypes.byref(size), ctypes.byref(size), ctypes.byref(size),
            ctypes.byref(one), a.ctypes.data_as(double_p), ctypes.byref(size),
            b.ctypes.data_as(double_p), ctypes.byref(size), ctypes.byref(zero),
            c.ctypes.data_as(double_p), ctypes.byref(size), ctypes.c_size_t(1), ctypes.c_size_t(1),
        )
        return lambda: function(*arguments)

    return bind


def task_library(request, channel):
    import ctypes

    threadpoolctl = load_threadpoolctl(request.get("threadpoolctl"))
    numpy = import_numpy()
    path = request["path"]
    try:
        library = ctypes.CDLL(path)
    except OSError as exc:
        raise ProbeFailure("load", "cannot load {}: {}".format(path, exc))
    int_bits = request["int_bits"]
    config_symbol, config = call_string_function(path, request.get("config_symbols", []))
    if config and request.get("ilp64_marker") and request["ilp64_marker"] in config.split():
        int_bits = 64
    info = None
    if threadpoolctl is not None:
        real = os.path.realpath(path)
        for entry in threadpoolctl.threadpool_info():
            if os.path.realpath(entry["filepath"]) == real:
                info = {k: entry.get(k) for k in ("internal_api", "version", "num_threads", "threading_layer",
                                                   "architecture")}
    emit(channel, "library", path=path, symbol=request["symbol"], int_bits=int_bits, config=config,
         config_symbol=config_symbol, threadpool=info)
    dgemm = fortran_dgemm(library, request["symbol"], int_bits)
    for n in request["sizes"]:
        rng = numpy.random.default_rng(n)
        a = numpy.asfortranarray(rng.random((n, n)))
        b = numpy.asfortranarray(rng.random((n, n)))
        c = numpy.ones((n, n), order="F")  # ones, not zeros: every page touched before timing
        reference = a @ b
        seconds, runs = best_time(dgemm(a, b, c), request["min_runs"], request["max_runs"], request["budget_s"])
        error = relative_error(c, reference)
        emit(channel, "point", op="dgemm", n=n, threads=request.get("threads"), seconds=seconds, runs=runs,
             relative_error=error, verified=error <= WRONG_RESULT_THRESHOLD)
        if error > WRONG_RESULT_THRESHOLD:
            break


# x86-64 machine code: rax = 1; rcx = 3;
# loop { 16 x imul rax, rcx; dec rdi; jnz loop }; ret.
# Each multiply needs the one before it. A chain of dependent ``add reg, imm``
# is NOT one per cycle on recent Intel cores (their renamer folds immediate
# adds: it read 16-20 GHz on Sapphire/Emerald Rapids); no core shortens a
# multiply. Its latency (3 cycles on Intel since Nehalem and AMD Zen 1-5) is
# data in apkneed's blas.toml: this probe reports chain steps per second only.
_CHAIN_STEPS = 16
_CHAIN_CODE_X86_64 = (
    bytes.fromhex("b801000000")  # mov eax, 1
    + bytes.fromhex("b903000000")  # mov ecx, 3
    + bytes.fromhex("480fafc1") * _CHAIN_STEPS  # imul rax, rcx
    + bytes.fromhex("48ffcf")  # dec rdi
    + bytes([0x75, (-(4 * _CHAIN_STEPS + 3 + 2)) & 0xFF])  # jnz loop
    + bytes.fromhex("c3")  # ret
)


def measure_chain(iterations=100000, repeats=61):
    """Dependent 64-bit multiplies per second (x86-64 only): (rate, reason).

    Many short runs (about a millisecond each) and the fastest kept: on a
    busy machine some run is never preempted, a long one always is.
    """
    import ctypes
    import mmap

    if platform.machine().lower() not in ("x86_64", "amd64"):
        return None, "no multiply-chain loop for {}".format(platform.machine())
    try:
        buffer = mmap.mmap(-1, mmap.PAGESIZE, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
    except (OSError, ValueError, AttributeError) as exc:
        return None, "executable memory refused ({})".format(exc)
    buffer.write(_CHAIN_CODE_X86_64)
    address = ctypes.addressof(ctypes.c_char.from_buffer(buffer))
    loop = ctypes.CFUNCTYPE(ctypes.c_uint64, ctypes.c_uint64)(address)
    loop(iterations * 10)  # warm-up: let the core leave any idle state
    expected = pow(3, iterations * _CHAIN_STEPS, 1 << 64)
    best = 0.0
    for _ in range(repeats):
        before = time.perf_counter()
        result = loop(iterations)
        elapsed = time.perf_counter() - before
        if result != expected:
            return None, "multiply chain returned {} instead of {}".format(result, expected)
        best = max(best, iterations * _CHAIN_STEPS / elapsed)
    return best, None


def find_compiler():
    import shutil

    for name in (os.environ.get("CC", ""), "cc", "gcc", "clang"):
        if name and shutil.which(name.split()[0]):
            return name.split()
    return None


def measure_fma_kernel(source, iterations=50000, repeats=41):
    """FLOP/s of the independent-FMA kernel, compiled here for this CPU.

    Returns a dict: gflops, vector_doubles, accumulators, compiler; or
    gflops None and the reason (no compiler, compile failure...).
    """
    import ctypes
    import subprocess
    import tempfile

    compiler = find_compiler()
    if compiler is None:
        return {"gflops": None, "reason": "no C compiler (cc, gcc, clang) on PATH"}
    if not source or not os.path.exists(source):
        return {"gflops": None, "reason": "kernel source missing ({})".format(source)}
    with tempfile.TemporaryDirectory(prefix="apkneed-fma-") as directory:
        shared = os.path.join(directory, "fma.so")
        command = compiler + ["-O2", "-march=native", "-shared", "-fPIC", "-o", shared, source]
        try:
            done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return {"gflops": None, "reason": "{} failed: {}".format(compiler[0], exc)}
        if done.returncode != 0:
            tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
            return {"gflops": None, "reason": "{} -march=native failed: {}".format(compiler[0], tail[0][:200])}
        library = ctypes.CDLL(shared)
    library.fma_loop.restype = ctypes.c_double
    library.fma_loop.argtypes = [ctypes.c_long]
    width = library.fma_vector_doubles()
    accumulators = library.fma_accumulators()
    library.fma_loop(iterations * 5)  # warm-up: wide units may start throttled
    flops = 2.0 * iterations * accumulators * width
    best = 0.0
    for _ in range(repeats):
        before = time.perf_counter()
        library.fma_loop(iterations)
        best = max(best, flops / (time.perf_counter() - before))
    return {"gflops": best / 1e9, "vector_doubles": width, "accumulators": accumulators,
            "compiler": " ".join(compiler)}


def measure_numpy_floor(size=8192, repeats=200):
    """FLOP/s of NumPy's a*b+c on small in-cache arrays: a floor for the
    peak (two ufunc calls, loads and stores, no fused multiply-add)."""
    try:
        import numpy
    except ImportError as exc:
        return {"gflops": None, "reason": "NumPy is not importable ({})".format(exc)}
    rng = numpy.random.default_rng(0)
    a, b, c = (rng.random(size) for _ in range(3))
    out = numpy.empty(size)

    def step():
        numpy.multiply(a, b, out=out)
        numpy.add(out, c, out=out)

    step()
    best = 0.0
    for _ in range(repeats):
        before = time.perf_counter()
        step()
        best = max(best, 2.0 * size / (time.perf_counter() - before))
    return {"gflops": best / 1e9, "size": size}


def task_clock(request, channel):
    steps, reason = measure_chain()
    emit(channel, "clock", chain_steps_per_s=steps, chain="imul r64, r64", reason=reason)
    if request.get("fma_kernel", True):
        emit(channel, "fma", **measure_fma_kernel(request.get("kernel_source")))
    emit(channel, "floor", **measure_numpy_floor())


TASKS = {"detect": task_detect, "bench": task_bench, "library": task_library, "clock": task_clock}


def main(argv):
    channel = open_json_channel()
    try:
        request = json.loads(argv[1])
        TASKS[request["task"]](request, channel)
    except KeyboardInterrupt:
        emit(channel, "interrupted")
        return 130
    except ProbeFailure as exc:
        emit(channel, "error", code=exc.code, message=str(exc))
        return 3
    except Exception as exc:  # noqa: BLE001 - reported to apkneed, which words it for the user
        emit(channel, "error", code="exception", message="{}: {}".format(type(exc).__name__, exc))
        return 3
    emit(channel, "done")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
