"""The `hpc` command line: argparse (standard library, cheap to import) with every error sent down the refusal path."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from hpc.commands import COMMANDS
from hpc.outcome import UsageError

DESCRIPTION = "Run a job locally or on the deployed stack, or estimate what a run costs."
DISTRIBUTION = "hpc-step-functions"


class Parser(argparse.ArgumentParser):
    """argparse prints usage and exits on a bad option; here it refuses like every other check: one line, exit 2."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see `{self.prog} --help`)")


class _Version(argparse.Action):
    """`hpc --version`; the installed version is looked up only when asked for (importlib.metadata is slow)."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, help="print the version and exit")

    def __call__(self, parser: argparse.ArgumentParser, *args: Any, **kwargs: Any) -> NoReturn:
        from importlib.metadata import PackageNotFoundError, version

        try:
            found = version(DISTRIBUTION)
        except PackageNotFoundError:
            found = "unknown (not installed: run `make setup`)"
        print(f"hpc {found}")
        parser.exit()


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    words = sys.argv[1:] if argv is None else argv
    # The command is the first word that is not an option (`hpc` itself takes only --version and --help): only its
    # module is imported and only its options are built. With none, or an unknown one, every command is, for the
    # help or the error that lists them.
    chosen = next((word for word in words if not word.startswith("-")), None)
    return build(chosen if chosen in COMMANDS else None).parse_args(argv)


def build(only: str | None = None) -> Parser:
    """The whole command line, or with `only` the one command of that name (module names are command names)."""
    parser = Parser(prog="hpc", description=DESCRIPTION)
    parser.add_argument("--version", action=_Version)
    subcommands = parser.add_subparsers(required=True, metavar="COMMAND")
    for module_name in COMMANDS if only is None else (only,):
        command = importlib.import_module(f"hpc.commands.{module_name}")
        sub = subcommands.add_parser(command.NAME, help=command.HELP, description=command.HELP)
        command.add_arguments(sub)
        sub.set_defaults(execute=command.execute)
    return parser


def at_least_one(text: str) -> int:
    """An argparse type: a whole number of at least 1 (a worker count)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value
