"""GitHub's size limits on what the toolkit writes, and cutting a report to fit. Pure.

A comment (or an issue body) holds at most 65,536 characters; a step's job summary at most
1 MiB. A report is cut on a line boundary with a note saying how much is left out and where
the rest is, and the note says only what is true: the comment points to the job summary, and
says so differently when the summary had to be cut too.
"""

from __future__ import annotations

from collections.abc import Callable

COMMENT_LIMIT = 65536
"""GitHub's limit on a comment or issue body, in characters."""

SUMMARY_LIMIT = 1024 * 1024
"""GitHub's limit on one step's job summary, in bytes (1 MiB)."""

SUMMARY_HEADROOM = 4096
"""Bytes of the job summary left for what a command writes besides the report (a note before
it, the blank lines between writes)."""

SUMMARY_BUDGET = SUMMARY_LIMIT - SUMMARY_HEADROOM
"""The most of a report written to the job summary, in bytes."""


def utf8_size(text: str) -> int:
    """The size of `text` in bytes, as a job summary file counts it."""
    return len(text.encode("utf-8"))


def cut(
    body: str, limit: int, note: Callable[[int, int], str], size: Callable[[str], int] = len
) -> str:
    """`body` if it fits `limit` (measured by `size`), else its first lines and `note`.

    `note(left_out, total)` is told how many of the body's lines are left out; the result,
    note included, fits the limit.
    """
    if size(body) <= limit:
        return body
    lines = body.splitlines(keepends=True)
    room = limit - size(note(len(lines), len(lines)))  # the longest the note can be
    kept, used = 0, 0
    for line in lines:
        used += size(line)
        if used > room:
            break
        kept += 1
    return "".join(lines[:kept]) + note(len(lines) - kept, len(lines))


def _left_out(left_out: int, total: int) -> str:
    return f"the last {left_out:,} of its {total:,} lines are left out"


def for_summary(body: str) -> str:
    """The report for the job summary: whole, unless it is over the 1 MiB budget."""

    def note(left_out: int, total: int) -> str:
        return (
            f"\n> ✂️ This report is over GitHub's 1 MiB limit for a job summary:"
            f" {_left_out(left_out, total)}.\n"
        )

    return cut(body, SUMMARY_BUDGET, note, utf8_size)


def for_comment(body: str, run_url: str | None = None) -> str:
    """The report for a comment or an issue: whole, or cut with a note pointing to the
    job summary (of the workflow run at `run_url`, when known)."""
    where = f"the job summary of [this workflow run]({run_url})" if run_url else "the job summary"
    if utf8_size(body) <= SUMMARY_BUDGET:
        rest = f"The full report is in {where}."
    else:
        rest = f"More of it, up to GitHub's 1 MiB limit, is in {where}."

    def note(left_out: int, total: int) -> str:
        return (
            f"\n> ✂️ This report is over GitHub's limit of 65,536 characters for a comment:"
            f" {_left_out(left_out, total)}. {rest}\n"
        )

    return cut(body, COMMENT_LIMIT, note)
