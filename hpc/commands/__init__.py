"""The subcommands of `hpc`, one module each.

A command module defines `NAME`, `HELP`, `add_arguments(parser)` and `execute(args) -> int` (an exit status from
hpc.outcome), and raises UsageError (or another Refused) for anything it will not do. Adding a command is a
module here and its name in COMMANDS. Keep their top-level imports light: every command's module is imported to build
the parser, so heavy libraries (boto3, the engine, plotting) are imported inside `execute`.
"""

COMMANDS = ("run", "estimate", "report", "workloads")  # module names, in the order `hpc --help` lists them
