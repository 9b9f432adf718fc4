"""MBPP (Austin et al., 2021): the 500 test problems (task ids 11-510), 3-shot.

The prompt is the format of the Code Llama paper and lm-evaluation-harness: tasks 2, 3 and 4
as worked examples, each "You are an expert Python programmer, and here is your task: {text}
Your code should pass these tests:\\n\\n{tests}\\n[BEGIN]\\n{code}\\n[DONE]", joined by a blank
line, then the target problem up to "[BEGIN]\\n".  The model's code ends at "[DONE]".  The
program is the completion followed by test_setup_code and the three asserts of test_list.
"""

from __future__ import annotations

from .problem import Problem
from .records import RecordError, read_hub

HUB = "google-research-datasets/mbpp"
STOP = ("[DONE]",)
TEST_IDS = range(11, 511)
FEWSHOT_IDS = (2, 3, 4)
FIELDS = ("task_id", "text", "code", "test_list")


def hub_records(hub: str) -> list[dict]:
    # the "full" configuration split four ways; the prompt tasks 2-4 live in "prompt"
    return [r for split in ("train", "test", "validation", "prompt")
            for r in read_hub(hub, split=split, name="full")]


def known_size(difficulty: str | None = None) -> int:
    return len(TEST_IDS)


def task_text(record: dict) -> str:
    tests = "\n".join(record["test_list"])
    return (f"You are an expert Python programmer, and here is your task: {record['text']} "
            f"Your code should pass these tests:\n\n{tests}\n[BEGIN]\n")


def problems(records: list[dict], fewshot: list[dict] | None = None,
             difficulty: str | None = None) -> list[Problem]:
    by_id = {}
    for index, record in enumerate(records):
        missing = [f for f in FIELDS if f not in record]
        if missing:
            raise RecordError(f"MBPP record {index}: missing field(s) {', '.join(missing)}")
        by_id[int(record["task_id"])] = record
    absent = [i for i in FEWSHOT_IDS if i not in by_id]
    if absent:
        raise RecordError(f"MBPP records lack the few-shot tasks {absent}: use the full data set "
                          "(all 974 tasks, or all four splits of the hub's 'full' configuration)")
    shots = "".join(task_text(by_id[i]) + by_id[i]["code"] + "\n[DONE]\n\n" for i in FEWSHOT_IDS)
    out = []
    for task_id in TEST_IDS:
        record = by_id.get(task_id)
        if record is None:
            continue
        setup = record.get("test_setup_code") or ""
        out.append(Problem(
            task_id=f"Mbpp/{task_id}",
            prompt=shots + task_text(record),
            mode="assert",
            tests="\n" + setup + "\n" + "\n".join(record["test_list"]) + "\n",
            reference=record["code"],
            stop=STOP,
        ))
    if not out:
        raise RecordError("MBPP records hold none of the test tasks 11-510")
    return out
