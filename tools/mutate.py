"""Mutation testing of the core files: do the tests fail when the code changes? `python -m tools.mutate --help`.

Each mutant changes one point of one file: a comparison flipped (`<` to `<=`, `==` to `!=`, `in` to `not in`), an
integer constant +1 or -1, a boolean constant negated, `and` swapped with `or`, a `not` dropped, one statement deleted
(replaced by `pass`), one argument of a call dropped, or a returned value replaced by None. Every candidate of a file is
enumerated in source order and N are sampled evenly along it, so a run is the same run until the code changes. Each
mutant is spliced into a private copy of the repository (never the work tree), and only the tests relevant to that
file (TARGETS) run against it, under `nice`, with pytest's per-test timeout lowered and a limit on the whole run:
  caught    the tests failed (or could not import the mutated code);
  timeout   the tests hung: the per-test timeout or the run's limit stopped them, which CI would report too;
  survived  the tests passed: a behaviour no test pins, unless the mutant is listed in EQUIVALENT with the reason it
            cannot change any behaviour.
The score of a file is (caught + timeout) / (sampled - equivalent).

Why a script and not mutmut or cosmic-ray (both tried on this layout): mutmut 3 mutates through trampolines in a copied
tree and picks each mutant's tests from a trace of the pytest process, so code that runs only in the engine's forked
workers (the Map's whole child execution) is reported as "no tests": 163 of its first 563 mutants of the Map. Neither
tool samples (mutmut made 1,060 mutants of the Map and ResultWriter, more than an hour on a shared 2-core machine), and
neither deletes statements, drops arguments or replaces returns, the mutants that found this suite's worst gaps
(a deleted `raise` let a failed Map succeed with `[]`; deleting the sum's periodic combine survived every test).
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import copy
import importlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tools.mutation_targets import EQUIVALENT, TARGETS

REPO = Path(__file__).resolve().parents[1]
RECORD = REPO / "docs" / "mutation.md"
RESULTS = REPO / "docs" / "mutation.json"  # every file's last result, so that rerunning one file updates its row
BEGIN, END = "<!-- mutation-scores:begin -->", "<!-- mutation-scores:end -->"
TEST_TIMEOUT_SECONDS = 20  # per test, for a mutant: a loop is found quickly (the suite's own timeout is 90 s)
# Deleting a definition or an import only raises NameError where it is used: noise, not a question to the tests.
UNDELETABLE = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)
# Builtins whose every argument is required: dropping one is a TypeError wherever the line runs, which says nothing.
FIXED_ARITY = frozenset({"isinstance", "issubclass", "len", "getattr", "hasattr", "type", "repr", "callable", "id"})
COMPARISON_FLIPS = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}


@dataclass(frozen=True)
class Mutant:
    path: str  # relative to the repository
    line: int
    where: str  # the enclosing function or class, for reading the report
    original: str
    mutated: str
    context: str  # the source line the mutation starts on
    text: str  # the whole mutated file

    @property
    def name(self) -> str:
        """Stable across edits elsewhere in the file: names EQUIVALENT entries."""
        where = "" if self.context.startswith(self.original[:40]) else f" in `{self.context}`"
        return f"{self.path}::{self.where} `{self.original}` -> `{self.mutated}`{where}"


# ---- making mutants ----


def candidates(path: str, source: str) -> list[Mutant]:
    """Every single-point mutant of the file, in source order; those that do not compile are left out."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    found: list[Mutant] = []
    declarations = {id(node) for cls in ast.walk(tree) if _is_protocol(cls) for node in ast.walk(cls)}
    for node, where, replacement in _mutations(tree):
        if id(node) in declarations:
            continue  # a Protocol only declares an interface for the type checker: nothing in it runs
        start = offsets[node.lineno - 1] + _column(lines[node.lineno - 1], node.col_offset)
        end_line, end_column = node.end_lineno or node.lineno, node.end_col_offset or 0
        end = offsets[end_line - 1] + _column(lines[end_line - 1], end_column)
        original = source[start:end]
        text = source[:start] + replacement + source[end:]
        try:
            compile(text, path, "exec")
        except SyntaxError:
            continue
        context = _one_line(lines[node.lineno - 1])
        found.append(Mutant(path, node.lineno, where, _one_line(original), _one_line(replacement), context, text))
    return found


