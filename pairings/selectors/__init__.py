"""Reads of the registry app: scoped querysets and set-based figures."""
