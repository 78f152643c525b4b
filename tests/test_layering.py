"""The import layers of STYLE.md, read from the source with `ast`."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "judging"
FORBIDDEN_IN_PURE = (
    "flask",
    "flask_login",
    "flask_wtf",
    "flask_sqlalchemy",
    "sqlalchemy",
    "judging.extensions",
    "werkzeug",
)
PURE_MODULES = {
    "judging/tables.py",
    "judging/i18n.py",
    "judging/accounts/imports.py",
    "judging/competitions/rules.py",
    "judging/assignment/solver.py",
    "judging/results/aggregate.py",
    "judging/results/awards.py",
    "judging/results/categories.py",
    "judging/results/organisation.py",
    "judging/results/rounds.py",
    "judging/results/reliability.py",
    "judging/results/offline.py",
    "judging/results/pdf_list.py",
    "judging/certificates/render.py",
    "judging/certificates/fonts.py",
    "judging/certificates/textwrap_zh.py",
    "judging/submissions/receipt.py",
    "judging/review/imports.py",
    "judging/results/charts.py",
    "judging/results/simulation.py",
    "judging/escaping.py",
    "judging/numbers.py",
    "judging/passwords.py",
    "judging/audit/sentences.py",
    "judging/results/explain.py",
    "judging/glossary.py",
    "judging/messages/texts.py",
}
# Every module of these packages is pure.
PURE_PACKAGES = ("judging/documents/",)
# lower layers must not import these
HIGHER = {
    "models": ("service", "pipeline", "views", "forms", "cli"),
    # the documents pipeline sits between models and services: both the
    # submissions and the anonymity service call it, so it may import neither
    "pipeline": ("service", "views", "forms", "cli"),
    "service": ("views", "forms", "cli"),
}


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_pure_modules_import_no_framework():
    offenders = []
    for path in _modules():
        rel = path.relative_to(PACKAGE.parent).as_posix()
        if not _is_pure(rel):
            continue
        for name in _imports(path):
            if name.startswith(FORBIDDEN_IN_PURE) or name.endswith(
                (".models", ".service", ".views")
            ):
                offenders.append(f"{rel}: {name}")
    assert offenders == []


def _is_pure(rel: str) -> bool:
    return rel in PURE_MODULES or rel.startswith(PURE_PACKAGES)


def test_pure_modules_say_so():
    missing = []
    pure = {p.relative_to(PACKAGE.parent).as_posix() for p in _modules()}
    for rel in sorted(r for r in pure if _is_pure(r)) + sorted(PURE_MODULES):
        path = PACKAGE.parent / rel
        if path.exists():
            doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
            if "Pure: no Flask, no database." not in doc:
                missing.append(rel)
    assert missing == []


def test_lower_layers_do_not_import_higher():
    offenders = []
    for path in _modules():
        layer = path.stem
        for name in _imports(path):
            if not name.startswith("judging."):
                continue
            if name.rsplit(".", 1)[-1] in HIGHER.get(layer, ()):
                offenders.append(f"{path.relative_to(PACKAGE)}: {name}")
    assert offenders == []


def test_no_legacy_query_api():
    offenders = []
    for path in _modules():
        text = path.read_text(encoding="utf-8")
        if ".query." in text or ".query(" in text:
            offenders.append(str(path.relative_to(PACKAGE)))
    assert offenders == []


def _service_graph() -> dict[str, set[str]]:
    """Which capability's service imports which other capability's service
    (lazy imports inside functions included)."""
    graph: dict[str, set[str]] = {}
    for path in _modules():
        if path.name != "service.py":
            continue
        own = path.parent.relative_to(PACKAGE.parent).as_posix().replace("/", ".")
        graph[own] = {
            name.rsplit(".", 1)[0]
            for name in _imports(path)
            if name.endswith(".service") and name.rsplit(".", 1)[0] != own
        }
    return graph


def test_submissions_and_anonymity_services_do_not_import_each_other():
    graph = _service_graph()
    assert (
        "judging.anonymity" in graph["judging.submissions"],
        "judging.submissions" in graph["judging.anonymity"],
    ) == (False, False)


def test_services_import_each_other_in_no_cycle():
    graph = _service_graph()
    cycles = []

    def visit(node: str, path: list[str]) -> None:
        for nxt in sorted(graph.get(node, ())):
            if nxt == path[0]:
                cycles.append(" -> ".join([*path, nxt]))
            elif nxt not in path and nxt > path[0]:
                visit(nxt, [*path, nxt])

    for start in sorted(graph):
        visit(start, [start])
    assert cycles == []


# Libraries that cost start-up time and that only some pages, files or commands
# need: a web process, a worker and every command must start without them
# (STYLE.md, "Heavy imports where they are used"). Imported at module level
# anywhere on create_app's path, one of them fails this test.
HEAVY_AT_START = (
    "alembic",
    "flask_migrate",
    "mako",
    "numpy",
    "openpyxl",
    "ortools",
    "pandas",
    "PIL",
    "pygments",
    "pypdf",
    "pypinyin",
    "reportlab",
    "scipy",
)


def test_create_app_imports_no_heavy_library(tmp_path):
    import json
    import subprocess
    import sys

    code = (
        "import json, sys; from judging import create_app; create_app(); "
        f"print(json.dumps(sorted(m for m in {HEAVY_AT_START!r} if m in sys.modules)))"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "JUDGING_INSTANCE_PATH": str(tmp_path / "instance"),
        "SQLALCHEMY_WARN_20": "",
    }
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PACKAGE.parent,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )

    assert json.loads(done.stdout.splitlines()[-1]) == []


def test_create_app_gives_the_collector_back_and_builds_urls(app):
    """Start-up turns the garbage collector off and compiles the URL builders
    on first use (judging/__init__.py); neither may outlive the start."""
    import gc

    from flask import url_for

    assert gc.isenabled()
    with app.test_request_context():
        first = url_for("results.index", competition_id=7, method="mean")
        again = url_for("results.index", competition_id=7, method="mean")
        plain = url_for("results.index", competition_id=8)
    assert first == again == "/competitions/7/results?method=mean"
    assert plain == "/competitions/8/results"