def _column(line: str, byte_offset: int) -> int:
    return len(line.encode()[:byte_offset].decode())


def _one_line(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= 80 else flat[:77] + "..."


def _mutations(tree: ast.Module) -> Iterator[tuple[ast.stmt | ast.expr, str, str]]:
    """(node to replace, enclosing definition, replacement text) for every mutation point, in source order."""
    for node, where in _walk(tree, "<module>"):
        if isinstance(node, ast.stmt) and not _is_docstring(node) and not isinstance(node, ast.Pass):
            if not isinstance(node, UNDELETABLE):
                yield node, where, "pass"
            if isinstance(node, ast.Return) and node.value is not None and not _is_none(node.value):
                yield node, where, "return None"
        elif isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in COMPARISON_FLIPS:
            flipped = copy.copy(node)
            flipped.ops = [COMPARISON_FLIPS[type(node.ops[0])]()]
            yield node, where, ast.unparse(flipped)
        elif isinstance(node, ast.Constant) and isinstance(node.value, bool):
            yield node, where, repr(not node.value)
        elif isinstance(node, ast.Constant) and isinstance(node.value, int):
            yield node, where, repr(node.value + 1)
            yield node, where, f"({node.value - 1})"
        elif isinstance(node, ast.BoolOp):
            swapped = copy.copy(node)
            swapped.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
            yield node, where, f"({ast.unparse(swapped)})"
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            yield node, where, f"({ast.unparse(node.operand)})"
        elif isinstance(node, ast.Call) and not (isinstance(node.func, ast.Name) and node.func.id in FIXED_ARITY):
            for index in range(len(node.args)):
                if not isinstance(node.args[index], ast.Starred):
                    dropped = copy.copy(node)
                    dropped.args = node.args[:index] + node.args[index + 1 :]
                    yield node, where, ast.unparse(dropped)
            for index in range(len(node.keywords)):
                dropped = copy.copy(node)
                dropped.keywords = node.keywords[:index] + node.keywords[index + 1 :]
                yield node, where, ast.unparse(dropped)


def _walk(node: ast.AST, where: str) -> Iterator[tuple[ast.AST, str]]:
    for field, value in ast.iter_fields(node):
        if field in ("annotation", "returns"):
            continue  # annotations change no behaviour (`from __future__ import annotations`)
        for child in value if isinstance(value, list) else [value]:
            if isinstance(child, ast.AST):
                named = isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
                inner = f"{where}.{getattr(child, 'name', '')}" if named else where
                yield child, inner.removeprefix("<module>.")
                yield from _walk(child, inner)


def _is_protocol(node: ast.AST) -> bool:
    return isinstance(node, ast.ClassDef) and any(ast.unparse(base).endswith("Protocol") for base in node.bases)


def _is_docstring(node: ast.stmt) -> bool:
    """A docstring, or the `...` body of a Protocol method: statements that do nothing to delete."""
    is_constant = isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    return is_constant and (isinstance(node.value.value, str) or node.value.value is Ellipsis)  # type: ignore[attr-defined]


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def sample(mutants: list[Mutant], count: int) -> list[Mutant]:
    """`count` mutants spread evenly along the file (all of them when there are fewer)."""
    if len(mutants) <= count:
        return mutants
    return [mutants[(index * len(mutants)) // count] for index in range(count)]


# ---- running them ----


def private_copy() -> Path:
    """The repository's tracked files (as they are in the work tree) in a temporary directory."""
    root = Path(tempfile.mkdtemp(prefix="hpc-mutate-"))
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    for name in tracked.decode().split("\0"):
        if name and (REPO / name).is_file():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, root / name)
    if (REPO / "node_modules").exists():
        (root / "node_modules").symlink_to(REPO / "node_modules")
    return root


PROJECT_PACKAGES = ("hpc", "asl", "handlers", "infra", "benchmarks", "tests")
# Imported once here, so that each mutant's forked pytest starts warm: a fresh `python -m pytest` spends most of a
# mutant's time importing these on a loaded machine. The project's own modules are never imported in this process.
WARM_IMPORTS = ("pytest", "boto3", "botocore.client", "moto", "hypothesis", "jsonpath_ng", "yaml", "pulumi")


def warm_up() -> None:
    for name in WARM_IMPORTS:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)


def run_tests(root: Path, tests: list[str], limit: float) -> tuple[str, float]:
    """("passed" | "failed" | "timeout" | "no tests", seconds) for the tests against the copy at `root`, run by
    pytest in a forked child of this process, in its own process group (killed whole at the limit)."""
    log = root.parent / f"{root.name}.log"
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:  # the child: becomes the pytest run
        try:
            os.setpgid(0, 0)
            os.nice(10)
            _pytest_in_copy(root, tests, log)
        finally:
            os._exit(3)
    code: int | None = None
    while code is None and time.monotonic() - started < limit:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            code = os.waitstatus_to_exitcode(status)
        else:
            time.sleep(0.05)
    elapsed = time.monotonic() - started
    if code is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        return "timeout", elapsed
    output = log.read_text(errors="replace")
    if code == 0:
        return "passed", elapsed
    if code == 5:
        return "no tests", elapsed
    return ("timeout" if "+ Timeout +" in output else "failed"), elapsed  # pytest-timeout's banner


def _pytest_in_copy(root: Path, tests: list[str], log: Path) -> None:
    """Run pytest on `tests` with the copy's modules first on every path: this process's, and (PYTHONPATH) that of
    every process the tests start (`python -m hpc.cli`); forked workers inherit this one's."""
    import pytest

    os.chdir(root)
    os.environ["PYTHONPATH"] = str(root)
    os.environ["PYTHONDONTWRITEBYTECODE"] = "1"
    sys.dont_write_bytecode = True  # a cached .pyc of one mutant must never stand in for the next (same size, second)
    os.environ.pop("HPC_LOCAL_STORE", None)
    sys.path[:] = [str(root), *(entry for entry in sys.path if Path(entry or ".").resolve() != REPO)]
    for name in list(sys.modules):
        if name.split(".")[0] in PROJECT_PACKAGES:
            del sys.modules[name]
    descriptor = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    os.dup2(descriptor, 1)
    os.dup2(descriptor, 2)
    arguments = ["-x", "-q", "-p", "no:cacheprovider", "-o", f"timeout={TEST_TIMEOUT_SECONDS}", *tests]
    code = pytest.main(arguments)
    sys.stdout.flush()
    os._exit(int(code))


@dataclass
class Score:
    path: str
    candidates: int
    caught: int = 0
    timeout: int = 0
    survived: list[Mutant] | None = None
    equivalent: list[Mutant] | None = None
    broken: bool = False  # its tests failed without a mutant: no score

    @property
    def sampled(self) -> int:
        return self.caught + self.timeout + len(self.survived or []) + len(self.equivalent or [])

    @property
    def percent(self) -> float:
        judged = self.sampled - len(self.equivalent or [])
        return 100.0 * (self.caught + self.timeout) / judged if judged else 100.0


def mutate_file(root: Path, path: str, per_file: int, *, verbose: bool) -> Score:
    tests = TARGETS[path]
    original = (root / path).read_text()
    everything = candidates(path, original)
    chosen = sample(everything, per_file)
    score = Score(path, len(everything), survived=[], equivalent=[])
    for _ in range(2):  # a second chance: a loaded machine can fail a timing-sensitive test once
        status, baseline = run_tests(root, tests, limit=600)
        if status == "passed":
            break
    else:
        tail = Path(f"{root}.log").read_text(errors="replace")[-2000:]
        print(f"{path}: its tests {' '.join(tests)} fail unmutated ({status}): not scored\n{tail}", flush=True)
        score.broken = True
        return score
    limit = max(60.0, 10 * baseline)
    try:
        for number, mutant in enumerate(chosen, 1):
            (root / path).write_text(mutant.text)
            status, _ = run_tests(root, tests, limit)
            if status == "passed" or status == "no tests":
                (score.equivalent if mutant.name in EQUIVALENT else score.survived).append(mutant)  # type: ignore[union-attr]
            elif status == "timeout":
                score.timeout += 1
            else:
                score.caught += 1
            if verbose:
                print(f"  [{number}/{len(chosen)}] {status:8} line {mutant.line}: {mutant.name}", flush=True)
    finally:
        (root / path).write_text(original)
    return score


# ---- reporting ----


def entry(score: Score, per_file: int) -> dict[str, object]:
    """A file's result as recorded in docs/mutation.json."""
    return {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "per_file": per_file,
        "candidates": score.candidates,
        "broken": score.broken,
        "caught": score.caught,
        "timeout": score.timeout,
        "survived": [f"line {m.line}: {m.name}" for m in score.survived or []],
        "equivalent": [f"line {m.line}: {m.name} -- {EQUIVALENT[m.name]}" for m in score.equivalent or []],
    }


def report(results: dict[str, dict[str, Any]]) -> str:
    """The table of every recorded file, then the survivors and the equivalent mutants by name."""
    rows = [
        "| file | scored | candidates | sampled | caught | timeout | survived | equivalent | score |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    judged_total = killed_total = 0
    for path, r in results.items():
        if r["broken"]:
            rows.append(
                f"| `{path}` | {r['date']} | {r['candidates']} | - | - | - | - | - | its tests failed unmutated |"
            )
            continue
        killed, survived, equivalent = r["caught"] + r["timeout"], len(r["survived"]), len(r["equivalent"])
        judged = killed + survived
        judged_total, killed_total = judged_total + judged, killed_total + killed
        percent = 100.0 * killed / judged if judged else 100.0
        rows.append(
            f"| `{path}` | {r['date']} | {r['candidates']} | {judged + equivalent} | {r['caught']} | {r['timeout']} "
            f"| {survived} | {equivalent} | {percent:.1f}% |"
        )
    overall = 100.0 * killed_total / judged_total if judged_total else 100.0
    lines = [*rows, "", f"All files: {killed_total} of {judged_total} non-equivalent mutants caught, {overall:.1f}%."]
    survivors = [line for r in results.values() for line in r["survived"]]
    equivalents = [line for r in results.values() for line in r["equivalent"]]
    lines += ["", "Survivors (behaviours no test pins yet):", ""] + [f"- {line}" for line in survivors or ["none"]]
    lines += [
        "",
        "Equivalent mutants in the samples (no behaviour can tell them apart from the original), and why:",
        "",
    ]
    lines += [f"- {line}" for line in equivalents or ["none"]]
    return "\n".join(lines) + "\n"


def record(scores: list[Score], per_file: int) -> str:
    """Merge these files' results into docs/mutation.json and rewrite the scores section of docs/mutation.md."""
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results.update({score.path: entry(score, per_file) for score in scores})
    results = {path: results[path] for path in TARGETS if path in results}
    RESULTS.write_text(json.dumps(results, indent=1) + "\n")
    text = report(results)
    document = RECORD.read_text()
    head, rest = document.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    RECORD.write_text(f"{head}{BEGIN}\n{text}{END}{tail}")
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.mutate", description=__doc__.split("\n")[0])
    parser.add_argument("files", nargs="*", help=f"core files to mutate (default: all {len(TARGETS)} in TARGETS)")
    parser.add_argument("--per-file", type=int, default=30, help="mutants sampled per file (default 30)")
    parser.add_argument("--list", action="store_true", help="print the sampled mutants without running them")
    parser.add_argument(
        "--record", action="store_true", help=f"merge the scores into {RESULTS.name} and {RECORD.relative_to(REPO)}"
    )
    parser.add_argument("--quiet", action="store_true", help="print only the final report")
    options = parser.parse_args(argv)
    unknown = [path for path in options.files if path not in TARGETS]
    if unknown:
        parser.error(f"no tests are mapped for {', '.join(unknown)} (tools/mutation_targets.py TARGETS)")
    files = options.files or list(TARGETS)
    if options.list:
        for path in files:
            for mutant in sample(candidates(path, (REPO / path).read_text()), options.per_file):
                print(f"line {mutant.line}: {mutant.name}")
        return 0
    warm_up()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that `finally` removes the copy
    root = private_copy()
    try:
        scores = []
        for path in files:
            if not options.quiet:
                print(f"{path}: tests {' '.join(TARGETS[path])}", flush=True)
            scores.append(mutate_file(root, path, options.per_file, verbose=not options.quiet))
    finally:
        shutil.rmtree(root, ignore_errors=True)
        Path(f"{root}.log").unlink(missing_ok=True)
    if options.record:
        print(record(scores, options.per_file))
    else:
        print(report({score.path: entry(score, options.per_file) for score in scores}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
