"""Every configuration option: its default, its PORTAL_* environment name and its meaning.

Loading order: defaults, ``instance/config.py`` if present, ``PORTAL_*`` environment variables,
then the overrides given to ``create_app`` (tests). Environment values are parsed by the
option's own type rather than by ``Flask.from_prefixed_env``: its JSON guessing would turn a
secret key such as ``1e5`` into a float.
"""

from __future__ import annotations

import base64
import contextlib
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cryptography.fernet import Fernet
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from portal.i18n import SUPPORTED_LOCALES

ENV_PREFIX = "PORTAL_"


class ConfigError(RuntimeError):
    """A configuration option has a value the portal cannot use."""


def _parse_bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError("expected true or false")


def _parse_int(raw: str) -> int:
    value = int(raw.strip())
    if value < 0:
        raise ValueError("expected a whole number of 0 or more")
    return value


def _parse_positive(raw: str) -> int:
    value = int(raw.strip())
    if value < 2:
        raise ValueError("expected a whole number of 2 or more")
    return value


def _parse_token(raw: str) -> str:
    value = raw.strip()
    if value and (len(value) < 32 or not value.isascii() or not value.isprintable()
                  or " " in value):
        raise ValueError("expected at least 32 printable ASCII characters without spaces "
                         "(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')")
    return value


def _parse_seconds(raw: str) -> float:
    value = float(raw.strip())
    if not 0 < value <= 60:  # also refuses nan and inf
        raise ValueError("expected a number of seconds between 0 and 60")
    return value


@dataclass(frozen=True)
class Option:
    """One configuration option."""

    key: str
    default: Any
    meaning: str
    parse: Callable[[str], Any] = str

    @property
    def env(self) -> str:
        """The environment variable that sets this option."""
        return ENV_PREFIX + self.key


