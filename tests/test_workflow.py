"""The workflow end to end: every target of a small offline config, built by Snakemake."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from fractions import Fraction
from math import comb
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from conftest import REPO, samples_of_known_worth

pytestmark = pytest.mark.workflow


# the random tiny models solve nothing; "known" is a model made elsewhere whose samples are the
# reference solution on KNOWN_CORRECT of its KNOWN_N samples of each problem, so that the end-to-end
# checks compare real, non-zero results
KNOWN_N, KNOWN_CORRECT = 4, [4, 2, 1, 0]


def small_config(tmp: Path) -> dict:
    resources = REPO / "resources"
    minieval = str(resources / "benchmarks" / "minieval.jsonl")
    known = samples_of_known_worth(minieval, tmp / "known.jsonl", KNOWN_CORRECT, KNOWN_N)
    return {
        "device": "cpu",
        "tokenizer": {"vocab_size": 1024, "corpus_bytes": 300_000},
        "models": {
            "tiny-s": {"build": str(resources / "models" / "tiny-s.json"), "label": "tiny-S"},
            "tiny-m": {"build": str(resources / "models" / "tiny-m.json"), "label": "tiny-M"},
            "known": {"architecture": str(resources / "models" / "tiny-s.json"), "label": "known",
                      "costs": {"seconds_per_sample": 1.0, "source": "a stand-in"},
                      "samples": {"mini": {"format": "samples-jsonl", "files": str(known)}}},
            "verifier": {"build": str(resources / "models" / "tiny-verifier.json")},
        },
        "families": {"tiny": ["tiny-s", "tiny-m", "known"]},
        "benchmarks": {"mini": {"kind": "humaneval", "label": "MiniEval", "path": minieval, "limit": 4,
                                "shard_size": 2, "max_new_tokens": 12,
                                "n": {"tiny-s": 4, "tiny-m": 2, "known": None}}},   # known: what its file holds
        "generation": {"threads": 1},
        "execution": {"threads": 1, "timeout_s": 5},
        "costs": {"walltime_samples": 8, "walltime_new_tokens": 8, "walltime_batch_sizes": [4, 8],
                  "walltime_device": "cpu", "walltime_prompts": minieval},
        "budgets": {"log2_min": 0, "log2_max": 3},
        "ranking": {"generator": "tiny-s", "rankers": ["tiny-s", "tiny-m"], "benchmarks": ["mini"],
                    "verifier": {"model": "verifier", "benchmarks": ["mini"]}},
        "figures": {"fig2": {"benchmark": "mini", "family": "tiny"}},
        "policies": {"families": ["tiny"], "folds": 2, "seeds": [0]},
        "tables": {"table1": {"families": ["tiny"]},
                   "table2": {"benchmarks": ["mini"], "families": ["tiny"], "ks": [1, 2, 4]}},
    }


def snakemake(workdir: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "-d", str(workdir),
                           "--configfile", str(workdir / "config.yaml"), "--cores", "2", *args],
                          capture_output=True, text=True, env={**os.environ, "HF_HUB_OFFLINE": "1"})


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    workdir = tmp_path_factory.mktemp("workflow")
    (workdir / "config.yaml").write_text(yaml.safe_dump(small_config(workdir)))
    run = snakemake(workdir)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return workdir


def test_every_target_is_built(built):
    results = built / "results"
    for name in ("fig2", "fig8", "fig9"):
        for ext in ("pdf", "png"):
            assert (results / "figures" / f"{name}.{ext}").stat().st_size > 1000
    for name in ("table1", "table2"):
        for ext in ("csv", "md", "tex", "html"):
            assert (results / "tables" / f"{name}.{ext}").exists()
    generations = pd.read_parquet(results / "mini" / "tiny-s" / "sampled" / "generations.parquet")
    assert list(generations.columns[:6]) == ["task_id", "sample_id", "completion", "n_prompt_tokens",
                                             "n_new_tokens", "finished"]
    assert len(generations) == 4 * 4 and generations.groupby("task_id").size().eq(4).all()
    executions = pd.read_parquet(results / "mini" / "tiny-m" / "greedy" / "executions.parquet")
    assert set(executions["status"]) <= {"passed", "failed", "timeout", "error"} and len(executions) == 4
    table = pd.read_csv(results / "mini" / "tiny-s" / "pass_at_k.csv")
    assert set(table["decoding"]) == {"sampled", "greedy"} and table["k"].max() == 4
    assert ((table["ci_low"] <= table["pass_at_k"]) & (table["pass_at_k"] <= table["ci_high"])).all()
    crossover = pd.read_csv(results / "tables" / "crossover.csv")
    assert list(crossover.columns[:6]) == ["benchmark", "family", "budget_type", "budget", "models", "best"]
    assert set(crossover["benchmark"]) == {"mini"} and set(crossover["family"]) == {"tiny"}
    policies = pd.read_csv(results / "mini" / "policies-tiny.csv")
    assert {"fixed", "first-pass", "escalate", "mix"} <= set(policies["policy"])
    assert "best_policy" in crossover and crossover["best_policy"].notna().any()
    costs = pd.read_csv(results / "tables" / "table1.csv")
    assert costs["FLOPs (norm.)"].iloc[0] == 1 and costs["FLOPs (norm.)"].iloc[1] > 1


def test_a_model_of_known_worth_scores_what_it_is_worth(built):
    """pass@k of "known" is the unbiased estimator on its known counts, computed here in exact
    fractions; its band is a real interval around it; the family's curves and crossover carry it."""
    table = pd.read_csv(built / "results" / "mini" / "known" / "pass_at_k.csv").set_index("k")
    for k in range(1, KNOWN_N + 1):
        exact = sum(1 - Fraction(comb(KNOWN_N - c, k), comb(KNOWN_N, k)) for c in KNOWN_CORRECT) / len(KNOWN_CORRECT)
        assert table.loc[k, "pass_at_k"] == pytest.approx(float(exact), abs=1e-12), k
    assert table.loc[1, "pass_at_k"] == pytest.approx(7 / 16)
    assert ((table["ci_low"] < table["pass_at_k"]) & (table["pass_at_k"] < table["ci_high"])).any()
    budget = pd.read_csv(built / "results" / "mini" / "budget-tiny.csv")
    assert (budget.loc[budget["model"] == "known", "score"] > 0).any()
    crossover = pd.read_csv(built / "results" / "tables" / "crossover.csv")
    assert (crossover["best"] == "known").any()         # the only model that solves anything


