"""Benchmarks for the career assistant; run them with ``python -m benchmarks``."""