OPTIONS: tuple[Option, ...] = (
    Option("ENV", "production",
           "`production` (secure cookies, no debug) or `development` (for `make run` on http)."),
    Option("SECRET_KEY", None,
           "Signs sessions and CSRF tokens. Unset: generated once into `instance/secret_key`."),
    Option("DATABASE_URL", None,
           "SQLAlchemy URL. Unset: SQLite file `instance/portal.sqlite3`. "
           "PostgreSQL: `postgresql+psycopg://user@host:5432/dbname`."),
    Option("RATELIMIT_STORAGE_URI", "memory://",
           "Where rate-limit counters live; `redis://127.0.0.1:6379/0` when several workers run."),
    Option("RATELIMIT_STORAGE_TIMEOUT", 0.5,
           "Seconds to wait for the rate-limit store; unreachable, limits fall back to each "
           "process's memory (with a warning in the log).", _parse_seconds),
    Option("CACHE_REDIS_URL", "",
           "Redis shared by the workers' cache of published prices and public pages, e.g. "
           "`redis://127.0.0.1:6380/0`: a Redis server of its own (not the rate limits'), with "
           "a memory limit and `allkeys-lru`; empty: each process caches in its own memory."),
    Option("PAGE_CACHE", True,
           "Keep public pages and open-data answers for anonymous readers until something "
           "public changes.", _parse_bool),
    Option("PAGE_CACHE_ENTRIES", 400,
           "Pages each process keeps in its own memory (without Redis).", _parse_positive),
    Option("PAGE_CACHE_MAX_AGE", 0,
           "Seconds a proxy may serve a public page without asking again; 0: it must ask "
           "(`If-None-Match`) each time, so it is never late after a publication.", _parse_int),
    Option("PAGE_CACHE_LISTEN", True,
           "On PostgreSQL, each process learns of public changes by notification (no query "
           "per page); off: it reads the counter on each request.", _parse_bool),
    Option("TEMPLATE_CACHE_DIR", "",
           "Where compiled templates are kept, so that a new worker does not compile them "
           "again; `off`: none."),
    Option("DATABASE_PRE_PING", False,
           "Test each pooled database connection before use (a round trip per request); "
           "for networks that drop idle connections.", _parse_bool),
    Option("RATELIMIT_ENABLED", True, "Turn rate limiting off only for local experiments.",
           _parse_bool),
    Option("LOGIN_RATE_LIMIT", "10 per minute;50 per hour",
           "Login and second-factor attempts allowed per client address."),
    Option("LOGIN_MAX_FAILURES", 5,
           "Failed passwords or codes in a row that start the account's waits: this failure "
           "and each further one make it wait (30 seconds, doubling).", _parse_int),
    Option("LOGIN_MAX_DELAY_MINUTES", 15,
           "Longest wait after failed logins; attempts during a wait are refused.", _parse_int),
    Option("SESSION_IDLE_MINUTES", 30,
           "Minutes without a request after which a logged-in session ends.", _parse_int),
    Option("DEFAULT_LOCALE", "zh_Hans_CN",
           "Language when neither `?lang=`, the session nor the browser chooses one."),
    Option("TIMEZONE", "Asia/Shanghai", "Time zone in which dates and times are shown."),
    Option("SERVICE_HOTLINE", "95598", "The supplier's service hotline shown in the footer."),
    Option("REGULATOR_HOTLINE", "12398", "The energy regulator's hotline shown in the footer."),
    Option("MAX_CONTENT_LENGTH", 52 * 1024 * 1024,
           "Largest request body in bytes; larger requests get a 413 page.", _parse_int),
    Option("PROXY_COUNT", 0,
           "Reverse proxies in front of the portal whose X-Forwarded-* headers are trusted.",
           _parse_int),
    Option("LOG_LEVEL", "INFO", "Level of the structured request log written to stderr."),
    Option("DATA_KEY", None,
           "Fernet key(s), comma-separated, newest first, that encrypt complainants' contact "
           "details. Unset: generated once into `instance/data_key`."),
    Option("CODE_PEPPER", None,
           "Secret mixed into complaint codes and their hashes. Unset: generated once into "
           "`instance/code_pepper`. Never change it: existing codes would stop working."),
    Option("CONTACT_RETENTION_DAYS", 365,
           "Days after a complaint is closed before its contact details are purged.", _parse_int),
    Option("REOPEN_DAYS", 15, "Days after an answer within which a complainant may reopen once.",
           _parse_int),
    Option("COMMITTEE_WORKING_DAYS", 15,
           "Working days (Chinese statutory calendar) after a case is taken to the users' "
           "committee by which the committee should decide it; later, the case is shown as "
           "overdue. No law sets this period: it is the portal's own rule.", _parse_int),
    Option("STATS_MIN_CELL", 5,
           "k of the statistics' disclosure control: a count from 1 to k-1 is published as "
           "\"<k\", and medians or shares resting on fewer than k cases are not published.",
           _parse_positive),
    Option("STATS_SETTLE_DAYS", 30,
           "Days after a month ends before its statistics are published. Its counts are taken "
           "then and never recomputed, so that cases still being answered have settled and "
           "figures extracted at different times cannot be subtracted.", _parse_int),
    Option("CHECK_STEP_MINUTES", 60,
           "How long the check step of the complaint form stays valid.", _parse_int),
    Option("QUEUE_URL", "",
           "Redis for background jobs (emails), e.g. `redis://127.0.0.1:6379/2`, run by "
           "`flask --app portal worker`; empty: each web process runs them on a thread of its "
           "own after the commit."),
    Option("METRICS_TOKEN", "",
           "Token a Prometheus scraper sends (`Authorization: Bearer ...`) to read `/metrics`: "
           "at least 32 characters; empty: no `/metrics`.", _parse_token),
    Option("MAIL_SERVER", "",
           "SMTP host for emails to complainants who asked to be contacted; empty: no email."),
    Option("MAIL_PORT", 25, "SMTP port.", _parse_int),
    Option("MAIL_STARTTLS", False, "Use STARTTLS on the SMTP connection.", _parse_bool),
    Option("MAIL_USERNAME", "", "SMTP user name (empty: no login)."),
    Option("MAIL_PASSWORD", "", "SMTP password."),
    Option("MAIL_SENDER", "noreply@example.invalid", "From address of the emails."),
    Option("PUBLIC_URL", "",
           "The portal's public address, e.g. `https://portal.example.cn`: absolute links in "
           "emails, feeds and the API use it instead of the request's Host header."),
    Option("FILE_RATE_LIMIT", "5 per minute;30 per day",
           "Complaints that one client address may file."),
    Option("UPLOAD_RATE_LIMIT", "20 per hour;60 per day",
           "Requests with files (complaint forms, information added to a case) that one client "
           "address may send."),
    Option("TRACK_RATE_LIMIT", "10 per minute;100 per hour",
           "Tracking look-ups per client address."),
    Option("TRACK_NUMBER_FREE_FAILURES", 5,
           "Failed look-ups of one tracking number (from all clients together) that start its "
           "waits: this failure and each further one make it wait (2 seconds, doubling).",
           _parse_int),
    Option("TRACK_NUMBER_MAX_DELAY_SECONDS", 120,
           "Longest wait of a tracking number after failed look-ups; whoever was told to wait "
           "is let through once that wait is over.", _parse_int),
    Option("LOG_SIGNING_KEY", None,
           "Ed25519 key that signs the transparency log's checkpoints: the base64 of a 32-byte "
           "seed, or a Go signer key `PRIVATE+KEY+<name>+<id>+<key>`. Unset: generated once "
           "into `instance/log_signing_key`. Keep it: a new key needs a new verifier key."),
    Option("LOG_ORIGIN", "",
           "The transparency log's name on its checkpoints, e.g. "
           "`transparency.example.org/open-power-service`; empty: the host of "
           "`PORTAL_PUBLIC_URL` (or `localhost`) followed by `/open-power-service`. Never "
           "change it once checkpoints are published."),
    Option("LOG_KEY_NAME", "",
           "Name of the checkpoints' signing key (no `+` nor spaces); empty: the origin."),
    Option("OPEN311_JURISDICTION", "",
           "The Open311 `jurisdiction_id` of this portal; empty: the host of "
           "`PORTAL_PUBLIC_URL` (or `localhost`). A request naming another is refused."),
    Option("OPEN311_KEY_LIMIT", "60 per minute;5000 per day",
           "Open311 service requests that one partner's key may file, unless the key has a "
           "limit of its own (`apikeys create --rate-limit`)."),
    Option("OPEN311_READ_LIMIT", "120 per minute",
           "Open311 reads (services, requests) per client address."),
    Option("OPEN311_MAX_REQUESTS", 1000,
           "Most service requests one Open311 GET requests answers (the newest first).",
           _parse_int),
    Option("TRUSTED_HOSTS", "",
           "Host names (comma-separated) the portal answers to; requests for other hosts get "
           "400. Empty: any host (set `PORTAL_PUBLIC_URL` so that links never use it)."),
)

