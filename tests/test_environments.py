"""Each job kind runs in the conda environment its rule names (envs/<ENV>.yaml, --use-conda):
what it imports is importable there, with every package the environment lacks blocked."""

from __future__ import annotations

import ast
import inspect
import re
import subprocess
import sys
import textwrap

import pytest
import tomllib
import yaml

from budget_realloc.jobs import KINDS
from conftest import REPO

# distribution names in envs/*.yaml -> the module they are imported as
IMPORT_NAMES = {"pyyaml": "yaml", "python": None, "pip": None}
BLOCKER = """
import importlib.abc, sys
class Blocked(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"{name} is not in this job's conda environment")
sys.meta_path.insert(0, Blocked())
"""


def environment(name: str) -> set[str]:
    spec = yaml.safe_load((REPO / "envs" / f"{name}.yaml").read_text())
    found = set()
    for item in spec["dependencies"]:
        for entry in item["pip"] if isinstance(item, dict) else [item]:
            dist = re.split(r"[<>=!\[ ]", entry, maxsplit=1)[0].lower()
            module = IMPORT_NAMES.get(dist, dist)
            if module:
                found.add(module)
    return found


def stage_modules(cls) -> set[str]:
    """The package modules a job's ``run`` imports (its imports are inside it, so only they load)."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(cls.run)))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = "budget_realloc" if node.level == 2 else "budget_realloc.jobs"
            module = f"{base}.{node.module}" if node.module else base
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names
                         if (REPO / "workflow" / module.replace(".", "/") / f"{alias.name}.py").exists())
    return found


ENVIRONMENTS = sorted({cls.ENV for cls in KINDS.values()})


def dependencies() -> set[str]:
    """The modules of every package the project depends on (pyproject.toml)."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    names = [re.split(r"[<>=!\[ ]", d, maxsplit=1)[0].lower() for d in project["dependencies"]]
    return {IMPORT_NAMES.get(n, n) for n in names} - {None}


@pytest.mark.parametrize("name", ENVIRONMENTS)
def test_every_job_imports_only_what_its_environment_holds(name):
    blocked = dependencies() - environment(name)
    modules = sorted({m for cls in KINDS.values() if cls.ENV == name for m in stage_modules(cls)})
    assert modules
    script = (f"BLOCKED = {sorted(blocked)!r}\n" + BLOCKER
              + "import importlib, budget_realloc.cli\n"
              + "".join(f"importlib.import_module({m!r})\n" for m in modules))
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         env={"PYTHONPATH": str(REPO / "workflow"), "PATH": "/usr/bin:/bin"})
    assert run.returncode == 0, f"envs/{name}.yaml: " + run.stderr.strip().splitlines()[-1]


def test_the_environments_hold_what_the_package_declares_for_them():
    """Every package an environment lists is a dependency of the project (pyproject.toml)."""
    declared = (REPO / "pyproject.toml").read_text()
    for name in ENVIRONMENTS:
        for module in environment(name):
            dist = {v: k for k, v in IMPORT_NAMES.items() if v}.get(module, module)
            assert f'"{dist}' in declared, (name, dist)
