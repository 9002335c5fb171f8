"""Measurements, never assertions: each module times one thing and records it in benchmarks/RESULTS.md."""
