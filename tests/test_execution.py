"""The executor's verdicts: passed only when every test ran and held."""

from __future__ import annotations

import os
import signal
import threading

import pytest

from budget_realloc.execution.executor import Executor
from budget_realloc.execution.job import Job, Limits
from budget_realloc.execution.compare import stdout_matches, value_matches

LIMITS = Limits(timeout_s=3)
ADD = "def add(a, b):\n    return a + b\n"
TESTS = "\nassert add(1, 2) == 3\nassert add(-1, 1) == 0\n"


@pytest.fixture(scope="module")
def executor():
    with Executor(workers=2) as ex:
        yield ex


def run(executor, program, tests=TESTS, **kw):
    return executor.run([Job("assert", program, tests, limits=LIMITS, **kw)])[0]


@pytest.mark.parametrize("program,status,error_type", [
    (ADD, "passed", ""),
    ("def add(a, b):\n    return a - b\n", "failed", "AssertionError"),
    ("def add(a, b):\n    return a +\n", "error", "SyntaxError"),
    ("def add(a, b):\n    return undefined\n", "error", "NameError"),
    (ADD + "import sys\nsys.exit(0)\n", "error", "SystemExit"),
    (ADD + "raise SystemExit\n", "error", "SystemExit"),
    (ADD + "import os\nos._exit(0)\n", "error", "EarlyExit"),
    (ADD + "print('passed')\nimport os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n", "error", "SignalSIGKILL"),
    (ADD + "while True:\n    pass\n", "timeout", None),
])
def test_verdicts(executor, program, status, error_type):
    verdict = run(executor, program)
    assert verdict.status == status
    if error_type is not None:
        assert verdict.error_type == error_type


@pytest.mark.parametrize("module", ["matplotlib.pyplot", "pandas"])
def test_a_heavy_library_the_server_loads_leaves_the_next_programs_verdicts_alone(module):
    """A worker imports the heavy libraries a program names before forking it; such an import
    may write under the worker's HOME (matplotlib's caches), the directory each program gets
    fresh.  Every program after it is still judged (a fresh worker, so the import happens here)."""
    with Executor(workers=1) as fresh:
        jobs = [Job("assert", f"import {module}\n" + ADD, TESTS, limits=LIMITS),
                Job("assert", ADD, TESTS, limits=LIMITS), Job("assert", ADD + "\n", TESTS, limits=LIMITS)]
        assert [v.status for v in fresh.run(jobs)] == ["passed"] * 3


def test_identical_programs_run_once_and_share_the_verdict(executor):
    jobs = [Job("assert", ADD, TESTS, limits=LIMITS)] * 5 + [Job("assert", "x", "", limits=LIMITS)]
    verdicts = executor.run(jobs)
    assert [v.status for v in verdicts] == ["passed"] * 5 + ["error"]
    assert len({id(v) for v in verdicts[:5]}) == 1


def test_stdio_and_call_modes(executor):
    sum_program = "a, b = map(int, input().split())\nprint(a + b)\n"
    jobs = [
        Job("stdio", sum_program, cases=(("1 2\n", "3\n"), ("10 -3", ["7"])), limits=LIMITS),
        Job("stdio", sum_program, cases=(("1 2\n", "4\n"),), limits=LIMITS),
        Job("stdio", "print(open(0).read().upper(), end='')\n", cases=(("ab\ncd\n", "AB\nCD"),), limits=LIMITS),
        Job("call", "class Solution:\n    def twice(self, x):\n        return (x, x)\n", fn_name="twice",
            cases=(([3], [3, 3]), ([1], [[1, 1]])), limits=LIMITS),
        Job("call", "def f(x):\n    return x + 0.0000001\n", fn_name="f", cases=(([1.0], 1.0),), limits=LIMITS),
    ]
    assert [v.status for v in executor.run(jobs)] == ["passed", "failed", "passed", "passed", "passed"]


@pytest.mark.parametrize("actual,expected,match", [
    ("3\n", "3", True), ("3  \r\n\n\n", "3\n", True), ("1.0000001\n", "1.0", True), ("1 2\n3", "1 2 3", True),
    ("yes", "YES", False), ("1.1", "1.0", False), ("1 2", "1 2 3", False), ("", "0", False),
])
def test_stdout_comparison_rules(actual, expected, match):
    assert stdout_matches(actual, expected) is match


