"""Model-written tests are untrusted code: probe jobs through the real executor.

A probe runs one program against its problem's generated tests (each an ``assert``) and calls,
each under its own CPU limit.  What must hold: a test holds only where it really held; a test
that hangs, crashes, exits, floods stdout or cannot be parsed counts as not passed and costs
only itself (or, where it ends the process, the results after it); nothing leaks to the host;
the next probe is judged right.  Expected results are written out by hand.
"""

from __future__ import annotations

import time

import pytest

from budget_realloc.execution.job import Job, Limits
from budget_realloc.execution.probe import probe_limits

LIMITS = Limits(timeout_s=3.0, memory_mb=512, max_output_kb=256, max_processes=16)
PROGRAM = "def add(a, b):\n    return a + b\n"
GOOD_TESTS = ("assert add(1, 2) == 3", "assert add(2, 2) == 5", "assert add(0, 0) == 0")


def probe(executor, tests, calls=(), program=PROGRAM, test_timeout_s=0.1):
    job = Job(mode="probe", program=program, probe_tests=tuple(tests), probe_calls=tuple(calls),
              probe_timeout_s=test_timeout_s,
              limits=probe_limits(LIMITS, len(tests), len(calls), test_timeout_s))
    return executor.run_one(job)


def test_each_test_and_call_is_reported(executor):
    verdict = probe(executor, GOOD_TESTS, calls=("add(1, 2)", "add('a', 'b')", "add(1)"))
    assert verdict.status == "probed"
    assert verdict.tests == (True, False, True)
    assert verdict.outputs[0].startswith("=") and verdict.outputs[1].startswith("=")
    assert verdict.outputs[0] != verdict.outputs[1]          # repr(3) vs repr('ab')
    assert verdict.outputs[2] == "!TypeError"


EVIL = {
    "an infinite loop": "assert [0 for _ in iter(int, 1)]",
    "a long sleep": "assert __import__('time').sleep(30) is None",
    "a raise of SystemExit": "assert add(1, 1) == 2 and exit(0)",
    "huge output": "assert add(1, 1) == 2 and print('x' * (1 << 24)) is None",
    "unparseable text": "assert add(1, 2) ==",
    "a memory grab": "assert add(1, 1) == 2 and len(bytearray(4 * 1024 ** 3)) > 0",
    "a host file write": "assert add(1, 1) == 2 and open({host!r}, 'w').write('owned') > 0",
    "a rebinding of the function": "assert globals().update(add=lambda a, b: 5) and False",
}


@pytest.mark.parametrize("name", list(EVIL))
def test_a_hostile_test_costs_only_itself(executor, host_file, name):
    if name == "a host file write" and executor.isolation["uid"] is None:
        pytest.skip("a host file write: only a sandbox uid stops it, and that needs root (docs/execution.md)")
    text = EVIL[name].format(host=str(host_file))
    began = time.monotonic()
    verdict = probe(executor, (GOOD_TESTS[0], text, GOOD_TESTS[1], GOOD_TESTS[2]))
    assert time.monotonic() - began < LIMITS.timeout_s + 10        # cut off, not run forever
    assert host_file.read_text() == "intact"
    assert verdict.tests[0] is True                                # what held before it still holds
    if name in ("huge output", "a memory grab"):
        # the sandbox may end a process that floods stdout or grabs memory: what comes after is
        # then not known, and counts as not passed; the wrong test never holds
        assert verdict.tests[2] is False
    else:
        assert verdict.tests[1:] == (False, False, True), verdict   # it fails; the rest run as before
    assert probe(executor, GOOD_TESTS).tests == (True, False, True)


def test_a_test_that_ends_the_process_loses_only_what_comes_after(executor):
    verdict = probe(executor, (GOOD_TESTS[0], "assert __import__('os')._exit(0)", GOOD_TESTS[2]))
    assert verdict.tests == (True, False, False)
    assert verdict.status == "error" and verdict.error_type == "EarlyExit"


def test_a_test_cannot_forge_results_for_the_tests_after_it(executor):
    # a test writing what a report looks like (its own pid, the held flag) into stdout and the
    # report pipe, then leaving before the harness says anything: none of it is believed
    forge = ("assert [__import__('os').write(fd, ('{\"test\": %d, \"held\": true, \"pid\": %d}'"
             " % (t, __import__('os').getpid())).encode()) for fd in (1, 3) for t in (1, 2)]"
             " and __import__('os')._exit(0)")
    verdict = probe(executor, (GOOD_TESTS[0], forge, "assert add(2, 2) == 5"))
    assert verdict.tests == (True, False, False)


def test_a_program_that_does_not_load_holds_no_test(executor):
    verdict = probe(executor, GOOD_TESTS, calls=("add(1, 2)",), program="def add(a, b):\n    return a +\n")
    assert verdict.tests == (False, False, False) and verdict.outputs == ("!NotRun",)
    assert verdict.status == "error" and verdict.error_type == "SyntaxError"


def test_the_whole_probe_is_capped(executor):
    # three tests that each loop: each costs its own limit, then the run goes on
    looping = ["assert [0 for _ in iter(int, 1)]"] * 3
    began = time.monotonic()
    verdict = probe(executor, looping + [GOOD_TESTS[0]], test_timeout_s=0.2)
    assert verdict.tests == (False, False, False, True)
    assert time.monotonic() - began < 0.2 * 4 + 1.0 + 10
    assert probe_limits(LIMITS, 1000, 1000, 0.1).timeout_s == LIMITS.timeout_s
    assert probe_limits(LIMITS, 2, 1, 0.1).timeout_s == pytest.approx(1.3)
