"""The sandbox of an execution worker: fork a child, isolate and limit it, run a target in it,
wait under the limits, and clean up everything it started.

What happened comes back as a :class:`RunResult` — the child's own reports, its exit, why it
was stopped if it was — and :mod:`budget_realloc.execution.judge` says what that means for
the program.  Each child, before the target runs, starts a new session, gets a fresh private
directory as cwd and HOME, stdin from /dev/null (or the test input), stdout to /dev/null (or a
capped pipe read here), stderr to /dev/null, rlimits on CPU, address space, file size, open
files, core dumps and processes, and whatever ``isolation`` offers here (sandbox uid, cgroup,
network namespace).

Time limits count CPU time — of the program and everything it starts, where a cgroup measures
it — so a verdict does not depend on how busy the machine is; a wall-clock limit
``WALL_SLACK_S`` above it (not counting time spent waiting for a CPU) ends programs that sleep
or block.
"""

from __future__ import annotations

import _signal
import json
import math
import os
import resource
import select
import signal
import time
from dataclasses import dataclass, field

from . import isolation

MAX_REPORT_BYTES = 64 << 20
WALL_SLACK_S = 1.0
POLL_S = 0.02
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
_DEFAULT_SIGNALS = (int(signal.SIGINT), int(signal.SIGPIPE), int(signal.SIGTERM))


@dataclass
class RunResult:
    """How one child's run ended."""

    cpu_seconds: float
    stopped: tuple[str, str] | None      # (status, kind) where the limits cut it short: timeout/WallClock...
    reports: list[dict] = field(default_factory=list)   # the child's own reports, in order
    exit_code: int = 0
    signal: str | None = None            # the signal that ended it, if one did
    memory_limit: bool = False           # it was killed for memory (the cgroup says so)
    stdout: bytes = b""


class Sandbox:
    """Runs targets in isolated, limited children of this process, one at a time."""

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
        self.vm_size = virtual_memory()
        self._cleanup()             # a previous holder of this uid may have left processes

    def grown(self) -> None:
        """The process loaded more (heavy libraries): a child's memory limit sits above it."""
        self.vm_size = virtual_memory()

    def hello(self) -> dict:
        return {"ready": True, "uid": self.uid, "cgroup": self.cgroup is not None,
                "network_isolated": self.network_isolated, "private_tmp": self.private_tmp, "notes": self.notes}

    def run(self, target, limits: dict, stdin: str | None = None, capture: bool = False) -> RunResult:
        """Fork, isolate, run ``target((report_fd, token))``; wait under the limits; clean up
        everything.  Only reports that carry this run's token count."""
        self.runs += 1
        workdir = self.workdir
        if os.path.lexists(workdir):    # written by the server itself: a library it loaded for a
            _remove_tree(workdir)       # program (matplotlib's caches under HOME), or a run cut short
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
        token = os.urandom(8).hex()
        report_r, report_w = os.pipe()
        out_r, out_w = os.pipe() if capture else (None, None)
        start = (self.cgroup.cpu_seconds(), time.process_time()) if self.cgroup else None
        pid = os.fork()
        if pid == 0:
            self._child(target, limits, workdir, report_w, out_w, stdin_fd, token)
        os.close(report_w)
        if out_w is not None:
            os.close(out_w)
        try:
            return self._wait(pid, report_r, out_r, limits, start, token)
        finally:
            for fd in (report_r, out_r, stdin_fd):
                if fd is not None:
                    os.close(fd)
            _remove_tree(workdir)

    def _child(self, target, limits, workdir, report_w, out_w, stdin_fd, token) -> None:
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
            target((3, token))
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

    def _wait(self, pid: int, report_r: int, out_r: int | None, limits: dict, start, token: str) -> RunResult:
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
        signalled = os.WIFSIGNALED(status)
        return RunResult(
            cpu_seconds=cpu, stopped=stop, reports=own_reports(buffers[report_r], pid, token),
            exit_code=os.waitstatus_to_exitcode(status),
            signal=signal.Signals(os.WTERMSIG(status)).name if signalled else None,
            memory_limit=signalled and self.cgroup is not None and self.cgroup.memory_failures() > failures,
            stdout=bytes(buffers.get(out_r, b"")))

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


def own_reports(data: bytes, pid: int, token: str) -> list[dict]:
    """The reports of the harness in the child itself, in order, up to the first unreadable one;
    copies of it that the program forked, and reports the program wrote (without the run's
    token), are ignored."""
    decoder, text, at, out = json.JSONDecoder(), data.decode("utf-8", "replace"), 0, []
    while at < len(text):
        try:
            message, at = decoder.raw_decode(text, at)
        except ValueError:
            break
        if isinstance(message, dict) and message.get("pid") == pid and message.get("token") == token:
            out.append(message)
    return out


def virtual_memory() -> int:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0
