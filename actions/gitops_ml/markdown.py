"""Values from a project, written into Markdown so that they show as written and do nothing.

Params keys and values, metric and column names, file names, tags, categories, messages that
quote them: anything rendered into a comment, an issue, a release body or a job summary goes
through one of these. `text` gives plain words; `code` and `cell_code` a code span. None of
their output can open a heading, a list, a quote, a link, an image, HTML or a comment, break
out of a table cell or a code span, mention someone or link an issue. Pure functions.
"""

from __future__ import annotations

import re

WORD_JOINER = "\u2060"
"""Invisible and not a letter: after `@`, `#` or `:` it keeps GitHub from making a mention,
an issue link or a URL of what follows (GitHub finds those in the rendered text, where a
backslash escape has already gone)."""

_SHOWN_AS = {code: chr(0x2400 + code) for code in range(0x20)} | {
    0x7F: "\u2421",  # ␡
    0x85: "\u2424",  # ␤: next line
    0x2028: "\u2424",  # line separator
    0x2029: "\u2424",  # paragraph separator
}
"""Control characters and line breaks, shown as their Unicode control pictures (␊ for a
newline), so a value stays on its line: Markdown blocks start only at a line's beginning."""

_MARKUP = re.compile(r"[\\`*\[\]<>!|~&$]|(?<![^\W_])_|_(?![^\W_])")
"""ASCII punctuation that can start inline Markdown, HTML, an entity, a strikethrough,
GitHub math or a table cell. An underscore inside a word (`roc_auc`) never starts emphasis
and is left as is."""

_AUTOLINKED = re.compile(r"[@#]|:(?=//)|(?i:www)(?=\.)|(?i:gh)(?=-\d)")
"""Where GitHub would make a mention (`@team`, `a@b.c`), an issue link (`#13`, `GH-13`,
`org/repo#13`) or a link (`http://…`, `www.…`) of plain text."""

_COMMENT_OPEN = "<!--"


def one_line(value: object) -> str:
    """`value` as a string with its control characters and line breaks made visible."""
    return str(value).translate(_SHOWN_AS)


def text(value: object) -> str:
    """`value` as plain text, safe anywhere in a line: a paragraph, a list item, a table cell."""
    escaped = _MARKUP.sub(lambda found: "\\" + found[0], one_line(value))
    return _AUTOLINKED.sub(lambda found: found[0] + WORD_JOINER, escaped)


def code(value: object) -> str:
    """`value` as an inline code span, for running text (not a table: see `cell_code`).

    The fence is one backtick longer than the longest run inside; a space pads a value that
    starts or ends with a backtick (Markdown strips one from each side). GitHub makes no
    mention in code, but an `@` still gets a word joiner, and so does an HTML comment opener:
    a search of the raw body finds neither a mention nor a hidden marker where none belongs.
    """
    inside = (
        one_line(value)
        .replace(_COMMENT_OPEN, "<" + WORD_JOINER + "!--")
        .replace("@", "@" + WORD_JOINER)
    )
    if not inside:
        return "` `"
    fence = "`" * (max(map(len, re.findall("`+", inside)), default=0) + 1)
    stripped = inside.startswith(" ") and inside.endswith(" ") and inside.strip(" ")
    if inside.startswith("`") or inside.endswith("`") or stripped:
        inside = f" {inside} "
    return f"{fence}{inside}{fence}"


def cell_code(value: object) -> str:
    """`value` as a code span inside a table cell: a `|` is escaped, which a table turns back
    into `|` even within code (in running text the backslash would show)."""
    return code(value).replace("|", "\\|")
