"""The production stack of docs/operations.md on the loopback: nginx (TLS) → gunicorn, a worker and beat.

Everything comes from the files an installation uses, so the documentation and this test cannot drift:
the nginx site ``deploy/nginx/pairing.conf`` is rendered with test values, the services run the
``ExecStart`` lines of ``deploy/systemd/*.service`` and the environment of ``deploy/pairing.env.example``.
Only the install paths are mapped to this checkout and a temporary folder, and the ports are free ones.

nginx runs as a child process (``daemon off``) with its own prefix and configuration under the temporary
folder; the Debian service is never touched.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shlex
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from tests.faults.harness import (
    ROOT,
    RedisServer,
    _Process,
    free_port,
    port_open,
    pytest_database_url,
    wait_for,
)

DEPLOY = ROOT / "deploy"
SITE = DEPLOY / "nginx" / "pairing.conf"
ENV_EXAMPLE = DEPLOY / "pairing.env.example"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
MIME_TYPES = Path("/etc/nginx/mime.types")
# The host name the test's clients use; the certificate is made for it.
HOST = "127.0.0.1"

# Where an installation keeps things (docs/operations.md) -> where the test keeps them.
VENV, APP, STATE = "/srv/pairing/venv", "/srv/pairing/app", "/var/lib/pairing"
_PLACEHOLDER = re.compile(r"@([A-Z_]+)@")

# Third-party packages' static files are left out of the test's collectstatic: WhiteNoise compresses
# every file (gzip + brotli), ~30 s of CPU for the API documentation's bundles alone. Our own static/
# goes through the same storage and the same nginx location.
THIRD_PARTY_STATIC = ("admin", "rest_framework", "drf_spectacular_sidecar", "django_htmx", "import_export")


def placeholders(text: str) -> set[str]:
    return set(_PLACEHOLDER.findall(text))


def render_site(values: dict[str, str]) -> str:
    """deploy/nginx/pairing.conf with every @NAME@ replaced; an unknown or forgotten name is an error."""
    text = SITE.read_text()
    wanted = placeholders(text)
    if wanted != set(values):
        raise ValueError(f"placeholders of {SITE.name}: {sorted(wanted)}; given: {sorted(values)}")
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], text)


def read_env_example() -> dict[str, str]:
    """KEY=VALUE lines of deploy/pairing.env.example (comments and blank lines skipped)."""
    values = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def unit_command(unit: str, *, state: Path) -> list[str]:
    """The ExecStart of deploy/systemd/<unit>.service with the install paths mapped to this machine."""
    text = (DEPLOY / "systemd" / f"{unit}.service").read_text()
    (line,) = [ln for ln in text.splitlines() if ln.startswith("ExecStart=")]
    mapping = {VENV: str(Path(sys.executable).parent.parent), APP: str(ROOT), STATE: str(state)}
    argv = []
    for arg in shlex.split(line.removeprefix("ExecStart=")):
        for installed, here in mapping.items():
            arg = arg.replace(installed, here)
        argv.append(arg)
    return argv


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for HOST (openssl CLI), valid two days."""
    folder.mkdir(parents=True, exist_ok=True)
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-nodes", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]
        + ["-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", f"/CN={HOST}"]
        + ["-addext", f"subjectAltName=IP:{HOST},DNS:localhost"],
        check=True,
        capture_output=True,
        timeout=30,
    )
    return cert, key


class Nginx(_Process):
    """nginx in the foreground with the rendered site, its own pid file, logs and temp folders."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.http_port, self.https_port = free_port(), free_port()

    def start(self, site: str) -> Nginx:
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "pairing.conf").write_text(site)
        f = self.folder
        temp = "\n".join(
            f"    {kind}_temp_path {f / kind};"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        # As root nginx would hand its workers to `nobody`, who cannot enter pytest's 0700 folders.
        user = "user root;\n" if os.geteuid() == 0 else ""
        conf = self.folder / "nginx.conf"
        conf.write_text(
            f"""{user}daemon off;
worker_processes 1;
pid {f / "nginx.pid"};
error_log {f / "error.log"} info;
events {{ worker_connections 256; }}
http {{
    include {MIME_TYPES};
    default_type application/octet-stream;
    access_log {f / "access.log"};
    sendfile on;
{temp}
    include {f / "pairing.conf"};
}}
"""
        )
        base = [NGINX, "-p", f"{f}/", "-c", str(conf), "-e", str(f / "error.log")]
        check = subprocess.run([*base, "-t"], capture_output=True, text=True, timeout=30)
        if check.returncode != 0:
            raise RuntimeError(f"nginx -t refused the rendered site:\n{check.stderr}")
        self._spawn(base, log=f / "nginx.out")
        wait_for(lambda: port_open(self.https_port) and port_open(self.http_port), timeout=20, what="nginx")
        return self

    def log_tail(self, n: int = 40) -> str:
        error_log = self.folder / "error.log"
        return (
            "\n".join(error_log.read_text(errors="replace").splitlines()[-n:]) if error_log.exists() else ""
        )


class Service(_Process):
    """One of the systemd services, run from its unit's ExecStart."""

    def __init__(self, unit: str, argv: list[str], *, env: dict[str, str], log: Path) -> None:
        self.unit, self.argv, self.env, self.log = unit, argv, env, log

    def start(self) -> Service:
        self._spawn(self.argv, env=self.env, log=self.log)
        return self


