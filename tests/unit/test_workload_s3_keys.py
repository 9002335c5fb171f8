"""The s3-keys workload against the original design's kernel, transcribed literally, and an independent method."""

import subprocess
import sys
from itertools import islice
from pathlib import Path

import pytest

from benchmarks.original_design import original_item
from handlers.errors import InvalidInput
from handlers.workloads import s3_keys

sys.set_int_max_str_digits(0)
REPO = Path(__file__).parents[2]


def total_by_matrix_power(n: int) -> int:
    """Sum of f(0..n-1) by squaring a 5x5 transfer matrix (state: f(i), f(i-1), f(i-2), f(i-3), running sum).

    A different formulation from the workload's step-by-step recurrence: it never visits the intermediate lengths.
    """
    step = [
        [128, 1863, 42451, 78341, 0],
        [1, 0, 0, 0, 0],
        [0, 1, 0, 0, 0],
        [0, 0, 1, 0, 0],
        [1, 0, 0, 0, 1],  # sum(i+1) = sum(i) + f(i)
    ]

    def multiply(a, b):
        return [[sum(a[r][k] * b[k][c] for k in range(5)) for c in range(5)] for r in range(5)]

    power = [[int(r == c) for c in range(5)] for r in range(5)]
    while n:
        if n & 1:
            power = multiply(power, step)
        step = multiply(step, step)
        n >>= 1
    state = [1, 0, 0, 0, 0]  # f(0) = 1, f(<0) = 0, nothing summed yet
    return sum(power[4][k] * state[k] for k in range(5))


def original_job(size: int) -> dict:
    return s3_keys.parse(size, {})


def test_key_counts_equal_the_original_kernel_for_every_length_below_60():
    ours = list(islice(s3_keys.key_counts(), 60))
    assert ours == [original_item(i) for i in range(60)]


@pytest.mark.parametrize("length", [97, 150, 211])
def test_single_item_compute_equals_the_original_kernel_at_longer_lengths(length):
    assert s3_keys.compute([length], original_job(1024)) == format(original_item(length), "x")


def test_batch_partial_is_the_sum_of_the_original_kernel_over_its_items():
    items = [0, 3, 17, 59, 42]
    assert s3_keys.compute(items, original_job(1024)) == format(sum(original_item(i) for i in items), "x")


def test_size_1024_total_matches_an_independent_method_and_the_original_range():
    # GIVEN the job the original ran, {"size": 1024}, split into batches as the Map would
    params = original_job(1024)
    lengths = list(s3_keys.items(params))
    partials = [s3_keys.compute(lengths[start : start + 100], params) for start in range(0, 1024, 100)]
    # WHEN the batches are combined and presented
    output = s3_keys.present(s3_keys.combine(partials), params)
    # THEN it equals the transfer-matrix sum over lengths 0..1023, a 2,206-digit integer
    expected = total_by_matrix_power(1024)
    assert output["result"] == str(expected)
    assert output["digits"] == len(str(expected)) == 2206
    assert lengths == list(range(1024))
    # and its first 60 terms are exactly the original kernel's
    head = s3_keys.combine([s3_keys.compute(list(range(60)), params)])
    assert int(head, 16) == sum(original_item(i) for i in range(60)) == total_by_matrix_power(60)


def test_s3_lengths_count_keys_of_1_to_size_bytes():
    params = s3_keys.parse(1024, {"lengths": "s3"})
    assert list(s3_keys.items(params)) == list(range(1, 1025))
    total = int(s3_keys.compute(list(s3_keys.items(params)), params), 16)
    # lengths 1..1024 = lengths 0..1024 minus the empty key
    assert total == total_by_matrix_power(1025) - 1


def test_size_5000_result_passes_the_4300_digit_conversion_limit():
    params = original_job(5000)
    output = s3_keys.present(s3_keys.compute(list(s3_keys.items(params)), params), params)
    assert output["digits"] > 4300
    assert int(output["result"]) == total_by_matrix_power(5000)


