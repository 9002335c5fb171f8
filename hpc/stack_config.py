"""A stack's settings from its Pulumi config: one reading, shared by `pulumi up` and by `hpc run`/`hpc estimate`.

`pulumi up` hands the program every config key of the stack (infra/settings.py); `hpc` reads the same keys from
`Pulumi.<stack>.yaml`. Both go through `settings_from_config`, so they accept and refuse exactly the same things:
an unknown `hpc:` key (a typo would otherwise deploy the default), a setting put in the project's namespace
(`pulumi config set maxItemsPerBatch 5` writes `hpc-step-functions:maxItemsPerBatch`, which nothing reads), and every
value `hpc.settings.Settings` refuses.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

from hpc import config_file
from hpc.settings import InvalidSettings, Settings, known_keys

NAMESPACE = "hpc"
PROJECT = "hpc-step-functions"  # Pulumi.yaml's name: the namespace of a key set without one
DEFAULT_STACK = "dev"


class StackSettings(NamedTuple):
    """Settings and where they came from, for the user to see which numbers a run follows."""

    settings: Settings
    source: str


def default_state_machine_name(stack: str) -> str:
    """`hpc-<stack>`, so two stacks (dev, prod) can live in one account and Region without a name clash."""
    return "hpc-" + re.sub(r"[^A-Za-z0-9_-]", "-", stack)


def settings_from_config(config: Mapping[str, Any], stack: str) -> Settings:
    """Settings from a stack's whole config (namespaced keys, as Pulumi stores them); `stateMachineName` defaults
    to `hpc-<stack>`. Keys of other namespaces (`aws:region`) are not ours and are left alone."""
    ours: dict[str, Any] = {}
    for key, value in config.items():
        namespace, separator, name = str(key).partition(":")
        if not separator:
            namespace, name = PROJECT, namespace
        if namespace == NAMESPACE:
            ours[f"{NAMESPACE}:{name}"] = value  # kept namespaced, so a refusal names the key as the user wrote it
        elif namespace == PROJECT:
            hint = (
                f"use `pulumi config set {NAMESPACE}:{name} ...` (and `pulumi config rm {key}`)"
                if name in known_keys()
                else f"settings live under '{NAMESPACE}:' ({', '.join(known_keys())})"
            )
            raise InvalidSettings(f"config key {key!r} is in the project's namespace, where nothing reads it; {hint}")
    ours.setdefault(f"{NAMESPACE}:stateMachineName", default_state_machine_name(stack))
    return Settings.from_mapping(ours)


def load_settings(stack: str | None = None, directory: Path | None = None) -> Settings:
    """The settings of `load_stack_settings`, without their source."""
    return load_stack_settings(stack, directory).settings


def load_stack_settings(stack: str | None = None, directory: Path | None = None) -> StackSettings:
    """Settings from `Pulumi.<stack>.yaml` in `directory` (default: the working directory).

    With no stack named, stack `dev` is used when its file is there, and the defaults otherwise (the source says so).
    A named stack without a file is refused: a typo must not silently run with the defaults.
    """
    folder = directory or Path.cwd()
    name = stack or DEFAULT_STACK
    path = folder / f"Pulumi.{name}.yaml"
    if not path.exists():
        if stack is not None:
            found = sorted(p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in folder.glob("Pulumi.*.yaml"))
            known = f"stacks with a file there: {', '.join(found)}" if found else "no stack files there"
            raise InvalidSettings(f"stack {stack!r} has no {path.name} in {folder} ({known})")
        return StackSettings(
            settings_from_config({}, name), f"defaults for stack {name!r} (no {path.name} in {folder})"
        )
    return StackSettings(settings_from_file(path, name), f"{path.name} (stack {name!r})")


def settings_from_file(path: Path, stack: str) -> Settings:
    """The settings a stack file gives, or InvalidSettings naming the file and what is wrong with it."""
    try:
        document: Any = config_file.parse(path.read_text())
    except OSError as error:
        raise InvalidSettings(f"{path} cannot be read: {error.strerror or error}") from None
    except UnicodeDecodeError as error:
        raise InvalidSettings(f"{path} is not UTF-8 text: {error}") from None
    except config_file.InvalidYaml as error:
        raise InvalidSettings(f"{path} is not valid YAML: {error}") from None
    if document is None:
        document = {}
    if not isinstance(document, dict):
        raise InvalidSettings(f"{path}: the top level must be a mapping with a 'config' key, got a {_kind(document)}")
    config = document.get("config") or {}
    if not isinstance(config, dict):
        raise InvalidSettings(f"{path}: 'config' must be a mapping of keys to values, got a {_kind(config)}")
    try:
        return settings_from_config(config, stack)
    except InvalidSettings as error:
        raise InvalidSettings(f"{path}: {error}") from None


def _kind(value: Any) -> str:
    return {list: "list", str: "string", int: "number", float: "number", bool: "boolean"}.get(type(value), "value")
