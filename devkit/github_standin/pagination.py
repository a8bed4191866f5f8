"""GitHub's page-based pagination: `per_page` and `page` in, a page and a `Link` header out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeVar
from urllib.parse import urlencode

T = TypeVar("T")

DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 100


def paginate(
    items: Sequence[T], query: Mapping[str, str], url: str
) -> tuple[Sequence[T], dict[str, str]]:
    """The page of `items` the query asks for, and the headers to send with it.

    As on GitHub: `per_page` defaults to 30 and is capped at 100, pages count from 1, and the
    `Link` header (only when there is more than one page) names the `first`, `prev`, `next`
    and `last` pages that exist, as `url` with the query's other parameters kept.
    """
    per_page = int(query.get("per_page") or DEFAULT_PER_PAGE)
    per_page = DEFAULT_PER_PAGE if per_page < 1 else min(per_page, MAX_PER_PAGE)
    page = max(int(query.get("page") or 1), 1)
    last = max((len(items) + per_page - 1) // per_page, 1)
    chunk = items[(page - 1) * per_page : page * per_page]
    if last == 1:
        return chunk, {}
    others = [(key, value) for key, value in query.items() if key != "page"]

    def link(number: int, rel: str) -> str:
        return f'<{url}?{urlencode([*others, ("page", number)])}>; rel="{rel}"'

    links = []
    if page > 1:
        links.append(link(min(page - 1, last), "prev"))
    if page < last:
        links += [link(page + 1, "next"), link(last, "last")]
    if page > 1:
        links.append(link(1, "first"))
    return chunk, {"Link": ", ".join(links)}
