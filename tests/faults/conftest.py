from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from tests.faults.harness import RedisServer
from tests.faults.tasks import ensure_schema


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    with RedisServer(tmp_path / "redis", appendonly=True) as server:
        yield server


@pytest.fixture
def fault_tables(transactional_db: Any) -> Iterator[None]:
    """The test-only job tables in the test database, committed so worker processes see them."""
    ensure_schema()
    yield
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS faults_row, faults_job")


def job_state(key: str) -> tuple[str | None, int, int, int, int]:
    """(status, starts, completions, rows, distinct rows) of a slow_job."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT status, starts, completions FROM faults_job WHERE key = %s", [key])
        row = cursor.fetchone() or (None, 0, 0)
        cursor.execute("SELECT count(*), count(DISTINCT n) FROM faults_row WHERE job = %s", [key])
        count, distinct = cursor.fetchone()
    return row[0], row[1], row[2], count, distinct
