"""A throwaway single-node SLURM on this machine: munged, MariaDB, slurmdbd, slurmctld, slurmd.

The slurm tests need a real scheduler, with job accounting: the executor plugin polls job
states with ``sacct``, which only answers with slurmdbd and a database behind it.  Everything
lives in one temporary directory (configs, state, sockets, logs, the database) and listens on
free loopback ports.  Clients find it through ``SLURM_CONF`` and, because the plugin's job step
strips every ``SLURM_*`` variable before it calls ``srun``, through the default path
/etc/slurm/slurm.conf too: a link made only where no SLURM is configured, under a lock (one
test cluster at a time), and removed again.  Each daemon runs in the foreground as a child of
this process (with a parent-death signal, so none survives a killed test run); ``stop()`` cancels
the jobs, ends the daemons and then every process that carries the cluster's marker in its
environment (job steps outlive slurmd), so nothing it started is left running.

Debian 12's packages (slurm 22.05, MariaDB 10.11) are installed if missing, with services
kept from starting.
"""

from __future__ import annotations

import ctypes
import fcntl
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

PACKAGES = ("munge", "slurmctld", "slurmd", "slurm-client", "slurmdbd", "mariadb-server",
            "slurm-wlm-mysql-plugin")
POLICY_RC = Path("/usr/sbin/policy-rc.d")   # exit 101 here = "do not start services" (Debian)
DEFAULT_CONF = Path("/etc/slurm/slurm.conf")   # where srun looks without SLURM_CONF
LOCK = Path("/run/lock/budget-realloc-test-slurm.lock")
PREFIX = "budget-realloc-slurm-"
CLUSTER = "budgetrealloc"
PARTITION = "main"
DB_USER, DB_PASSWORD, DB_NAME = "slurm", "slurm-test", "slurm_acct_db"
_PR_SET_PDEATHSIG = 1
MARKER = "BUDGET_REALLOC_TEST_SLURM"


class ClusterError(RuntimeError):
    """The cluster could not be brought up; the message names the daemon and its log."""


def cannot_run() -> str | None:
    """Why a SLURM cannot be brought up here (None when it can)."""
    if os.geteuid() != 0:
        return "not root: the daemons and the package installation need root"
    if os.path.lexists(DEFAULT_CONF) and PREFIX not in os.path.realpath(DEFAULT_CONF):
        return f"a SLURM is configured on this machine ({DEFAULT_CONF}); the test will not replace it"
    if not missing_packages():
        return None
    if shutil.which("apt-get") is None:
        return f"{', '.join(missing_packages())} missing and no apt-get to install them"
    return None


def missing_packages() -> list[str]:
    if shutil.which("dpkg-query") is None:
        return [p for p in PACKAGES if shutil.which(p) is None] and list(PACKAGES)
    out = subprocess.run(["dpkg-query", "-W", "-f=${Package} ${db:Status-Status}\n", *PACKAGES],
                         capture_output=True, text=True).stdout
    installed = {line.split()[0] for line in out.splitlines() if line.endswith(" installed")}
    return [p for p in PACKAGES if p not in installed]


