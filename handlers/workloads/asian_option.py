"""asian-option: Monte Carlo price of an arithmetic-average Asian call under Black-Scholes, simulated with numpy.

The option pays max(A - K, 0) at maturity T, where A is the mean of the price at `fixings` equally spaced dates
t_i = i T / n, i = 1..n, and the price follows geometric Brownian motion at the risk-free rate. A has no closed-form
distribution; the geometric mean G of the same fixings is lognormal, so a call on G has one (Kemna & Vorst 1990), and
it serves as control variate: price = mean(Y) - b (mean(Z) - E[Z]), Y and Z the discounted arithmetic and geometric
payoffs of the same paths, b = Cov(Y, Z) / Var(Z) from those paths. On typical parameters this cuts the variance by
two to three orders of magnitude, for the cost of one more mean per path.

An item is a block of `paths_per_item` paths drawn from its own stream: numpy's SeedSequence(seed, spawn_key=(i,)),
the i-th child that SeedSequence(seed).spawn() gives, so item i draws the same paths in whatever batch it lands. A
partial holds the exact sums of Y, Y^2, Z, Z^2 and YZ as integers in units of 2^-1074 (every double is a whole number
of those), written in hexadecimal: combining is integer addition, so the price is the same to the last bit however
the items were batched, and the variances are computed from exact sums, free of the cancellation that sums of
squares suffer in floating point.

`"kernel": "python"` runs the same simulation in pure Python (random.Random(f"{seed}:{item}").gauss draws, so other
paths, the same estimator): the reference the numpy kernel is checked and benchmarked against.
"""

from __future__ import annotations

import math
import random
from typing import Any

from handlers.errors import InvalidInput
from handlers.inputs import MAX_EXACT_INTEGER, integer, integer_items, number

NAME = "asian-option"
DESCRIPTION = "Monte Carlo price of an arithmetic-average Asian call with a geometric control variate (numpy)."
REQUIREMENTS = ["numpy==2.4.6"]  # the newest numpy with wheels for both python3.13 arm64 (Lambda) and Python 3.11
OPTIONS = {
    "spot": "price of the underlying today (default 100)",
    "strike": "strike price K (default 100)",
    "rate": "continuously compounded risk-free rate per year (default 0.05)",
    "volatility": "annual volatility sigma (default 0.2)",
    "maturity": "years to maturity T (default 1)",
    "fixings": "equally spaced averaging dates up to T (default 12: monthly for a year)",
    "paths_per_item": "simulated paths per item (default 10000, at least 100)",
    "seed": "integer seed of the random streams (default 0); the same seed gives the same price",
    "kernel": '"numpy" (default) or "python": the same simulation in pure Python, the reference for tests',
}
DEFAULTS = {
    "spot": 100.0,
    "strike": 100.0,
    "rate": 0.05,
    "volatility": 0.2,
    "maturity": 1.0,
    "fixings": 12,
    "paths_per_item": 10_000,
    "seed": 0,
    "kernel": "numpy",
}
KERNELS = ("numpy", "python")
MAX_FIXINGS = 10_000
MAX_PATHS_PER_ITEM = 1_000_000
# Normal draws per item: ~0.5 s of numpy on one Lambda vCPU, so a batch of 128 items stays far inside 900 s.
MAX_DRAWS_PER_ITEM = 50_000_000
CHUNK_DRAWS = 1 << 18  # paths are simulated in blocks of this many draws (2 MiB of doubles): bounded memory
SUMS = ("y", "yy", "z", "zz", "yz")
UNIT = 2**1074  # 2^-1074 is the smallest double: every double is an integer number of these


