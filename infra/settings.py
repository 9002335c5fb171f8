"""Reads the stack's config into `hpc.settings.Settings`, through the checks `hpc run` applies to the stack file."""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.runtime import config as runtime_config

from hpc.settings import InvalidSettings, Settings
from hpc.stack_config import settings_from_config


class InvalidStackConfig(InvalidSettings, pulumi.RunError):
    """A refused stack config. Pulumi reports a RunError as its message alone, without the program's stack trace."""


def stack_config() -> dict[str, Any]:
    """Every config key of the stack, namespaced (`hpc:maxItems`, `aws:region`, ...).

    `pulumi.Config` can only look keys up by name, so it cannot see a typo'd key; the runtime's config map holds
    every key the engine passed to the program (and PULUMI_CONFIG those it passes through the environment).
    """
    return {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}


def settings_for_stack() -> Settings:
    """The stack's settings, checked before the program registers any resource."""
    try:
        return settings_from_config(stack_config(), pulumi.get_stack())
    except InvalidSettings as error:
        raise InvalidStackConfig(f"InvalidSettings: {error}") from None
