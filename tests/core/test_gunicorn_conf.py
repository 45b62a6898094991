"""The shipped gunicorn.conf.py: a real gunicorn logs no address, user agent or query string."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from tests.conftest import TEST_DATA_KEY

ROOT = Path(__file__).resolve().parent.parent.parent
CONFIG = ROOT / "gunicorn.conf.py"
LISTENING = re.compile(r"Listening at: http://127\.0\.0\.1:(\d+)")
QUERY = "?number=TS-2026-000123&code=SECRET"
USER_AGENT = "SecretAgent/1.0 (Linux; Android 14)"
FORWARDED_FOR = "203.0.113.7"
REFERER = "https://referer.example/from?q=SECRET"
# None of these may appear in any log line written while the requests are handled.
PRIVATE = ("SECRET", "TS-2026-000123", "number=", "127.0.0.1", FORWARDED_FOR, "SecretAgent",
           "Android", "referer.example")


class Server:
    """A running gunicorn: its port and, once stopped, what it wrote."""

    def __init__(self, process: subprocess.Popen[bytes], out: Path, err: Path) -> None:
        self.process, self.out_path, self.err_path = process, out, err
        self.port = 0
        self.startup_chars = 0

    def wait_until_listening(self, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            text = self.err_path.read_text(encoding="utf-8", errors="replace")
            match = LISTENING.search(text)
            if match and "Booting worker" in text:
                self.port, self.startup_chars = int(match.group(1)), len(text)
                return
            assert self.process.poll() is None, f"gunicorn exited:\n{text}"
            time.sleep(0.1)
        raise AssertionError("gunicorn did not start in time")

    def logs(self) -> tuple[str, str]:
        """Access log (stdout) and what the error log got after start-up (stderr)."""
        err = self.err_path.read_text(encoding="utf-8", errors="replace")
        return self.out_path.read_text(encoding="utf-8"), err[self.startup_chars:]


@contextmanager
def gunicorn(tmp_path: Path, *args: str, **env: str) -> Iterator[Server]:
    """Start ``python -m gunicorn -c gunicorn.conf.py`` on a free loopback port; always stop it."""
    environ = {key: value for key, value in os.environ.items()
               if not key.startswith(("PORTAL_", "GUNICORN_"))}
    environ.update(WORKERS="1", BIND="127.0.0.1:0", XDG_RUNTIME_DIR=str(tmp_path), **env)
    out, err = tmp_path / "access.log", tmp_path / "error.log"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(CONFIG), *args],
                                   cwd=ROOT, env=environ, stdout=stdout, stderr=stderr)
    server = Server(process, out, err)
    try:
        server.wait_until_listening()
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def _get(port: int, path: str) -> int:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={
        "User-Agent": USER_AGENT, "X-Forwarded-For": FORWARDED_FOR, "Referer": REFERER})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


def _raw(port: int, data: bytes) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(data)
        connection.recv(1024)


def test_the_access_log_has_path_and_status_but_no_address_agent_or_query(tmp_path):
    env = {"PORTAL_DATABASE_URL": f"sqlite:///{tmp_path / 'portal.sqlite3'}",
           "PORTAL_SECRET_KEY": "test-secret", "PORTAL_DATA_KEY": TEST_DATA_KEY,
           "PORTAL_CODE_PEPPER": "test-pepper", "PORTAL_PROXY_COUNT": "1",
           "PORTAL_LOG_LEVEL": "INFO"}
    with gunicorn(tmp_path, **env) as server:  # the portal itself: wsgi_app in the config
        assert _get(server.port, f"/healthz{QUERY}") == 200
        # A malformed request line makes gunicorn log a warning with the client's address.
        _raw(server.port, b"GET /healthz" + QUERY.encode() + b"\r\nHost: x\r\n\r\n")
    access, errors = server.logs()
    lines = access.splitlines()
    assert len(lines) == 1, access
    assert '"GET /healthz" 200 ' in lines[0]
    assert "Invalid request" in errors and '"path": "/healthz"' in errors
    for private in PRIVATE:
        assert private not in access and private not in errors, private


def test_errors_escaping_the_app_are_logged_without_the_query(tmp_path):
    (tmp_path / "boom_app.py").write_text(
        "def app(environ, start_response):\n    raise RuntimeError('boom')\n", encoding="utf-8")
    with gunicorn(tmp_path, "--pythonpath", str(tmp_path), "boom_app:app") as server:
        assert _get(server.port, f"/boom{QUERY}") == 500
    access, errors = server.logs()
    assert '"GET ' in access and '" 500 ' in access  # gunicorn has no path for its own 500
    assert "Error handling request" in errors and "RuntimeError: boom" in errors
    for private in PRIVATE:
        assert private not in access and private not in errors, private


def _dated(port: int, path: str) -> tuple[str, str]:
    """(Last-Modified, X-Request-ID)."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
        assert response.status == 200
        return str(response.headers["Last-Modified"]), str(response.headers["X-Request-ID"])


