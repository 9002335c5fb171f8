"""The monte-carlo-pi workload: reproducible streams, weighted-mean combination, options."""

import math
import random

import pytest

from handlers.errors import InvalidInput
from handlers.workloads import monte_carlo_pi


def inside_count(seed: int, item: int, samples: int) -> int:
    # The documented stream: random.Random(f"{seed}:{item}"), two draws per point.
    rng = random.Random(f"{seed}:{item}")
    return sum(1 for _ in range(samples) if rng.random() ** 2 + rng.random() ** 2 <= 1.0)


def test_estimate_is_four_times_the_fraction_inside_over_every_item():
    # GIVEN 6 items of 500 samples, computed in two batches
    params = monte_carlo_pi.parse(6, {"samples_per_item": 500, "seed": 3})
    partials = [monte_carlo_pi.compute([0, 1, 2], params), monte_carlo_pi.compute([3, 4, 5], params)]
    # WHEN combined and presented
    output = monte_carlo_pi.present(monte_carlo_pi.combine(partials), params)
    # THEN the estimate is 4 * hits / samples over the documented per-item streams
    hits = sum(inside_count(3, item, 500) for item in range(6))
    assert output["samples"] == 3000
    assert output["result"] == pytest.approx(4 * hits / 3000, rel=1e-12)
    p = hits / 3000
    assert output["standard_error"] == pytest.approx(4 * math.sqrt(p * (1 - p) / 3000), rel=1e-12)


def test_an_item_draws_the_same_points_in_any_batch():
    params = monte_carlo_pi.parse(10, {"samples_per_item": 200})
    alone = monte_carlo_pi.compute([7], params)
    in_batch = monte_carlo_pi.combine([monte_carlo_pi.compute([6], params), monte_carlo_pi.compute([7, 8], params)])
    together = monte_carlo_pi.combine([monte_carlo_pi.compute([6], params), alone, monte_carlo_pi.compute([8], params)])
    assert in_batch["estimate"] == pytest.approx(together["estimate"], rel=1e-12)


def test_different_seeds_draw_different_points():
    first = monte_carlo_pi.compute([0], monte_carlo_pi.parse(1, {"samples_per_item": 1000, "seed": 1}))
    second = monte_carlo_pi.compute([0], monte_carlo_pi.parse(1, {"samples_per_item": 1000, "seed": 2}))
    assert first != second


def test_estimate_is_near_pi_with_enough_samples():
    params = monte_carlo_pi.parse(4, {"samples_per_item": 25_000})
    output = monte_carlo_pi.present(monte_carlo_pi.compute([0, 1, 2, 3], params), params)
    # 5 standard errors: fails by chance about once in 3 million seeds, and this seed is fixed
    assert abs(output["result"] - math.pi) < 5 * output["standard_error"]


def test_combine_weights_each_partial_by_its_samples():
    combined = monte_carlo_pi.combine([{"estimate": 3.0, "samples": 1}, {"estimate": 4.0, "samples": 3}])
    assert combined == {"estimate": 3.75, "samples": 4}


def test_defaults_are_filled_in():
    assert monte_carlo_pi.parse(5, {}) == {"size": 5, "samples_per_item": 100_000, "seed": 0}


def test_the_largest_options_are_accepted():
    # 2^53 - 1: the largest integer a Step Functions number (a double) carries exactly
    options = {"samples_per_item": 10_000_000, "seed": 2**53 - 1}
    assert monte_carlo_pi.parse(3, options) == {"size": 3, **options}


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"samples_per_item": 0}, "at least 1"),
        ({"samples_per_item": 10_000_001}, "at most 10000000"),
        ({"samples_per_item": "many"}, "whole number"),
        ({"seed": -1}, "at least 0"),
        ({"seed": 1.5}, "whole number"),
        ({"seed": 2**60}, "at most"),
        ({"seed": 2**53}, f"^seed must be at most {2**53 - 1}, got {2**53}$"),
    ],
)
def test_bad_options_are_refused(options, message):
    with pytest.raises(InvalidInput, match=message):
        monte_carlo_pi.parse(3, options)


@pytest.mark.parametrize(
    ("item", "message"), [(-1, "^item must be at least 0, got -1$"), (3, "^item must be at most 2")]
)
def test_compute_refuses_an_item_outside_the_job(item, message):
    with pytest.raises(InvalidInput, match=message):
        monte_carlo_pi.compute([item], monte_carlo_pi.parse(3, {"samples_per_item": 10}))