@pytest.mark.parametrize("value,expected,match", [
    ([1, 2], [1, 2], True), (3, [3], True), ([1.0000001], [1.0], True), (True, 1, True), ("1", 1, False), ("a", ["a"], True),
    ([1], [[1], [2]], False), ({"a": 1}, {"a": 1}, True),
])
def test_value_comparison_rules(value, expected, match):
    assert value_matches(value, expected) is match


def _worker_pids() -> list[int]:
    """The fork servers this test process started (children running the forkserver module)."""
    pids = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/stat") as stat, open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                parent = int(stat.read().rsplit(")", 1)[1].split()[1])
                if parent == os.getpid() and b"budget_realloc.execution.forkserver" in cmdline.read():
                    pids.append(int(entry))
        except (OSError, ValueError):
            continue
    return pids


def test_jobs_sent_ahead_of_a_worker_that_dies_are_run_by_its_replacement():
    """Jobs are sent to a worker before the verdict it is working on comes back.  When it dies,
    the job it held is lost (an error), and the one queued behind it gets its own verdict from
    the worker that replaces it — neither lost nor given the dead job's verdict."""
    sleeper = Job("assert", "import time\ntime.sleep(30)\n", "", limits=LIMITS)
    good = [Job("assert", ADD + f"# {i}\n", TESTS, limits=LIMITS) for i in range(3)]
    others = set(_worker_pids())        # the module's executor: not this test's to kill
    with Executor(workers=1) as fresh:
        killer = threading.Timer(1.0, lambda: [os.kill(pid, signal.SIGKILL) for pid in set(_worker_pids()) - others])
        killer.start()
        try:
            verdicts = fresh.run([sleeper, *good])
        finally:
            killer.cancel()
    assert (verdicts[0].status, verdicts[0].error_type) == ("error", "SandboxLost")
    assert [v.status for v in verdicts[1:]] == ["passed"] * 3


def test_heavy_programs_are_served_lightest_library_first():
    """One worker serves the programs that import heavy libraries, in the allow-list's order
    (cheapest to hold first), whatever their order in the run; their verdicts come back in the
    run's order."""
    from budget_realloc.execution.executor import _Lanes

    jobs = [Job("assert", f"import {module}\n" + ADD + f"# {i}\n", TESTS, limits=LIMITS)
            for i, module in enumerate(["torch", "numpy", "pandas", "numpy"])] + \
        [Job("assert", ADD, TESTS, limits=LIMITS)]
    lanes = _Lanes([(job, job.to_message()) for job in jobs])
    assert [lanes.take("heavy") for _ in range(5)] == [1, 3, 2, 0, None]
    assert lanes.take("light") == 4
    with Executor(workers=2) as fresh:
        assert [v.status for v in fresh.run(jobs[1:])] == ["passed"] * 4


def test_the_submodules_of_a_heavy_library_a_program_names_are_loaded_before_it_runs():
    """``from scipy.stats import beta`` costs a quarter of a second of imports on its own: the
    worker loads the submodule too, not only ``scipy``, so whether the program is charged for it
    does not depend on which programs that worker served before."""
    pytest.importorskip("scipy")
    from budget_realloc.execution.job import heavy_imports

    program = "import sys\nassert 'scipy.stats' in sys.modules\nfrom scipy.stats import beta\n" + ADD
    assert heavy_imports(program) == ("scipy", "scipy.stats")
    assert heavy_imports("import numpy.f2py.__main__\nfrom torch._C import x\n") == ("numpy", "numpy.f2py", "torch")
    with Executor(workers=1) as fresh:
        assert fresh.run([Job("assert", program, TESTS, limits=LIMITS)])[0].status == "passed"


def test_a_job_too_big_to_send_ahead_waits_for_the_pipe_and_is_judged():
    """A job whose message could fill the pipe is sent only when nothing is in flight (so the
    coordinator and the worker never wait on each other); it and the jobs around it are judged."""
    big = ADD + "# " + "x" * (100 << 10) + "\n"
    jobs = [Job("assert", ADD + f"# {i}\n", TESTS, limits=LIMITS) for i in range(2)] + \
        [Job("assert", big, TESTS, limits=LIMITS), Job("assert", ADD.replace("+", "-"), TESTS, limits=LIMITS)]
    with Executor(workers=1) as fresh:
        assert [v.status for v in fresh.run(jobs)] == ["passed", "passed", "passed", "failed"]
