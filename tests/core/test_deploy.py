"""deploy/: a timer for every scheduled duty, at the time the duty says, in a calendar systemd
reads; units that run the portal's own commands; a proxy log without client addresses."""

from __future__ import annotations

import configparser
import re
import shutil
import subprocess

import pytest

from portal import ROOT
from portal.core import duties

SYSTEMD = ROOT / "deploy" / "systemd"


def _unit(path):
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read(path)
    return parser


def _calendar(schedule):
    """The systemd calendar of a duty's schedule: "daily HH:MM" or "hourly at :MM"."""
    daily = re.fullmatch(r"daily (\d\d):(\d\d)", schedule)
    if daily:
        return f"*-*-* {daily[1]}:{daily[2]}:00 Asia/Shanghai"
    hourly = re.fullmatch(r"hourly at :(\d\d)", schedule)
    assert hourly, schedule
    return f"*-*-* *:{hourly[1]}:00"


def test_every_duty_has_a_timer_at_its_schedule_and_every_timer_a_duty(app):
    timers = {path.name.removeprefix("portal-duty@").removesuffix(".timer"): path
              for path in SYSTEMD.glob("portal-duty@?*.timer")}
    assert set(timers) == set(duties.DUTIES)
    readme = (ROOT / "deploy" / "README.md").read_text(encoding="utf-8")
    for name, duty in duties.DUTIES.items():
        timer = _unit(timers[name])
        assert timer["Timer"]["OnCalendar"] == _calendar(duty.schedule), name
        assert timer["Timer"]["Persistent"] == "true"
        assert f"| `{name}` |" in readme, name


def test_the_units_run_the_portal_s_commands():
    duty = _unit(SYSTEMD / "portal-duty@.service")["Service"]
    assert duty["ExecStart"].endswith("flask --app portal duties run %i")
    assert duty["Type"] == "oneshot"
    assert _unit(SYSTEMD / "portal-worker.service")["Service"]["ExecStart"].endswith(
        "flask --app portal worker")
    web = _unit(SYSTEMD / "portal-web.service")["Service"]
    assert web["ExecStart"].endswith("gunicorn -c gunicorn.conf.py")
    assert web["ExecStartPre"].endswith("flask --app portal db upgrade")
    assert _unit(SYSTEMD / "portal-jobs-due.service")["Service"]["ExecStart"].endswith(
        "flask --app portal jobs run-due")
    for unit in SYSTEMD.glob("*.service"):
        service = _unit(unit)["Service"]
        assert service["User"] == "portal" and service["NoNewPrivileges"] == "yes", unit.name
        assert service["EnvironmentFile"] == "/etc/portal/portal.env", unit.name


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="needs systemd-analyze")
def test_systemd_reads_every_calendar():
    for path in SYSTEMD.glob("*.timer"):
        calendar = _unit(path)["Timer"]["OnCalendar"]
        checked = subprocess.run(["systemd-analyze", "calendar", calendar],
                                 capture_output=True, text=True, check=False)
        assert checked.returncode == 0, (path.name, checked.stderr)


def test_the_proxy_logs_no_client_address_and_sets_the_headers_the_portal_trusts():
    conf = (ROOT / "deploy" / "nginx" / "portal.conf").read_text(encoding="utf-8")
    log_format = conf[conf.index("log_format"):conf.index(";", conf.index("log_format"))]
    for leak in ("$remote_addr", "$request ", "$args", "$http_user_agent", "$http_referer",
                 "$request_uri", "$query_string"):
        assert leak not in log_format, leak
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in conf
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in conf
    assert "ssl_certificate " in conf and "return 301 https://" in conf
    assert all("portal_private" in line for line in conf.splitlines()
               if line.strip().startswith("access_log"))


def test_the_metrics_are_not_served_to_the_internet():
    conf = (ROOT / "deploy" / "nginx" / "portal.conf").read_text(encoding="utf-8")
    public = conf[conf.index("listen 443"):conf.index("listen 10.0.0.5")]
    assert "location = /metrics {\n        return 404;" in public
