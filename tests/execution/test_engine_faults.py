"""A worker process that dies is reported, never waited on; Ctrl-C stops the run and its workers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from terminal import as_from_a_terminal
from test_engine_map import map_state
from toy_machine import HERE, machine

REPO = HERE.parent.parent


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by its parent) is not running either.
    status = Path(f"/proc/{pid}/stat")
    return status.exists() and status.read_text().split(") ", 1)[1][0] != "Z"


@pytest.mark.parametrize("how", ["exit", "kill"])
def test_worker_that_dies_fails_the_execution_naming_the_items(make_engine, how):
    # GIVEN a Map whose handler ends its own process (os._exit or SIGKILL) on item 5 of 8
    selector = {"item.$": "$$.Map.Item.Value", "die_on": 5, "how": how}
    engine = make_engine(machine(("Map", map_state("die", ItemSelector=selector))))
    # WHEN it runs
    result = engine.run({"items": list(range(8))})
    # THEN the execution fails with a clear error naming the child's items, instead of hanging
    assert (result.status, result.error) == ("FAILED", "Local.WorkerDied")
    assert "(item 5 of 8: [5])" in result.cause
    assert ("exited with status 3" if how == "exit" else "was killed by SIGKILL") in result.cause


def test_worker_death_is_not_hidden_by_a_catch(make_engine):
    selector = {"item.$": "$$.Map.Item.Value", "die_on": 0, "how": "exit"}
    state = map_state("die", ItemSelector=selector, Catch=[{"ErrorEquals": ["States.ALL"], "Next": "Ok"}], End=None)
    state["Next"] = "Ok"
    result = make_engine(machine(("Map", state), ("Ok", {"Type": "Succeed"}))).run({"items": [0, 1]})
    assert (result.status, result.error) == ("FAILED", "Local.WorkerDied")


def test_keyboard_interrupt_from_progress_stops_the_workers(make_engine, fake_dir):
    # GIVEN children that would sleep for a minute
    engine = make_engine(machine(("Map", map_state("sleepy"))))

    def interrupt(progress):
        if list(fake_dir.glob("pid-*")):
            raise KeyboardInterrupt

    # WHEN the progress callback raises KeyboardInterrupt once a child has started
    with pytest.raises(KeyboardInterrupt):
        engine.run({"items": list(range(4))}, on_progress=interrupt)
    # THEN the interrupt propagates and the workers are gone
    pids = [int(path.read_text()) for path in fake_dir.glob("pid-*")]
    assert pids and not any(_alive(pid) for pid in pids)


def test_sigint_stops_a_running_engine_and_its_workers(tmp_path, fake_dir):
    # GIVEN a separate process running the engine on children that sleep for a minute
    script = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(HERE)!r})
        from toy_machine import machine, TOY_FUNCTIONS
        from test_engine_map import map_state
        from hpc.engine import LocalEngine
        engine = LocalEngine(machine(("Map", map_state("sleepy"))), TOY_FUNCTIONS, {str(tmp_path / "store")!r},
                             workers=2, environment={{"FAKE_DIR": {str(fake_dir)!r}}})
        try:
            engine.run({{"items": list(range(4))}})
        except KeyboardInterrupt:
            print("interrupted", flush=True)
            raise SystemExit(130)
        """
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=as_from_a_terminal,
    )
    try:
        deadline = time.monotonic() + 20
        while len(list(fake_dir.glob("pid-*"))) < 2 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)
        pids = [int(path.read_text()) for path in fake_dir.glob("pid-*")]
        assert len(pids) == 2, "both workers should have started a child"
        # WHEN its process group receives SIGINT, as a terminal sends on Ctrl-C
        os.killpg(process.pid, signal.SIGINT)
        stdout, _ = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
    # THEN it stops (well before the children's minute) with KeyboardInterrupt, and no worker survives
    assert (process.returncode, stdout.strip()) == (130, "interrupted")
    assert not any(_alive(pid) for pid in pids)


@pytest.mark.parametrize("signal_name", ["SIGINT", "SIGTERM"])
def test_a_stop_signal_during_a_workers_fork_is_not_lost(signal_name):
    # GIVEN a process whose at-fork callback (as logging registers one) receives a stop signal while a worker forks
    script = textwrap.dedent(
        f"""
        import os, signal
        from hpc.engine.pool import _Process

        class Stopped(BaseException):
            pass

        def stop(signum, frame):
            raise Stopped

        signal.signal(signal.{signal_name}, stop)
        armed = [True]

        def signal_once():
            if armed:
                armed.clear()
                os.kill(os.getpid(), signal.{signal_name})

        os.register_at_fork(after_in_parent=signal_once)
        worker = _Process(target=lambda: None, args=())
        try:
            worker.start()
        except Stopped:
            print("stopped right after the fork", flush=True)
        else:
            print("the signal was lost", flush=True)
        finally:
            worker.join()
        """
    )
    # WHEN the worker is started
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=60)
    # THEN the handler's exception reaches the code that started the worker, not the callback that swallows it
    assert done.stdout == "stopped right after the fork\n", done.stderr
    assert "Exception ignored" not in done.stderr
