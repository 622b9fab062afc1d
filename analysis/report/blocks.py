"""Typed document blocks: what a report (or the claims ledger) says, before it is Markdown or HTML.

One job: the document model. Sections build a sequence of blocks;
``analysis.report.markdown`` and ``analysis.report.html`` render the same
sequence, so the two documents never disagree and no Markdown is ever parsed
back into HTML. Text in blocks is always *plain*: the renderers escape it for
their format, so text taken from inputs (benchmark names, machine names,
compiler output) is shown, never interpreted.

Inline content is a tuple of :data:`Inline` spans (``Text``, ``Bold``,
``Code``, ``Link``); constructors also accept a plain ``str`` (one ``Text``)
or a list mixing strings and spans, which keeps the call sites short::

    Paragraph(["Escaping is slower in ", Bold("3"), " pairs; see ", Link("method", "method.md")])
    Table(head=["pair", "ratio"], rows=[[Bold("ReturnPointer"), "×1.47"]])

Blocks are frozen (hashable, comparable), so tests can compare documents.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal, TypeAlias

# --- inline spans ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    """Plain text, escaped by every renderer."""

    text: str


@dataclass(frozen=True)
class Bold:
    """Strong emphasis (names of pairs and verdicts)."""

    text: str


@dataclass(frozen=True)
class Code:
    """Inline code: a command, a flag, a compiler line."""

    text: str


@dataclass(frozen=True)
class Link:
    """A link; ``href`` is relative to the document (never built from untrusted text)."""

    text: str
    href: str


Inline: TypeAlias = Text | Bold | Code | Link
Inlines: TypeAlias = tuple[Inline, ...]
#: What constructors accept for inline content: a string, one span, or a sequence of either.
InlineLike: TypeAlias = "str | Inline | Sequence[str | Inline]"


def inlines(content: InlineLike | None) -> Inlines:
    """``content`` as a tuple of spans (a ``str`` becomes ``Text``; empty strings are dropped)."""
    if content is None:
        return ()
    if isinstance(content, str | Text | Bold | Code | Link):
        content = (content,)
    out: list[Inline] = []
    for part in content:
        if isinstance(part, str):
            if part:
                out.append(Text(part))
        elif isinstance(part, Text | Bold | Code | Link):
            out.append(part)
        else:
            raise TypeError(f"not inline content: {part!r}")
    return tuple(out)


def plain_text(content: InlineLike | None) -> str:
    """The text of inline content without markup (for alt texts, plain-text output, tests)."""
    return "".join(s.text for s in inlines(content))


def anchor_id(text: str) -> str:
    """``text`` as an HTML id and URL fragment: lower-case ASCII letters, digits and ``-``."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


def _set(obj: object, name: str, value: object) -> None:
    object.__setattr__(obj, name, value)  # normalising a frozen dataclass in __post_init__


# --- blocks ---------------------------------------------------------------------------------------

#: Where a block appears: both documents, or only one (e.g. links into the MkDocs site,
#: which the standalone HTML page does not have around it).
Target: TypeAlias = Literal["", "markdown", "html"]


@dataclass(frozen=True)
class Heading:
    """A section heading, level 1–6, with an optional ``anchor`` that links can point at.

    The anchor is made path- and markup-safe by :func:`anchor_id`; in Markdown it
    is written as ``{#anchor}`` (the ``attr_list`` extension MkDocs enables), in
    HTML as the ``id`` attribute.
    """

    level: int
    content: Inlines
    anchor: str = ""

    def __post_init__(self) -> None:
        if not 1 <= self.level <= 6:
            raise ValueError(f"heading level {self.level} outside 1–6")
        _set(self, "content", inlines(self.content))
        _set(self, "anchor", anchor_id(self.anchor) if self.anchor else "")


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of inline content."""

    content: Inlines
    only: Target = ""

    def __post_init__(self) -> None:
        _set(self, "content", inlines(self.content))


@dataclass(frozen=True)
class List:
    """A bulleted list; each item is inline content."""

    items: tuple[Inlines, ...]

    def __post_init__(self) -> None:
        _set(self, "items", tuple(inlines(i) for i in self.items))


@dataclass(frozen=True)
class Table:
    """A table with one header row; every cell is inline content.

    Rows shorter than the header are padded with empty cells, longer ones refused:
    a table whose rows disagree with its header renders differently in every viewer.
    """

    head: tuple[Inlines, ...]
    rows: tuple[tuple[Inlines, ...], ...] = ()

    def __post_init__(self) -> None:
        head = tuple(inlines(h) for h in self.head)
        rows = []
        for row in self.rows:
            cells = [inlines(c) for c in row]
            if len(cells) > len(head):
                raise ValueError(f"table row has {len(cells)} cells, header {len(head)}")
            rows.append(tuple(cells + [()] * (len(head) - len(cells))))
        _set(self, "head", head)
        _set(self, "rows", tuple(rows))


@dataclass(frozen=True)
class Image:
    """A figure: ``src`` (relative path), its alt text, a caption, and an optional link target.

    ``link`` is where a click on the image goes (e.g. the SVG of a PNG chart).
    """

    src: str
    alt: str
    caption: Inlines = ()
    link: str = ""

    def __post_init__(self) -> None:
        _set(self, "caption", inlines(self.caption))


@dataclass(frozen=True)
class CodeBlock:
    """Preformatted text (commands, compiler output), shown verbatim."""

    text: str
    language: str = ""


Block: TypeAlias = Heading | Paragraph | List | Table | Image | CodeBlock


@dataclass(frozen=True)
class Document:
    """A titled sequence of blocks: what a renderer turns into one file."""

    title: str
    blocks: tuple[Block, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        _set(self, "blocks", tuple(self.blocks))


def cell_row(*cells: InlineLike) -> tuple[Inlines, ...]:
    """One table row from cells given as strings or spans."""
    return tuple(inlines(c) for c in cells)


def flatten(parts: Iterable[Block | Iterable[Block]]) -> tuple[Block, ...]:
    """Blocks and sequences of blocks (what sections return) as one flat tuple."""
    out: list[Block] = []
    for p in parts:
        if isinstance(p, Heading | Paragraph | List | Table | Image | CodeBlock):
            out.append(p)
        else:
            out.extend(p)
    return tuple(out)


__all__ = [
    "Block",
    "Bold",
    "Code",
    "CodeBlock",
    "Document",
    "Heading",
    "Image",
    "Inline",
    "InlineLike",
    "Inlines",
    "Link",
    "List",
    "Paragraph",
    "Table",
    "Target",
    "Text",
    "anchor_id",
    "cell_row",
    "flatten",
    "inlines",
    "plain_text",
]
