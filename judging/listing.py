"""Long organiser lists on the server: search, sort, filters, pages.

One helper so every list behaves the same way: the search box matches any of
the listed columns (every word must match somewhere), a sort key is taken only
from the page's whitelist (an unknown one falls back to the default), filters
are named functions that turn a request value into a condition (or ``None`` to
ignore it), and the pager keeps all of it in the query string. A page runs the
same few statements whatever the number of rows: one count and one page.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import request, url_for
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, and_, or_

from judging.extensions import db

MAX_QUERY = 100  # characters of search text kept; more is cut, never an error
MAX_PAGE = 1_000_000


@dataclass(frozen=True)
class ListSpec:
    """What a page allows: sort keys, searched columns, filters, page size.

    ``sorts`` maps a key of the query string to a column expression;
    ``default`` is a key, with a leading "-" for newest/largest first;
    ``tiebreak`` keeps the order stable across pages (usually the id).
    """

    sorts: Mapping[str, Any]
    default: str
    tiebreak: Any = None
    search: tuple[Any, ...] = ()
    filters: Mapping[str, Callable[[str], Any]] = field(default_factory=dict)
    per_page: int = 50


@dataclass(frozen=True)
class ListState:
    """The list as the request asked for it, after cleaning."""

    q: str
    sort: str
    descending: bool
    filters: Mapping[str, str]
    page: int

    def args(self, **changes: Any) -> dict[str, Any]:
        """The query string that reproduces this list, with ``changes``."""
        out: dict[str, Any] = {k: v for k, v in self.filters.items() if v}
        if self.q:
            out["q"] = self.q
        out["sort"] = ("-" if self.descending else "") + self.sort
        if self.page > 1:
            out["page"] = self.page
        out.update(changes)
        return {k: v for k, v in out.items() if v not in ("", None)}


def read_state(spec: ListSpec, args: Mapping[str, str]) -> ListState:
    """Read q, sort, filters and page from the query string; never raises."""
    q = " ".join((args.get("q") or "").split())[:MAX_QUERY]
    sort = (args.get("sort") or "").strip()
    descending = sort.startswith("-")
    sort = sort.lstrip("-")
    if sort not in spec.sorts:
        descending = spec.default.startswith("-")
        sort = spec.default.lstrip("-")
    page_text = (args.get("page") or "1").strip()
    page = int(page_text) if page_text.isdigit() else 1
    filters = {
        name: (args.get(name) or "").strip()[:MAX_QUERY] for name in spec.filters
    }
    return ListState(
        q=q,
        sort=sort,
        descending=descending,
        filters=filters,
        page=min(max(page, 1), MAX_PAGE),
    )


def apply(query: Select, spec: ListSpec, state: ListState) -> Select:
    """Add the search, the filters and the order to ``query``."""
    if state.q and spec.search:
        words = state.q.split(" ")
        query = query.where(
            and_(
                *(
                    or_(*(col.icontains(word, autoescape=True) for col in spec.search))
                    for word in words
                )
            )
        )
    for name, make in spec.filters.items():
        value = state.filters.get(name, "")
        clause = make(value) if value else None
        if clause is not None:
            query = query.where(clause)
    column = spec.sorts[state.sort]
    order = [column.desc() if state.descending else column.asc()]
    if spec.tiebreak is not None:
        order.append(spec.tiebreak.desc() if state.descending else spec.tiebreak)
    return query.order_by(None).order_by(*order)


@dataclass
class Listing:
    """A page of a list and what the template needs to draw its controls."""

    state: ListState
    page: Pagination
    endpoint: str
    view_args: dict[str, Any]

    @property
    def items(self) -> list[Any]:
        return list(self.page.items)

    @property
    def base_url(self) -> str:
        """The list's address without a query string (a GET form's action)."""
        return url_for(self.endpoint, **self.view_args)

    def url(self, **changes: Any) -> str:
        """This list's address with ``changes`` (``page=2``, ``sort="-name"``)."""
        return url_for(self.endpoint, **self.view_args, **self.state.args(**changes))

    def sort_url(self, key: str) -> str:
        """Sort by ``key``; the same key again reverses the order."""
        descending = key == self.state.sort and not self.state.descending
        return self.url(sort=("-" if descending else "") + key, page=None)

    def sorted_as(self, key: str) -> str:
        """The aria-sort value of a column header."""
        if key != self.state.sort:
            return "none"
        return "descending" if self.state.descending else "ascending"

    def hidden(self, *skip: str) -> dict[str, Any]:
        """The state as hidden form fields, for a form that changes the rest."""
        return {k: v for k, v in self.state.args(page=None).items() if k not in skip}


def paginate(query: Select, spec: ListSpec, state: ListState) -> Pagination:
    """One page of the query; a page beyond the end shows the last page."""
    page = db.paginate(query, page=state.page, per_page=spec.per_page, error_out=False)
    if not page.items and page.page > 1 and page.total:
        page = db.paginate(
            query, page=page.pages, per_page=spec.per_page, error_out=False
        )
    return page


def listing(
    query: Select, spec: ListSpec, args: Mapping[str, str] | None = None
) -> Listing:
    """Search, filter, sort and page ``query`` as the request asks."""
    state = read_state(spec, request.args if args is None else args)
    page = paginate(apply(query, spec, state), spec, state)
    if page.page != state.page:
        state = ListState(
            state.q, state.sort, state.descending, state.filters, page.page
        )
    return Listing(
        state=state,
        page=page,
        endpoint=request.endpoint or "",
        view_args=dict(request.view_args or {}),
    )