def test_a_second_run_has_nothing_to_do(built):
    run = snakemake(built, "-n")
    assert run.returncode == 0 and "Nothing to be done" in run.stdout + run.stderr


def generation_job(workdir: Path) -> int | None:
    """The pid of a running generation job of the run in ``workdir``, if there is one."""
    for entry in os.listdir("/proc"):
        try:
            command = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
            if b"budget_realloc" in command and any(part.startswith(b'{"job": "generate"') for part in command) and \
                    os.readlink(f"/proc/{entry}/cwd") == str(workdir):
                return int(entry)
        except (OSError, ValueError):
            continue
    return None


def test_a_killed_generation_job_is_redone_to_the_same_result(built, tmp_path):
    """kill -9 a generation job mid-way: the run stops; the re-run finishes, with exactly n
    samples per task, identical to an uninterrupted run."""
    (tmp_path / "config.yaml").write_text((built / "config.yaml").read_text())
    runs = (("tiny-s", "sampled", 4), ("tiny-m", "sampled", 2), ("tiny-s", "greedy", 1))
    targets = [f"results/mini/{model}/{decoding}/generations.parquet" for model, decoding, _ in runs]
    command = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "-d", str(tmp_path),
               "--configfile", str(tmp_path / "config.yaml"), "--cores", "1", *targets]
    run = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           env={**os.environ, "HF_HUB_OFFLINE": "1"})
    deadline, victim = time.monotonic() + 300, None
    while victim is None and time.monotonic() < deadline and run.poll() is None:
        victim = generation_job(tmp_path)
        time.sleep(0.05)
    assert victim is not None, "no generation job was seen running"
    os.kill(victim, signal.SIGKILL)
    assert run.wait(timeout=300) != 0                 # the run reports the failed job and stops
    resumed = snakemake(tmp_path, *targets)
    assert resumed.returncode == 0, resumed.stdout[-3000:] + resumed.stderr[-3000:]
    for target, (_, _, n) in zip(targets, runs):
        again, first = pd.read_parquet(tmp_path / target), pd.read_parquet(built / target)
        assert again.groupby("task_id").size().eq(n).all() and len(again) == 4 * n
        pd.testing.assert_frame_equal(again.drop(columns="seconds"), first.drop(columns="seconds"))


PAPER_FLOPS_T = {"codellama-7b": 1.69, "codellama-13b": 3.29, "codellama-34b": 8.58, "codellama-70b": 17.60}


def test_table1_of_the_paper_config_offline(tmp_path):
    """Table 1 from the paper's config without network or GPU: calflops counts within 1% of the
    published FLOPs; the wall-time column says it was not measured rather than invent a number."""
    (tmp_path / "resources").symlink_to(REPO / "resources")
    run = subprocess.run([sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "-d", str(tmp_path),
                          "results/tables/table1.csv", "--configfile", str(REPO / "config" / "config.yaml"),
                          "--cores", "2"], capture_output=True, text=True,
                         env={**os.environ, "HF_HUB_OFFLINE": "1", "CUDA_VISIBLE_DEVICES": ""})
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    table = pd.read_csv(tmp_path / "results" / "tables" / "table1.csv").set_index("model")
    for model, published in PAPER_FLOPS_T.items():
        label = "Code Llama " + model.split("-")[1].upper()
        assert abs(float(table.loc[label, "FLOPs (T)"]) - published) / published < 0.01
        assert table.loc[label, "time per sample (s)"] == "not measured"
        assert "CUDA" in table.loc[label, "time source"]          # why: the profile needs the configured GPU


