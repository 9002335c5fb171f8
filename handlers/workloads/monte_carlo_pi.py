"""monte-carlo-pi: estimate pi from random points in the unit square, the fraction inside the quarter circle times 4.

Shows a workload whose partial is not an exact number: each batch returns its estimate and its weight (the number of
samples), and partials combine as a weighted mean, associative up to floating-point rounding.

Reproducible: item i draws from `random.Random(f"{seed}:{i}")`. A string seed is hashed with SHA-512 by CPython, not
with the per-process string hash, so a given (seed, item) draws the same points in every process, whatever batch the
item lands in and however often it is retried.
"""

from __future__ import annotations

import math
import random
from typing import Any

from handlers.inputs import MAX_EXACT_INTEGER, integer, integer_items

NAME = "monte-carlo-pi"
DESCRIPTION = "Estimate pi by Monte Carlo sampling; each item draws samples_per_item points from its own stream."
OPTIONS = {
    "samples_per_item": "points drawn per item (default 100000, at most 10000000)",
    "seed": "integer seed of the random streams (default 0); the same seed gives the same estimate",
}
DEFAULT_SAMPLES_PER_ITEM = 100_000
# About 0.2 us per point on one Lambda vCPU: 10 million points is ~2 s per item, so a batch of 128 items still ends
# well inside the 900 s Lambda timeout.
MAX_SAMPLES_PER_ITEM = 10_000_000


def parse(size: int, options: dict[str, Any]) -> dict[str, Any]:
    samples = integer(
        "samples_per_item",
        options.get("samples_per_item", DEFAULT_SAMPLES_PER_ITEM),
        minimum=1,
        maximum=MAX_SAMPLES_PER_ITEM,
    )
    seed = integer("seed", options.get("seed", 0), minimum=0, maximum=MAX_EXACT_INTEGER)
    return {"size": size, "samples_per_item": samples, "seed": seed}


def items(params: dict[str, Any]) -> range:
    return range(params["size"])


def points_inside(seed: int, item: int, samples: int) -> int:
    """How many of item's `samples` points fall inside the quarter circle x^2 + y^2 <= 1."""
    draw = random.Random(f"{seed}:{item}").random
    inside = 0
    for _ in range(samples):
        x, y = draw(), draw()
        if x * x + y * y <= 1.0:
            inside += 1
    return inside


def compute(items: list[Any], params: dict[str, Any]) -> dict[str, Any]:
    indices = integer_items(items, minimum=0, maximum=params["size"] - 1)
    per_item = params["samples_per_item"]
    inside = sum(points_inside(params["seed"], index, per_item) for index in indices)
    samples = per_item * len(indices)
    return {"estimate": 4.0 * inside / samples, "samples": samples}


def combine(partials: list[dict[str, Any]]) -> dict[str, Any]:
    samples = sum(int(partial["samples"]) for partial in partials)
    weighted = math.fsum(float(partial["estimate"]) * int(partial["samples"]) for partial in partials)
    return {"estimate": weighted / samples, "samples": samples}


def present(partial: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    estimate, samples = float(partial["estimate"]), int(partial["samples"])
    inside_fraction = estimate / 4.0
    # Each point is a Bernoulli trial with p = pi/4; the estimate is 4 * (hits / samples).
    standard_error = 4.0 * math.sqrt(max(inside_fraction * (1.0 - inside_fraction), 0.0) / samples)
    return {"result": estimate, "standard_error": standard_error, "samples": samples}
