"""Markdown renderer of :mod:`analysis.report.blocks`: GitHub and MkDocs (Python-Markdown) read it.

One job: blocks → Markdown text, with the project's only Markdown escaper
(:func:`md_escape`). Its sibling ``analysis.report.html`` renders the same
blocks as HTML; neither parses Markdown.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from analysis.report.blocks import (
    Block,
    Bold,
    Code,
    CodeBlock,
    Document,
    Heading,
    Image,
    Inline,
    InlineLike,
    Link,
    List,
    Paragraph,
    Table,
    Text,
    inlines,
)

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
    fence = "`" * (max((len(m) for m in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _href(href: str) -> str:
    return href.replace(" ", "%20").replace("(", "%28").replace(")", "%29")


def _span(s: Inline) -> str:
    if isinstance(s, Text):
        return md_escape(s.text)
    if isinstance(s, Bold):
        # "** x**" is not emphasis: whitespace at the edges goes outside the markers
        core = s.text.strip()
        lead, trail = s.text[: len(s.text) - len(s.text.lstrip())], s.text[len(s.text.rstrip()) :]
        return f"{md_escape(lead)}**{md_escape(core)}**{md_escape(trail)}" if core else ""
    if isinstance(s, Code):
        return _code_span(s.text) if s.text else ""
    if isinstance(s, Link):
        return f"[{md_escape(s.text)}]({_href(s.href)})"
    raise TypeError(f"not an inline span: {s!r}")


def render_inline(content: InlineLike) -> str:
    """Inline content as one line of Markdown."""
    return "".join(_span(s) for s in inlines(content))


def _block(b: Block) -> str | None:
    if isinstance(b, Heading):
        anchor = f" {{#{b.anchor}}}" if b.anchor else ""
        return "#" * b.level + " " + render_inline(b.content) + anchor
    if isinstance(b, Paragraph):
        return None if b.only == "html" else render_inline(b.content)
    if isinstance(b, List):
        return "\n".join("- " + render_inline(item) for item in b.items)
    if isinstance(b, Table):
        lines = [
            "| " + " | ".join(render_inline(h) for h in b.head) + " |",
            "|" + "|".join("---" for _ in b.head) + "|",
        ]
        lines += ["| " + " | ".join(render_inline(c) or " " for c in row) + " |" for row in b.rows]
        return "\n".join(lines)
    if isinstance(b, Image):
        img = f"![{md_escape(b.alt)}]({_href(b.src)})"
        if b.link:
            img = f"[{img}]({_href(b.link)})"
        return img + (f"\n\n{render_inline(b.caption)}" if b.caption else "")
    if isinstance(b, CodeBlock):
        fence = "`" * max(3, max((len(m) for m in re.findall(r"`+", b.text)), default=0) + 1)
        return f"{fence}{b.language}\n{b.text.rstrip(chr(10))}\n{fence}"
    raise TypeError(f"not a block: {b!r}")


def render_blocks(blocks: Iterable[Block]) -> str:
    """Blocks as a Markdown fragment (blocks separated by a blank line, ending in a newline)."""
    out = [t for t in (_block(b) for b in blocks) if t is not None]
    return "\n\n".join(out) + "\n" if out else ""


def render(doc: Document) -> str:
    """A document as a Markdown file (its title is the first block's business, not added here)."""
    return render_blocks(doc.blocks)


__all__ = ["md_escape", "render", "render_blocks", "render_inline"]
