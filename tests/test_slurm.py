"""The offline default on a real single-node SLURM, through workflow/profiles/slurm.

(Its released samples are left out here: executing 50,000 of them proves nothing more about a
cluster, and tests/test_released.py runs them; so are MBPP and APPS: cluster_config.)

The module brings up a cluster (munged, MariaDB, slurmdbd, slurmctld, slurmd:
tests/slurm_cluster.py) and stops every daemon after it, also when a test fails.  The workflow
runs on it in three sittings, as a user would live through them:

1. a job fails on the cluster (one model's architecture names an activation that does not
   exist): Snakemake exits non-zero, naming the rule and its log;
2. with the architecture fixed, the same command is killed (SIGKILL) mid-run, and the jobs it
   left in the queue and its lock are cleared as the README says (``scancel --name <SLURM run
   ID>``, ``--unlock``);
3. the same command again runs to the end.

Every target must then exist, no sitting may redo a job that an earlier one finished, and the
deterministic outputs must equal a local run's: the pass@k CSVs byte for byte, samples and
verdicts without their measured times.  The ``sacct`` lines of every job are printed at the
end of the module.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from budget_realloc.config import load_yaml, validate_config
from budget_realloc.plan import Plan
from conftest import REPO, SHARED_DATA, samples_of_known_worth
from slurm_cluster import SlurmCluster, cannot_run

pytestmark = pytest.mark.slurm

PROFILE = REPO / "workflow" / "profiles" / "slurm"
BROKEN = "resources/models/tiny-gqa-l.json"          # the architecture sitting 1 breaks
FAILED_LOG = "results/logs/models/tiny-gqa-l.log"     # the log of the job that fails
SACCT_FORMAT = "JobID,JobName%36,Comment%70,State,ExitCode,Elapsed,AllocCPUS,ReqMem"
KILL_AFTER_JOBS = 20         # Snakemake is killed once this many jobs of sitting 2 have finished
MEASURED = ["seconds", "cpu_seconds", "timeout_s"]   # timings (and limits set from them): never equal between runs
LIMIT_S = 900                # any one Snakemake invocation


class Sitting:
    """One Snakemake invocation in a run directory; its output goes to a log file there."""

    def __init__(self, path: Path, name: str, *args: str, env: dict):
        self.log = path / f"snakemake-{name}.log"
        with open(self.log, "w") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "-d", str(path), *args,
                 "--configfile", str(path / "config.yaml")],
                stdout=out, stderr=subprocess.STDOUT, env={**env, "HF_HUB_OFFLINE": "1"})

    def wait(self) -> int:
        """Its exit status; it is killed if it runs over LIMIT_S or the test is interrupted."""
        try:
            return self.process.wait(timeout=LIMIT_S)
        except BaseException as error:
            self.process.kill()
            self.process.wait()
            if isinstance(error, subprocess.TimeoutExpired):
                raise AssertionError(f"snakemake ran over {LIMIT_S} s; {self.log}:\n{self.output[-3000:]}") from None
            raise

    @property
    def output(self) -> str:
        return self.log.read_text()

    def finished_jobs(self) -> int:
        return self.output.count("Finished jobid")

    def slurm_run_id(self) -> str:
        """The plugin names every job of one invocation after this id."""
        return re.search(r"SLURM run ID: (\S+)", self.output).group(1)


# The cluster's questions (grouping, failure, kill and resume, same results) are all asked by
# HumanEval (with the tiny, GQA and verifier models); MBPP and APPS would only add jobs like them
KEPT_BENCHMARKS = {"humaneval", "minieval"}


def always_list(value) -> list:
    return value if isinstance(value, list) else [value]


def kept(benchmarks: list) -> list:
    """The entries (a name, or a name and its fallbacks) of KEPT_BENCHMARKS."""
    return [b for b in benchmarks if always_list(b)[0] in KEPT_BENCHMARKS]


# The random tiny models solve nothing, so beside them runs "known", samples made elsewhere of
# known worth (conftest.samples_of_known_worth): KNOWN_CORRECT of KNOWN_N samples of each problem
# are its reference solution, so that "equal to a local run" compares real, non-zero results
KNOWN_N, KNOWN_CORRECT = 8, [8, 3, 0, 5, 1, 7, 2, 0, 6, 4, 8, 1, 0, 3, 5, 2, 7, 1]
KNOWN_SAMPLES = "known.jsonl"          # in the run directory


def known_benchmark() -> tuple[str, Path]:
    """The benchmark of KEPT_BENCHMARKS the plan keeps (HumanEval where ../shared has it, else
    its fallback MiniEval) and its file, which "known" is run on."""
    humaneval = SHARED_DATA / "HumanEval.jsonl.gz"
    return ("humaneval", humaneval) if humaneval.is_file() else \
        ("minieval", REPO / "resources" / "benchmarks" / "minieval.jsonl")


def cluster_config() -> dict:
    """The offline default on KEPT_BENCHMARKS, without its released samples (the models read
    from files, and what only they use), with "known" in the tiny family."""
    config = load_yaml(REPO / "config" / "offline.yaml")
    released = {m for m, spec in config["models"].items() if "samples" in spec}
    config["models"] = {m: spec for m, spec in config["models"].items() if m not in released}
    config["families"] = {f: members for f, members in config["families"].items() if not set(members) & released}
    config["benchmarks"] = {b: spec for b, spec in config["benchmarks"].items()
                            if not set(spec["n"]) & released and b in KEPT_BENCHMARKS}
    benchmark, _ = known_benchmark()
    config["models"]["known"] = {"architecture": "resources/models/tiny-s.json", "label": "known",
                                 "costs": {"seconds_per_sample": 1.0, "source": "a stand-in"},
                                 "samples": {benchmark: {"format": "samples-jsonl", "files": KNOWN_SAMPLES}}}
    config["families"]["tiny"].append("known")
    config["benchmarks"][benchmark]["n"]["known"] = None            # what its file holds
    config["figures"] = {f: spec for f, spec in config["figures"].items()
                         if spec["family"] in config["families"] and kept([spec["benchmark"]])}
    config["policies"]["families"] = [f for f in config["policies"]["families"] if f in config["families"]]
    ranking = config["ranking"]
    ranking["benchmarks"] = kept(ranking["benchmarks"])
    ranking["verifier"]["benchmarks"] = kept(ranking["verifier"]["benchmarks"]) or ranking["benchmarks"]
    tables = config["tables"]
    tables["table1"]["families"] = [f for f in tables["table1"]["families"] if f in config["families"]]
    config["tables"] = {name: spec for name, spec in tables.items()
                        if "benchmarks" not in spec or kept(spec["benchmarks"])}
    return config


def run_directory(root: Path, name: str) -> Path:
    """A directory where the config's relative paths resolve: config.yaml (cluster_config),
    resources/ (a copy, so that one file can be broken), ../shared/data and known's samples."""
    if SHARED_DATA.exists() and not (root / "shared").exists():
        (root / "shared").symlink_to(SHARED_DATA.parent)
    path = root / name
    path.mkdir()
    (path / "config.yaml").write_text(yaml.safe_dump(cluster_config()))
    shutil.copytree(REPO / "resources", path / "resources")
    samples_of_known_worth(known_benchmark()[1], path / KNOWN_SAMPLES, KNOWN_CORRECT, KNOWN_N)
    return path


