"""The set-up refuses clearly, and leaves nothing half-made, when PostgreSQL or Redis cannot be had."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def scratch_repo(tmp_path: Path) -> Path:
    """A copy of the scripts in an empty checkout, so the real services are never touched."""
    (tmp_path / "scripts").mkdir()
    shutil.copy(REPO / "scripts" / "services.sh", tmp_path / "scripts" / "services.sh")
    return tmp_path


def run_services(repo: Path, **env: str) -> subprocess.CompletedProcess[str]:
    drop = {"DATABASE_URL", "REDIS_URL", "PG_BIN", "REDIS_SERVER"}
    base = {k: v for k, v in os.environ.items() if k not in drop}
    return subprocess.run(
        ["bash", str(repo / "scripts" / "services.sh"), "start"],
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_missing_postgres_binaries_are_named_and_nothing_is_created(scratch_repo: Path) -> None:
    # given no PostgreSQL server binaries where PG_BIN points, and Redis provided from outside
    result = run_services(scratch_repo, PG_BIN="/nonexistent/pg/bin", REDIS_URL="redis://127.0.0.1:1/0")
    # then the command fails, names what is missing and how to get it
    assert result.returncode != 0
    assert "PostgreSQL server binaries" in result.stderr
    assert "apt-get install postgresql-15" in result.stderr
    assert "DATABASE_URL" in result.stderr
    # and no cluster (half-initialised or not) and no env file were left behind
    assert not (scratch_repo / "var" / "pg").exists()
    assert not (scratch_repo / "var" / "env").exists()


def test_unusable_redis_server_is_named(scratch_repo: Path) -> None:
    result = run_services(
        scratch_repo, REDIS_SERVER="/nonexistent/redis-server", DATABASE_URL="postgres://x@127.0.0.1:1/x"
    )
    assert result.returncode != 0
    assert "REDIS_SERVER=/nonexistent/redis-server is not an executable" in result.stderr
    assert not (scratch_repo / "var" / "env").exists()


def test_both_urls_given_starts_nothing(scratch_repo: Path) -> None:
    result = run_services(
        scratch_repo, DATABASE_URL="postgres://x@127.0.0.1:1/x", REDIS_URL="redis://127.0.0.1:1/0"
    )
    assert result.returncode == 0, result.stderr
    assert not (scratch_repo / "var" / "pg").exists()
    assert not (scratch_repo / "var" / "env").exists()
