"""Operating-system isolation for the execution workers, each piece used only where it holds.

- Sandbox uid: a root worker runs programs as a uid of its own (claimed with a lock file, so no
  two workers share one).  The program then cannot write or delete what it does not own, its
  process limit holds, and it cannot signal the worker or another program.
- Mounts: a private mount namespace where /tmp, /var/tmp and /dev/shm are fresh tmpfs mounts
  (what a program writes there never reaches the host's), and a root-only interpreter (pyenv
  under a 0700 /root, say) is made reachable for the sandbox uid without opening anything else.
- Network: a network namespace with no interface up.
- Cgroups (v1 pids, cpuacct, memory hierarchies): every process a program starts stays in its
  worker's cgroup whatever it does (new sessions, double forks), so one read says whether
  anything outlived the program and one pass kills it all; ``pids.max`` caps processes even for
  root, ``memory.limit_in_bytes`` caps the whole tree's memory, and ``cpuacct.usage`` measures
  the CPU time of the whole tree, which is what the time limit counts.

Where a piece is not available (not root, cgroup v2 only, a container without namespaces) the
worker says so in its hello message and the others still hold; rlimits always apply.
"""

from __future__ import annotations

import ctypes
import fcntl
import os
import signal
import sys

CLONE_NEWNET = 0x40000000
CLONE_NEWNS = 0x00020000
MS_BIND, MS_REC, MS_PRIVATE, MNT_DETACH = 4096, 16384, 1 << 18, 2
PR_SET_CHILD_SUBREAPER = 36
UID_LOCK_DIR = "/tmp/budget-realloc-sandbox-uids"
CGROUP_ROOT = "/sys/fs/cgroup"
CGROUP_NAME = "budget-realloc"

_libc = ctypes.CDLL(None, use_errno=True)


def unshare(flag: int) -> bool:
    try:
        if hasattr(os, "unshare"):
            os.unshare(flag)
            return True
        return _libc.unshare(flag) == 0
    except OSError:
        return False


def become_subreaper() -> None:
    """Orphaned descendants of our children are re-parented to us, so we can reap them."""
    try:
        _libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except AttributeError:
        pass


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    def encode(text):
        return text.encode() if text is not None else None

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
            directory = os.sep.join(parts[:depth])
            if os.path.isdir(directory) and not os.stat(directory).st_mode & 0o001:
                closed.add(directory)
    return sorted(closed, key=lambda d: d.count(os.sep))


def private_mounts() -> bool:
    """Give this process (and the children it forks) mounts of its own; False where not allowed."""
    if not unshare(CLONE_NEWNS):
        return False
    try:
        _mount(None, "/", None, MS_REC | MS_PRIVATE)
    except OSError:
        return False
    return True


SHARED_WRITABLE = ("/tmp", "/var/tmp", "/dev/shm")


def private_tmp(keep: list[str], size: str = "1g") -> None:
    """Cover the world-writable directories with fresh tmpfs mounts (in our mount namespace):
    a program can write there, as programs expect, but nothing it writes reaches the host's.
    What ``keep`` needs there (an interpreter or checkout under /tmp) stays reachable."""
    for directory in SHARED_WRITABLE:
        if os.path.isdir(directory):
            _cover(directory, keep, f"mode=1777,size={size}")


def open_paths(paths: list[str]) -> None:
    """In our mount namespace, make ``paths`` reachable for other users: each closed directory
    on the way is covered so that only the entries leading to ``paths`` are in sight."""
    for directory in _closed_dirs(paths):
        if not os.stat(directory).st_mode & 0o001:
            _cover(directory, paths, "mode=0755")


def _cover(directory: str, paths: list[str], options: str) -> None:
    """Mount a fresh tmpfs (``options``) over ``directory`` holding bind mounts of just its
    entries that lead to ``paths``.  The entries are held open (O_PATH) across the mount and
    bound from /proc/self/fd, so no staging place is needed, not even when ``directory`` is
    where one would stage (/tmp)."""
    prefix = directory.rstrip(os.sep) + os.sep
    entries = sorted({p[len(prefix):].split(os.sep)[0] for p in map(os.path.abspath, paths)
                      if p.startswith(prefix)})
    held = {entry: (os.open(os.path.join(directory, entry), os.O_PATH),
                    os.path.isdir(os.path.join(directory, entry))) for entry in entries}
    try:
        _mount("tmpfs", directory, "tmpfs", 0, options)
        for entry, (fd, is_dir) in held.items():
            target = os.path.join(directory, entry)
            os.mkdir(target) if is_dir else open(target, "w").close()
            _mount(f"/proc/self/fd/{fd}", target, None, MS_BIND | MS_REC)
    finally:
        for fd, _ in held.values():
            os.close(fd)


def drop_privileges(uid: int) -> None:
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)


