"""How fast a bad config is rejected: `snakemake -n` on a config with an unknown key.

The workflow validates the config before it plans anything, so a typo costs the user the
start-up of Snakemake and no more.  This script times, in one run and alternating, with
the median of ``--repeats`` runs each:
- ours: `snakemake -n` on config/offline.yaml plus the key ``temprature`` (rejected);
- the floor: `snakemake --version`, Snakemake's own start-up, which no workflow can beat;
- the baseline: `snakemake -n` on the valid config/offline.yaml, the planning a check that
  ran later (in a rule, say) would make the user wait through before seeing the error.
Prints the three medians and the ratios; the result's ratio is the valid dry run over the rejection.  The issue asks for a rejection in under 2 s.

    python -m perf run config_rejection [--quick]     (--quick: 2 repeats)
    python -m perf.config_rejection [--repeats 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]


def seconds(arguments: list[str], expect_ok: bool) -> float:
    began = time.perf_counter()
    run = subprocess.run([sys.executable, "-m", "snakemake", *arguments], cwd=REPO, capture_output=True, text=True)
    elapsed = time.perf_counter() - began
    if (run.returncode == 0) != expect_ok:
        sys.exit(f"snakemake {' '.join(arguments)} exited {run.returncode}:\n{run.stdout}{run.stderr}")
    return elapsed


def compare(repeats: int) -> dict:
    config = yaml.safe_load((REPO / "config" / "offline.yaml").read_text())
    config["temprature"] = 0.7
    with tempfile.TemporaryDirectory() as scratch:
        bad = Path(scratch) / "bad.yaml"
        bad.write_text(yaml.safe_dump(config))
        runs = {"rejected (ours)": (["-n", "--nolock", "--configfile", str(bad)], False),
                "start-up floor": (["--version"], True),
                "valid dry run": (["-n", "--nolock"], True)}
        times: dict[str, list[float]] = {name: [] for name in runs}
        for _ in range(repeats):
            for name, (arguments, expect_ok) in runs.items():
                times[name].append(seconds(arguments, expect_ok))
    median = {name: statistics.median(values) for name, values in times.items()}
    for name, value in median.items():
        print(f"{name:>16}: {value:6.2f} s  (median of {repeats})")
    ours, floor, valid = median["rejected (ours)"], median["start-up floor"], median["valid dry run"]
    print(f"rejection / start-up floor = {ours / floor:.2f}x; valid dry run / rejection = {valid / ours:.2f}x; "
          f"under 2 s: {'yes' if ours < 2 else 'no'}")
    return {"ours": ours, "baseline": valid, "ratio": valid / ours, "units": "s (median)",
            "startup_floor": floor, "rejection_over_floor": ours / floor, "repeats": repeats}


def measure(quick: bool) -> dict:
    return compare(2 if quick else 5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    compare(**vars(parser.parse_args()))

if __name__ == "__main__":
    main()
