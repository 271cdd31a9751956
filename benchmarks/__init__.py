"""Benchmarks and quality evaluations, run on demand (see README.md)."""
