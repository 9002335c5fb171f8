"""Serverless HPC on Step Functions: the `hpc` command, the local engine and the shared settings."""
