"""Workers hold the next chunk while they run one, and never deadlock however large chunks and results are."""

from __future__ import annotations

import os

import pytest

from hpc.engine import pool


def run_all(chunks, run_child, size=2):
    results, unstarted = [], []
    stop = pool.StopFlag()
    with pool.WorkerPool(size, run_child, stop) as workers:
        workers.run(iter(chunks), results.extend, unstarted.append)
    return results, unstarted


def echo(child):
    return (child[0], len(child[1])), False, 16


def test_every_child_runs_once_with_chunks_sent_ahead():
    chunks = [[(number * 10 + offset, b"") for offset in range(10)] for number in range(40)]
    results, unstarted = run_all(chunks, echo)
    assert sorted(child for child, _ in results) == list(range(400))
    assert unstarted == []


def test_chunks_and_results_larger_than_a_pipe_do_not_deadlock():
    # GIVEN chunks several times a pipe's buffer, each child answering with a result larger than the buffer too
    big = b"x" * (3 * pool.PIPE_BYTES)

    def large(child):
        return (child[0], big), False, len(big)

    chunks = [[(number * 2 + offset, big) for offset in range(2)] for number in range(6)]
    # WHEN they run
    results, _ = run_all(chunks, large)
    # THEN all of them finish
    assert sorted(child for child, _ in results) == list(range(12))


def test_a_dead_worker_names_every_child_it_held():
    def die_on_seven(child):
        if child[0] == 7:
            os._exit(3)
        return (child[0], 0), False, 8

    chunks = [[(number * 4 + offset, b"") for offset in range(4)] for number in range(4)]
    with pytest.raises(pool.WorkerDied) as died:
        run_all(chunks, die_on_seven, size=1)
    assert died.value.child == 7
    # the chunk it ran (4..7) and the one sent ahead (8..11), which never started
    assert [child[0] for child in died.value.chunk] == list(range(4, 12))


def test_every_worker_gets_a_first_chunk_before_any_gets_a_second():
    # GIVEN children that report which worker ran them
    def whose(child):
        return (child[0], os.getpid()), False, 16

    chunks = [[(number, b"")] for number in range(4)]
    # WHEN two workers start on four one-child chunks
    results, _ = run_all(chunks, whose)
    workers = dict(results)
    # THEN the first two chunks went to different workers (the second worker does not wait for the first's look-ahead)
    assert workers[0] != workers[1]
