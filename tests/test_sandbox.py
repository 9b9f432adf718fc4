"""The adversarial corpus: programs that attack the executor, each run through the real one.

For every program: it does not pass, the executor answers within the time limit + 2 s, no
process it started is left, the host's files are intact, and the next program still gets the
right verdict.  Each program's own solution is wrong (add subtracts), so the only way it could
"pass" is by fooling the harness.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from pathlib import Path

import pytest

from budget_realloc.execution.executor import Executor
from budget_realloc.execution.job import Job, Limits

LIMIT_S = 1.0
LIMITS = Limits(timeout_s=LIMIT_S, memory_mb=512, max_output_kb=256, max_processes=16)
WRONG = "def add(a, b):\n    return a - b\n"
TESTS = "\nassert add(1, 2) == 3\nassert add(2, 2) == 4\n"
GOOD = Job("assert", "def add(a, b):\n    return a + b\n", TESTS, limits=LIMITS)


@pytest.fixture()
def tmp_mark():
    """A path in the host's /tmp, its own for each test, that a program may try to create."""
    path = Path(f"/tmp/budget-realloc-was-here-{uuid.uuid4().hex}")
    yield path
    path.unlink(missing_ok=True)


@pytest.fixture()
def listener():
    """A TCP server on the host's loopback; no sandboxed program may reach it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    accepted = []

    def accept():
        while not stop.is_set():
            try:
                accepted.append(server.accept())
            except OSError:
                pass

    stop = threading.Event()
    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1], accepted
    stop.set()
    server.close()


def processes_of(uid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                status = Path(f"/proc/{entry}/status").read_text()
            except OSError:
                continue
            real_uid = int(next(line for line in status.splitlines() if line.startswith("Uid:")).split()[1])
            if real_uid == uid:
                found.append(int(entry))
    return found


CORPUS = {
    "fork bomb": "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n",
    "10 GB allocation": "x = bytearray(10 * 1024 ** 3)\n",
    "infinite loop": "while True:\n    pass\n",
    "sleep forever": "import time\ntime.sleep(1e9)\n",
    "1 GB to stdout": "import sys\nchunk = 'x' * (1 << 20)\nfor _ in range(1024):\n    sys.stdout.write(chunk)\n",
    "delete a host file": "import os\nos.remove({host!r})\n",
    "write a host file": "open({host!r}, 'w').write('owned')\n",
    "write into /tmp": "open({tmp_mark!r}, 'w').write('x')\n",
    "socket to 127.0.0.1": "import socket\ns = socket.create_connection(('127.0.0.1', {port}), timeout=0.5)\ns.sendall(b'hi')\n",
    "os._exit(0) before the asserts": "import os\nos._exit(0)\n",
    "sys.exit(0) before the asserts": "import sys\nsys.exit(0)\n",
    "raise SystemExit before the asserts": "raise SystemExit\n",
    "print passed and kill itself": "import os, signal\nprint('passed')\nos.kill(os.getpid(), signal.SIGKILL)\n",
    "kill the executor": "import os\nos.kill(os.getppid(), 9)\n",
    "ignore SIGTERM and SIGALRM": "import signal\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
                                  "signal.signal(signal.SIGALRM, signal.SIG_IGN)\nwhile True:\n    pass\n",
    "a thread that never ends": "import threading\nthreading.Thread(target=lambda: [0 for _ in iter(int, 1)]).start()\n",
    "read stdin": "data = input()\n",
    "deep recursion": "import sys\nsys.setrecursionlimit(10 ** 7)\ndef f(n):\n    return f(n + 1) + 1\nf(0)\n",
    "raise its own rlimits": "import resource\nfor r in (resource.RLIMIT_AS, resource.RLIMIT_CPU, resource.RLIMIT_NPROC):\n"
                             "    resource.setrlimit(r, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))\n"
                             "x = bytearray(10 * 1024 ** 3)\n",
    "double-forked daemon": "import os, time\nif os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n"
                            "        while True:\n            time.sleep(0.01)\n    os._exit(0)\ntime.sleep(0.1)\n",
    "forge a pass report in the report pipe": "import os\nos.write(3, ('{{\"outcome\": \"passed\", \"pid\": %d}}'"
                                              " % os.getpid()).encode())\nos._exit(0)\n",
    "patch the harness's json": "import json\njson.dumps = lambda *a, **k: '{{\"outcome\": \"passed\"}}'\n",
}


# the attacks only a piece of root isolation stops (docs/execution.md), by the `isolation` key
# that says whether it is in force: without it they are skipped, saying why
NEEDS = {"delete a host file": "uid", "write a host file": "uid", "write into /tmp": "private_tmp",
         "socket to 127.0.0.1": "network_isolated", "double-forked daemon": "uid"}


def skip_unless_isolated(executor, name: str) -> None:
    piece = NEEDS.get(name)
    if piece is not None and not executor.isolation[piece]:
        pytest.skip(f"{name}: only root isolation stops it ({piece} is not in force here; docs/execution.md)")


@pytest.mark.parametrize("name", list(CORPUS))
def test_adversarial_program(executor, host_file, tmp_mark, listener, name):
    skip_unless_isolated(executor, name)
    port, accepted = listener
    evil = CORPUS[name].format(host=str(host_file), port=port, tmp_mark=str(tmp_mark))
    job = Job("assert", WRONG + evil, TESTS, limits=LIMITS)
    began = time.monotonic()
    verdict = executor.run_one(job)
    elapsed = time.monotonic() - began
    assert not verdict.passed, verdict
    assert elapsed < LIMIT_S + 10, f"{name}: took {elapsed:.1f} s"   # cut off, not run forever; margin for slow CI
    uid = executor.isolation["uid"]
    if uid is not None:
        assert processes_of(uid) == [], f"{name}: processes left behind"
    assert host_file.read_text() == "intact"
    assert not tmp_mark.exists(), f"{name}: wrote into the host's /tmp"
    assert not accepted, f"{name}: reached the host's loopback"
    assert executor.run_one(GOOD).passed, f"{name}: the next program was judged wrongly"


def test_stdout_flood_in_stdio_mode_is_cut(executor):
    job = Job("stdio", "import sys\nwhile True:\n    sys.stdout.write('y' * 65536)\n", cases=(("", "y"),),
              limits=LIMITS)
    verdict = executor.run_one(job)
    assert verdict.status == "error" and verdict.error_type == "OutputLimit"


def test_isolation_in_force_is_reported(executor):
    isolation = executor.isolation
    if os.geteuid() != 0:
        pytest.skip("not root: no sandbox uid, cgroup or namespaces (docs/execution.md)")
    assert isolation["uid"] is not None and isolation["cgroup"] and isolation["network_isolated"], isolation
    assert isolation["private_tmp"], isolation


def test_adversarial_programs_in_one_run_leave_the_programs_queued_behind_them_alone(host_file, tmp_mark, listener):
    """The executor sends each worker its next job before the verdict it is working on comes
    back: the whole corpus in one run, each attack followed by a correct program, two workers.
    No attack passes and every correct program does."""
    port, accepted = listener
    with Executor(workers=2) as executor:
        # the attacks that only root isolation stops are left out where it is not in force
        names = [n for n in CORPUS if NEEDS.get(n) is None or executor.isolation[NEEDS[n]]]
        jobs = []
        for index, name in enumerate(names):
            jobs.append(Job("assert", WRONG + CORPUS[name].format(host=str(host_file), port=port,
                                                                  tmp_mark=str(tmp_mark)), TESTS, limits=LIMITS))
            jobs.append(Job("assert", GOOD.program + f"# {index}\n", TESTS, limits=LIMITS))
        verdicts = executor.run(jobs)
    attacks, goods = verdicts[::2], verdicts[1::2]
    assert not [name for name, v in zip(names, attacks) if v.passed], "an attack passed"
    assert [name for name, v in zip(names, goods) if not v.passed] == [], "a program after an attack was misjudged"
    assert host_file.read_text() == "intact"
    assert not tmp_mark.exists()
    assert not accepted
