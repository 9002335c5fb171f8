"""One module per state kind, each holding the kind's definition checks (`FIELDS`, `check`) and its behaviour
(`run`): how AWS runs a Wait state is answered in hpc/engine/states/wait.py, and so on.

A kind module provides:
- `FIELDS`: the fields of this kind besides Type, Comment and QueryLanguage (anything else is refused, named);
- `check(state, where, states, checker)`: the kind's own definition checks (hpc.engine.validation checks the fields
  all kinds share first); `checker.machine(...)` checks a nested machine (a Parallel branch, a Map's processor);
- `run(interpreter, name, state, raw, execution, entered)`: (the next state's name or None, the state's output).
"""

from __future__ import annotations

from types import ModuleType

from hpc.engine.interpreter import Interpreter
from hpc.engine.states import choice, fail, map_state, parallel, pass_state, succeed, task, wait

KINDS: dict[str, ModuleType] = {
    "Task": task,
    "Pass": pass_state,
    "Choice": choice,
    "Wait": wait,
    "Parallel": parallel,
    "Map": map_state,
    "Succeed": succeed,
    "Fail": fail,
}
Interpreter.kinds = KINDS
