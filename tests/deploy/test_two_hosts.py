"""Two app hosts behind Debian's nginx, sharing one database, Redis and S3.

Everything runs on 127.0.0.1 and is started here: the S3 server (moto), two
gunicorn instances (deploy/gunicorn.conf.py, production mode, instance folders
of their own), one job consumer per host when a test asks for it, and nginx
with the shipped proxy settings (deploy/nginx-proxy.conf) on three ports: both
hosts balanced, host A only, host B only. Different clients are told apart by
their source address (127.0.0.2, 127.0.0.3 …): nginx passes it on in
X-Forwarded-For, the app trusts one proxy.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import select

from judging import jobs
from judging.accounts.models import Role
from judging.certificates import service as certificates
from judging.config import REPO_ROOT
from judging.dbtypes import utcnow
from judging.extensions import db
from judging.submissions.models import Entry
from tests.certificates.conftest import finalised, make_entry  # noqa: F401
from tests.conftest import PASSWORD, s3_config
from tests.jobs import tasks  # noqa: F401  (registers the test tasks)
from tests.submissions.conftest import entry_form, fixture_bytes

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
GUNICORN = Path(sys.executable).parent / "gunicorn"


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        return False
    return True


pytestmark = [
    pytest.mark.skipif(
        not Path(NGINX).exists(), reason="needs Debian's nginx (setup.sh --test)"
    ),
    pytest.mark.skipif(not _redis_up(), reason="needs Redis on 127.0.0.1:6379"),
]


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_port(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(log.read_text(errors="replace")[-3000:]) from None
            time.sleep(0.1)


def _wait_healthy(cluster: Cluster, via: str) -> None:
    """Until the host answers /healthz with 200: its database, S3 and Redis."""
    import requests

    deadline = time.monotonic() + 300  # a busy machine loads the app slowly
    while True:
        try:
            answer = requests.get(cluster.url(via) + "/healthz", timeout=60)
            if answer.status_code == 200:
                return
        except requests.RequestException:
            answer = None
        if time.monotonic() > deadline:
            logs = "".join(
                p.read_text(errors="replace")[-2000:]
                for p in sorted(cluster.folder.glob("*.log"))
            )
            raise RuntimeError(f"host {via} not healthy: {answer}\n{logs}")
        time.sleep(0.5)


def _stop(process: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class Cluster:
    folder: Path
    env: dict[str, dict[str, str]]  # host name -> environment
    ports: dict[str, int]  # "both", "a", "b" (nginx)
    processes: list[subprocess.Popen] = field(default_factory=list)
    workers: dict[str, subprocess.Popen] = field(default_factory=dict)

    def url(self, via: str) -> str:
        return f"http://127.0.0.1:{self.ports[via]}"

    def start_worker(self, host: str) -> subprocess.Popen:
        log = self.folder / f"worker-{host}-{len(self.processes)}.log"
        process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "judging", "worker"],
            cwd=REPO_ROOT,
            env=self.env[host],
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        self.processes.append(process)
        self.workers[host] = process
        return process


NGINX_CONF = """
worker_processes 1;
{user}
pid {folder}/nginx.pid;
error_log {folder}/nginx-error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log {folder}/nginx-access.log;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    upstream both {{ server 127.0.0.1:{a}; server 127.0.0.1:{b}; keepalive 4; }}
    upstream host_a {{ server 127.0.0.1:{a}; }}
    upstream host_b {{ server 127.0.0.1:{b}; }}
    include {snippet};
    server {{ listen 127.0.0.1:{both}; location / {{ proxy_pass http://both; }} }}
    server {{ listen 127.0.0.1:{via_a}; location / {{ proxy_pass http://host_a; }} }}
    server {{ listen 127.0.0.1:{via_b}; location / {{ proxy_pass http://host_b; }} }}
}}
"""


@pytest.fixture(scope="module")
def cluster(
    _schema: str, s3_server: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cluster]:
    folder = tmp_path_factory.mktemp("two-hosts")
    bucket = f"judging-{secrets.token_hex(6)}"
    from judging.storage import open_storage

    open_storage(s3_config(s3_server, bucket)).client.create_bucket(Bucket=bucket)
    shared = {
        "JUDGING_ENV": "production",
        "JUDGING_SECRET_KEY": "two-hosts-one-secret",
        "JUDGING_SESSION_COOKIE_SECURE": "false",  # plain http on 127.0.0.1
        "JUDGING_REMEMBER_COOKIE_SECURE": "false",
        "JUDGING_SQLALCHEMY_DATABASE_URI": _schema,
        "JUDGING_TRUSTED_PROXIES": "1",
        "JUDGING_JOBS_BACKEND": "redis",
        "JUDGING_JOBS_QUEUE_NAME": f"two-hosts-{secrets.token_hex(6)}",
        "JUDGING_JOBS_IMPORTS": '["tests.jobs.tasks"]',
        "JUDGING_JOBS_HEARTBEAT_SECONDS": "0.2",
        "JUDGING_JOBS_STALE_SECONDS": "2",
        "JUDGING_JOBS_REAP_SECONDS": "0.5",
        "JUDGING_WORKERS": "2",
    } | {f"JUDGING_{k}": str(v) for k, v in s3_config(s3_server, bucket).items()}
    base = {k: v for k, v in os.environ.items() if not k.startswith("JUDGING_")}
    ports = {"a": _port(), "b": _port()}
    env = {
        host: base
        | shared
        | {
            "JUDGING_INSTANCE_PATH": str(folder / f"instance-{host}"),
            "JUDGING_BIND": f"127.0.0.1:{ports[host]}",
        }
        for host in ("a", "b")
    }
    made = Cluster(
        folder=folder,
        env=env,
        ports={"both": _port(), "a": _port(), "b": _port()},
    )
    try:
        for host in ("a", "b"):
            log = folder / f"gunicorn-{host}.log"
            process = subprocess.Popen(
                [str(GUNICORN), "-c", "deploy/gunicorn.conf.py"],
                cwd=REPO_ROOT,
                env=env[host],
                stdout=log.open("wb"),
                stderr=subprocess.STDOUT,
            )
            made.processes.append(process)
            _wait_port(ports[host], process, log)
        conf = folder / "nginx.conf"
        conf.write_text(
            NGINX_CONF.format(
                folder=folder,
                user="user root;" if os.geteuid() == 0 else "",
                a=ports["a"],
                b=ports["b"],
                both=made.ports["both"],
                via_a=made.ports["a"],
                via_b=made.ports["b"],
                snippet=REPO_ROOT / "deploy/nginx-proxy.conf",
            )
        )
        log = folder / "nginx-error.log"
        log.touch()
        nginx = subprocess.Popen(
            [NGINX, "-c", str(conf), "-p", str(folder), "-g", "daemon off;"],
            stdout=(folder / "nginx.out").open("wb"),
            stderr=subprocess.STDOUT,
        )
        made.processes.append(nginx)
        for via in ("both", "a", "b"):
            _wait_port(made.ports[via], nginx, log)
        for via in ("a", "b"):  # workers load the app after the port opens
            _wait_healthy(made, via)
        yield made
    finally:
        for process in reversed(made.processes):
            _stop(process)


@pytest.fixture()
def stop_workers(cluster: Cluster) -> Iterator[None]:
    yield
    for process in cluster.workers.values():
        _stop(process, signal.SIGINT)
    cluster.workers.clear()


# --- a small browser ---------------------------------------------------------


class Browser:
    """One person: a cookie jar, talking through nginx from `source`."""

    def __init__(self, cluster: Cluster, source: str = "127.0.0.1") -> None:
        import requests
        from requests.adapters import HTTPAdapter

        class FromSource(HTTPAdapter):
            def init_poolmanager(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN202
                kwargs["source_address"] = (source, 0)
                return super().init_poolmanager(*args, **kwargs)

        self.cluster = cluster
        self.session = requests.Session()
        self.session.mount("http://", FromSource())

    def get(self, via: str, path: str, **kwargs):  # noqa: ANN003, ANN201
        return self.session.get(
            self.cluster.url(via) + path, allow_redirects=False, timeout=180, **kwargs
        )

    def post(self, via: str, path: str, data: dict, **kwargs):  # noqa: ANN003, ANN201
        return self.session.post(
            self.cluster.url(via) + path,
            data=data,
            allow_redirects=False,
            timeout=180,
            **kwargs,
        )

    def token(self, via: str, path: str) -> str:
        page = self.get(via, path).text
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)

    def login(self, via: str, username: str, password: str = PASSWORD):  # noqa: ANN201
        token = self.token(via, "/login")
        return self.post(
            via,
            "/login",
            {"username": username, "password": password, "csrf_token": token},
        )


def _poll(read: Callable[[], dict], until: Callable[[dict], bool]) -> list[dict]:
    seen: list[dict] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        seen.append(read())
        if until(seen[-1]):
            break
        time.sleep(0.1)
    return seen


# --- the tests ---------------------------------------------------------------


def test_file_uploaded_through_a_downloads_through_b(
    cluster, make_competition, make_unit, make_user
):
    competition = make_competition()
    unit = make_unit(name="重庆大学", short_name="重大")
    contact = make_user(Role.UNIT, unit=unit)
    browser = Browser(cluster)
    assert browser.login("a", contact.username).status_code == 302
    url = f"/unit/competitions/{competition.id}/entries/new"
    form = entry_form(browser.token("a", url))
    essay = fixture_bytes("clean.pdf")

    sent = browser.post(
        "a", url, form, files={"file": ("论文.pdf", essay, "application/pdf")}
    )
    db.session.commit()
    entry = db.session.scalar(select(Entry))
    downloaded = browser.get("b", f"/unit/entries/{entry.id}/file")

    assert sent.status_code == 302
    assert downloaded.status_code == 200
    assert downloaded.content == essay
    assert not (Path(cluster.env["b"]["JUDGING_INSTANCE_PATH"]) / "uploads").exists()


def test_batch_started_on_a_finishes_on_b_with_progress_on_both(
    cluster,
    stop_workers,
    make_user,
    finalised,  # noqa: F811
):
    competition = finalised()
    certificates.issue_certificates(actor=None, competition=competition, now=utcnow())
    organiser = make_user(Role.ORGANISER)
    db.session.commit()
    browser = Browser(cluster)
    browser.login("a", organiser.username)
    index = f"/competitions/{competition.id}/certificates"
    cluster.start_worker("b")  # host A has no worker at all

    started = browser.post(
        "a", f"{index}/jobs", {"csrf_token": browser.token("a", index), "kind": "zip"}
    )
    status_path = started.headers["Location"].removesuffix("/progress")
    seen = _poll(
        lambda: {host: browser.get(host, status_path).json() for host in ("a", "b")},
        lambda both: all(s["state"] in ("done", "failed") for s in both.values()),
    )
    archive = browser.get("a", status_path + "/file")
    page_b = browser.get("b", started.headers["Location"])

    final = seen[-1]
    assert [final[h]["state"] for h in ("a", "b")] == ["done", "done"]
    assert final["a"] == final["b"]
    assert (final["a"]["done"], final["a"]["total"]) == (3, 3)
    assert archive.content[:2] == b"PK"
    assert f'data-progress-url="{status_path}"' in page_b.text


def test_killed_worker_job_is_retried_on_the_other_host(app, cluster, stop_workers):
    env = cluster.env["a"]
    app.config.update(
        JOBS_IMMEDIATE=False,
        JOBS_BACKEND="redis",
        JOBS_QUEUE_NAME=env["JUDGING_JOBS_QUEUE_NAME"],
    )
    first = cluster.start_worker("a")
    job_id = jobs.enqueue("test.count", steps=300, delay=0.02)
    db.session.commit()

    def status() -> dict:
        db.session.commit()
        found = jobs.job_status(job_id)
        return {"state": found.state, "done": found.done, "found": found}

    _poll(status, lambda s: s["state"] == "running" and s["done"] > 0)
    first.kill()  # SIGKILL mid-job
    first.wait()
    second = cluster.start_worker("b")
    final = _poll(status, lambda s: s["state"] in ("done", "failed"))[-1]["found"]

    assert (final.state, final.done, final.attempts) == ("done", 300, 2)
    assert final.result == {"steps": 300, "pid": second.pid}


def test_wrong_passwords_lock_only_the_address_they_came_from(cluster, make_user):
    organiser = make_user(Role.ORGANISER)
    attacker = Browser(cluster, source="127.0.0.2")
    colleague = Browser(cluster, source="127.0.0.3")

    for n in range(20):  # 20 different names: only the address limit applies
        attacker.login("both", f"guess{n}", "wrong-password")
    locked = attacker.login("both", organiser.username)
    allowed = colleague.login("both", organiser.username)

    assert locked.status_code == 200
    assert "登录失败次数过多" in locked.text
    assert (allowed.status_code, allowed.headers["Location"]) == (302, "/")
