"""The tests a prompt shows, as opposed to the tests a benchmark judges by.

A programmer with a prompt can run its examples before submitting; a policy that stops at the
first sample passing them stops on *visible* tests, and the benchmark's hidden tests judge what
it submitted (a sample may pass the one and fail the other).  What each benchmark shows:

- HumanEval: ``>>>`` doctests in the docstring (the expression, then its expected output on the
  following lines), and examples in prose: a call of the entry point followed by ``==``, ``➞``,
  ``=>``, ``->``, ``=``, ``returns``, ``should return``, ``# returns`` and the expected value.
  An example is used when its call parses, calls the entry point (prose: with literal
  arguments) and its expected value is a Python literal (prose ``true``/``false`` read as
  ``True``/``False``); every other example-like line is counted as not parsed.  Floats compare
  within 1e-6 relative, as a reader of the doctest would.
- APPS: the statement's sample input and output (``-----Examples-----`` with ``Input``/``Output``
  or ``Sample Input N:``/``Sample Output N:`` blocks, or ``-----Sample Input-----`` /
  ``-----Sample Output-----``; an output ends at its first blank line, where AtCoder's
  explanation begins), for standard-input problems; call-based problems show theirs in free
  prose and are counted as not parsed.  A problem with several right answers shows one: a
  right program may print another (the hidden tests of such problems have the same flaw).
- MBPP: the prompt shows the three asserts the benchmark judges by: visible = hidden.

A problem that shows no usable test rejects no program: every sample passes its visible tests.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, replace

from .humaneval import entry_point
from .problem import Problem

# the separators prose examples put between a call and its value, longest first
_SEPARATORS = ("should return", "# returns", "# =>", "returns", "==>", "==", "➞", "=>", "->", "=")
_PROSE_EXAMPLE = re.compile(r"^\s*(?:Input|Output)\b|the output should be", re.I)
# compares like a person reading the doctest: floats within a relative 1e-6, containers element-wise
_EQUAL = '''
def _visible_equal(got, expected):
    if isinstance(expected, float) or isinstance(got, float):
        return isinstance(got, (int, float)) and abs(got - expected) <= 1e-6 * max(1.0, abs(expected))
    if isinstance(expected, (list, tuple)) and type(got) is type(expected):
        return len(got) == len(expected) and all(_visible_equal(g, e) for g, e in zip(got, expected))
    return got == expected
'''


@dataclass(frozen=True)
class VisibleTests:
    """What one prompt shows: usable examples (HumanEval: a call and its expected value, as
    source; APPS: stdin and expected stdout; MBPP: each assert, and ""), the example-like lines
    that could not be used, and a note."""
    task_id: str
    examples: tuple[tuple[str, str], ...]
    unparsed: tuple[str, ...] = ()
    note: str = ""


def _literal(text: str):
    """``text`` as the source of a Python literal (or, failing that, the text before a ``#``
    comment or a ``, `` that starts a remark), else None."""
    for candidate in (text, text.split("#")[0], text.split(", ")[0]):
        candidate = candidate.strip().rstrip(".,;").strip()
        candidate = {"true": "True", "false": "False"}.get(candidate, candidate)
        try:
            ast.literal_eval(candidate)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            continue
        return ast.unparse(ast.parse(candidate, mode="eval"))      # without comments
    return None


def _calls(tree: ast.AST, name: str) -> bool:
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == name for n in ast.walk(tree))


def _doctests(lines: list[str], name: str) -> tuple[list[tuple[str, str]], list[str], set[int]]:
    """``>>>`` examples: (call, expected) pairs, lines not usable, and the line numbers consumed."""
    examples, unparsed, used = [], [], set()
    i = 0
    while i < len(lines):
        stripped = lines[i].strip()
        if not stripped.startswith(">>>"):
            i += 1
            continue
        source, start = stripped[3:].strip(), i
        i += 1
        while i < len(lines) and lines[i].strip().startswith("..."):
            source += "\n" + lines[i].strip()[3:].strip()
            i += 1
        expected = []
        while i < len(lines) and lines[i].strip() and not lines[i].strip().startswith(">>>") \
                and '"""' not in lines[i] and "'''" not in lines[i]:
            expected.append(lines[i].strip())
            i += 1
        used.update(range(start, i))
        try:
            tree = ast.parse(source, mode="eval")
        except SyntaxError:
            tree = None
        value = _literal(" ".join(expected)) if expected else None
        if tree is not None and not expected:
            body = tree.body
            if isinstance(body, ast.Compare) and len(body.ops) == 1 and isinstance(body.ops[0], ast.Eq):
                tree, value = body.left, _literal(ast.unparse(body.comparators[0]))     # ">>> f(x) == y"
            elif isinstance(body, ast.Call) and isinstance(body.func, ast.Name):
                value = "None"                  # doctest prints nothing for a call that returns None
        if tree is not None and _calls(tree, name) and value is not None:
            examples.append((ast.unparse(tree), value))
        else:
            unparsed.append(stripped)
    return examples, unparsed, used


