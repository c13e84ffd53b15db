"""Benchmarks of the assessments app (run by `manage.py bench`, see pairings/benchmarks/runner.py)."""
