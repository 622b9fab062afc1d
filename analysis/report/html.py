"""HTML renderer of :mod:`analysis.report.blocks`: a standalone page that opens from disk.

One job: blocks → HTML (inline CSS, relative images, no script, no network).
Every text is escaped with :func:`html.escape`; the sibling
``analysis.report.markdown`` renders the same blocks as Markdown.
"""

from __future__ import annotations

import html
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

CSS = """
body{font-family:-apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,"Helvetica Neue",Arial,
sans-serif;line-height:1.5;color:#1f2328;max-width:1180px;margin:0 auto;padding:1.5rem 2rem 4rem}
h1{font-size:1.9rem;border-bottom:1px solid #d0d7de;padding-bottom:.3rem}
h2{font-size:1.45rem;margin-top:2.4rem;border-bottom:1px solid #d0d7de;padding-bottom:.25rem}
h3{font-size:1.15rem;margin-top:1.8rem}
table{border-collapse:collapse;margin:1rem 0;font-size:.84rem;display:block;overflow-x:auto}
th,td{border:1px solid #d0d7de;padding:.3rem .55rem;vertical-align:top;text-align:left}
th{background:#f6f8fa}
tr:nth-child(even) td{background:#fafbfc}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.85em;
background:#f2f4f7;border-radius:4px}
code{padding:.1em .3em}
pre{padding:.6em .8em;overflow-x:auto}
figure{margin:1.2rem 0}
figure img{max-width:100%;height:auto;border:1px solid #eaecef}
figcaption{font-size:.88rem;color:#57606a}
a{color:#0969da}
""".strip()


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _span(s: Inline) -> str:
    if isinstance(s, Text):
        return _e(s.text)
    if isinstance(s, Bold):
        return f"<strong>{_e(s.text)}</strong>"
    if isinstance(s, Code):
        return f"<code>{_e(s.text)}</code>"
    if isinstance(s, Link):
        return f'<a href="{_e(s.href)}">{_e(s.text)}</a>'
    raise TypeError(f"not an inline span: {s!r}")


def render_inline(content: InlineLike) -> str:
    """Inline content as HTML."""
    return "".join(_span(s) for s in inlines(content))


def _block(b: Block) -> str | None:
    if isinstance(b, Heading):
        anchor = f' id="{_e(b.anchor)}"' if b.anchor else ""
        return f"<h{b.level}{anchor}>{render_inline(b.content)}</h{b.level}>"
    if isinstance(b, Paragraph):
        return None if b.only == "markdown" else f"<p>{render_inline(b.content)}</p>"
    if isinstance(b, List):
        return "<ul>" + "".join(f"<li>{render_inline(i)}</li>" for i in b.items) + "</ul>"
    if isinstance(b, Table):
        head = "".join(f"<th>{render_inline(h)}</th>" for h in b.head)
        rows = "".join(
            "<tr>" + "".join(f"<td>{render_inline(c)}</td>" for c in row) + "</tr>"
            for row in b.rows
        )
        return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
    if isinstance(b, Image):
        img = f'<img src="{_e(b.src)}" alt="{_e(b.alt)}" loading="eager">'
        if b.link:
            img = f'<a href="{_e(b.link)}">{img}</a>'
        cap = f"<figcaption>{render_inline(b.caption)}</figcaption>" if b.caption else ""
        return f"<figure>{img}{cap}</figure>"
    if isinstance(b, CodeBlock):
        cls = f' class="language-{_e(b.language)}"' if b.language else ""
        return f"<pre><code{cls}>{_e(b.text.rstrip(chr(10)))}</code></pre>"
    raise TypeError(f"not a block: {b!r}")


def render_blocks(blocks: Iterable[Block]) -> str:
    """Blocks as an HTML fragment, one block per line."""
    return "\n".join(t for t in (_block(b) for b in blocks) if t is not None)


def render(doc: Document) -> str:
    """A document as one HTML page: inline CSS, relative images, no script, no network."""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(doc.title)}</title>\n<style>\n{CSS}\n</style>\n</head>\n"
        "<body>\n" + render_blocks(doc.blocks) + "\n</body>\n</html>\n"
    )


__all__ = ["CSS", "render", "render_blocks", "render_inline"]