def _call_at(line: str, start: int) -> int | None:
    """The index just past the call whose name begins at ``start`` (balanced parentheses)."""
    depth, quote = 0, None
    for i in range(line.index("(", start), len(line)):
        ch = line[i]
        if quote:
            quote = None if ch == quote and line[i - 1] != "\\" else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth == 0:
                return i + 1
    return None


def _prose(line: str, name: str, separators: tuple[str, ...] = _SEPARATORS) -> tuple[str, str] | None:
    """A prose example ``name(literal args) <separator> <literal>`` on one line, or None."""
    found = re.search(rf"(?<![\w.]){re.escape(name)}\s*\(", line)
    end = _call_at(line, found.start()) if found else None
    if end is None:
        return None
    call, rest = line[found.start():end], line[end:].strip()
    separator = next((s for s in separators if rest.startswith(s)), None)
    if separator is None:
        return None
    try:
        tree = ast.parse(call, mode="eval").body
    except SyntaxError:
        return None
    arguments = [*tree.args, *(k.value for k in tree.keywords)]
    if any(_literal(ast.unparse(a)) is None for a in arguments):
        return None
    value = _literal(rest[len(separator):])
    return (call, value) if value is not None else None


_FOR_INPUT = re.compile(r"^\s*For (\w+) = (.+?)\s+the output should be (.+)$")
_INPUT = re.compile(r"^\s*Input:\s*(.+)$")
_OUTPUT = re.compile(r"^\s*Output:\s*(.+)$")


def _parameters(problem: Problem, name: str) -> list[str]:
    """The entry point's parameter names, from the prompt (which ends in its docstring)."""
    try:
        tree = ast.parse(problem.prompt + "    pass\n")
    except SyntaxError:
        return []
    found = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == name]
    return [a.arg for a in found[0].args.args] if found else []


def _stated_call(name: str, parameters: list[str], text: str) -> str | None:
    """``name(...)`` from an input stated as ``p = v, q = w`` (names the function's) or as one
    literal for a one-parameter function; None where it is neither."""
    value = _literal(text)
    if value is not None and len(parameters) == 1:
        return f"{name}({value})"
    pieces = re.split(r",\s*(?=\w+\s*=)", text.strip())
    pairs = [piece.split("=", 1) for piece in pieces]
    if any(len(p) != 2 for p in pairs):
        return None
    named = {k.strip(): _literal(v) for k, v in pairs}
    if set(named) != set(parameters) or None in named.values():
        return None
    return f"{name}({', '.join(f'{k}={v}' for k, v in named.items())})"


def _stated(lines: list[str], number: int, name: str, parameters: list[str]) -> tuple[str, str] | None:
    """``For x = v the output should be y``, or an ``Input: ...`` line whose next line is
    ``Output: y``: one example, or None."""
    line = lines[number]
    if found := _FOR_INPUT.match(line):
        call = _stated_call(name, parameters, f"{found.group(1)} = {found.group(2)}")
        value = _literal(found.group(3))
    elif (found := _INPUT.match(line)) and number + 1 < len(lines) and (output := _OUTPUT.match(lines[number + 1])):
        call, value = _stated_call(name, parameters, found.group(1)), _literal(output.group(1))
    else:
        return None
    return (call, value) if call and value is not None else None


