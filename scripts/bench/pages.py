#!/usr/bin/env python3
"""CPU per request of the logged-in pages, in-process: no server, no network.

Builds the demo data in a temporary folder (SQLite), logs in as the judge of an
open score sheet and calls the WSGI app directly, so the figures are the app's
own work per request (what gunicorn adds is measured by http_load.py):

    python scripts/bench/pages.py [--requests 2000] [PATH ...]

Default paths: the judge's entry page (``/judge/assignments/<id>``), the
smallest logged-in page (``/account/password``) and the judge's dashboard
(``/judge``). Prints, per path, the status, the response size, the SQL
statements per request (BEGIN included) and the milliseconds per request: the
best and the median of five rounds, since other jobs share the machine.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from _demo_site import PASSWORD, TOKEN, build_data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("paths", nargs="*")
    parser.add_argument(
        "--smoke", action="store_true", help="smallest run: 10 requests per path"
    )
    args = parser.parse_args()
    if args.smoke:
        args.requests = 10
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as tmp:
        print("building the demo data …", flush=True)
        assignment_id, username = build_data(Path(tmp) / "instance")
        paths = args.paths or [
            f"/judge/assignments/{assignment_id}",
            "/account/password",
            "/judge",
        ]
        measure(username, paths, args.requests)


def measure(username: str, paths: list[str], requests: int) -> None:
    from sqlalchemy import event
    from werkzeug.test import EnvironBuilder

    from judging import create_app
    from judging.extensions import db

    app = create_app()
    client = app.test_client()
    token = TOKEN.search(client.get("/login").get_data(as_text=True)).group(1)
    client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token},
    )
    cookie = f"session={client.get_cookie('session').value}"
    statements: list[str] = []
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))

    print("\n| path | status | bytes | SQL | ms (best) | ms (median) |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for path in paths:
        environ = EnvironBuilder(path=path, headers={"Cookie": cookie}).get_environ()
        for _ in range(50):  # warm the caches
            status, size = _call(app, environ)
        statements.clear()
        _call(app, environ)
        per_request = len(statements)
        rounds = []
        for _ in range(5):
            start = time.perf_counter()
            for _ in range(requests // 5):
                _call(app, environ)
            rounds.append((time.perf_counter() - start) / (requests // 5) * 1e3)
        print(
            f"| `{path}` | {status} | {size} | {per_request} "
            f"| {min(rounds):.2f} | {statistics.median(rounds):.2f} |"
        )


def _call(app, environ: dict) -> tuple[str, int]:  # noqa: ANN001
    """One request straight into the WSGI app: (status line, body size)."""
    answer: list[str] = []
    body = app.wsgi_app(dict(environ), lambda status, *_: answer.append(status))
    return answer[0], len(b"".join(body))


if __name__ == "__main__":
    main()
