"""A warm execution worker: a small single-threaded process that forks one sandboxed child per run.

Started by :class:`~budget_realloc.execution.executor.Executor` (one per thread), it imports the
modules programs commonly use once, before any fork, so a child runs the program about a
millisecond after the request instead of the ~30 ms a fresh interpreter takes.  It never runs
untrusted code itself.  Each child, before the program runs, starts a new session, gets a
fresh private temp dir as cwd and HOME, stdin from /dev/null (or the test input), stdout to
/dev/null (or a capped pipe the server reads), stderr to /dev/null, rlimits on CPU, address
space, file size, open files, core dumps and processes, and whatever ``isolation`` offers here
(sandbox uid, cgroup, network namespace).

Time limits count CPU time — of the program and everything it starts, where a cgroup measures
it — so a verdict does not depend on how busy the machine is; a wall-clock limit
``WALL_SLACK_S`` above it (not counting time spent waiting for a CPU) ends programs that sleep
or block.

Protocol: one JSON job per line on stdin, one JSON verdict per line on stdout; a first line
announces the isolation that holds here.
"""

from __future__ import annotations

import gc
import json
import math
import os
import resource
import select
import signal
import _signal
import sys
import time

from . import compare, harness, isolation

MAX_REPORT_BYTES = 64 << 20
WALL_SLACK_S = 1.0
POLL_S = 0.02
_DEFAULT_SIGNALS = (int(signal.SIGINT), int(signal.SIGPIPE), int(signal.SIGTERM))
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# What generated programs import most (HumanEval prompts import typing, whose import alone costs
# a fresh interpreter ~6 ms).  Every module held here makes each fork a little slower, so the
# list stays short: measured, a longer one costs more than it saves.
PRELOAD = ("typing", "re", "math", "collections", "itertools", "functools", "string", "heapq", "bisect",
           "random")


# Trusted code run once in the server before any fork.  A process's first compile() costs ~3 ms
# (the parser's one-time set-up); paid here, every child inherits it warm instead of paying it
# per program, which was most of a short program's cost.
_WARM_UP = ('from typing import List\n\n\ndef _f(xs: List[int]) -> int:\n    """Odd sum."""\n'
            '    return sum(x for x in xs if x % 2)\n\n\nassert _f([1, 2, 3]) == 4\n')


def _warm_up() -> None:
    """Compile and run a small program, then freeze what the server holds: a child's garbage
    collections then never walk (and so copy) the server's pages."""
    exec(compile(_WARM_UP, "<warm-up>", "exec"), {"__name__": "__warm_up__"})
    gc.collect()
    gc.freeze()


def _preload(names) -> None:
    """Import modules here, once, so the programs forked later find them loaded.

    Only the server's fixed list and the executor's allow-list of heavy libraries ever come
    here: importing a module runs its code, and only installed, known libraries may run in
    this (possibly root) process.
    """
    for name in names:
        if name not in sys.modules:
            try:
                __import__(name)
            except Exception:       # not installed, or broken: the program will find out itself
                pass