def humaneval_tests(problem: Problem) -> VisibleTests:
    name = entry_point(problem)
    parameters = _parameters(problem, name)
    lines = problem.prompt.splitlines()
    examples, unparsed, used = _doctests(lines, name)
    # a prompt that defines the function by an equation ("tri(n) = 1 + n / 2") writes its
    # recurrence's terms as "tri(1) = 3": there "=" does not introduce a returned value
    separators = tuple(s for s in _SEPARATORS if s != "=" or not re.search(rf"{re.escape(name)}\(\s*[a-z]\s*\)\s*=",
                                                                              problem.prompt))
    for number, line in enumerate(lines):
        if number in used or line.lstrip().startswith("def "):
            continue
        example = _prose(line, name, separators) or _stated(lines, number, name, parameters)
        if example:
            examples.append(example)
            used.add(number + 1 if _INPUT.match(line) else number)
        elif re.search(rf"(?<![\w.]){re.escape(name)}\s*\(", line) or _PROSE_EXAMPLE.search(line):
            unparsed.append(line.strip())
    return VisibleTests(problem.task_id, tuple(dict.fromkeys(examples)), tuple(unparsed))


_SAMPLE_PAIR = re.compile(r"-----\s*Sample Input[^-\n]*-----\n(.*?)\n\s*-----\s*Sample Output[^-\n]*-----\n(.*?)"
                          r"(?=\n\s*-----|\Z)", re.S)
_EXAMPLES = re.compile(r"-----\s*Examples?\s*-----\n(.*?)(?=\n\s*-----|\Z)", re.S)
_IN, _OUT = r"(?:Sample )?Input(?: \d+)?:?", r"(?:Sample )?Output(?: \d+)?:?"
_INPUT_OUTPUT = re.compile(rf"^{_IN}\s*\n(.*?)\n\s*{_OUT}\s*\n(.*?)(?=^\s*{_IN}\s*$|\Z)", re.S | re.M)


def apps_tests(problem: Problem) -> VisibleTests:
    """The sample cases (stdin, expected stdout) of a standard-input APPS problem's statement: the
    last question of its prompt (apps.task_text), after the few-shot ones."""
    question = problem.prompt[problem.prompt.rindex("QUESTION:\n"):problem.prompt.rindex("\nUse ")]
    if problem.mode != "stdio":
        return VisibleTests(problem.task_id, (), ("call-based: examples in prose",))
    pairs = _SAMPLE_PAIR.findall(question)
    for section in _EXAMPLES.findall(question):
        pairs += _INPUT_OUTPUT.findall(section)
    # an output ends at its first blank line: what follows explains it (AtCoder's statements)
    cases = tuple(dict.fromkeys((i.strip("\n") + "\n", o.strip().split("\n\n")[0] + "\n") for i, o in pairs
                                if o.strip()))
    return VisibleTests(problem.task_id, cases, () if cases else ("no sample input/output found",))


def mbpp_tests(problem: Problem) -> VisibleTests:
    asserts = tuple(line for line in problem.tests.splitlines() if line.startswith("assert"))
    return VisibleTests(problem.task_id, tuple((a, "") for a in asserts), (),
                        "MBPP's prompt shows the asserts it is judged by: visible = hidden")


def visible_problem(problem: Problem, tests: VisibleTests) -> Problem | None:
    """The problem judged by its visible tests instead of its own (None where it shows none)."""
    if not tests.examples:
        return None
    if problem.mode == "stdio":
        inputs, outputs = zip(*tests.examples)
        return replace(problem, io=json.dumps({"inputs": list(inputs), "outputs": list(outputs)}))
    if tests.note:                    # visible = hidden
        return problem
    asserts = "".join(f"assert _visible_equal({call}, {value}), {i}\n"
                      for i, (call, value) in enumerate(tests.examples))
    return replace(problem, tests=_EQUAL + asserts)


READERS = {"humaneval": humaneval_tests, "mbpp": mbpp_tests, "apps": apps_tests}


def visible_tests(kind: str, problems: list[Problem]) -> dict[str, VisibleTests]:
    """Every problem's visible tests, for a benchmark of ``kind`` (humaneval, mbpp, apps)."""
    if kind not in READERS:
        raise ValueError(f"no visible tests for benchmark kind {kind!r}")
    return {p.task_id: READERS[kind](p) for p in problems}
