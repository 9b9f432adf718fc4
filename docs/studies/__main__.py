"""python -m docs.studies [NAME [ARGS...]]: list the studies, or run one with its own arguments."""

from __future__ import annotations

import ast
import runpy
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def studies() -> dict[str, str]:
    """name -> the first line of its docstring (read from the source: listing imports nothing)."""
    return {path.stem: (ast.get_docstring(ast.parse(path.read_text())) or "").splitlines()[0]
            for path in sorted(HERE.glob("*.py")) if not path.stem.startswith("__")}


def main() -> int:
    known = studies()
    if len(sys.argv) < 2 or sys.argv[1] in ("-h", "--help"):
        print(__doc__.splitlines()[0])
        for name, description in known.items():
            print(f"  {name:22} {description}")
        return 0
    name = sys.argv[1]
    if name not in known:
        print(f"no study {name!r}; `python -m docs.studies` lists them", file=sys.stderr)
        return 2
    sys.argv = [f"python -m docs.studies {name}", *sys.argv[2:]]
    runpy.run_module(f"docs.studies.{name}", run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main())
