"""`make run` (scripts/run.sh) serves this machine only unless asked, and its banner says which it does.

The script runs in a scratch checkout whose python and celery are stubs that record their arguments and
exit after a second (the first to exit makes the script stop the others), so nothing real is started.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
STUB = '#!/bin/sh\necho "$(basename "$0") $*" >> "$(dirname "$0")/../../calls.log"\nsleep 1\n'


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    (tmp_path / "scripts").mkdir()
    shutil.copy(REPO / "scripts" / "run.sh", tmp_path / "scripts" / "run.sh")
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    for name in ("python", "celery"):
        (bin_dir / name).write_text(STUB)
        (bin_dir / name).chmod(0o755)
    return tmp_path


def _run(repo: Path, **env: str) -> tuple[str, str]:
    base = {k: v for k, v in os.environ.items() if k not in {"HOST", "PORT"}}
    result = subprocess.run(
        ["bash", str(repo / "scripts" / "run.sh")],
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    return result.stdout + result.stderr, (repo / "calls.log").read_text()


def test_binds_the_loopback_by_default_and_says_so(scratch: Path) -> None:
    out, calls = _run(scratch, PORT="8123")
    assert "python manage.py runserver 127.0.0.1:8123" in calls
    assert "this machine only" in out and "HOST=0.0.0.0" in out


def test_serves_the_network_only_when_asked_with_a_warning(scratch: Path) -> None:
    out, calls = _run(scratch, PORT="8123", HOST="0.0.0.0")
    assert "python manage.py runserver 0.0.0.0:8123" in calls
    assert "WARNING" in out and "demo" in out


def test_an_ipv6_host_is_bracketed(scratch: Path) -> None:
    _out, calls = _run(scratch, PORT="8123", HOST="::1")
    assert "runserver [::1]:8123" in calls
