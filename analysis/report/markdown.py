"""Markdown renderer of :mod:`analysis.report.blocks`: GitHub and MkDocs (Python-Markdown) read it.

One job: blocks → Markdown text, with the project's only Markdown escaper
(:func:`md_escape`). Its sibling ``analysis.report.html`` renders the same
blocks as HTML; neither parses Markdown.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from analysis.report.blocks import Block, Document, InlineLike, Renderer, Target

_MD_BACKSLASH = re.compile(r"([\\`*_\[\]|#])")


def md_escape(text: str) -> str:
    """Text that Markdown (GitHub and Python-Markdown) shows literally, also inside tables.

    ``& < >`` become entities (Python-Markdown cannot backslash-escape ``<``),
    the markup characters ``\\ ` * _ [ ] | #`` get a backslash, ``~`` and ``$``
    an entity (GitHub reads ``~~`` as strikethrough and ``$…$`` as math, and
    Python-Markdown would show a backslash before either), and line breaks a
    space.
    """
    text = html.escape(text, quote=False)
    text = _MD_BACKSLASH.sub(r"\\\1", text)
    text = text.replace("~", "&#126;").replace("$", "&#36;")
    return re.sub(r"[\r\n\t]+", " ", text)


def _fence(text: str, shortest: int) -> str:
    """A backtick fence longer than any backtick run in ``text`` (CommonMark)."""
    return "`" * max(shortest, max((len(m) for m in re.findall(r"`+", text)), default=0) + 1)


def _code_span(text: str) -> str:
    """A code span whose fence is longer than any backtick run inside (CommonMark).

    Text with a ``|`` becomes an HTML ``<code>`` element with the pipe as an entity:
    inside a table a backslash-escaped pipe shows its backslash in Python-Markdown's
    code spans, a bare one splits the cell.
    """
    text = re.sub(r"[\r\n\t]+", " ", text)
    if "|" in text:
        # Markdown still reads inline markup between HTML tags: every markup character
        # becomes a numeric character reference.
        return (
            "<code>"
            + re.sub(
                r"[\\`*_\[\]|~$#]", lambda m: f"&#{ord(m.group())};", html.escape(text, quote=False)
            )
            + "</code>"
        )
    fence = _fence(text, 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _href(href: str) -> str:
    return href.replace(" ", "%20").replace("(", "%28").replace(")", "%29")


class _Markdown(Renderer):
    """Markdown's way of writing each span and block (the dispatch is ``Renderer``'s)."""

    target: Target = "markdown"

    def text(self, text: str) -> str:
        return md_escape(text)

    def bold(self, text: str) -> str:
        # "** x**" is not emphasis: whitespace at the edges goes outside the markers
        core = text.strip()
        lead, trail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()) :]
        return f"{md_escape(lead)}**{md_escape(core)}**{md_escape(trail)}" if core else ""

    def code(self, text: str) -> str:
        return _code_span(text) if text else ""

    def link(self, text: str, href: str) -> str:
        return f"[{md_escape(text)}]({_href(href)})"

    def heading(self, level: int, content: str, anchor: str) -> str:
        return "#" * level + " " + content + (f" {{#{anchor}}}" if anchor else "")

    def paragraph(self, content: str) -> str:
        return content

    def bullets(self, items: list[str]) -> str:
        return "\n".join("- " + item for item in items)

    def table(self, head: list[str], rows: list[list[str]]) -> str:
        lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
        lines += ["| " + " | ".join(c or " " for c in row) + " |" for row in rows]
        return "\n".join(lines)

    def image(self, src: str, alt: str, caption: str, link: str) -> str:
        img = f"![{md_escape(alt)}]({_href(src)})"
        if link:
            img = f"[{img}]({_href(link)})"
        return img + (f"\n\n{caption}" if caption else "")

    def code_block(self, text: str, language: str) -> str:
        fence = _fence(text, 3)
        return f"{fence}{language}\n{text.rstrip(chr(10))}\n{fence}"


_MARKDOWN = _Markdown()


def render_inline(content: InlineLike) -> str:
    """Inline content as one line of Markdown."""
    return _MARKDOWN.inline(content)


def render_blocks(blocks: Iterable[Block]) -> str:
    """Blocks as a Markdown fragment (blocks separated by a blank line, ending in a newline)."""
    out = _MARKDOWN.blocks(blocks)
    return "\n\n".join(out) + "\n" if out else ""


def render(doc: Document) -> str:
    """A document as a Markdown file (its title is the first block's business, not added here)."""
    return render_blocks(doc.blocks)


__all__ = ["md_escape", "render", "render_blocks", "render_inline"]
