"""Typed document blocks: what a report (or the claims ledger) says, before it is Markdown or HTML.

One job: the document model. Sections build a sequence of blocks;
``analysis.report.markdown`` and ``analysis.report.html`` render the same
sequence, so the two documents never disagree and no Markdown is ever parsed
back into HTML. Both are a :class:`Renderer`, whose one dispatch over the block
and span types lives here next to the types.

Text in blocks is always *plain*: the renderers escape it for their format, so
text taken from inputs (benchmark names, machine names, compiler output) is
shown, never interpreted.

Inline content is a tuple of :data:`Inline` spans (``Text``, ``Bold``,
``Code``, ``Link``); constructors also accept a plain ``str`` (one ``Text``)
or a list mixing strings and spans, which keeps the call sites short::

    Paragraph(["Escaping is slower in ", Bold("3"), " pairs; see ", Link("method", "method.md")])
    Table(head=["pair", "ratio"], rows=[[Bold("ReturnPointer"), "×1.47"]])

Blocks are frozen (hashable, comparable), so tests can compare documents.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal, TypeAlias

# --- inline spans ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Span:
    """What the plain spans hold: their text (subclasses differ only in how they are shown)."""

    text: str


class Text(_Span):
    """Plain text, escaped by every renderer."""


class Bold(_Span):
    """Strong emphasis (names of pairs and verdicts)."""


class Code(_Span):
    """Inline code: a command, a flag, a compiler line."""


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


# --- rendering ------------------------------------------------------------------------------------


class Renderer(ABC):
    """One output format: a method per kind of span and block, fed plain strings.

    :meth:`inline` and :meth:`block` are the only dispatch over the span and block
    types, shared by ``analysis.report.markdown`` and ``analysis.report.html``: they
    render inline content first and drop blocks meant only for the other format, so
    a format writes strings it is given and a new block type cannot be forgotten by
    one renderer alone.
    """

    #: The format's name, as blocks' ``only`` field names it.
    target: Target

    @abstractmethod
    def text(self, text: str) -> str: ...

    @abstractmethod
    def bold(self, text: str) -> str: ...

    @abstractmethod
    def code(self, text: str) -> str: ...

    @abstractmethod
    def link(self, text: str, href: str) -> str: ...

    @abstractmethod
    def heading(self, level: int, content: str, anchor: str) -> str: ...

    @abstractmethod
    def paragraph(self, content: str) -> str: ...

    @abstractmethod
    def bullets(self, items: list[str]) -> str: ...

    @abstractmethod
    def table(self, head: list[str], rows: list[list[str]]) -> str: ...

    @abstractmethod
    def image(self, src: str, alt: str, caption: str, link: str) -> str:
        """A figure; ``caption`` is rendered inline content, ``""`` when there is none."""

    @abstractmethod
    def code_block(self, text: str, language: str) -> str: ...

    def inline(self, content: InlineLike) -> str:
        """Inline content in this format."""
        return "".join(self._span(s) for s in inlines(content))

    def _span(self, s: Inline) -> str:
        match s:
            case Text():
                return self.text(s.text)
            case Bold():
                return self.bold(s.text)
            case Code():
                return self.code(s.text)
            case Link():
                return self.link(s.text, s.href)
        raise TypeError(f"not an inline span: {s!r}")

    def block(self, b: Block) -> str | None:
        """One block in this format; None for a block meant only for the other format."""
        match b:
            case Heading():
                return self.heading(b.level, self.inline(b.content), b.anchor)
            case Paragraph():
                return (
                    None
                    if b.only not in ("", self.target)
                    else self.paragraph(self.inline(b.content))
                )
            case List():
                return self.bullets([self.inline(i) for i in b.items])
            case Table():
                return self.table(
                    [self.inline(h) for h in b.head],
                    [[self.inline(c) for c in row] for row in b.rows],
                )
            case Image():
                return self.image(b.src, b.alt, self.inline(b.caption), b.link)
            case CodeBlock():
                return self.code_block(b.text, b.language)
        raise TypeError(f"not a block: {b!r}")

    def blocks(self, blocks: Iterable[Block]) -> list[str]:
        """Every block in this format, the dropped ones left out."""
        return [t for t in (self.block(b) for b in blocks) if t is not None]


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
    "Renderer",
    "Table",
    "Target",
    "Text",
    "anchor_id",
    "cell_row",
    "flatten",
    "inlines",
    "plain_text",
]