def test_a_recycled_worker_is_a_fork_of_the_portal_the_master_built(app, tmp_path):
    """gunicorn builds the portal once (preload_app): a worker recycled after its requests
    answers with database connections of its own, and dates the pages from the same start as
    the one it replaced (a worker that built its own portal dated them from its own start, so
    that a proxy's copy looked stale after each recycling); the forks do not repeat each
    other's request ids."""
    env = {"PORTAL_DATABASE_URL": app.config["DATABASE_URL"],
           "PORTAL_SECRET_KEY": "test-secret", "PORTAL_DATA_KEY": TEST_DATA_KEY,
           "PORTAL_CODE_PEPPER": "test-pepper", "PORTAL_LOG_LEVEL": "WARNING"}
    with gunicorn(tmp_path, "--max-requests", "3", "--max-requests-jitter", "0",
                  **env) as server:
        answers = []
        for _ in range(4):  # the worker is replaced after each third request
            answers += [_dated(server.port, "/about") for _ in range(3)]
            time.sleep(1.1)  # Last-Modified counts whole seconds
    _access, errors = server.logs()
    assert errors.count("Autorestarting worker") >= 3, errors
    assert len({date for date, _id in answers}) == 1, answers
    assert len({request_id for _date, request_id in answers}) == len(answers)


def test_a_forked_process_opens_its_own_database_connections(app):
    """``after_fork``: the child never uses, nor closes, a connection of its parent's pool."""
    from portal import after_fork
    from portal.extensions import db

    with app.app_context():
        with db.engine.connect() as connection:  # back in the pool afterwards
            parents = id(connection.connection.dbapi_connection)
        reading, writing = os.pipe()
        child = os.fork()
        if child == 0:  # pragma: no cover (the child's lines are not traced)
            try:
                after_fork(app)
                with db.engine.connect() as connection:
                    connection.execute(sa.text("SELECT 1"))
                    mine = id(connection.connection.dbapi_connection)
                db.engine.dispose()  # closes this process's connections only
                os.write(writing, b"own" if mine != parents else b"parent's")
            finally:
                os._exit(0)
        os.close(writing)
        told = os.read(reading, 16)
        os.waitpid(child, 0)
        os.close(reading)
        with db.engine.connect() as connection:
            assert id(connection.connection.dbapi_connection) == parents
            assert connection.execute(sa.text("SELECT 1")).scalar() == 1
    assert told == b"own"


def test_a_forked_worker_renders_the_templates_the_master_loaded(app, monkeypatch):
    """``before_fork``: after it, pages render without reading a template file, so that files
    updated in place before a restart never meet the code already loaded."""
    from jinja2 import TemplateNotFound

    from portal import before_fork

    before_fork(app)

    def gone(_environment, name):
        raise TemplateNotFound(name)

    monkeypatch.setattr(app.jinja_env.loader, "get_source", gone)  # as if the files had gone
    client = app.test_client()
    for path in ("/", "/about", "/tariffs/", "/complaints/new", "/no-such-page"):
        assert client.get(path).status_code in (200, 404), path
    assert "<h1" in client.get("/about").get_data(as_text=True)


def test_big_allocations_go_back_to_the_system():
    """A worker does not keep the 16 MiB of each thread's slow hash (glibc's mallopt)."""
    script = f"""
import hashlib, importlib.util, threading
spec = importlib.util.spec_from_file_location("conf", {str(CONFIG)!r})
conf = importlib.util.module_from_spec(spec)
spec.loader.exec_module(conf)
assert conf.return_big_allocations()
def rss():
    return int(open('/proc/self/status').read().split('VmRSS:')[1].split()[0]) // 1024
before = rss()
def work():
    for _ in range(3):
        hashlib.scrypt(b"code", salt=b"s" * 16, n=2 ** 14, r=8, p=1, maxmem=64 * 1024 * 1024)
threads = [threading.Thread(target=work) for _ in range(4)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(rss() - before)
"""
    grown = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                           check=True, cwd=ROOT).stdout
    assert int(grown) < 16, grown  # without it: about 64 MiB
