"""A warm execution worker: a small single-threaded process that forks one sandboxed child per run.

Started by :class:`~budget_realloc.execution.executor.Executor` (one per thread), it imports the
modules programs commonly use once, before any fork, so a child is running the program about a
millisecond after the request instead of the ~30 ms a fresh interpreter takes.  It never runs
untrusted code itself.  Each child, before the program runs:

- starts a new session (its own process group), with the server as child subreaper so nothing
  it starts escapes being reaped;
- gets a fresh private temp dir as cwd and HOME, stdin from /dev/null (or the test input),
  stdout to /dev/null (or a capped pipe the server reads), stderr to /dev/null;
- gets rlimits on CPU time, address space, file size, open files, core dumps and processes;
- when the server runs as root: drops to a sandbox uid of its own (claimed with a lock, so no
  two servers share one), which makes the process limit hold, keeps the program from writing
  or deleting anything it does not own, and lets the server kill every process of that uid —
  double-forked daemons included — after each run;
- runs in a network namespace with no interfaces up, where the OS allows one (root).

Protocol: one JSON job per line on stdin, one JSON verdict per line on stdout; a first line
announces the isolation that holds here.
"""

from __future__ import annotations

import ctypes
import fcntl
import json
import math
import os
import resource
import select
import shutil
import signal
import sys
import tempfile
import time

from . import compare, harness

CLONE_NEWNET = 0x40000000
CLONE_NEWNS = 0x00020000
MS_BIND, MS_REC, MS_PRIVATE, MNT_DETACH = 4096, 16384, 1 << 18, 2
PR_SET_CHILD_SUBREAPER = 36
UID_LOCK_DIR = "/tmp/budget-realloc-sandbox-uids"
MAX_REPORT_BYTES = 64 << 20
PRELOAD = ("collections", "itertools", "functools", "heapq", "bisect", "math", "random", "re",
           "string", "fractions", "decimal", "typing", "copy", "operator", "statistics", "time",
           "datetime", "hashlib", "numpy")
_libc = ctypes.CDLL(None, use_errno=True)


def _preload() -> None:
    for name in PRELOAD:
        try:
            __import__(name)
        except ImportError:
            pass


def _unshare(flag: int) -> bool:
    try:
        if hasattr(os, "unshare"):
            os.unshare(flag)
            return True
        return _libc.unshare(flag) == 0
    except OSError:
        return False


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    encode = lambda text: text.encode() if text is not None else None  # noqa: E731
    if _libc.mount(encode(source), encode(target), encode(fstype), flags, encode(data)) != 0:
        raise OSError(ctypes.get_errno(), f"mount {target}")


def interpreter_paths() -> list[str]:
    """What a program needs to read to import modules: the interpreter's import paths."""
    paths = {p for p in sys.path if p and os.path.exists(p)}
    paths.update({sys.prefix, sys.base_prefix, sys.exec_prefix})
    return sorted(paths)


def _closed_dirs(paths: list[str]) -> list[str]:
    """Directories on the way to ``paths`` that other users may not enter, shallowest first."""
    closed = set()
    for path in paths:
        parts = os.path.abspath(path).split(os.sep)
        for depth in range(2, len(parts) + 1):
            directory = os.sep.join(parts[:depth]) or os.sep
            if os.path.isdir(directory) and not os.stat(directory).st_mode & 0o001:
                closed.add(directory)
    return sorted(closed, key=lambda d: d.count(os.sep))