OPTIONS_BY_KEY = {option.key: option for option in OPTIONS}


def load_config(
    instance_path: Path,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Return the portal's settings from defaults, instance file, environment and overrides."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {option.key: option.default for option in OPTIONS}
    values.update(_instance_file_values(instance_path / "config.py"))
    for option in OPTIONS:
        raw = environ.get(option.env)
        if raw is None:
            continue
        try:
            values[option.key] = option.parse(raw)
        except ValueError as exc:
            raise ConfigError(f"{option.env}: {exc} (got {raw!r})") from None
    values.update(overrides or {})
    _validate(values)
    generated = {"SECRET_KEY": ("secret_key", lambda: secrets.token_urlsafe(48)),
                 "DATA_KEY": ("data_key", lambda: Fernet.generate_key().decode()),
                 "CODE_PEPPER": ("code_pepper", lambda: secrets.token_urlsafe(32)),
                 "LOG_SIGNING_KEY": ("log_signing_key",
                                     lambda: base64.b64encode(secrets.token_bytes(32)).decode())}
    for key, (filename, make) in generated.items():
        if not values.get(key):
            values[key] = _instance_secret(instance_path / filename, make)
    _check_data_key(values["DATA_KEY"])
    if not values["DATABASE_URL"]:
        values["DATABASE_URL"] = f"sqlite:///{instance_path / 'portal.sqlite3'}"
    if not values["TEMPLATE_CACHE_DIR"]:
        values["TEMPLATE_CACHE_DIR"] = str(instance_path / "template-cache")
    check_database_url(values["DATABASE_URL"])
    create_private_sqlite_file(values["DATABASE_URL"])
    return values


def create_private_sqlite_file(url: str) -> None:
    """Create a SQLite database file readable only by its owner (SQLite itself uses 0644), and
    make an existing one so."""
    parsed = make_url(url)
    database = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or database in {"", ":memory:"} \
            or database.startswith("file:"):
        return
    path = Path(database)
    if not path.parent.is_dir():
        return  # SQLite reports the missing folder when it connects
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    if path.stat().st_mode & 0o077 and path.stat().st_uid == os.getuid():
        path.chmod(0o600)  # a file made by an earlier version or by hand


def _instance_file_values(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    namespace: dict[str, Any] = {}
    exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), namespace)  # noqa: S102
    return {key: value for key, value in namespace.items() if key.isupper()}


