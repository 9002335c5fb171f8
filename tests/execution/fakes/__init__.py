"""Toy Lambda handlers for the local engine's tests (imported by the engine as `fakes.toy:<function>`)."""
