"""The asian-option workload: prices against published and closed-form values, exact batching, the two kernels."""

import json
import math

import pytest

from handlers.errors import InvalidInput
from handlers.workloads import asian_option

# Linetsky (2004), "Spectral expansions for Asian (average price) options", Table 3, cases 1 and 5: strike 2, no
# dividends, continuous averaging, exact to ten digits: (rate, volatility, maturity, spot, price).
LINETSKY = [(0.02, 0.10, 1.0, 2.0, 0.0559860415), (0.05, 0.50, 1.0, 2.0, 0.2464156905)]


def run(size: int, **options):
    params = asian_option.parse(size, options)
    partials = json.loads(json.dumps([asian_option.compute([item], params) for item in range(size)]))
    return asian_option.present(asian_option.combine(partials), params), params


@pytest.mark.parametrize(("rate", "volatility", "maturity", "spot", "published"), LINETSKY)
def test_price_matches_the_published_continuous_average_value(rate, volatility, maturity, spot, published):
    # GIVEN 100,000 paths with 250 fixings, against a benchmark for continuous averaging
    market = {"spot": spot, "strike": 2.0, "rate": rate, "volatility": volatility, "maturity": maturity}
    output, _ = run(20, **market, fixings=250, paths_per_item=5_000, seed=7)
    # The discrete average's bias is that of the geometric average of the same fixings, whose discrete and
    # continuous prices are both closed forms: move the benchmark by that much (a first-order correction).
    discrete_gap = asian_option.geometric_asian_call(**market, fixings=250) - asian_option.geometric_asian_call(
        **market, fixings=None
    )
    assert abs(discrete_gap) > 4 * output["standard_error"]  # the correction matters at this precision
    # THEN the control-variate price lies within 4 standard errors of the corrected benchmark, and so does the plain
    # mean (the control variate would hide an error its closed form does not share, e.g. a wrong drift)
    assert abs(output["result"] - (published + discrete_gap)) <= 4 * output["standard_error"]
    assert abs(output["plain_result"] - (published + discrete_gap)) <= 4 * output["plain_standard_error"]


def test_geometric_payoffs_match_their_closed_form():
    output, _ = run(8, volatility=0.8, fixings=24, paths_per_item=5_000, seed=3)
    assert output["geometric_standard_error"] > 0
    assert abs(output["geometric_estimate"] - output["geometric_result"]) <= 4 * output["geometric_standard_error"]


def test_zero_strike_prices_the_discounted_expected_average_exactly_known():
    # GIVEN K = 0, the call pays the average itself: its price is e^{-rT} S/n sum_i e^{r t_i}, no model needed
    rate, maturity, fixings = 0.05, 2.0, 8
    options = {"strike": 0, "rate": rate, "maturity": maturity, "volatility": 0.6, "fixings": fixings}
    output, _ = run(8, **options, paths_per_item=5_000, seed=1)
    forward_mean = 100 / fixings * sum(math.exp(rate * maturity * i / fixings) for i in range(1, fixings + 1))
    expected = math.exp(-rate * maturity) * forward_mean
    assert abs(output["plain_result"] - expected) <= 4 * output["plain_standard_error"]
    assert abs(output["result"] - expected) <= 4 * output["standard_error"] + 1e-9 * expected


def test_the_control_variate_shrinks_the_error():
    output, _ = run(4, fixings=12, paths_per_item=5_000)
    assert output["standard_error"] < output["plain_standard_error"] / 5


def test_batching_changes_nothing_down_to_the_last_bit():
    params = asian_option.parse(6, {"paths_per_item": 300, "fixings": 5, "seed": 11})
    singles = [asian_option.compute([item], params) for item in range(6)]
    batched = [asian_option.compute([0, 1, 2, 3], params), asian_option.compute([4, 5], params)]
    assert asian_option.combine(batched) == asian_option.combine(singles)
    nested = asian_option.combine([asian_option.combine(singles[:1]), asian_option.combine(singles[1:])])
    assert asian_option.present(nested, params) == asian_option.present(asian_option.combine(singles), params)