def install_packages() -> None:
    """apt-get install what is missing, with invoke-rc.d told not to start any service."""
    missing = missing_packages()
    if not missing:
        return
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    guard = not POLICY_RC.exists()
    if guard:
        POLICY_RC.write_text("#!/bin/sh\n# budget-realloc tests: no service starts while installing\nexit 101\n")
        POLICY_RC.chmod(0o755)
    try:
        command = ["apt-get", "install", "-y", "-q", "--no-install-recommends", *missing]
        run = subprocess.run(command, capture_output=True, text=True, env=env)
        if run.returncode != 0:   # a fresh machine has no package lists yet
            subprocess.run(["apt-get", "update", "-q"], capture_output=True, text=True, env=env)
            run = subprocess.run(command, capture_output=True, text=True, env=env)
        if run.returncode != 0:
            raise ClusterError(f"apt-get install {' '.join(missing)} failed:\n{run.stdout[-2000:]}{run.stderr[-2000:]}")
    finally:
        if guard:
            POLICY_RC.unlink()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM when the test process goes, however it goes."""
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


def _meminfo_mb(key: str) -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) // 1024
    raise ClusterError(f"/proc/meminfo has no {key}")


class SlurmCluster:
    """One node with this machine's CPUs and most of its memory, one partition, accounting on."""

    def __init__(self, root: Path | None = None, def_mem_per_cpu: int = 1000):
        self.root = Path(root or tempfile.mkdtemp(prefix=PREFIX))
        self.root.chmod(0o755)            # munge and mysql must reach their directories
        self.node = socket.gethostname().split(".")[0]
        self.cpus = len(os.sched_getaffinity(0))
        self.memory_mb = int(_meminfo_mb("MemTotal") * 0.8)
        self.def_mem_per_cpu = def_mem_per_cpu
        self.ports = {name: free_port() for name in ("slurmctld", "slurmd", "slurmdbd", "mariadb")}
        self.processes: list[tuple[str, subprocess.Popen, Path]] = []
        self.lock = None
        self.conf = self.root / "slurm.conf"
        # the marker is inherited by everything the cluster runs (slurmd -> slurmstepd, and jobs
        # get the environment of whoever submits them with self.env): stop() kills by it
        self.env = {**os.environ, "SLURM_CONF": str(self.conf), MARKER: str(self.root)}

    # ------------------------------------------------------------------ configuration
    def _dir(self, name: str, owner: str = "root", mode: int = 0o755) -> Path:
        path = self.root / name
        path.mkdir(exist_ok=True)
        entry = pwd.getpwnam(owner)
        os.chown(path, entry.pw_uid, entry.pw_gid)
        path.chmod(mode)
        return path

    def write_configs(self) -> None:
        munge, logs = self._dir("munge", "munge"), self._dir("log")
        self.munge_socket = munge / "munge.socket"
        state, spool = self._dir("state"), self._dir("spool")
        auth = f"AuthType=auth/munge\nAuthInfo=socket={self.munge_socket}\n"
        self.conf.write_text(
            f"ClusterName={CLUSTER}\n"
            f"SlurmctldHost={self.node}(127.0.0.1)\n"
            "SlurmUser=root\n"
            f"SlurmctldPort={self.ports['slurmctld']}\n"
            f"SlurmdPort={self.ports['slurmd']}\n"
            f"{auth}"
            f"StateSaveLocation={state}\n"
            f"SlurmdSpoolDir={spool}\n"
            f"SlurmctldPidFile={self.root / 'slurmctld.pid'}\n"
            f"SlurmdPidFile={self.root / 'slurmd.pid'}\n"
            f"SlurmctldLogFile={logs / 'slurmctld.log'}\n"
            f"SlurmdLogFile={logs / 'slurmd.log'}\n"
            "ProctrackType=proctrack/linuxproc\n"
            "TaskPlugin=task/none\n"
            "SelectType=select/cons_tres\n"
            "SelectTypeParameters=CR_Core_Memory\n"
            f"DefMemPerCPU={self.def_mem_per_cpu}\n"   # without it, one job takes the node's memory
            "MinJobAge=300\n"
            "ReturnToService=2\n"
            "MpiDefault=none\n"
            "JobAcctGatherType=jobacct_gather/linux\n"
            "AccountingStorageType=accounting_storage/slurmdbd\n"
            "AccountingStoreFlags=job_comment\n"       # sacct shows the plugin's rule_<rule>_wildcards_...
            "AccountingStorageHost=127.0.0.1\n"
            f"AccountingStoragePort={self.ports['slurmdbd']}\n"
            f"AccountingStoragePass={self.munge_socket}\n"   # the munge socket for slurmdbd's clients
            f"NodeName={self.node} NodeAddr=127.0.0.1 CPUs={self.cpus} RealMemory={self.memory_mb} State=UNKNOWN\n"
            f"PartitionName={PARTITION} Nodes=ALL Default=YES MaxTime=INFINITE State=UP\n")
        dbd = self.root / "slurmdbd.conf"
        dbd.write_text(
            f"{auth}"
            "DbdHost=localhost\nDbdAddr=127.0.0.1\n"
            f"DbdPort={self.ports['slurmdbd']}\n"
            "SlurmUser=root\n"
            f"PidFile={self.root / 'slurmdbd.pid'}\n"
            f"LogFile={logs / 'slurmdbd.log'}\n"
            "StorageType=accounting_storage/mysql\n"
            "StorageHost=127.0.0.1\n"
            f"StoragePort={self.ports['mariadb']}\n"
            f"StorageUser={DB_USER}\nStoragePass={DB_PASSWORD}\nStorageLoc={DB_NAME}\n")
        dbd.chmod(0o600)                  # slurmdbd refuses a readable config (it holds a password)

    # ------------------------------------------------------------------ daemons
    def _spawn(self, name: str, command: list[str], user: str | None = None) -> None:
        log = self.root / "log" / f"{name}.out"
        with open(log, "wb") as out:
            process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                       env=self.env, user=user, group=user, extra_groups=[] if user else None,
                                       preexec_fn=_die_with_parent, cwd=self.root)
        self.processes.append((name, process, log))

    def _wait(self, what: str, ready, timeout: float = 10.0) -> None:
        """Poll ``ready()`` until it holds; a daemon that died or a timeout names its log."""
        deadline = time.monotonic() + timeout
        while not ready():
            for name, process, log in self.processes:
                if process.poll() is not None:
                    raise ClusterError(f"{name} exited with {process.returncode} while waiting for {what}; "
                                       f"{log}:\n{self._tail(log)}")
            if time.monotonic() > deadline:
                name, _, log = self.processes[-1]
                raise ClusterError(f"{what} not ready after {timeout:.0f} s; {log}:\n{self._tail(log)}"
                                   f"\n{self._tail(self.root / 'log' / f'{name}.log')}")
            time.sleep(0.2)

    @staticmethod
    def _tail(path: Path) -> str:
        return path.read_text(errors="replace")[-3000:] if path.exists() else f"({path} does not exist)"

    def _ok(self, *command: str) -> bool:
        return subprocess.run(command, capture_output=True, env=self.env).returncode == 0

    def start(self) -> "SlurmCluster":
        """Bring the daemons up in dependency order and wait until the node takes jobs."""
        install_packages()
        self.write_configs()
        self._claim_default_conf()
        key = self.root / "munge" / "munge.key"
        key.write_bytes(os.urandom(1024))
        munge_user = pwd.getpwnam("munge")
        os.chown(key, munge_user.pw_uid, munge_user.pw_gid)
        key.chmod(0o400)
        self._spawn("munged", ["munged", "--foreground", f"--key-file={key}", f"--socket={self.munge_socket}",
                               f"--pid-file={self.root / 'munge' / 'munged.pid'}",
                               f"--seed-file={self.root / 'munge' / 'munged.seed'}",
                               f"--log-file={self.root / 'munge' / 'munged.log'}"], user="munge")
        self._wait("munged", lambda: self._ok("munge", f"--socket={self.munge_socket}", "-n"))

        self._start_mariadb()
        self._spawn("slurmdbd", ["slurmdbd", "-D"])   # reads slurmdbd.conf next to $SLURM_CONF
        self._wait("slurmdbd", lambda: self._ok("sacctmgr", "-n", "list", "cluster"))
        if not self._ok("sacctmgr", "-i", "add", "cluster", CLUSTER):
            raise ClusterError(f"sacctmgr could not add cluster {CLUSTER}")
        self._spawn("slurmctld", ["slurmctld", "-D", "-i"])
        self._wait("slurmctld", lambda: self._ok("scontrol", "ping"))
        self._spawn("slurmd", ["slurmd", "-D", "-N", self.node])
        self._wait("node idle", self._node_idle)
        return self

    def _claim_default_conf(self) -> None:
        """Link /etc/slurm/slurm.conf to this cluster's config, waiting for any other test cluster
        to finish; a link left by a killed run (its lock gone with it) is replaced."""
        LOCK.parent.mkdir(parents=True, exist_ok=True)
        self.lock = open(LOCK, "w")
        fcntl.flock(self.lock, fcntl.LOCK_EX)
        if os.path.lexists(DEFAULT_CONF):
            if PREFIX not in os.path.realpath(DEFAULT_CONF):
                raise ClusterError(f"{DEFAULT_CONF} belongs to another SLURM")
            DEFAULT_CONF.unlink()
        DEFAULT_CONF.parent.mkdir(parents=True, exist_ok=True)
        DEFAULT_CONF.symlink_to(self.conf)

    def _release_default_conf(self) -> None:
        if self.lock is None:
            return
        if DEFAULT_CONF.is_symlink() and os.path.realpath(DEFAULT_CONF) == str(self.conf.resolve()):
            DEFAULT_CONF.unlink()
        self.lock.close()                 # releases the flock
        self.lock = None

    def _start_mariadb(self) -> None:
        data = self._dir("mysql", "mysql", 0o700)
        init = subprocess.run(["mariadb-install-db", "--no-defaults", f"--datadir={data}", "--user=mysql",
                               "--auth-root-authentication-method=socket", "--skip-test-db"],
                              capture_output=True, text=True)
        if init.returncode != 0:
            raise ClusterError(f"mariadb-install-db failed:\n{init.stdout[-2000:]}{init.stderr[-2000:]}")
        grants = data / "init.sql"
        grants.write_text(f"CREATE USER IF NOT EXISTS '{DB_USER}'@'127.0.0.1' IDENTIFIED BY '{DB_PASSWORD}';\n"
                          f"GRANT ALL ON {DB_NAME}.* TO '{DB_USER}'@'127.0.0.1';\n")
        mysql = pwd.getpwnam("mysql")
        os.chown(grants, mysql.pw_uid, mysql.pw_gid)
        self.mariadb_socket = data / "mysqld.sock"
        self._spawn("mariadbd", ["mariadbd", "--no-defaults", f"--datadir={data}", f"--socket={self.mariadb_socket}",
                                 f"--port={self.ports['mariadb']}", "--bind-address=127.0.0.1", "--skip-name-resolve",
                                 f"--pid-file={data / 'mariadbd.pid'}", f"--init-file={grants}",
                                 "--innodb-lock-wait-timeout=900"],
                    user="mysql")
        self._wait("mariadbd", lambda: self._port_open(self.ports["mariadb"]))

    @staticmethod
    def _port_open(port: int) -> bool:
        with socket.socket() as probe:
            return probe.connect_ex(("127.0.0.1", port)) == 0

    def _node_idle(self) -> bool:
        run = subprocess.run(["sinfo", "-h", "-N", "-o", "%t"], capture_output=True, text=True, env=self.env)
        return run.returncode == 0 and run.stdout.strip() == "idle"

    def stop(self) -> None:
        """Cancel every job, SIGTERM every daemon this cluster started (newest first, SIGKILL what
        lingers), then SIGKILL whatever still carries its marker: job steps outlive slurmd
        (proctrack/linuxproc), and so does a Snakemake started with ``self.env``."""
        jobs = self.job_ids() if any(name == "slurmctld" and process.poll() is None
                                     for name, process, _ in self.processes) else []
        if jobs:
            subprocess.run(["scancel", "--full", "--quiet", *jobs], capture_output=True, env=self.env)
            deadline = time.monotonic() + 30
            while self.job_ids() and time.monotonic() < deadline:
                time.sleep(0.5)
        for name, process, _ in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        self.processes.clear()
        for pid in self.marked_processes():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self._release_default_conf()

    def job_ids(self) -> list[str]:
        run = subprocess.run(["squeue", "-h", "-o", "%i"], capture_output=True, text=True, env=self.env)
        return run.stdout.split() if run.returncode == 0 else []

    def marked_processes(self) -> list[int]:
        """Processes (other than this one) whose environment carries this cluster's marker."""
        marker = f"{MARKER}={self.root}".encode()
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) == os.getpid():
                continue
            try:
                if marker in (entry / "environ").read_bytes().split(b"\0"):
                    pids.append(int(entry.name))
            except OSError:          # gone meanwhile, or a kernel thread
                pass
        return pids

    def __enter__(self) -> "SlurmCluster":
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc) -> None:
        self.stop()

    # ------------------------------------------------------------------ clients
    def run(self, *command: str) -> str:
        """A client command (sacct, scancel, ...) against this cluster; its output."""
        return subprocess.run(command, capture_output=True, text=True, env=self.env, check=True).stdout

    def sacct(self, *args: str) -> str:
        """``sacct`` lines of every job this cluster ran (the record the tests report)."""
        return self.run("sacct", "-a", "-X", "--starttime", "now-1days", *args)
