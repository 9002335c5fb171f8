"""The baseline for the end-to-end benchmark: one bare Python process computing the s3-keys total for a size.

Deliberately standalone (no project imports): f(i) = 128 f(i-1) + 1863 f(i-2) + 42451 f(i-3) + 78341 f(i-4) with
f(0) = 1, summed over i < size.
"""

import sys

sys.set_int_max_str_digits(0)
size = int(sys.argv[1]) if len(sys.argv) > 1 else 1024
f3, f2, f1, f0 = 0, 0, 0, 1  # f(i-4) .. f(i-1) before the step that computes f(1)
total = 1 if size > 0 else 0
for _ in range(1, size):
    f3, f2, f1, f0 = f2, f1, f0, 128 * f0 + 1863 * f1 + 42451 * f2 + 78341 * f3
    total += f0
print(total)