def readable_as(uid: int, paths: list[str]) -> bool:
    """Can a process of ``uid`` list every one of ``paths``?  Asked in a throwaway child."""
    pid = os.fork()
    if pid == 0:
        try:
            drop_privileges(uid)
            for path in paths:
                os.listdir(path) if os.path.isdir(path) else open(path, "rb").close()
        except OSError:
            os._exit(1)
        os._exit(0)
    return os.waitpid(pid, 0)[1] == 0


def claim_uid(base: int, count: int = 4096):
    """A sandbox uid no other live worker holds: the first whose lock file we can flock.

    Returns (uid, open lock file): the lock lives as long as the file stays open.
    """
    os.makedirs(UID_LOCK_DIR, mode=0o700, exist_ok=True)
    for uid in range(base, base + count):
        handle = open(os.path.join(UID_LOCK_DIR, str(uid)), "a")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            continue
        return uid, handle
    raise RuntimeError(f"no free sandbox uid in {base}..{base + count - 1}")


def kill_uid(uid: int) -> None:
    """Kill every process of ``uid`` (from a throwaway child of that uid: kill(-1) as it)."""
    pid = os.fork()
    if pid == 0:
        try:
            os.setuid(uid)
            os.kill(-1, signal.SIGKILL)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


class Cgroup:
    """One worker's cgroup in the v1 pids, cpuacct and memory hierarchies.

    The worker itself lives in it, so its children are born there: moving a process between
    v1 cgroups costs most of a millisecond, a fork nothing.  Counters therefore include the
    worker: one more process, its own CPU time (subtracted by the caller) and its memory (the
    limit is set above it, and the worker is shielded from the OOM killer where the system allows).
    """

    CONTROLLERS = ("pids", "cpuacct", "memory")

    def __init__(self, name: str):
        self.dirs = {c: os.path.join(CGROUP_ROOT, c, CGROUP_NAME, name) for c in self.CONTROLLERS}
        for directory in self.dirs.values():
            os.makedirs(directory, exist_ok=True)
        for controller in self.CONTROLLERS:
            self._write(controller, "cgroup.procs", os.getpid())
        try:        # the OOM killer should pick the program; containers may not allow asking
            with open(f"/proc/{os.getpid()}/oom_score_adj", "w") as handle:
                handle.write("-1000")
        except OSError:
            pass
        self._usage = os.open(self._file("cpuacct", "cpuacct.usage"), os.O_RDONLY)
        self._pids = os.open(self._file("pids", "pids.current"), os.O_RDONLY)
        self._failcnt = os.open(self._file("memory", "memory.failcnt"), os.O_RDONLY)
        self._limits = None

    @classmethod
    def create(cls, name: str) -> "Cgroup | None":
        """The cgroup, or None where v1 hierarchies are missing or not writable."""
        if not all(os.path.isdir(os.path.join(CGROUP_ROOT, c)) for c in cls.CONTROLLERS):
            return None
        try:
            return cls(name)
        except OSError:
            return None

    def _file(self, controller: str, name: str) -> str:
        return os.path.join(self.dirs[controller], name)

    def _write(self, controller: str, name: str, value) -> None:
        with open(self._file(controller, name), "w") as handle:
            handle.write(str(value))

    def limit(self, max_processes: int, memory_bytes: int) -> None:
        """At most ``max_processes`` and ``memory_bytes`` for the programs (worker not counted)."""
        if self._limits != (max_processes, memory_bytes):
            with open(self._file("memory", "memory.usage_in_bytes")) as handle:
                worker = int(handle.read())
            self._write("pids", "pids.max", max_processes + len(os.listdir("/proc/self/task")))
            self._write("memory", "memory.limit_in_bytes", worker + memory_bytes)
            self._limits = (max_processes, memory_bytes)

    def cpu_seconds(self) -> float:
        """CPU time of everything in the cgroup so far, the worker included."""
        return int(os.pread(self._usage, 32, 0)) / 1e9

    def memory_failures(self) -> int:
        return int(os.pread(self._failcnt, 32, 0))

    def busy(self) -> bool:
        """Is anything but the worker alive (or unreaped) in the cgroup?  pids.current counts
        threads, and libraries the worker loaded may have started some (jemalloc's, say)."""
        return int(os.pread(self._pids, 32, 0)) > len(os.listdir("/proc/self/task"))

    def kill_all(self) -> None:
        """SIGKILL every process in the cgroup but the worker, until none is left."""
        me = os.getpid()
        for _ in range(100):
            with open(self._file("pids", "cgroup.procs")) as handle:
                pids = [int(line) for line in handle if line.strip() and int(line) != me]
            if not pids:
                return
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            os.sched_yield()

    def remove(self) -> None:
        for fd in (self._usage, self._pids, self._failcnt):
            os.close(fd)
        parents = {c: os.path.dirname(d) for c, d in self.dirs.items()}
        for controller in self.CONTROLLERS:        # leave, so the directories can go
            try:
                with open(os.path.join(parents[controller], "cgroup.procs"), "w") as handle:
                    handle.write(str(os.getpid()))
                os.rmdir(self.dirs[controller])
            except OSError:
                pass
