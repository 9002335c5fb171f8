"""Fixtures for the local engine's tests: an engine factory over the toy handlers (see toy_machine.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from toy_machine import TOY_FUNCTIONS

from hpc.engine import LocalEngine


@pytest.fixture
def fake_dir(tmp_path: Path) -> Path:
    path = tmp_path / "fake"
    path.mkdir()
    return path


@pytest.fixture
def make_engine(tmp_path: Path, fake_dir: Path) -> Callable[..., LocalEngine]:
    def make(definition: dict[str, Any], **options: Any) -> LocalEngine:
        options.setdefault("retry_delay_scale", 0)
        options.setdefault("workers", 2)
        environment = {"FAKE_DIR": str(fake_dir), **options.pop("environment", {})}
        return LocalEngine(definition, TOY_FUNCTIONS, tmp_path / "store", environment=environment, **options)

    return make
