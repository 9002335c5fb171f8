"""The original design's compute function, transcribed literally: the reference for exactness and for speed.

Every test that needs an independent expected total, and the kernel benchmark, compare against this one copy. It
shares no code with the workloads. Do not optimise it: its O(i^4) cost is what the benchmark measures.
"""

import math
import sys

sys.set_int_max_str_digits(0)


def multinomial(*vals):
    result = 1
    for i in vals:
        result *= math.factorial(i)
    return math.factorial(sum(vals)) // result


def original_handler(event, context):
    result = 0

    i = int(event["index"])
    for j in range(0, event["size"] // 2 + 1):
        if 2 * j > i:
            break

        # @show i, j
        for k in range(0, event["size"] // 3 + 1):
            if 2 * j + 3 * k > i:
                break

            for l in range(0, event["size"] // 4 + 1):  # noqa: E741 -- the original's name
                if 2 * j + 3 * k + 4 * l > i:
                    break

                result += (
                    multinomial(i - 2 * j - 3 * k - 4 * l, j, k, l)
                    * 128 ** (i - 2 * j - 3 * k - 4 * l)
                    * 1863 ** (j)
                    * 42451 ** (k)
                    * 78341 ** (l)
                )

    event.update({"result": result})
    return event


def original_item(i: int, size: int = 1024) -> int:
    """Item i of a job of `size` items, as the original compute function returns it."""
    return original_handler({"index": i, "size": size}, None)["result"]


def original_total(size: int) -> int:
    """The original state machine's answer for {"size": size}: items 0..size-1, summed."""
    return sum(original_item(i, size) for i in range(size))