# ----------------------------------------------------------------------------- the report
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--hide-scrollbars"]
# Clicks through the report as a reader would: the Figures category, the budget figures, the eye
# button of Figure 2; then marks the page so the test can tell the clicks all happened.
OPEN_FIGURE = """<script>
function click(text) {   // the report's links (menu entries, buttons) are <a> elements
  const found = [...document.querySelectorAll("a")].find(a => a.textContent.trim() === text);
  if (!found) { throw new Error("no link reads " + text); }
  found.click();
}
function steps(actions) {
  if (!actions.length) { return; }
  setTimeout(() => {
    try { actions[0](); steps(actions.slice(1)); }
    catch (error) { document.body.dataset.opened = "error: " + error.message; }
  }, 400);
}
steps([
  () => click("Figures"),
  () => click("Budget: pass@k, pass_flops@f, pass_time@t"),
  () => [...document.querySelectorAll("tr")].find(r => r.textContent.includes("Figure 2")).querySelector("a").click(),
  () => { document.body.dataset.opened = document.querySelector("img[src^='data:image/png']") ? "figure" : "none"; },
]);
</script>"""


def chromium() -> str:
    """Debian's chromium, installed here if it is missing (the tests run as root in CI).  Skipped
    only where installing is impossible: no apt-get, or not root; a failed install fails."""
    found = shutil.which("chromium")
    if found is None:
        if shutil.which("apt-get") is None or os.geteuid() != 0:
            pytest.skip("chromium is not installed and apt-get cannot install it here (no apt-get, or not root)")
        install = "apt-get install -y chromium || (apt-get update && apt-get install -y chromium)"
        run = subprocess.run(["bash", "-c", install], capture_output=True, text=True,
                             env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
        found = shutil.which("chromium")
        assert found, f"could not install chromium: {run.stdout[-1500:]}{run.stderr[-1500:]}"
    return found


def headless(page: Path, tmp: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={tmp / 'profile'}",
                           "--virtual-time-budget=15000", "--window-size=1600,1000", *args, page.as_uri()],
                          capture_output=True, text=True, timeout=180)


@pytest.fixture(scope="module")
def report(built) -> Path:
    run = snakemake(built, "--report", "results/report.html")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return built / "results" / "report.html"


def report_data(report: Path, name: str):
    """One of the JSON blocks the report embeds: <script id="results"> var results = {...}; </script>."""
    text = report.read_text()
    start = text.index(f"var {name} =", text.index(f'<script id="{name}">'))
    body = text[start + len(f"var {name} ="):text.index("</script>", start)]
    return json.loads(body.strip().rstrip(";"))


def test_the_report_files_every_figure_and_table_under_a_category(report):
    results = {Path(path).name: entry for path, entry in report_data(report, "results").items()}
    filed = {Path(path).name: (category, sub) for category, subs in report_data(report, "categories").items()
             for sub, paths in subs.items() for path in paths}
    assert set(filed) == set(results) == {"fig2.png", "fig8.png", "fig9.png", "table1.html", "table2.html",
                                          "crossover.csv", "policies-mini-tiny.png"}
    assert filed["fig2.png"] == ("Figures", "Budget: pass@k, pass_flops@f, pass_time@t")
    assert filed["fig8.png"] == filed["fig9.png"] == ("Figures", "Ranking without unit tests")
    assert {filed[name][0] for name in ("table1.html", "table2.html", "crossover.csv")} == {"Tables"}
    figure = results["fig2.png"]
    assert figure["data_uri"].startswith("data:image/png;") and ";base64," in figure["data_uri"]
    assert "bootstrap" in figure["caption"] and "Hollow circles" in figure["caption"]
    assert figure["labels"] == {"figure": "Figure 2", "shows": "MiniEval (first 4 problems); tiny-S, tiny-M, known"}


def test_the_report_renders_a_figure_in_headless_chromium(report, tmp_path):
    from PIL import Image

    page = tmp_path / "report.html"
    head, body_end, tail = report.read_text().rpartition("</body>")    # the report's JS holds "</body>" too
    page.write_text(head + OPEN_FIGURE + body_end + tail)
    dom = headless(page, tmp_path, "--dump-dom")
    opened = re.search(r'data-opened="([^"]*)"', dom.stdout)
    assert opened and opened.group(1) == "figure", (opened and opened.group(1), dom.stderr[-2000:])
    shot = tmp_path / "report.png"
    run = headless(page, tmp_path, f"--screenshot={shot}")
    assert shot.exists(), run.stderr[-2000:]
    image = Image.open(shot).convert("RGB")
    colours = image.getcolors(maxcolors=1 << 20)
    assert image.size == (1600, 1000) and len(colours) > 200          # not blank: text, UI and a plot
    # the figure itself: the lines of its first two models in seaborn's "colorblind" blue and
    # orange, colours the report's own pages (menus, rule graph) do not use
    pixels = np.asarray(image, dtype=int)
    for colour in [(1, 115, 178), (222, 143, 5)]:
        near = np.abs(pixels - np.array(colour)).sum(axis=2) < 30
        assert near.sum() > 50, f"no pixel of the figure's colour {colour} in the screenshot"
