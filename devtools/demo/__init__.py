"""Demo and benchmark data behind ``manage.py seed_demo``.

- ``builder/``: the demo provinces (GS2022 Gansu 2022–2025, GD2019 Guangdong 2019, BZ2016 Bozhou 2016),
  deterministic from ``--seed``, compliant with SPEC §3 except the planted violations.
- ``violations.py``: ``PLANTED``, the manifest of planted violations (one item per expected finding), and the
  interpretations of the rules the data follows. The builder refuses to finish if what it planted differs.
- ``check.py``: a slow plain-Python second opinion on the person, agreement and yearly rules (used by tests).
- ``names.py``: places, hospitals, people; ``users.py``: a demo user per role; ``reset.py``: ``--reset``.
- ``national.py``: ``seed_demo --scale national --program NAT2022`` (≈ 2,500 pairings, ≈ 62,000 deployments).
"""
