"""Demo and benchmark data: ``manage.py seed_demo`` (see builder.py, national.py, violations.py)."""
