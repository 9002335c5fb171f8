"""sum-squares: the sum of i*i over items 0..size-1, exact. A trivial workload for testing scale and plumbing.

Its answer has a closed form, (size-1) * size * (2*size-1) / 6, so a run of any size can be checked without trusting
the pipeline; each item costs next to nothing, so what is measured is the machinery around it.
"""

from __future__ import annotations

import sys
from typing import Any

from handlers.inputs import integer_items

sys.set_int_max_str_digits(0)  # partials are small, but combine() must accept whatever a partial holds

NAME = "sum-squares"
DESCRIPTION = "Sum of i*i for i in 0..size-1 (a trivial workload for scale tests; closed form (n-1)n(2n-1)/6)."
OPTIONS: dict[str, str] = {}


def parse(size: int, options: dict[str, Any]) -> dict[str, Any]:
    return {"size": size}


def items(params: dict[str, Any]) -> range:
    return range(params["size"])


def compute(items: list[Any], params: dict[str, Any]) -> str:
    values = integer_items(items, minimum=0, maximum=params["size"] - 1)
    return str(sum(value * value for value in values))


def combine(partials: list[str]) -> str:
    return str(sum(int(partial) for partial in partials))


def present(partial: str, params: dict[str, Any]) -> dict[str, Any]:
    return {"result": partial}