def test_items_draw_from_their_own_streams_and_seeds_matter():
    params = asian_option.parse(2, {"paths_per_item": 200, "fixings": 4})
    assert asian_option.numpy_sums(params, 0) != asian_option.numpy_sums(params, 1)
    assert asian_option.numpy_sums(params, 0) == asian_option.numpy_sums(params, 0)
    reseeded = asian_option.parse(2, {"paths_per_item": 200, "fixings": 4, "seed": 1})
    assert asian_option.numpy_sums(params, 0) != asian_option.numpy_sums(reseeded, 0)


def test_the_stream_of_an_item_is_the_spawned_child_of_the_seed():
    np = pytest.importorskip("numpy")
    params = asian_option.parse(5, {"paths_per_item": 100, "fixings": 3, "seed": 42})
    child = np.random.SeedSequence(42).spawn(5)[4]
    draws = np.random.Generator(np.random.PCG64(child)).standard_normal((100, 3))
    # Defaults: S = K = 100, r = 0.05, sigma = 0.2, T = 1; 3 fixings, dt = 1/3
    log_paths = np.cumsum((0.05 - 0.02) / 3 + 0.2 * math.sqrt(1 / 3) * draws, axis=1)
    y = math.exp(-0.05) * np.maximum(100 * np.exp(log_paths).mean(axis=1) - 100, 0)
    z = math.exp(-0.05) * np.maximum(100 * np.exp(log_paths.mean(axis=1)) - 100, 0)
    expected = [float(total.sum()) for total in (y, y * y, z, z * z, y * z)]
    assert asian_option.numpy_sums(params, 4) == pytest.approx(expected, rel=1e-12)


def test_pure_python_kernel_agrees_with_numpy_within_the_error():
    options = {"fixings": 6, "paths_per_item": 2_000, "volatility": 0.3}
    numpy_output, _ = run(4, **options)
    python_output, _ = run(4, **options, kernel="python")
    error = math.hypot(numpy_output["standard_error"], python_output["standard_error"])
    assert abs(numpy_output["result"] - python_output["result"]) <= 4 * error
    assert numpy_output["result"] != python_output["result"]  # other draws: the kernels are really both running


def test_partials_hold_exact_sums_of_the_simulated_doubles():
    params = asian_option.parse(1, {"paths_per_item": 100, "fixings": 2})
    sums = asian_option.numpy_sums(params, 0)
    partial = asian_option.compute([0], params)
    assert [int(partial[key], 16) / asian_option.UNIT for key in asian_option.SUMS] == sums
    assert asian_option.exact(5e-324) == 1 and asian_option.exact(1.0) == asian_option.UNIT


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"spot": 0}, "spot must be above 0"),
        ({"volatility": -0.1}, "volatility must be above 0"),
        ({"maturity": "1"}, "maturity must be a finite number"),
        ({"strike": -1}, "strike must be at least 0"),
        ({"fixings": 0}, "fixings must be at least 1"),
        ({"paths_per_item": 99}, "paths_per_item must be at least 100"),
        ({"kernel": "fortran"}, "kernel must be one of 'numpy', 'python'"),
        ({"fixings": 10_000, "paths_per_item": 10_000}, "100,000,000 normal draws per item"),
    ],
)
def test_bad_options_are_refused_by_name(options, message):
    with pytest.raises(InvalidInput, match=message):
        asian_option.parse(1, options)


def test_parse_fills_defaults_and_is_idempotent():
    params = asian_option.parse(3, {"strike": 95})
    assert params["strike"] == 95.0 and params["fixings"] == 12 and params["kernel"] == "numpy"
    assert asian_option.parse(3, {key: value for key, value in params.items() if key != "size"}) == params
