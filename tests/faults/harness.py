"""Real processes for fault-injection tests: a Redis, a PostgreSQL cluster, Celery workers, a web server.

Reusable by every area's fault tests (``pytest -m faults``, ``make faults``)::

    with RedisServer(tmp_path / "redis") as redis, CeleryWorker(env=worker_env(redis.url)) as worker:
        ...
        worker.kill9()     # the whole worker, like an OOM kill
        worker.start()

Everything listens on 127.0.0.1 on free ports and lives under the test's tmp folder (the PostgreSQL
cluster under /var/tmp when running as root, since PostgreSQL refuses to run as root and its OS user
must reach the folder). Each helper stops what it started, also when the test fails.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections

ROOT = Path(settings.BASE_DIR)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(
    predicate: Callable[[], Any], *, timeout: float, interval: float = 0.2, what: str = "condition"
) -> Any:
    deadline = time.monotonic() + timeout
    last_exc: BaseException | None = None
    while time.monotonic() < deadline:
        try:
            result = predicate()
            if result:
                return result
        except Exception as exc:  # noqa: BLE001 - retried until the deadline
            last_exc = exc
        time.sleep(interval)
    raise TimeoutError(
        f"timed out after {timeout}s waiting for {what}" + (f": {last_exc!r}" if last_exc else "")
    )


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


class _Process:
    """A child process in its own process group, so kill9() takes its children (pool processes) too."""

    proc: subprocess.Popen[bytes] | None = None

    def _spawn(
        self, cmd: list[str], *, env: dict[str, str] | None = None, log: Path, cwd: Path = ROOT
    ) -> None:
        log.parent.mkdir(parents=True, exist_ok=True)
        self._log = log
        self.proc = subprocess.Popen(
            cmd, cwd=cwd, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True
        )

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill9(self) -> None:
        """SIGKILL the whole process group: no cleanup, no acknowledgement, like a crash."""
        if self.proc is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)
            self.proc = None

    def terminate(self, timeout: float = 30) -> None:
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill9()
        self.proc = None

    def log_tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self._log.read_text(errors="replace").splitlines()[-n:])
        except (AttributeError, FileNotFoundError):
            return ""


class RedisServer(_Process):
    """A dedicated redis-server. With ``appendonly`` (the production setting, docs/operations.md) queued
    tasks survive a restart, even a kill -9 (appendfsync always here; everysec loses at most 1 s)."""

    def __init__(
        self, folder: Path, *, appendonly: bool = True, port: int | None = None, policy: str = "noeviction"
    ) -> None:
        self.folder = folder
        self.appendonly = appendonly
        self.policy = policy
        self.port = port or free_port()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        self.folder.mkdir(parents=True, exist_ok=True)
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        cmd = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.folder)]
        cmd += ["--save", "", "--maxmemory-policy", self.policy, "--daemonize", "no"]
        cmd += (
            ["--appendonly", "yes", "--appendfsync", "always"] if self.appendonly else ["--appendonly", "no"]
        )
        self._spawn(cmd, log=self.folder / "redis.log")
        wait_for(lambda: port_open(self.port), timeout=20, what="redis to listen")
        return self

    def restart(self, *, hard: bool = True) -> None:
        self.kill9() if hard else self.terminate()
        self.start()

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.kill9()


def _pg_bindir() -> Path:
    for version in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (version / "initdb").exists():
            return version
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    raise RuntimeError("PostgreSQL server binaries (initdb) not found")


class PostgresCluster:
    """A throwaway PostgreSQL cluster (initdb) on a free port, as scripts/services.sh makes one.

    As root the cluster runs as the ``postgres`` (or ``pgrunner``) user through ``runuser``.
    """

    def __init__(self, *, port: int | None = None, db: str = "pairing", role: str = "pairing") -> None:
        self.port = port or free_port()
        self.db, self.role = db, role
        self.bindir = _pg_bindir()
        self.user = None
        if os.geteuid() == 0:
            self.user = "postgres"
            if subprocess.run(["id", "-u", "postgres"], capture_output=True).returncode != 0:
                self.user = "pgrunner"
        self.home = Path(tempfile.mkdtemp(prefix="pairing-faults-pg-", dir="/var/tmp"))
        self.data = self.home / "data"
        if self.user:
            shutil.chown(self.home, self.user)
        self.home.chmod(0o700)

    @property
    def url(self) -> str:
        return f"postgres://{self.role}@127.0.0.1:{self.port}/{self.db}"

    def _as_pg(self, *cmd: str) -> subprocess.CompletedProcess[bytes]:
        full = ["runuser", "-u", self.user, "--", *cmd] if self.user else list(cmd)
        return subprocess.run(full, cwd="/", capture_output=True, check=True, timeout=120)

    def init(self) -> PostgresCluster:
        self._as_pg(
            str(self.bindir / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8"
        )
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write("\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = ''\nfsync = off\n")
        return self

    def start(self) -> None:
        self._as_pg(
            str(self.bindir / "pg_ctl"),
            "start",
            "-D",
            str(self.data),
            "-w",
            "-t",
            "60",
            "-l",
            str(self.home / "postgres.log"),
            "-o",
            f"-p {self.port}",
        )

    def stop(self, mode: str = "fast") -> None:
        self._as_pg(str(self.bindir / "pg_ctl"), "stop", "-D", str(self.data), "-m", mode, "-w", "-t", "60")

    def restart(self, mode: str = "fast") -> None:
        """Stop (``immediate`` is a crash: no checkpoint, clients cut off) and start again."""
        self.stop(mode)
        self.start()

    def create_database(self) -> None:
        psql = [
            str(self.bindir / "psql"),
            "-X",
            "-q",
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            "postgres",
        ]
        subprocess.run(
            [*psql, "-c", f"create role {self.role} login superuser"], check=True, capture_output=True
        )
        subprocess.run(
            [*psql, "-c", f"create database {self.db} owner {self.role}"], check=True, capture_output=True
        )

    def __enter__(self) -> PostgresCluster:
        self.init()
        self.start()
        self.create_database()
        return self

    def __exit__(self, *exc: Any) -> None:
        with contextlib.suppress(Exception):
            self.stop("immediate")
        shutil.rmtree(self.home, ignore_errors=True)


def pytest_database_url() -> str:
    """The URL of the database pytest-django is using (test_<name>), for subprocesses."""
    s = connections["default"].settings_dict
    return f"postgres://{s['USER']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


def process_env(*, redis_url: str, database_url: str | None = None, **extra: str) -> dict[str, str]:
    """Environment for a worker / web subprocess on the given services (test settings, short timeouts)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "CELERY_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL=database_url or pytest_database_url(),
        REDIS_URL=redis_url,
        CELERY_BROKER_URL=redis_url,
        CELERY_RESULT_BACKEND=redis_url,
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


