#!/usr/bin/env python3
"""HTTP capacity: the judge's entry page and a score save, next to a minimal page.

Builds the demo data in a temporary folder (SQLite), serves it with gunicorn on
127.0.0.1 and, in the same run and with the same workers, a minimal Flask
"hello" app; then drives each target for ``--seconds`` at ``--connections``
open connections:

    python scripts/bench/http_load.py [--workers 4] [--seconds 10] [--connections 64]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/judging_bench]

``--database-url`` serves the same demo from another database (it must be empty:
``createdb -h 127.0.0.1 -U postgres judging_bench``; drop it afterwards).

Targets: the minimal page; the smallest logged-in page (``GET /account/password``:
session, user lookup, layout and a one-field form: what every logged-in page
costs before its own content); the judge's entry page
(``GET /judge/assignments/<id>``, review copy text included); and a draft save
of the score sheet (``POST`` of the same page, session cookie and CSRF token
obtained first). The load generator is
wrk (Debian: ``apt-get install wrk``); without it a Python thread client is used,
which itself needs much of the CPU and so understates the server. Prints a
Markdown table and, last, a line of key=value pairs for scripts to parse.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from _demo_site import PASSWORD, TOKEN, build_data

ROOT = Path(__file__).resolve().parents[2]

GUNICORN = Path(sys.executable).parent / "gunicorn"

HELLO_APP = """
from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello():
    return "hello"