def parse(size: int, options: dict[str, Any]) -> dict[str, Any]:
    given = {**DEFAULTS, **options}
    params: dict[str, Any] = {
        "size": size,
        "spot": number("spot", given["spot"], minimum=0.0, maximum=1e9, above_minimum=True),
        "strike": number("strike", given["strike"], minimum=0.0, maximum=1e9),
        "rate": number("rate", given["rate"], minimum=-0.5, maximum=1.0),
        "volatility": number("volatility", given["volatility"], minimum=0.0, maximum=3.0, above_minimum=True),
        "maturity": number("maturity", given["maturity"], minimum=0.0, maximum=50.0, above_minimum=True),
        "fixings": integer("fixings", given["fixings"], minimum=1, maximum=MAX_FIXINGS),
        "paths_per_item": integer("paths_per_item", given["paths_per_item"], minimum=100, maximum=MAX_PATHS_PER_ITEM),
        "seed": integer("seed", given["seed"], minimum=0, maximum=MAX_EXACT_INTEGER),
        "kernel": given["kernel"],
    }
    if params["kernel"] not in KERNELS:
        raise InvalidInput(f"kernel must be one of {', '.join(map(repr, KERNELS))}, got {params['kernel']!r}")
    draws = params["fixings"] * params["paths_per_item"]
    if draws > MAX_DRAWS_PER_ITEM:
        raise InvalidInput(
            f"fixings x paths_per_item is {draws:,} normal draws per item, above {MAX_DRAWS_PER_ITEM:,}; "
            "use fewer paths per item and more items"
        )
    return params


def items(params: dict[str, Any]) -> range:
    return range(params["size"])


def compute(items: list[Any], params: dict[str, Any]) -> dict[str, Any]:
    indices = integer_items(items, minimum=0, maximum=params["size"] - 1)
    simulate = numpy_sums if params["kernel"] == "numpy" else python_sums
    totals = dict.fromkeys(SUMS, 0)
    for index in indices:
        for key, value in zip(SUMS, simulate(params, index), strict=True):
            totals[key] += exact(value)
    return {"paths": params["paths_per_item"] * len(indices), **{key: hex(total) for key, total in totals.items()}}


def combine(partials: list[dict[str, Any]]) -> dict[str, Any]:
    combined: dict[str, Any] = {"paths": sum(int(partial["paths"]) for partial in partials)}
    for key in SUMS:
        combined[key] = hex(sum(int(partial[key], 16) for partial in partials))
    return combined