class Server:
    def __init__(self, uid_base: int, isolate_network: bool):
        self.notes = []
        self.uid, self._uid_lock = isolation.claim_uid(uid_base) if os.geteuid() == 0 else (None, None)
        self.private_tmp = False
        if self.uid is not None and isolation.private_mounts():
            try:
                isolation.private_tmp(keep=isolation.interpreter_paths())
                isolation.open_paths(isolation.interpreter_paths())
                self.private_tmp = True
            except OSError as error:
                self.notes.append(f"mounts: {error}")
        if self.uid is not None and not isolation.readable_as(self.uid, isolation.interpreter_paths()):
            self.notes.append("the sandbox uid cannot read the interpreter: programs run as root")
            self.uid = None
        self.cgroup = isolation.Cgroup.create(str(self.uid or os.getpid())) if os.geteuid() == 0 else None
        if self.cgroup is None:
            self.notes.append("no cgroup: CPU time is the main process's, descendants are found by uid")
        self.network_isolated = isolation.unshare(isolation.CLONE_NEWNET) if isolate_network else False
        isolation.become_subreaper()
        self.base = f"/tmp/budget-realloc-sandbox-{os.getpid()}-{time.monotonic_ns()}"
        os.mkdir(self.base, 0o711)
        # every program gets a fresh, empty directory at this one path as cwd, HOME and TMPDIR,
        # set here once rather than in each child
        self.workdir = f"{self.base}/work"
        os.environ.update(HOME=self.workdir, TMPDIR=self.workdir)
        self.runs = 0
        self.devnull = os.open(os.devnull, os.O_RDWR)
        self.vm_size = _virtual_memory()
        self._cleanup()             # a previous holder of this uid may have left processes

    def hello(self) -> dict:
        return {"ready": True, "uid": self.uid, "cgroup": self.cgroup is not None,
                "network_isolated": self.network_isolated, "private_tmp": self.private_tmp, "notes": self.notes}

    # ------------------------------------------------------------------ one job
    def run_job(self, job: dict) -> dict:
        started = time.monotonic()
        mode, limits = job["mode"], job["limits"]
        if any(name not in sys.modules for name in job.get("preload", ())):
            _preload(job["preload"])
            _warm_up()
            self.vm_size = _virtual_memory()
        cpu = 0.0
        code = harness.compile_program(job["program"] + job["tests"] if mode == "assert" else job["program"])
        if isinstance(code, dict):                  # it does not compile: there is nothing to run
            verdict = _error_from(code)
        elif mode == "assert":
            verdict, cpu = self._assert(code, limits)
        else:
            verdict = {"status": "passed"}
            for case_input, expected in job["cases"]:
                verdict, used = self._case(job, code, limits, case_input, expected)
                cpu += used
                if verdict["status"] != "passed":
                    break
        verdict["seconds"] = time.monotonic() - started
        verdict["cpu_seconds"] = cpu
        return verdict

    def _assert(self, code, limits: dict):
        result = self.run_child(lambda fd: harness.run_assert(code, fd), limits)
        if "verdict" in result:
            return result["verdict"], result["cpu"]
        report = result["report"]
        if report["outcome"] == "passed":
            return {"status": "passed"}, result["cpu"]
        if report["outcome"] == "failed":
            return {"status": "failed", "error_type": "AssertionError", "detail": report.get("detail", "")}, result["cpu"]
        return _error_from(report), result["cpu"]

    def _case(self, job: dict, code, limits: dict, case_input, expected):
        if job["mode"] == "stdio":
            result = self.run_child(lambda fd: harness.run_stdio(code, fd), limits,
                                    stdin=compare.as_text(case_input), capture=True)
        else:
            result = self.run_child(lambda fd: harness.run_call(code, job["fn_name"], case_input, fd), limits)
        if "verdict" in result:
            return result["verdict"], result["cpu"]
        report = result["report"]
        if report["outcome"] == "done":
            if result["exit_code"] != 0:
                return {"status": "error", "error_type": "NonZeroExit", "detail": str(result["exit_code"])}, result["cpu"]
            matched = compare.stdout_matches(result["stdout"].decode("utf-8", "replace"), expected)
        elif report["outcome"] == "returned":
            matched = compare.value_matches(json.loads(report["value"]), expected)
        else:
            return _error_from(report), result["cpu"]
        verdict = {"status": "passed"} if matched else {"status": "failed", "error_type": "WrongAnswer"}
        return verdict, result["cpu"]

    # ------------------------------------------------------------------ one child
    def run_child(self, target, limits: dict, stdin: str | None = None, capture: bool = False) -> dict:
        """Fork, isolate, run ``target(report_fd)``; wait under the limits; clean up everything.

        Returns ``cpu`` and either the child's decoded ``report`` or a ``verdict`` for a run that
        ended without a usable one.
        """
        self.runs += 1
        workdir = self.workdir
        os.mkdir(workdir, 0o700)
        if self.uid is not None:
            os.chown(workdir, self.uid, self.uid)
        if self.cgroup:
            self.cgroup.limit(limits["max_processes"], limits["memory_mb"] << 20)
        stdin_fd = None
        if stdin is not None:       # an anonymous in-memory file: the program reads it as fd 0
            stdin_fd = os.memfd_create("stdin")
            os.write(stdin_fd, stdin.encode())
            os.lseek(stdin_fd, 0, os.SEEK_SET)
        report_r, report_w = os.pipe()
        out_r, out_w = os.pipe() if capture else (None, None)
        start = (self.cgroup.cpu_seconds(), time.process_time()) if self.cgroup else None
        pid = os.fork()
        if pid == 0:
            self._child(target, limits, workdir, report_w, out_w, stdin_fd)
        os.close(report_w)
        if out_w is not None:
            os.close(out_w)
        try:
            return self._wait(pid, report_r, out_r, limits, start)
        finally:
            for fd in (report_r, out_r, stdin_fd):
                if fd is not None:
                    os.close(fd)
            _remove_tree(workdir)

    def _child(self, target, limits, workdir, report_w, out_w, stdin_fd) -> None:
        try:
            os.setsid()
            os.dup2(stdin_fd if stdin_fd is not None else self.devnull, 0)
            os.dup2(out_w if out_w is not None else self.devnull, 1)
            os.dup2(self.devnull, 2)
            os.dup2(report_w, 3)
            os.closerange(4, resource.getrlimit(resource.RLIMIT_NOFILE)[0])
            os.chdir(workdir)
            cpu = math.ceil(limits["timeout_s"]) + 1       # a backstop per process; the server counts the tree
            memory = self.vm_size + (limits["memory_mb"] << 20)
            for which, value in ((resource.RLIMIT_CPU, (cpu, cpu + 1)),
                                 (resource.RLIMIT_AS, (memory, memory)),
                                 (resource.RLIMIT_FSIZE, (limits["max_file_mb"] << 20,) * 2),
                                 (resource.RLIMIT_NOFILE, (256, 256)),
                                 (resource.RLIMIT_CORE, (0, 0)),
                                 (resource.RLIMIT_NPROC, (limits["max_processes"],) * 2)):
                resource.setrlimit(which, value)
            if self.uid is not None:
                isolation.drop_privileges(self.uid)
            for sig in _DEFAULT_SIGNALS:      # the C function: the signal module's enum wrapper costs more
                _signal.signal(sig, _signal.SIG_DFL)
            # sys.stdin/stdout/stderr still wrap fds 0-2, now the child's: the server never
            # reads or writes them, so their buffers are empty
            target(3)
        finally:
            os._exit(70)

    def _cpu_used(self, pid: int, start) -> float:
        """CPU time of the program (and, with a cgroup, all it started) since ``start``."""
        if self.cgroup:
            return self.cgroup.cpu_seconds() - start[0] - (time.process_time() - start[1])
        try:
            with open(f"/proc/{pid}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
        except (OSError, IndexError, ValueError):
            return 0.0

    def _wait(self, pid: int, report_r: int, out_r: int | None, limits: dict, start) -> dict:
        pidfd = os.pidfd_open(pid)
        deadline = time.monotonic() + limits["timeout_s"] + WALL_SLACK_S
        failures = self.cgroup.memory_failures() if self.cgroup else 0
        cap = limits["max_output_kb"] << 10
        buffers = {report_r: bytearray()}
        if out_r is not None:
            buffers[out_r] = bytearray()
        open_fds = set(buffers)
        exited = False
        stop = None            # why the run was cut short, if it was
        try:
            while not exited:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    # wall time the program spent waiting for a CPU is the machine's load, not
                    # the program's doing: it does not count, so a busy machine does not change
                    # verdicts (a new process's counter starts at 0)
                    remaining += _runqueue_wait(pid)
                    if remaining <= 0:
                        stop = ("timeout", "WallClock")
                        break
                ready, _, _ = select.select([*open_fds, pidfd], [], [], min(remaining, POLL_S))
                exited = pidfd in ready
                if _read(ready, buffers, open_fds, out_r, cap):
                    stop = ("error", "OutputLimit")
                    break
                if not exited and self._cpu_used(pid, start) > limits["timeout_s"]:
                    stop = ("timeout", "CPULimit")
                    break
            if exited:     # what the child wrote before it exited is still in the pipes
                for fd in open_fds:
                    os.set_blocking(fd, False)
                if _read(list(open_fds), buffers, open_fds, out_r, cap, drain=True):
                    stop = ("error", "OutputLimit")
        finally:
            os.close(pidfd)
            _, status, usage = self._end(pid)
        cpu = self._cpu_used(pid, start) if self.cgroup else usage.ru_utime + usage.ru_stime
        if stop is None and cpu > limits["timeout_s"]:
            stop = ("timeout", "CPULimit")
        if stop:
            return {"cpu": cpu, "verdict": {"status": stop[0], "error_type": stop[1]}}
        report = _own_report(buffers[report_r], pid)
        if report is None:
            if os.WIFSIGNALED(status):
                memory = self.cgroup is not None and self.cgroup.memory_failures() > failures
                kind = "MemoryLimit" if memory else f"Signal{signal.Signals(os.WTERMSIG(status)).name}"
            else:
                kind = "EarlyExit"     # the program left before the harness could report
            return {"cpu": cpu, "verdict": {"status": "error", "error_type": kind,
                                            "detail": f"exit status {os.waitstatus_to_exitcode(status)}"}}
        return {"cpu": cpu, "report": report, "exit_code": os.waitstatus_to_exitcode(status),
                "stdout": bytes(buffers.get(out_r, b""))}

    def _end(self, pid: int):
        """Kill the child's process group, reap it, then make sure nothing it started lives on."""
        try:
            os.killpg(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        result = os.wait4(pid, 0)
        self._cleanup()
        return result

    def _cleanup(self) -> None:
        """Kill what outlived the program (daemons that left its process group too) and reap
        whatever was orphaned onto this subreaper."""
        _reap()
        if self.cgroup:
            if self.cgroup.busy():
                self.cgroup.kill_all()
        elif self.uid is not None:
            isolation.kill_uid(self.uid)
        deadline = time.monotonic() + 5
        while (self.cgroup and self.cgroup.busy()) and time.monotonic() < deadline:
            _reap()
            time.sleep(0.001)
        _reap()

    def close(self) -> None:
        self._cleanup()
        if self.cgroup:
            self.cgroup.remove()
        _remove_tree(self.base)


def _remove_tree(path: str) -> None:
    """rm -rf, without shutil (see the imports); symlinks are removed, never followed."""
    try:
        entries = list(os.scandir(path))
    except FileNotFoundError:
        return
    except NotADirectoryError:
        os.unlink(path)
        return
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            _remove_tree(entry.path)
        else:
            try:
                os.unlink(entry.path)
            except FileNotFoundError:
                pass
    try:
        os.rmdir(path)
    except OSError:
        pass


def _runqueue_wait(pid: int) -> float:
    """Seconds ``pid`` has been runnable but waiting for a CPU, from /proc/<pid>/schedstat;
    0 where the kernel does not keep it."""
    try:
        with open(f"/proc/{pid}/schedstat", "rb") as handle:
            return int(handle.read().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return 0.0


def _reap() -> None:
    while True:
        try:
            if os.waitpid(-1, os.WNOHANG)[0] == 0:
                return
        except ChildProcessError:
            return


def _read(ready, buffers, open_fds, out_r, cap, drain=False) -> bool:
    """Read what ``ready`` pipes hold; True if stdout went over its cap."""
    for fd in ready:
        if fd not in open_fds:
            continue
        while True:
            try:
                data = os.read(fd, 1 << 16)
            except BlockingIOError:
                break
            if not data:
                open_fds.discard(fd)
                break
            buffers[fd] += data
            if len(buffers[fd]) > (cap if fd == out_r else MAX_REPORT_BYTES):
                return True
            if not drain:
                break
    return False


def _own_report(data: bytes, pid: int) -> dict | None:
    """The report of the child itself; copies of it that the program forked may report too."""
    decoder, text, at = json.JSONDecoder(), data.decode("utf-8", "replace"), 0
    while at < len(text):
        try:
            message, at = decoder.raw_decode(text, at)
        except ValueError:
            return None
        if isinstance(message, dict) and message.get("pid") == pid and "outcome" in message:
            return message
    return None


def _error_from(report: dict) -> dict:
    return {"status": "error", "error_type": report.get("error_type", "Error"), "detail": report.get("detail", "")}


def _virtual_memory() -> int:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uid-base", type=int, default=61000)
    parser.add_argument("--no-network-isolation", action="store_true")
    args = parser.parse_args(argv)
    jobs = os.fdopen(os.dup(0), "rb")
    replies = os.fdopen(os.dup(1), "wb", buffering=0)
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    _preload(PRELOAD)
    _warm_up()
    server = Server(args.uid_base, not args.no_network_isolation)
    replies.write(json.dumps(server.hello()).encode() + b"\n")
    try:
        for line in jobs:
            try:
                verdict = server.run_job(json.loads(line))
            except Exception as error:     # a server fault is this run's error, not the next's
                verdict = {"status": "error", "error_type": "SandboxFault", "detail": repr(error)[:300]}
            replies.write(json.dumps(verdict).encode() + b"\n")
    finally:
        server.close()


if __name__ == "__main__":
    main()
