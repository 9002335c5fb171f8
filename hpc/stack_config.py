"""Reads a stack's settings from `Pulumi.<stack>.yaml`, so local runs and estimates use the deployed numbers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hpc import config_file
from hpc.settings import InvalidSettings, Settings

NAMESPACE = "hpc:"


def load_settings(stack: str = "dev", directory: Path | None = None) -> Settings:
    """Settings from `Pulumi.<stack>.yaml` in `directory` (default: the working directory); defaults if absent."""
    path = (directory or Path.cwd()) / f"Pulumi.{stack}.yaml"
    if not path.exists():
        return Settings()
    return settings_from_file(path)


def settings_from_file(path: Path) -> Settings:
    try:
        document: Any = config_file.parse(path.read_text()) or {}
    except config_file.InvalidYaml as error:
        raise InvalidSettings(f"{path} is not valid YAML: {error}") from None
    config = document.get("config") or {}
    if not isinstance(config, dict):
        raise InvalidSettings(f"{path}: 'config' must be a mapping")
    ours = {key: value for key, value in config.items() if key.startswith(NAMESPACE)}
    try:
        return Settings.from_mapping(ours)
    except InvalidSettings as error:
        raise InvalidSettings(f"{path}: {error}") from None