def _open_paths(paths: list[str]) -> None:
    """In a private mount namespace, make ``paths`` reachable for the sandbox uid.

    A root-only interpreter (e.g. pyenv under a 0700 /root) would leave a dropped-privilege
    program unable to import anything not loaded yet.  Each closed directory on the way is
    covered with an empty tmpfs holding bind mounts of just the entries that lead to the
    interpreter, so everything else there stays out of sight.
    """
    closed = _closed_dirs(paths)
    if not closed:
        return
    if not _unshare(CLONE_NEWNS):
        raise OSError("cannot create a mount namespace")
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    for directory in closed:
        if os.stat(directory).st_mode & 0o001:
            continue
        prefix = directory.rstrip(os.sep) + os.sep
        entries = sorted({p[len(prefix):].split(os.sep)[0] for p in paths if p.startswith(prefix)})
        stage = tempfile.mkdtemp(prefix="budget-realloc-stage-")
        for entry in entries:
            source, staged = os.path.join(directory, entry), os.path.join(stage, entry)
            os.mkdir(staged) if os.path.isdir(source) else open(staged, "w").close()
            _mount(source, staged, None, MS_BIND | MS_REC)
        _mount("tmpfs", directory, "tmpfs", 0, "mode=0755")
        for entry in entries:
            staged, target = os.path.join(stage, entry), os.path.join(directory, entry)
            os.mkdir(target) if os.path.isdir(staged) else open(target, "w").close()
            _mount(staged, target, None, MS_BIND | MS_REC)
            _libc.umount2(staged.encode(), MNT_DETACH)
        shutil.rmtree(stage, ignore_errors=True)


def _readable_as(uid: int, paths: list[str]) -> bool:
    """Can a process of ``uid`` list every one of ``paths``?  Asked in a throwaway child."""
    pid = os.fork()
    if pid == 0:
        try:
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
            for path in paths:
                os.listdir(path) if os.path.isdir(path) else open(path, "rb").close()
        except OSError:
            os._exit(1)
        os._exit(0)
    return os.waitpid(pid, 0)[1] == 0


def _claim_uid(base: int, count: int = 4096):
    """A sandbox uid no other live server holds: the first whose lock file we can flock."""
    os.makedirs(UID_LOCK_DIR, mode=0o700, exist_ok=True)
    for uid in range(base, base + count):
        handle = open(os.path.join(UID_LOCK_DIR, str(uid)), "a")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            continue
        return uid, handle          # the lock lives as long as this process
    raise RuntimeError(f"no free sandbox uid in {base}..{base + count - 1}")