def _validate(values: Mapping[str, Any]) -> None:
    if values["ENV"] not in {"production", "development"}:
        raise ConfigError(f"{ENV_PREFIX}ENV: expected production or development "
                          f"(got {values['ENV']!r})")
    if values["DEFAULT_LOCALE"] not in SUPPORTED_LOCALES:
        raise ConfigError(f"{ENV_PREFIX}DEFAULT_LOCALE: expected one of "
                          f"{', '.join(SUPPORTED_LOCALES)} (got {values['DEFAULT_LOCALE']!r})")
    public = urlsplit(str(values["PUBLIC_URL"] or ""))
    if values["PUBLIC_URL"] and (public.scheme not in {"http", "https"} or not public.netloc
                                 or public.path not in {"", "/"} or public.query):
        raise ConfigError(f"{ENV_PREFIX}PUBLIC_URL: expected the site's address such as "
                          f"https://portal.example.cn (got {values['PUBLIC_URL']!r})")
    try:
        ZoneInfo(str(values["TIMEZONE"]))
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{ENV_PREFIX}TIMEZONE: unknown time zone "
                          f"{values['TIMEZONE']!r}") from None


def check_database_url(url: str) -> None:
    """Raise ConfigError naming PORTAL_DATABASE_URL if SQLAlchemy cannot use the URL."""
    env = OPTIONS_BY_KEY["DATABASE_URL"].env
    try:
        parsed = make_url(url)
        parsed.get_dialect()
    except (ArgumentError, NoSuchModuleError, ValueError) as exc:
        raise ConfigError(f"{env}: not a database URL SQLAlchemy can use ({exc})") from None
    if parsed.get_backend_name() not in {"sqlite", "postgresql"}:
        raise ConfigError(f"{env}: only sqlite and postgresql are supported "
                          f"(got {parsed.get_backend_name()!r})")


def _check_data_key(value: str) -> None:
    try:
        for key in str(value).split(","):
            Fernet(key.strip())
    except ValueError:
        raise ConfigError(f"{ENV_PREFIX}DATA_KEY: not a Fernet key (44 characters of "
                          "URL-safe base64); create one with `flask --app portal complaints "
                          "new-key`") from None


def _instance_secret(path: Path, make: Callable[[], str]) -> str:
    """Read the generated secret key, creating it (mode 0600) on first run.

    The key is written to a temporary file and linked into place, so that several workers
    starting at once all end up reading the same complete key.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not path.exists():
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(make())
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text(encoding="ascii").strip()


def options_table() -> str:
    """The Markdown table of options that the README shows."""
    lines = ["| Environment variable | Default | Meaning |", "|---|---|---|"]
    special = {"SECRET_KEY": "(generated)", "DATABASE_URL": "(SQLite in `instance/`)",
               "DATA_KEY": "(generated)", "CODE_PEPPER": "(generated)",
               "LOG_SIGNING_KEY": "(generated)",
               "TEMPLATE_CACHE_DIR": "`instance/template-cache`"}
    for option in OPTIONS:
        default = special.get(option.key, f"`{option.default}`")
        lines.append(f"| `{option.env}` | {default} | {option.meaning} |")
    return "\n".join(lines)


def update_readme(path: Path) -> None:
    """Rewrite the options table between the README's ``options`` markers."""
    text = path.read_text(encoding="utf-8")
    start, end = "<!-- options:start -->", "<!-- options:end -->"
    head, _sep, rest = text.partition(start)
    _old, _sep, tail = rest.partition(end)
    path.write_text(f"{head}{start}\n{options_table()}\n{end}{tail}", encoding="utf-8")


if __name__ == "__main__":
    update_readme(Path(__file__).resolve().parent.parent / "README.md")
