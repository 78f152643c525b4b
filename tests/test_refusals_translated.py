"""Every refusal a page can show is said in the reader's language.

Services raise their refusals in Chinese; a page says them again in English
through the catalogue, which works only when the message was marked where it
was written (``N_``/``_`` for a constant, ``said(N_(…), …)`` for one with
fields). A Chinese literal raised bare, or an f-string, reaches an English
reader in Chinese. This test reads the source of every module a page can reach
and fails on such a ``raise``: the next refusal somebody writes is held too.

Command-line-only modules print Chinese on purpose (the command line is
Chinese-first) and are listed below with why.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CJK = re.compile(r"[\u4e00-\u9fff]")
MARKED = {"_", "N_", "said", "Said", "gettext", "lazy_gettext", "_l", "ngettext"}
# Read only by the command line (click), never by a page.
COMMAND_LINE_ONLY = {
    "judging/cli.py",
    "judging/commands.py",
    "judging/backup.py",  # `flask backup` / `flask restore`
    "judging/production.py",  # start-up refusals, before any page exists
}
# and every `cli.py` (the commands) and `demo.py` (the demo data `flask demo`
# seeds).


def _command_line_module(path: str) -> bool:
    return path in COMMAND_LINE_ONLY or path.endswith(("/cli.py", "/demo.py"))


def _bare_chinese(node: ast.AST) -> bool:
    """A Chinese string constant in `node` that no marking call wraps."""
    if isinstance(node, ast.Call):
        name = getattr(node.func, "id", getattr(node.func, "attr", None))
        if name in MARKED:
            return False
    if isinstance(node, ast.Compare):  # `verb == "更换"` chooses, is not said
        return False
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(CJK.search(node.value))
    return any(_bare_chinese(child) for child in ast.iter_child_nodes(node))


def _said_to_pages(call: ast.Call) -> list[ast.AST]:
    """What a page says of a raised exception: its ``errors=`` list when it has
    one (`judging.web.error_texts`; the message is then the command line's
    Chinese line), else its message."""
    listed = [k.value for k in call.keywords if k.arg == "errors"]
    return listed or list(call.args)


def unmarked_refusals() -> list[str]:
    found = []
    for path in sorted((ROOT / "judging").rglob("*.py")):
        name = path.relative_to(ROOT).as_posix()
        if "translations" in path.parts or _command_line_module(name):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Raise) or not isinstance(node.exc, ast.Call):
                continue
            if any(_bare_chinese(a) for a in _said_to_pages(node.exc)):
                found.append(f"{name}:{node.lineno}")
    return found


def test_every_refusal_a_page_can_show_is_marked_for_translation():
    assert unmarked_refusals() == []


def test_the_check_finds_a_bare_chinese_refusal(tmp_path):
    """The check is not vacuous: a bare and an f-string refusal are found,
    marked ones are not."""
    code = (
        "def f(x):\n"
        "    raise ValueError('不行')\n"
        "def g(x):\n"
        "    raise ValueError(f'第 {x} 行不行')\n"
        "def h(x):\n"
        "    raise ValueError(said(N_('第 %(x)s 行不行'), x=x))\n"
        "def k(x):\n"
        "    raise ValueError(N_('不行'))\n"
        "def m(x):\n"
        "    raise E('不行：' + x, errors=[said(N_('不行：')), x])\n"
        "def n(x):\n"
        "    raise E('不行', errors=['不行'])\n"
    )
    tree = ast.parse(code)
    raised = [n for n in ast.walk(tree) if isinstance(n, ast.Raise)]
    assert [any(_bare_chinese(a) for a in _said_to_pages(r.exc)) for r in raised] == [
        True,
        True,
        False,
        False,
        False,
        True,
    ]
