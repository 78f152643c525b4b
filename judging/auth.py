"""Role checks shared by every blueprint: the wrong role sees the same 404."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort
from flask_login import current_user, login_required

from judging.accounts.models import Role


def role_required(*roles: Role) -> Callable:
    """Let only logged-in users with one of `roles` through; others get a 404.

    A 404 rather than a 403 so that a user cannot tell "not yours" from "does not
    exist" — the rule the whole app follows.
    """

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if current_user.role not in roles:
                abort(404)
            return view(*args, **kwargs)

        wrapper.allowed_roles = frozenset(roles)  # type: ignore[attr-defined]
        return wrapper

    return decorator


organiser_required = role_required(Role.ORGANISER)
unit_required = role_required(Role.UNIT)
judge_required = role_required(Role.JUDGE)