def test_size_above_the_payload_cap_is_refused_with_the_reason():
    with pytest.raises(InvalidInput) as raised:
        s3_keys.parse(s3_keys.MAX_SIZE + 1, {})
    assert str(raised.value) == (
        "size must be at most 140000 for workload 's3-keys', got 140001: a batch holding item 140000 would return a "
        "partial of about 250559 hexadecimal digits, past what a Step Functions payload carries (256 KiB)"
    )
    assert s3_keys.parse(s3_keys.MAX_SIZE, {}) == {"size": 140_000, "lengths": "original"}


def test_the_largest_batch_partial_fits_a_compute_output():
    # The cap's justification: a batch's partial (hexadecimal; its largest item dominates) rides in the compute
    # output, which must stay under 256 KiB. Digits per byte of length measured with the independent method.
    hex_digits_per_length = len(format(total_by_matrix_power(2000), "x")) / 2000
    output_fields = len('{"items":128,"partial":""}')
    assert 240_000 < hex_digits_per_length * s3_keys.MAX_SIZE + output_fields < 256 * 1024


def test_unknown_lengths_option_is_refused_naming_the_choices():
    with pytest.raises(InvalidInput, match="'original', 's3'"):
        s3_keys.parse(10, {"lengths": "utf16"})


@pytest.mark.parametrize(
    ("item", "message"),
    [
        (-1, "^item must be at least 0, got -1$"),
        (10, "^item must be at most 9, got 10$"),
        ("3", '^item must be a whole number, got a string "3"$'),
        (None, "^item must be a whole number, got null$"),
        (2.5, "^item must be a whole number, got 2.5$"),
    ],
)
def test_compute_refuses_items_outside_the_job(item, message):
    with pytest.raises(InvalidInput, match=message):
        s3_keys.compute([item], original_job(10))


def test_compute_of_s3_lengths_refuses_length_0_and_accepts_the_size():
    job = s3_keys.parse(10, {"lengths": "s3"})
    with pytest.raises(InvalidInput, match="^item must be at least 1, got 0$"):
        s3_keys.compute([0], job)
    assert s3_keys.compute([10], job) == format(original_item(10), "x")


def test_parse_is_idempotent():
    params = s3_keys.parse(7, {"lengths": "s3"})
    assert s3_keys.parse(params["size"], {"lengths": params["lengths"]}) == params


def test_batches_give_the_same_partials_in_any_order_despite_resuming():
    # GIVEN batches of the 1024 job, and their partials computed in increasing order (each resumes the last)
    params = s3_keys.parse(1024, {})
    batches = [list(range(start, start + 100)) for start in range(0, 1024, 100)]
    batches[-1] = [b for b in batches[-1] if b < 1024]
    increasing = [s3_keys.compute(batch, params) for batch in batches]
    # WHEN the same batches run in decreasing and in shuffled order, and overlapping or repeated
    decreasing = [s3_keys.compute(batch, params) for batch in reversed(batches)][::-1]
    order = [5, 0, 9, 3, 3, 10, 1]
    shuffled = {index: s3_keys.compute(batches[index], params) for index in order}
    # THEN every partial equals a fresh computation from f(0)
    fresh = [format(sum(_fresh(batch)), "x") for batch in batches]
    assert increasing == decreasing == fresh
    assert all(shuffled[index] == fresh[index] for index in order)


def _fresh(batch: list[int]) -> list[int]:
    counts = list(islice(s3_keys.key_counts(), batch[-1] + 1))
    return [counts[i] for i in batch]


def test_results_past_4300_digits_are_presented_without_any_other_module_lifting_the_limit():
    # CPython refuses int <-> decimal conversions past 4,300 digits unless told otherwise; the workload tells it.
    script = (
        "from handlers.workloads import s3_keys as w; p = w.parse(5000, {}); "
        "print(w.present(w.combine([w.compute([4998], p), w.compute([4999], p)]), p)['digits'])"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) > 4300
