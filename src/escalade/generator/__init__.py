"""Synthetic data at scale (``escalade generate --tickets N``) for benchmarks and capacity tests."""
