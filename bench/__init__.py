"""Benchmarks that print figures (no timed assertions). See bench/README.md."""
