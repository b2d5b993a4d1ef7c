"""Benchmarks: `qabot bench`."""