def finished_outputs(path: Path) -> dict[str, tuple[int, int]]:
    """(mtime, inode) of every output Snakemake counts as finished: files under results/ but
    the logs, less those it marked incomplete (submitted, running or killed jobs)."""
    markers = path / ".snakemake" / "incomplete"
    incomplete = {base64.urlsafe_b64decode("".join(p.lstrip("@") for p in f.relative_to(markers).parts)).decode()
                  for f in markers.rglob("*") if f.is_file() and f.name != "migration_underway"}
    out = {}
    for f in (path / "results").rglob("*"):
        name = str(f.relative_to(path))
        if f.is_file() and not name.startswith("results/logs/") \
                and not any(name == i or name.startswith(i + "/") for i in incomplete):
            out[name] = (f.stat().st_mtime_ns, f.stat().st_ino)
    return out


def plan(path: Path) -> Plan:
    """The offline default's plan as seen from ``path`` (its relative paths resolve there)."""
    cwd = os.getcwd()
    os.chdir(path)
    try:
        return Plan(validate_config(cluster_config()))
    finally:
        os.chdir(cwd)


@pytest.fixture(scope="module")
def cluster(request, tmp_path_factory):
    reason = cannot_run()
    if reason:
        pytest.skip(reason)
    with SlurmCluster() as up:
        yield up
        sacct = up.sacct(f"--format={SACCT_FORMAT}")
        (tmp_path_factory.getbasetemp() / "sacct.txt").write_text(sacct)
        reporter = request.config.pluginmanager.get_plugin("terminalreporter")
        reporter.write_sep("-", f"sacct: the jobs of the slurm tests ({up.root})")
        reporter.write_line(sacct)
        shutil.copytree(up.root / "log", tmp_path_factory.getbasetemp() / "slurm-daemon-logs")
    shutil.rmtree(up.root)


