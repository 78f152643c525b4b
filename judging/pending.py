"""A form's input kept across a lost session and a refused POST.

Two things lost what a user had typed: a POST after the session expired (a bare
400, or the login page and then an empty form), and a refused POST answered with
the form itself, so that Back or Reload asked to send the form again. Now the
main forms (the score sheet, the entry form) keep the input and answer with a
redirect (redirect-after-post); the next GET of the same page, after a new login
if need be, shows the input again. A chosen file cannot be kept: browsers never
let a page set a file input, so the user is asked to choose it again.

The input is kept in a file of the instance folder (0600; a score sheet's
comment can be larger than a session cookie may be), named by a random key that
only this browser's session holds, removed when restored and after a day
otherwise. It is restored only to the same user, or, when the session had
expired entirely and the user was unknown, to whoever logs in next in this
browser.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import time
from pathlib import Path

from flask import current_app, request, session
from flask_login import current_user
from werkzeug.datastructures import MultiDict

#: The endpoints whose input is kept (their GET shows it again).
KEPT_ENDPOINTS = frozenset(
    {"review.sheet", "submissions.new_entry", "submissions.edit_entry"}
)
_NEVER_KEPT = frozenset({"csrf_token", "password", "current", "new", "confirm"})
_KEY = re.compile(r"[A-Za-z0-9_-]{20,40}")
KEEP_SECONDS = 24 * 3600
SESSION_KEY = "pending_form"


def _folder() -> Path:
    folder = Path(current_app.instance_path) / "pending"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def _prune(folder: Path) -> None:
    limit = time.time() - KEEP_SECONDS
    for path in folder.glob("*.json"):
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
        except OSError:
            pass  # another worker removed it first


def keep_form(user_id: str | None = None) -> None:
    """Keep this POST's fields for the next GET of the same path.

    ``user_id`` is whose input it is (the logged-in user's unless given; None
    when nobody is known).
    """
    if user_id is None and current_user.is_authenticated:
        user_id = str(current_user.id)
    fields = {
        name: request.form.getlist(name)
        for name in request.form
        if name not in _NEVER_KEPT
    }
    folder = _folder()
    _prune(folder)
    key = secrets.token_urlsafe(18)
    record = {"path": request.path, "user": user_id, "form": fields}
    fd = os.open(folder / f"{key}.json", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(record, out, ensure_ascii=False)
    session[SESSION_KEY] = {"path": request.path, "key": key}


def restore_form() -> MultiDict | None:
    """The input kept for this path, once; None when there is none."""
    ref = session.get(SESSION_KEY)
    if not isinstance(ref, dict) or ref.get("path") != request.path:
        return None
    session.pop(SESSION_KEY, None)
    key = str(ref.get("key", ""))
    if not _KEY.fullmatch(key):
        return None
    path = _folder() / f"{key}.json"
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        path.unlink()
    except (OSError, ValueError):
        return None
    owner = record.get("user")
    me = str(current_user.id) if current_user.is_authenticated else None
    if owner is not None and owner != me:
        return None
    return MultiDict(
        [(name, value) for name, values in record["form"].items() for value in values]
    )
