"""Backup and restore of the database (pg_dump custom format) and the uploaded files (MEDIA_ROOT).

A backup folder holds ``database.dump``, ``media.tar.gz`` and ``manifest.json`` (sizes and SHA-256 of both,
the database name, the latest migration of every app). Restore checks the checksums before touching
anything. Used by ``manage.py backup`` / ``manage.py restore``; see docs/operations.md.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections

from core import data_changes

DB_FILE = "database.dump"
MEDIA_FILE = "media.tar.gz"
MANIFEST = "manifest.json"


class BackupError(Exception):
    pass


def _pg_env(alias: str = "default") -> tuple[list[str], dict[str, str]]:
    """pg_dump/pg_restore connection arguments from Django's settings (password via the environment)."""
    s = connections[alias].settings_dict
    args = ["--dbname", s["NAME"]]
    if s.get("HOST"):
        args += ["--host", str(s["HOST"])]
    if s.get("PORT"):
        args += ["--port", str(s["PORT"])]
    if s.get("USER"):
        args += ["--username", str(s["USER"])]
    env = {**os.environ}
    if s.get("PASSWORD"):
        env["PGPASSWORD"] = str(s["PASSWORD"])
    return args, env


def _pg_tool(name: str) -> str:
    """pg_dump/pg_restore: PG_BIN if set (to match the server's major version), else the one on PATH."""
    folder = os.environ.get("PG_BIN")
    if folder:
        return str(Path(folder) / name)
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} not found: install postgresql-client or set PG_BIN")
    return found


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _migration_state() -> dict[str, str]:
    from django.db.migrations.recorder import MigrationRecorder

    latest: dict[str, str] = {}
    for app, name in MigrationRecorder(connections["default"]).migration_qs.values_list("app", "name"):
        latest[app] = max(latest.get(app, ""), name)
    return latest


def create_backup(output: Path) -> dict[str, Any]:
    output.mkdir(parents=True, exist_ok=True)
    if any(output.iterdir()):
        raise BackupError(f"{output} is not empty: refusing to mix two backups")
    args, env = _pg_env()
    subprocess.run(
        [_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(output / DB_FILE), *args],
        env=env,
        check=True,
        capture_output=True,
    )
    media_root = Path(settings.MEDIA_ROOT)
    with tarfile.open(output / MEDIA_FILE, "w:gz") as tar:
        if media_root.exists():
            tar.add(media_root, arcname=".")
    manifest = {
        "created_at": dt.datetime.now(dt.UTC).isoformat(),
        "database": connections["default"].settings_dict["NAME"],
        "migrations": _migration_state(),
        "files": {
            name: {"sha256": sha256(output / name), "bytes": (output / name).stat().st_size}
            for name in (DB_FILE, MEDIA_FILE)
        },
    }
    (output / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
    return manifest


def verify_backup(source: Path) -> dict[str, Any]:
    try:
        manifest: dict[str, Any] = json.loads((source / MANIFEST).read_text())
    except FileNotFoundError as exc:
        raise BackupError(f"{source / MANIFEST} missing: not a backup folder") from exc
    for name, meta in manifest["files"].items():
        path = source / name
        if not path.exists() or sha256(path) != meta["sha256"]:
            raise BackupError(f"{path} is missing or does not match its checksum in the manifest")
    return manifest


def _safe_members(tar: tarfile.TarFile) -> list[tarfile.TarInfo]:
    """Refuse absolute paths, '..' and links out of the media folder (a tampered archive)."""
    members = []
    for member in tar.getmembers():
        target = Path(member.name)
        if target.is_absolute() or ".." in target.parts or member.issym() or member.islnk():
            raise BackupError(f"unsafe path in media archive: {member.name}")
        members.append(member)
    return members


def restore_backup(source: Path) -> dict[str, Any]:
    """Replace the configured database and MEDIA_ROOT with the backup's (pg_restore --clean)."""
    manifest = verify_backup(source)

    generation_before = data_changes.generation()
    connections.close_all()
    args, env = _pg_env()
    subprocess.run(
        [
            _pg_tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            *args,
            str(source / DB_FILE),
        ],
        env=env,
        check=True,
        capture_output=True,
    )
    # pg_restore wrote past the application and put the generation back: move it beyond where it was,
    # so no API answer cached before the restore can match again.
    data_changes.move_past(generation_before)
    media_root = Path(settings.MEDIA_ROOT)
    media_root.parent.mkdir(parents=True, exist_ok=True)
    # Unpack next to MEDIA_ROOT, then swap, so a failed unpack leaves the current files in place.
    staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=media_root.parent))
    try:
        with tarfile.open(source / MEDIA_FILE, "r:gz") as tar:
            tar.extractall(staging, members=_safe_members(tar))  # noqa: S202 - members checked above
        if media_root.exists():
            shutil.rmtree(media_root)
        staging.rename(media_root)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return manifest
