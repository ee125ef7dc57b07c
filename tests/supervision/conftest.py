"""Fixtures of the supervision tests."""

from tests.support.open_due import open_due_consistent  # noqa: F401 — autouse: stored next due time checked after each test
