"""The subcommands of `hpc`, one module each.

A command module defines `NAME`, `HELP`, `add_arguments(parser)` and `execute(args) -> int` (an exit status from
hpc.outcome), and raises UsageError (or another Refused) for anything it will not do. Adding a command is a
module here and its name in COMMANDS, which must be its NAME too. Keep their top-level imports light: a command's
module is imported to build its parser (every one of them for `hpc --help`), so heavy libraries (boto3, the engine,
plotting) are imported inside `execute`.
"""

COMMANDS = ("run", "estimate", "report", "workloads")  # module names = command names, in the order `hpc --help` lists