def present(partial: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    from fractions import Fraction  # here: the registry imports every workload at each `hpc run`

    paths = int(partial["paths"])
    s = {key: Fraction(int(partial[key], 16), UNIT) for key in SUMS}
    # Centred sums of squares and products, exact: n Var and n Cov of the sample.
    syy = s["yy"] - s["y"] ** 2 / paths
    szz = s["zz"] - s["z"] ** 2 / paths
    syz = s["yz"] - s["y"] * s["z"] / paths
    mean_y, mean_z = s["y"] / paths, s["z"] / paths
    expected_z = Fraction(geometric_asian_call(**_market(params), fixings=params["fixings"]))
    slope = syz / szz if szz else Fraction(0)  # every geometric payoff equal (e.g. all zero): nothing to correct
    price = mean_y - slope * (mean_z - expected_z)
    residual = (syy - slope * syz) / (paths - 2)  # variance of Y - b Z; two degrees of freedom spent on means and b
    return {
        "result": float(price),
        "standard_error": math.sqrt(max(residual, Fraction(0)) / paths),
        "paths": paths,
        "plain_result": float(mean_y),
        "plain_standard_error": math.sqrt(syy / (paths - 1) / paths),
        "geometric_result": float(expected_z),
        "geometric_estimate": float(mean_z),
        "geometric_standard_error": math.sqrt(szz / (paths - 1) / paths),
    }


def exact(value: float) -> int:
    """A finite double as an exact integer number of 2^-1074."""
    if not math.isfinite(value):
        raise InvalidInput(f"the simulation overflowed ({value}); use a smaller volatility, maturity or spot")
    numerator, denominator = value.as_integer_ratio()  # the denominator is a power of two, at most 2^1074
    return numerator * (UNIT // denominator)


def geometric_asian_call(
    *, spot: float, strike: float, rate: float, volatility: float, maturity: float, fixings: int | None
) -> float:
    """Price of a call on the geometric mean of the fixings t_i = i T / n (continuous averaging when n is None).

    log G is normal with mean log S + (r - sigma^2/2) T (n+1)/(2n) and variance sigma^2 T (n+1)(2n+1)/(6 n^2), whose
    limits for n -> infinity are T/2 and T/3: a Black-Scholes formula on that normal.
    """
    time_weight, variance_weight = (0.5, 1 / 3) if fixings is None else _fixing_weights(fixings)
    mean = math.log(spot) + (rate - volatility**2 / 2) * maturity * time_weight
    deviation = volatility * math.sqrt(maturity * variance_weight)
    forward = math.exp(mean + deviation**2 / 2)  # E[G]
    if strike == 0:
        return math.exp(-rate * maturity) * forward
    d2 = (mean - math.log(strike)) / deviation
    return math.exp(-rate * maturity) * (forward * _normal_cdf(d2 + deviation) - strike * _normal_cdf(d2))


def numpy_sums(params: dict[str, Any], item: int) -> list[float]:
    """Sums of Y, Y^2, Z, Z^2, YZ over item's block of paths, simulated in chunks of CHUNK_DRAWS normal draws."""
    import numpy as np  # from the stack's Lambda layer; the start and sum functions never import it

    fixings, drift, scale, discount = _step(params)
    generator = np.random.Generator(np.random.PCG64(np.random.SeedSequence(params["seed"], spawn_key=(item,))))
    totals = [0.0] * len(SUMS)
    remaining = params["paths_per_item"]
    while remaining:
        rows = min(remaining, max(1, CHUNK_DRAWS // fixings))
        remaining -= rows
        log_paths = generator.standard_normal((rows, fixings))  # log(S_t / S_0) after cumsum, in place
        log_paths *= scale
        log_paths += drift
        np.cumsum(log_paths, axis=1, out=log_paths)
        geometric = params["spot"] * np.exp(log_paths.mean(axis=1))
        np.exp(log_paths, out=log_paths)
        arithmetic = params["spot"] * log_paths.mean(axis=1)
        y = discount * np.maximum(arithmetic - params["strike"], 0.0)
        z = discount * np.maximum(geometric - params["strike"], 0.0)
        for position, values in enumerate((y, y * y, z, z * z, y * z)):
            totals[position] += float(values.sum())
    return totals


def python_sums(params: dict[str, Any], item: int) -> list[float]:
    """numpy_sums in pure Python, path by path (other random draws, the same estimator)."""
    fixings, drift, scale, discount = _step(params)
    gauss = random.Random(f"{params['seed']}:{item}").gauss
    spot, strike, exp = params["spot"], params["strike"], math.exp
    sum_y = sum_yy = sum_z = sum_zz = sum_yz = 0.0
    for _ in range(params["paths_per_item"]):
        log_price = total = log_total = 0.0
        for _ in range(fixings):
            log_price += drift + scale * gauss()
            total += exp(log_price)
            log_total += log_price
        y = discount * max(spot * total / fixings - strike, 0.0)
        z = discount * max(spot * exp(log_total / fixings) - strike, 0.0)
        sum_y, sum_yy, sum_z, sum_zz, sum_yz = sum_y + y, sum_yy + y * y, sum_z + z, sum_zz + z * z, sum_yz + y * z
    return [sum_y, sum_yy, sum_z, sum_zz, sum_yz]


def _step(params: dict[str, Any]) -> tuple[int, float, float, float]:
    """(fixings, drift and scale of log-price per step, discount factor)."""
    fixings = params["fixings"]
    dt = params["maturity"] / fixings
    drift = (params["rate"] - params["volatility"] ** 2 / 2) * dt
    return fixings, drift, params["volatility"] * math.sqrt(dt), math.exp(-params["rate"] * params["maturity"])


def _market(params: dict[str, Any]) -> dict[str, float]:
    return {key: params[key] for key in ("spot", "strike", "rate", "volatility", "maturity")}


def _fixing_weights(fixings: int) -> tuple[float, float]:
    n = fixings
    return (n + 1) / (2 * n), (n + 1) * (2 * n + 1) / (6 * n * n)


def _normal_cdf(x: float) -> float:
    return 0.5 * math.erfc(-x / math.sqrt(2))