class SourceAddress(HTTPAdapter):
    """Connect from a given loopback address (127.0.0.2, 127.0.0.3, …), i.e. as another client machine."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


class Stack:
    """Redis, collectstatic + migrate, then web, worker, beat and nginx, as docs/operations.md installs."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.state = folder / "state"  # /var/lib/pairing
        self.static_root = folder / "static"  # /srv/pairing/static
        self.media_root = self.state / "media"
        self.redis = RedisServer(folder / "redis", appendonly=False)
        self.web_port = free_port()
        self.processes: list[_Process] = []
        self._t = time.monotonic()

    def env(self) -> dict[str, str]:
        example = read_env_example()
        overrides = {
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(60),
            "DJANGO_ALLOWED_HOSTS": HOST,
            "DATABASE_URL": pytest_database_url(),
            "REDIS_URL": self.redis.url,
            "STATIC_ROOT": str(self.static_root),
            "MEDIA_ROOT": str(self.media_root),
        }
        # The example must name every variable the test has to set: an installation needs them too.
        assert set(overrides) <= set(example), set(overrides) - set(example)
        # The environment a systemd service gets: PATH and locale, not the test runner's settings.
        keep = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "HOME", "TZ")}
        return {**keep, **example, **overrides, "PYTHONUNBUFFERED": "1"}

    def manage(self, *args: str) -> str:
        """Run a management command as the install steps do; its standard output."""
        return self._finish(self._manage(*args), args)

    def _manage(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    @staticmethod
    def _finish(process: subprocess.Popen[str], args: tuple[str, ...]) -> str:
        out, err = process.communicate(timeout=120)
        if process.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{out}\n{err}")
        return out

    def _lap(self, what: str) -> None:
        # Shown with the test's output when it fails: where the boot time went.
        now = time.monotonic()
        print(f"prodstack: {what} in {now - self._t:.1f} s", file=sys.stderr)
        self._t = now

    def start(self) -> Stack:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.media_root.mkdir(parents=True)
        self.redis.start()
        self.processes.append(self.redis)
        # The two install steps before the services start, side by side (they touch different things).
        ignore = [arg for name in THIRD_PARTY_STATIC for arg in ("--ignore", name)]
        collect = ("collectstatic", "--noinput", "--verbosity", "0", *ignore)
        migrate = ("migrate", "--noinput", "--verbosity", "0")
        running = [(self._manage(*collect), collect), (self._manage(*migrate), migrate)]
        for process, args in running:
            self._finish(process, args)
        self._lap("collectstatic + migrate")

        env = self.env()
        web = unit_command("pairing-web", state=self.state) + ["--bind", f"127.0.0.1:{self.web_port}"]
        web += ["--workers", "2"]
        worker = unit_command("pairing-worker", state=self.state) + ["--concurrency", "1"]
        beat = unit_command("pairing-beat", state=self.state)
        for unit, argv in (("pairing-web", web), ("pairing-worker", worker), ("pairing-beat", beat)):
            service = Service(unit, argv, env=env, log=self.folder / f"{unit}.log").start()
            self.processes.append(service)

        self.cert, self.key = make_certificate(self.folder / "tls")
        self.nginx = self.start_nginx(self.folder / "nginx", upstream=f"127.0.0.1:{self.web_port}")
        self._lap("nginx")
        wait_for(lambda: port_open(self.web_port), timeout=60, what="gunicorn to listen")
        self._lap("gunicorn")
        return self

    def start_nginx(self, folder: Path, *, upstream: str) -> Nginx:
        """nginx with the site rendered for this stack's folders, in front of ``upstream``."""
        nginx = Nginx(folder)
        site = render_site(
            {
                "SERVER_NAME": HOST,
                "HTTP_LISTEN": f"127.0.0.1:{nginx.http_port}",
                "HTTPS_LISTEN": f"127.0.0.1:{nginx.https_port}",
                "CERTIFICATE": str(self.cert),
                "CERTIFICATE_KEY": str(self.key),
                "UPSTREAM": upstream,
                "STATIC_ROOT": str(self.static_root),
                "MEDIA_ROOT": str(self.media_root),
            }
        )
        self.processes.append(nginx)
        return nginx.start(site)

    def https(self, nginx: Nginx | None = None) -> str:
        return f"https://{HOST}:{(nginx or self.nginx).https_port}"

    def http(self, nginx: Nginx | None = None) -> str:
        return f"http://{HOST}:{(nginx or self.nginx).http_port}"

    def client(self, source: str = "127.0.0.1") -> requests.Session:
        session = requests.Session()
        # Not the environment's CA bundle (REQUESTS_CA_BUNDLE would win over `verify`) nor its proxies.
        session.trust_env = False
        session.verify = str(self.cert)
        adapter = SourceAddress(source)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        return session

    def service(self, unit: str) -> Service:
        return next(p for p in self.processes if isinstance(p, Service) and p.unit == unit)

    def logs(self) -> str:
        return "\n".join(
            f"--- {getattr(p, 'unit', type(p).__name__)}\n{p.log_tail()}" for p in self.processes
        )

    def stop(self) -> None:
        for process in reversed(self.processes):
            with contextlib.suppress(Exception):
                process.terminate(timeout=15)


def loopback_alias_works(address: str) -> bool:
    """Linux answers the whole 127/8 on lo; elsewhere only 127.0.0.1 may be bindable."""
    with socket.socket() as s:
        try:
            s.bind((address, 0))
        except OSError:
            return False
    return True
