"""APPS (Hendrycks et al., 2021), test split, one difficulty per benchmark, 2-shot.

Prompt: two worked examples (``resources/prompts/apps_2shot.json``, one standard-input and one
call-based problem of our own writing, so no test problem leaks into the prompt), then the
target in the same format:

    QUESTION:\\n{question}\\n{starter_code}\\nUse Standard Input format|Use Call-Based format\\nANSWER:\\n```python\\n

The answer is the code up to the closing fence: stop sequences are "```" and "\\nQUESTION:"
(a model that starts another problem has finished this one).  The program is the import header
of the original APPS evaluation followed by the completion.  Problems with ``fn_name`` in their
tests are call-based (the function, or ``Solution().fn_name`` when the starter code defines a
class, is called with each input list); the others read stdin and print.  How outputs are
compared is documented in ``budget_realloc.execution.compare``.
"""

from __future__ import annotations

import json

from .problem import Problem
from .records import RecordError, read_hub

HUB = "codeparrot/apps"
STOP = ("```", "\nQUESTION:")
SIZES = {"introductory": 1000, "interview": 3000, "competition": 1000}
FIELDS = ("problem_id", "question", "input_output", "difficulty")

# The header the APPS evaluation (testing_util.py) puts before every program: starter code
# uses List/Tuple unimported, and many solutions lean on these names.
HEADER = (
    "import sys\nimport time\nimport itertools\n"
    "from itertools import accumulate, product, permutations, combinations\n"
    "import collections\nfrom collections import Counter, OrderedDict, deque, defaultdict, ChainMap\n"
    "from functools import lru_cache\nimport math\n"
    "from math import sqrt, sin, cos, tan, ceil, fabs, floor, gcd, exp, log, log2\n"
    "import fractions\nfrom typing import List, Tuple\nimport numpy as np\nimport random\n"
    "import heapq\nfrom heapq import *\n"
)


def hub_records(hub: str) -> list[dict]:
    # the hub repository keeps the split as plain JSON Lines next to a legacy loading script
    return read_hub("json", split="test", data_files={"test": f"hf://datasets/{hub}/test.jsonl"})


def known_size(difficulty: str | None = None) -> int:
    return SIZES[difficulty]


def task_text(question: str, starter_code: str, call_based: bool) -> str:
    text = f"QUESTION:\n{question.strip()}\n"
    if starter_code.strip():
        text += starter_code.rstrip() + "\n"
    text += "Use Call-Based format\n" if call_based else "Use Standard Input format\n"
    return text + "ANSWER:\n```python\n"


def fewshot_prefix(examples: list[dict]) -> str:
    return "".join(task_text(e["question"], e.get("starter_code", ""), bool(e.get("fn_name")))
                   + e["solution"].rstrip("\n") + "\n```\n\n" for e in examples)


def problems(records: list[dict], fewshot: list[dict] | None = None,
             difficulty: str | None = None) -> list[Problem]:
    prefix = fewshot_prefix(fewshot or [])
    out = []
    for index, record in enumerate(records):
        missing = [f for f in FIELDS if f not in record]
        if missing:
            raise RecordError(f"APPS record {index}: missing field(s) {', '.join(missing)}")
        if difficulty and record["difficulty"] != difficulty:
            continue
        try:
            cases = json.loads(record["input_output"])
            solutions = json.loads(record["solutions"]) if record.get("solutions") else []
        except json.JSONDecodeError as error:
            raise RecordError(f"APPS problem {record['problem_id']}: bad JSON ({error.msg})") from None
        fn_name = cases.get("fn_name") or ""
        out.append(Problem(
            task_id=f"APPS/{record['problem_id']}",
            prompt=prefix + task_text(record["question"], record.get("starter_code") or "", bool(fn_name)),
            mode="call" if fn_name else "stdio",
            head=HEADER,
            io=json.dumps({"inputs": cases["inputs"], "outputs": cases["outputs"]}),
            fn_name=fn_name,
            reference=solutions[0] if solutions else "",
            stop=STOP,
        ))
    out.sort(key=lambda p: int(p.task_id.split("/")[1]))
    return out