class CeleryWorker(_Process):
    """``celery worker`` as a subprocess (prefork, one child), with extra task modules included and,
    with ``beat=True``, the beat scheduler embedded."""

    def __init__(
        self,
        env: dict[str, str],
        *,
        log: Path,
        include: tuple[str, ...] = ("tests.faults.tasks",),
        beat: bool = False,
    ) -> None:
        self.env, self.log, self.include, self.beat = env, log, include, beat

    def start(self) -> CeleryWorker:
        cmd = [sys.executable, "-m", "celery", "-A", "config.celery_app", "worker", "--pool=prefork"]
        cmd += [
            "--concurrency=1",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
        if self.include:
            cmd += ["--include", ",".join(self.include)]
        if (
            self.beat
        ):  # embedded beat (the periodic tasks: the jobs dispatcher), its schedule file beside the log
            cmd += ["--beat", "--schedule", str(self.log.with_suffix(".beat-schedule"))]
        self._spawn(cmd, env=self.env, log=self.log)
        wait_for(lambda: "ready." in self.log.read_text(errors="replace"), timeout=60, what="worker ready")
        return self

    def __enter__(self) -> CeleryWorker:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.kill9()


class WebServer(_Process):
    """gunicorn serving config.wsgi on a free port."""

    def __init__(self, env: dict[str, str], *, log: Path, workers: int = 2, port: int | None = None) -> None:
        self.env, self.log, self.workers = env, log, workers
        self.port = port or free_port()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> WebServer:
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        cmd = [gunicorn, "config.wsgi", "--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers)]
        cmd += ["--timeout", "60", "--access-logfile", "-"]
        self._spawn(cmd, env=self.env, log=self.log)
        wait_for(lambda: port_open(self.port), timeout=60, what="gunicorn to listen")
        return self

    def get(self, path: str, timeout: float = 15) -> tuple[int, bytes]:
        try:
            with urllib.request.urlopen(self.url + path, timeout=timeout) as response:  # noqa: S310 - loopback
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def __enter__(self) -> WebServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.terminate()


def client_app(broker_url: str) -> Any:
    """A Celery app that only sends, to a given broker (the tests' own Redis)."""
    from celery import Celery

    app = Celery("faults-client", broker=broker_url, backend=broker_url, set_as_current=False)
    app.conf.broker_connection_retry_on_startup = True
    app.conf.task_ignore_result = True  # as in our settings: publishing must not need the result backend
    return app