@pytest.fixture(scope="module")
def sittings(cluster, tmp_path_factory):
    """The offline default run by SLURM in three sittings; what each left behind."""
    path = run_directory(tmp_path_factory.mktemp("offline"), "slurm")
    architecture = path / BROKEN
    good = architecture.read_text()
    architecture.write_text(good.replace('"hidden_act": "silu"', '"hidden_act": "no-such-activation"'))
    args = ("--profile", str(PROFILE), "--slurm-init-seconds-before-status-checks", "2")

    failed = Sitting(path, "1-failed", *args, env=cluster.env)
    failed.wait()
    failed_log = (path / FAILED_LOG).read_text()      # the rebuild in sitting 2 overwrites it
    after_failure = finished_outputs(path)

    architecture.write_text(good)
    killed = Sitting(path, "2-killed", *args, env=cluster.env)
    deadline = time.monotonic() + LIMIT_S
    while killed.finished_jobs() < KILL_AFTER_JOBS and killed.process.poll() is None \
            and time.monotonic() < deadline:
        time.sleep(0.5)
    killed.process.send_signal(signal.SIGKILL)
    killed.wait()
    cluster.run("scancel", "--name", killed.slurm_run_id())
    # a cancelled job may still be cleaning up (Snakemake inside it removes the outputs of the
    # jobs it was running): what the kill left is known once the queue holds none of them
    deadline = time.monotonic() + 120
    while cluster.run("squeue", "--noheader", "--name", killed.slurm_run_id()).strip():
        assert time.monotonic() < deadline, "cancelled jobs still in the queue after 120 s"
        time.sleep(1)
    after_kill = finished_outputs(path)
    unlock = Sitting(path, "2-unlock", "--unlock", *args, env=cluster.env)   # the lock a kill -9 leaves
    assert unlock.wait() == 0, unlock.output[-3000:]

    resumed = Sitting(path, "3-resumed", *args, env=cluster.env)
    resumed.wait()
    return {"path": path, "failed": failed, "failed_log": failed_log, "after_failure": after_failure,
            "killed": killed, "after_kill": after_kill, "resumed": resumed}


def test_a_failed_job_stops_the_run_naming_rule_and_log(sittings):
    failed = sittings["failed"]
    assert failed.process.returncode != 0, failed.output[-3000:]
    assert "Error in rule build_model" in failed.output and FAILED_LOG in failed.output, failed.output[-3000:]
    assert "no-such-activation" in sittings["failed_log"]


def test_the_rerun_redoes_nothing_that_was_finished(sittings):
    """After the failure and after the kill: every finished output is still the same file."""
    now = finished_outputs(sittings["path"])
    for before in ("after_failure", "after_kill"):
        redone = sorted(f for f, stamp in sittings[before].items() if now.get(f) != stamp)
        assert sittings[before] and not redone, f"finished {before.replace('_', ' ')}, then redone: {redone}"
    assert len(sittings["after_failure"]) < len(sittings["after_kill"]) < len(now)


def test_killed_mid_run_then_resumed(sittings):
    killed, resumed = sittings["killed"], sittings["resumed"]
    assert killed.process.returncode != 0 and killed.finished_jobs() >= KILL_AFTER_JOBS, killed.output[-3000:]
    assert resumed.process.returncode == 0, resumed.output[-3000:]


def test_every_target_is_built(sittings, cluster):
    path = sittings["path"]
    missing = [t for t in plan(path).targets() if not (path / t).is_file() or (path / t).stat().st_size == 0]
    assert not missing
    again = Sitting(path, "4-nothing-to-do", "-n", "--profile", str(PROFILE), env=cluster.env)
    assert again.wait() == 0 and "Nothing to be done" in again.output, again.output[-3000:]


LOCAL_MODELS = ("tiny-s", "tiny-gqa-s", "known")     # the smallest of each family (the most samples), and known


@pytest.fixture(scope="module")
def local(sittings, tmp_path_factory):
    """The same config run locally, as far as the deterministic outputs of LOCAL_MODELS (their
    pass@k CSVs)."""
    path = run_directory(tmp_path_factory.mktemp("offline"), "local")
    targets = [t for t in plan(path).targets()
               if t.endswith("pass_at_k.csv") and Path(t).parent.name in LOCAL_MODELS]
    run = Sitting(path, "local", "--cores", "2", *targets, env=dict(os.environ))
    assert run.wait() == 0, run.output[-3000:]
    return path


def test_metrics_equal_a_local_run(sittings, local):
    slurm = sittings["path"]
    csvs = sorted(f.relative_to(local) for f in (local / "results").rglob("pass_at_k.csv"))
    assert len(csvs) == len([run for run in plan(local).runs() if run.model in LOCAL_MODELS]) > 0
    known = pd.read_csv(local / "results" / known_benchmark()[0] / "known" / "pass_at_k.csv")
    assert (known["pass_at_k"] > 0).all() and (known["ci_low"] < known["ci_high"]).any()     # a real comparison
    for csv in csvs:
        assert (slurm / csv).read_bytes() == (local / csv).read_bytes(), csv
    for stage in ("generations", "executions"):
        for gathered in sorted((local / "results").rglob(f"{stage}.parquet")):
            name = gathered.relative_to(local)
            theirs, ours = (pd.read_parquet(p).drop(columns=MEASURED, errors="ignore")
                            for p in (slurm / name, gathered))
            pd.testing.assert_frame_equal(theirs, ours, obj=str(name))