class Server:
    def __init__(self, uid_base: int, isolate_network: bool):
        self.root = os.geteuid() == 0
        self.uid, self._uid_lock = _claim_uid(uid_base) if self.root else (None, None)
        self.note = ""
        if self.uid is not None:
            paths = interpreter_paths()
            try:
                _open_paths(paths)
            except OSError as error:
                self.note = f"could not open the interpreter to the sandbox uid: {error}"
            if not _readable_as(self.uid, paths):
                self.note = self.note or "the sandbox uid cannot read the interpreter"
                self.uid = None          # programs could not import; run them as root, say so
        self.network_isolated = _unshare(CLONE_NEWNET) if isolate_network else False
        if hasattr(_libc, "prctl"):
            _libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
        self.base = tempfile.mkdtemp(prefix="budget-realloc-sandbox-")
        os.chmod(self.base, 0o711)
        self.baseline_vm = _virtual_memory()
        self.devnull = os.open(os.devnull, os.O_RDWR)
        self.sweep()                # a previous holder of this uid may have left processes

    def hello(self) -> dict:
        return {"ready": True, "uid": self.uid, "network_isolated": self.network_isolated,
                "dropped_privileges": self.uid is not None or not self.root, "note": self.note}

    # ------------------------------------------------------------------ one job
    def run_job(self, job: dict) -> dict:
        started = time.monotonic()
        mode, limits = job["mode"], job["limits"]
        if mode == "assert":
            verdict = self._assert(job, limits)
        else:
            verdict = {"status": "passed"}
            for case_input, expected in job["cases"]:
                verdict = self._case(job, limits, case_input, expected)
                if verdict["status"] != "passed":
                    break
        verdict["seconds"] = time.monotonic() - started
        return verdict

    def _assert(self, job: dict, limits: dict) -> dict:
        result = self.run_child(lambda fd: harness.run_assert(job["program"], job["tests"], fd), limits)
        report = result.get("report")
        if "verdict" in result:
            return result["verdict"]
        if report["outcome"] == "passed":
            return {"status": "passed"}
        if report["outcome"] == "failed":
            return {"status": "failed", "error_type": "AssertionError", "detail": report.get("detail", "")}
        return _error_from(report)

    def _case(self, job: dict, limits: dict, case_input, expected) -> dict:
        if job["mode"] == "stdio":
            result = self.run_child(lambda fd: harness.run_stdio(job["program"], fd), limits,
                                    stdin=compare.as_text(case_input), capture=True)
        else:
            result = self.run_child(lambda fd: harness.run_call(job["program"], job["fn_name"], case_input, fd),
                                    limits)
        if "verdict" in result:
            return result["verdict"]
        report = result["report"]
        if report["outcome"] == "done":
            if result["exit_code"] != 0:
                return {"status": "error", "error_type": "NonZeroExit", "detail": str(result["exit_code"])}
            matched = compare.stdout_matches(result["stdout"].decode("utf-8", "replace"), expected)
        elif report["outcome"] == "returned":
            matched = compare.value_matches(json.loads(report["value"]), expected)
        else:
            return _error_from(report)
        return {"status": "passed"} if matched else {"status": "failed", "error_type": "WrongAnswer"}

    # ------------------------------------------------------------------ one child
    def run_child(self, target, limits: dict, stdin: str | None = None, capture: bool = False) -> dict:
        """Fork, isolate, run ``target(report_fd)``; wait under the wall clock; clean up everything.

        Returns the decoded report, or ``verdict`` when the run ended without a usable one.
        """
        workdir = tempfile.mkdtemp(dir=self.base)
        if self.uid is not None:
            os.chown(workdir, self.uid, self.uid)
        stdin_file = None
        if stdin is not None:
            stdin_file = tempfile.TemporaryFile(dir=self.base)
            stdin_file.write(stdin.encode())
            stdin_file.seek(0)
        report_r, report_w = os.pipe()
        out_r, out_w = os.pipe() if capture else (None, None)
        pid = os.fork()
        if pid == 0:
            self._child(target, limits, workdir, report_w, out_w,
                        stdin_file.fileno() if stdin_file else None)
        os.close(report_w)
        if out_w is not None:
            os.close(out_w)
        try:
            outcome = self._wait(pid, report_r, out_r, limits)
        finally:
            for fd in (report_r, out_r):
                if fd is not None:
                    os.close(fd)
            if stdin_file:
                stdin_file.close()
            shutil.rmtree(workdir, ignore_errors=True)
        return outcome

    def _child(self, target, limits, workdir, report_w, out_w, stdin_fd) -> None:
        try:
            os.setsid()
            os.dup2(stdin_fd if stdin_fd is not None else self.devnull, 0)
            os.dup2(out_w if out_w is not None else self.devnull, 1)
            os.dup2(self.devnull, 2)
            os.dup2(report_w, 3)
            os.closerange(4, resource.getrlimit(resource.RLIMIT_NOFILE)[0])
            os.chdir(workdir)
            os.environ.update(HOME=workdir, TMPDIR=workdir)
            cpu = math.ceil(limits["timeout_s"]) + 1
            memory = self.baseline_vm + limits["memory_mb"] * (1 << 20)
            for which, value in ((resource.RLIMIT_CPU, (cpu, cpu + 1)),
                                 (resource.RLIMIT_AS, (memory, memory)),
                                 (resource.RLIMIT_FSIZE, (limits["max_file_mb"] << 20,) * 2),
                                 (resource.RLIMIT_NOFILE, (256, 256)),
                                 (resource.RLIMIT_CORE, (0, 0)),
                                 (resource.RLIMIT_NPROC, (limits["max_processes"],) * 2)):
                resource.setrlimit(which, value)
            if self.uid is not None:
                os.setgroups([])
                os.setgid(self.uid)
                os.setuid(self.uid)
            for sig in (signal.SIGINT, signal.SIGPIPE, signal.SIGTERM):
                signal.signal(sig, signal.SIG_DFL)
            sys.stdin = open(0, "r", closefd=False)
            sys.stdout = open(1, "w", closefd=False)
            sys.stderr = open(2, "w", closefd=False)
            target(3)
        finally:
            os._exit(70)

    def _wait(self, pid: int, report_r: int, out_r: int | None, limits: dict) -> dict:
        pidfd = os.pidfd_open(pid)
        deadline = time.monotonic() + limits["timeout_s"]
        cap = limits["max_output_kb"] << 10
        readers = {report_r: bytearray()}
        if out_r is not None:
            readers[out_r] = bytearray()
        open_fds = set(readers)
        exited = timed_out = too_big = False
        try:
            while not exited:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    timed_out = True
                    break
                ready, _, _ = select.select([*open_fds, pidfd], [], [], remaining)
                exited = pidfd in ready
                too_big = self._read_ready([fd for fd in ready if fd in open_fds], readers, open_fds, out_r, cap)
                if too_big:
                    break
            if exited:     # what the child wrote before it exited is still in the pipes
                for fd in list(open_fds):
                    os.set_blocking(fd, False)
                too_big = self._read_ready(list(open_fds), readers, open_fds, out_r, cap, drain=True) or too_big
        finally:
            os.close(pidfd)
            self._kill(pid)
            _, status, usage = os.wait4(pid, 0)
            self.sweep()
        return self._outcome(status, usage, _own_report(readers[report_r], pid),
                             readers.get(out_r, b""), timed_out, too_big, limits)

    @staticmethod
    def _read_ready(fds, readers, open_fds, out_r, cap, drain=False) -> bool:
        for fd in fds:
            while True:
                try:
                    data = os.read(fd, 1 << 16)
                except BlockingIOError:
                    break
                if not data:
                    open_fds.discard(fd)
                    break
                readers[fd] += data
                limit = cap if fd == out_r else MAX_REPORT_BYTES
                if len(readers[fd]) > limit:
                    return True
                if not drain:
                    break
        return False

    @staticmethod
    def _outcome(status, usage, report, stdout, timed_out, too_big, limits) -> dict:
        if timed_out:
            return {"verdict": {"status": "timeout", "error_type": "WallClock"}}
        if too_big:
            return {"verdict": {"status": "error", "error_type": "OutputLimit"}}
        cpu_used = usage.ru_utime + usage.ru_stime
        if os.WIFSIGNALED(status) and (os.WTERMSIG(status) == signal.SIGXCPU or cpu_used >= limits["timeout_s"]):
            return {"verdict": {"status": "timeout", "error_type": "CPULimit"}}
        if report is None:
            if os.WIFSIGNALED(status):
                kind = f"Signal{signal.Signals(os.WTERMSIG(status)).name}"
            else:
                kind = "EarlyExit"     # the program left before the harness could report
            return {"verdict": {"status": "error", "error_type": kind,
                                "detail": f"exit status {os.waitstatus_to_exitcode(status)}"}}
        return {"report": report, "exit_code": os.waitstatus_to_exitcode(status), "stdout": bytes(stdout)}

    # ------------------------------------------------------------------ cleanup
    @staticmethod
    def _kill(pid: int) -> None:
        try:
            os.killpg(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    def sweep(self) -> None:
        """Kill every process of the sandbox uid (daemons that left the process group too)
        and reap whatever was orphaned onto this subreaper."""
        if self.uid is not None:
            sweeper = os.fork()
            if sweeper == 0:
                try:
                    os.setuid(self.uid)
                    os.kill(-1, signal.SIGKILL)   # every process this uid may signal, not itself
                finally:
                    os._exit(0)
            os.waitpid(sweeper, 0)
        while True:
            try:
                if os.waitpid(-1, os.WNOHANG)[0] == 0:
                    break
            except ChildProcessError:
                break

    def close(self) -> None:
        shutil.rmtree(self.base, ignore_errors=True)


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
    return {"status": "error", "error_type": report.get("error_type", "Error"),
            "detail": report.get("detail", "")}


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
    _preload()
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