"""

# wrk: every request carries the session cookie (and for the save, the form);
# done() prints the figures as one JSON line for this script to read.
WRK_LUA = """
wrk.method = "{method}"
wrk.headers["Cookie"] = "{cookie}"
{body}
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'JSON{{"requests":%d,"seconds":%f,"p50":%f,"p99":%f,"bad_status":%d,'
    .. '"socket_errors":%d}}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3,
    latency:percentile(99) / 1e3, e.status,
    e.connect + e.read + e.write + e.timeout))
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def gunicorn(
    app: str, *, workers: int, cwd: Path, env: dict, port: int | None = None
) -> Iterator[int]:
    """Serve ``app`` with sync workers (as in the README) until the block ends,
    on ``port`` or, when it is None, on a free port."""
    port = port or free_port()
    process = subprocess.Popen(
        [str(GUNICORN), f"--workers={workers}", f"--bind=127.0.0.1:{port}",
         "--backlog=2048", "--log-level=warning", app],
        cwd=cwd, env=env, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise SystemExit(f"gunicorn {app} did not start")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/")
                conn.getresponse().read()
                break
            except OSError:
                time.sleep(0.2)
        yield port
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


class Session:
    """A logged-in browser: the session cookie, kept from every answer."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None):  # noqa: ANN201
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Cookie": self.cookie}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode()
        for header in response.headers.get_all("Set-Cookie") or []:
            self.cookies.update({k: m.value for k, m in SimpleCookie(header).items()})
        return response.status, text

    @property
    def cookie(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def log_in(self, username: str) -> None:
        token = TOKEN.search(self.request("GET", "/login")[1]).group(1)
        form = {"username": username, "password": PASSWORD, "csrf_token": token}
        status, _text = self.request("POST", "/login", form)
        if status != 302:
            raise SystemExit(f"login as {username} failed ({status})")


def save_form(session: Session, path: str) -> dict:
    """The score sheet as the judge would save a draft: every criterion filled."""
    status, html = session.request("GET", path)
    if status != 200:
        raise SystemExit(f"GET {path} answered {status}")
    form = {"csrf_token": TOKEN.search(html).group(1), "action": "save"}
    form["comment"] = "论证较充分，数据翔实。"
    for cid in re.findall(r'name="points_(\d+)"', html):
        form[f"points_{cid}"] = "8.5"
    status, _text = session.request("POST", path, form)
    if status != 302:
        raise SystemExit(f"the draft save answered {status}, not 302")
    return form


def run_wrk(url: str, *, method: str, cookie: str, form: dict | None,
            seconds: int, connections: int, workdir: Path) -> dict:  # fmt: skip
    body = ""
    if form is not None:
        body = (
            f'wrk.body = "{urlencode(form)}"\n'
            'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"'
        )
    script = workdir / f"{method.lower()}.lua"
    script.write_text(WRK_LUA.format(method=method, cookie=cookie, body=body))
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout=10s",
         "-s", str(script), url],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    figures = json.loads(out.split("JSON", 1)[1].splitlines()[0])
    figures["rps"] = figures["requests"] / figures["seconds"]
    return figures


def run_threads(url: str, *, method: str, cookie: str, form: dict | None,
                seconds: int, connections: int, workdir: Path) -> dict:  # fmt: skip
    """Fallback load: one thread per connection, a new connection per request."""
    host, _sep, rest = url.removeprefix("http://").partition("/")
    port = int(host.split(":")[1])
    headers = {"Cookie": cookie}
    body = None
    if form is not None:
        body = urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    latencies: list[float] = []
    bad = [0, 0]  # bad status, socket errors
    stop = time.monotonic() + seconds

    def client() -> None:
        while time.monotonic() < stop:
            start = time.perf_counter()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                conn.request(method, "/" + rest, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                conn.close()
            except OSError:
                bad[1] += 1
                continue
            latencies.append(time.perf_counter() - start)
            if response.status >= 400:
                bad[0] += 1

    begun = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - begun
    latencies.sort()

    def percentile(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1e3

    return {
        "requests": len(latencies),
        "seconds": elapsed,
        "rps": len(latencies) / elapsed,
        "p50": percentile(0.50),
        "p99": percentile(0.99),
        "bad_status": bad[0],
        "socket_errors": bad[1],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1))
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--database-url", help="an empty database (default: SQLite)")
    parser.add_argument(
        "--base-port",
        type=int,
        help="serve the minimal app on this port and ours on the next one "
        "(default: free ports chosen by the system)",
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="smallest run (2 workers, 4 connections, 1 s per target): "
        "proves the benchmark works, measures nothing",
    )
    args = parser.parse_args()
    if args.smoke:
        args.workers, args.connections, args.seconds = 2, 4, 1
    ports = (args.base_port, args.base_port + 1) if args.base_port else (None, None)
    if args.database_url:
        os.environ["JUDGING_SQLALCHEMY_DATABASE_URI"] = args.database_url
    load = run_wrk if shutil.which("wrk") else run_threads
    if load is run_threads:
        print("wrk not found (Debian: apt-get install wrk); using Python threads.")
    with tempfile.TemporaryDirectory(prefix="bench-http-") as tmp:
        workdir = Path(tmp)
        instance = workdir / "instance"
        print("building the demo data …", flush=True)
        assignment_id, username = build_data(instance)
        (workdir / "hello_app.py").write_text(HELLO_APP)
        env = dict(os.environ, JUDGING_INSTANCE_PATH=str(instance))
        options = {
            "seconds": args.seconds,
            "connections": args.connections,
            "workdir": workdir,
        }
        results = {}
        with gunicorn(
            "hello_app:app", workers=args.workers, cwd=workdir, env=env, port=ports[0]
        ) as p:
            results["minimal"] = load(
                f"http://127.0.0.1:{p}/", method="GET", cookie="", form=None, **options
            )
        with gunicorn(
            "judging:create_app()",
            workers=args.workers,
            cwd=ROOT,
            env=env,
            port=ports[1],
        ) as port:
            session = Session(port)
            session.log_in(username)
            path = f"/judge/assignments/{assignment_id}"
            form = save_form(session, path)
            url = f"http://127.0.0.1:{port}{path}"
            results["logged_in_floor"] = load(
                f"http://127.0.0.1:{port}/account/password",
                method="GET",
                cookie=session.cookie,
                form=None,
                **options,
            )
            results["judge_page"] = load(
                url, method="GET", cookie=session.cookie, form=None, **options
            )
            results["save"] = load(
                url, method="POST", cookie=session.cookie, form=form, **options
            )
    report(results, args, load is run_wrk)


def report(results: dict, args: argparse.Namespace, wrk: bool) -> None:
    print(
        f"\n{'PostgreSQL' if args.database_url else 'SQLite'}, "
        f"{args.workers} sync workers, {args.connections} connections, "
        f"{args.seconds} s each, {'wrk' if wrk else 'Python threads'}, "
        f"{os.cpu_count()} cores\n"
    )
    print("| target | requests | req/s | p50 (ms) | p99 (ms) | errors |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, r in results.items():
        errors = r["bad_status"] + r["socket_errors"]
        print(
            f"| {name} | {r['requests']} | {r['rps']:.0f} | {r['p50']:.1f} "
            f"| {r['p99']:.1f} | {errors} |"
        )
    minimal, page, save = results["minimal"], results["judge_page"], results["save"]
    floor = results["logged_in_floor"]
    pairs = {
        "minimal_rps": f"{minimal['rps']:.0f}",
        "floor_rps": f"{floor['rps']:.0f}",
        "floor_ratio": f"{floor['rps'] / minimal['rps']:.2f}",
        "judge_page_rps": f"{page['rps']:.0f}",
        "judge_page_p50_ms": f"{page['p50']:.1f}",
        "judge_page_p99_ms": f"{page['p99']:.1f}",
        "save_rps": f"{save['rps']:.0f}",
        "save_p50_ms": f"{save['p50']:.1f}",
        "save_p99_ms": f"{save['p99']:.1f}",
        "ratio": f"{page['rps'] / minimal['rps']:.2f}",
        "errors": str(
            sum(r["bad_status"] + r["socket_errors"] for r in results.values())
        ),
    }
    print()
    print(" ".join(f"{k}={v}" for k, v in pairs.items()))


if __name__ == "__main__":
    main()
