"""Reads the stack's `hpc:*` config into `hpc.settings.Settings`, the one place every tunable and default lives."""

from __future__ import annotations

import re
from dataclasses import fields

import pulumi

from hpc.settings import InvalidSettings, Settings, config_key

NAMESPACE = "hpc"

# The three function names are "<stateMachineName>-compute" and so on; Lambda names stop at 64 characters.
LONGEST_FUNCTION_SUFFIX = len("-compute")
LAMBDA_NAME_LIMIT = 64


def default_state_machine_name(stack: str) -> str:
    """`hpc-<stack>`, so two stacks (dev, prod) can live in one account and Region without a name clash."""
    return "hpc-" + re.sub(r"[^A-Za-z0-9_-]", "-", stack)


def settings_from_config(config: pulumi.Config, stack: str) -> Settings:
    """Every `hpc:<camelCaseKey>` that is set overrides its default; `stateMachineName` defaults to `hpc-<stack>`."""
    chosen = {key: value for key in known_keys() if (value := config.get(key)) is not None}
    chosen.setdefault(config_key("state_machine_name"), default_state_machine_name(stack))
    settings = Settings.from_mapping(chosen)
    if len(settings.state_machine_name) + LONGEST_FUNCTION_SUFFIX > LAMBDA_NAME_LIMIT:
        longest = LAMBDA_NAME_LIMIT - LONGEST_FUNCTION_SUFFIX
        raise InvalidSettings(
            f"setting 'stateMachineName' must be at most {longest} characters: it also names the Lambda functions"
        )
    return settings


def known_keys() -> list[str]:
    return [config_key(field.name) for field in fields(Settings)]
