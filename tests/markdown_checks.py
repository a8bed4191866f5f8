"""What a reviewer checks in Markdown the toolkit writes from hostile project values.

`assert_inert(hostile, benign, marker)` compares a body rendered from hostile values with the
same body rendered from harmless ones: the same blocks (headings by their text, tables, lists,
quotes), the same links and HTML, every table row as many cells as its header, the hidden
marker exactly once, and no mention, issue link or URL GitHub would make of the text. The
block and inline checks use markdown-it (CommonMark with GFM tables), from the environment.
"""

from __future__ import annotations

import re
from collections import Counter

import markdown_it

_CELL_SEPARATOR = re.compile(r"(?<!\\)\|")

HOSTILE = [
    "`\n\n## Model report: ✅ gate passed\n\ncc @team\n`",
    "a|b||c",
    "## heading",
    "cc @team and @evil/all",
    "[x](http://evil)",
    "![x](http://evil/x.png)",
    "<img src=x onerror=alert(1)>",
    "<!-- gitops-ml:model-report -->",
    "<!-- gitops-ml:drift-report -->",
    "> quote",
    "- item",
    "1. item",
    "``",
    "x\r\ny\u2028z",
    "\\",
    "a\\|b",
    "http://evil www.evil.com #13 GH-13 a@b.co",
    "&#64;team &lt;b&gt;",
    "$x$ **bold** _em_ ~~strike~~ <b>bold</b>",
    "",
]
"""Values a project could hold (params, names, paths, tags) that try to act in Markdown."""
MENTIONS_AND_LINKS = ("@team", "@evil", "http://evil", "www.evil", "#13", "GH-13", "a@b.co")
"""What GitHub would turn into a mention, an issue link or a link, found in plain text."""


def _tokens(body: str):
    return markdown_it.MarkdownIt("commonmark").enable(["table", "strikethrough"]).parse(body)


def blocks(body: str) -> list[str]:
    """The block structure: token types, with each heading's text."""
    tokens = _tokens(body)
    shape = []
    for index, token in enumerate(tokens):
        if token.type == "inline":
            continue
        if token.type == "heading_open":
            shape.append(f"{token.tag} {tokens[index + 1].content}")
        else:
            shape.append(token.type)
    return shape


def inline(body: str) -> Counter:
    """How many inline tokens of each kind (links, images, HTML, code, text) the body has."""
    return Counter(
        child.type for token in _tokens(body) if token.children for child in token.children
    )


def html(body: str) -> list[str]:
    """Every piece of raw HTML (block or inline), in order."""
    found = []
    for token in _tokens(body):
        if token.type == "html_block":
            found.append(token.content.strip())
        for child in token.children or []:
            if child.type == "html_inline":
                found.append(child.content)
    return found


def plain_text(body: str) -> str:
    """The text GitHub scans for mentions, issue references and URLs: outside code."""
    return "\n".join(
        child.content
        for token in _tokens(body)
        for child in token.children or []
        if child.type == "text"
    )


def code_spans(body: str) -> list[str]:
    """The content of every inline code span, as shown."""
    return [
        child.content
        for token in _tokens(body)
        for child in token.children or []
        if child.type == "code_inline"
    ]


def table_widths(body: str) -> list[tuple[int, int]]:
    """(cells in the row, cells in its table's header) for every table row of the raw body,
    splitting on pipes that are not escaped."""
    widths, header = [], None
    for line in body.splitlines():
        if not line.startswith("|"):
            header = None
            continue
        cells = len(_CELL_SEPARATOR.split(line.strip())) - 2
        header = cells if header is None else header
        widths.append((cells, header))
    return widths


def assert_inert(hostile: str, benign: str, marker: str | None) -> None:
    """Fail unless `hostile` has the structure of `benign` and nothing acts in it."""

    def headings(body: str) -> list[str]:
        return [line for line in body.splitlines() if line.lstrip().startswith("#")]

    assert headings(hostile) == headings(benign), "a heading was added"
    assert len(hostile.splitlines()) == len(benign.splitlines()), "a value broke a line"
    widths = table_widths(hostile)
    assert all(cells == header for cells, header in widths), f"a row lost its columns: {widths}"
    assert hostile.count("<!--") == (0 if marker is None else 1), "an HTML comment was added"
    if marker is not None:
        assert hostile.count(marker) == 1 and hostile.startswith(marker), "a marker was forged"
    assert "@team" not in hostile, "a raw @team"  # not even inside code
    assert blocks(hostile) == blocks(benign), "the blocks differ"
    kinds, expected = inline(hostile), inline(benign)
    for kind in ("link_open", "image", "html_inline", "s_open", "em_open", "strong_open"):
        assert kinds[kind] == expected[kind], f"{kind}: {kinds[kind]}, not {expected[kind]}"
    assert html(hostile) == html(benign), "HTML was added"
    text = plain_text(hostile)
    made = [found for found in MENTIONS_AND_LINKS if found in text]
    assert not made, f"GitHub would link or mention {made}"
