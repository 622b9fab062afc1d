"""HTML renderer of :mod:`analysis.report.blocks`: a standalone page that opens from disk.

One job: blocks → HTML (inline CSS, no script, no network). Given the
directory the images are in, :func:`render` embeds them as ``data:`` URIs,
so ``index.html`` is standalone: it shows its charts copied alone or mailed.
Every text is escaped with :func:`html.escape`; the sibling
``analysis.report.markdown`` renders the same blocks as Markdown.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Iterable
from pathlib import Path

from analysis.report.blocks import Block, Document, InlineLike, Renderer, Target

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


class _Html(Renderer):
    """HTML's way of writing each span and block (the dispatch is ``Renderer``'s)."""

    target: Target = "html"

    def __init__(self, base: Path | None = None) -> None:
        self.base = base  # where relative image paths point; None: leave them relative

    def _src(self, src: str) -> str:
        """A relative PNG/SVG under ``base`` as a data: URI (else ``src`` as it is)."""
        kinds = {".png": "image/png", ".svg": "image/svg+xml"}
        path = self.base / src if self.base is not None and "://" not in src else None
        if path is None or path.suffix not in kinds or not path.is_file():
            return src
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        return f"data:{kinds[path.suffix]};base64,{data}"

    def text(self, text: str) -> str:
        return _e(text)

    def bold(self, text: str) -> str:
        return f"<strong>{_e(text)}</strong>"

    def code(self, text: str) -> str:
        return f"<code>{_e(text)}</code>"

    def link(self, text: str, href: str) -> str:
        return f'<a href="{_e(href)}">{_e(text)}</a>'

    def heading(self, level: int, content: str, anchor: str) -> str:
        attr = f' id="{_e(anchor)}"' if anchor else ""
        return f"<h{level}{attr}>{content}</h{level}>"

    def paragraph(self, content: str) -> str:
        return f"<p>{content}</p>"

    def bullets(self, items: list[str]) -> str:
        return "<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"

    def table(self, head: list[str], rows: list[list[str]]) -> str:
        th = "".join(f"<th>{h}</th>" for h in head)
        trs = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
        return f"<table><thead><tr>{th}</tr></thead><tbody>{trs}</tbody></table>"

    def image(self, src: str, alt: str, caption: str, link: str) -> str:
        img = f'<img src="{_e(self._src(src))}" alt="{_e(alt)}" loading="eager">'
        if link:
            img = f'<a href="{_e(link)}">{img}</a>'
        cap = f"<figcaption>{caption}</figcaption>" if caption else ""
        return f"<figure>{img}{cap}</figure>"

    def code_block(self, text: str, language: str) -> str:
        cls = f' class="language-{_e(language)}"' if language else ""
        return f"<pre><code{cls}>{_e(text.rstrip(chr(10)))}</code></pre>"


_HTML = _Html()


def render_inline(content: InlineLike) -> str:
    """Inline content as HTML."""
    return _HTML.inline(content)


def render_blocks(blocks: Iterable[Block]) -> str:
    """Blocks as an HTML fragment, one block per line."""
    return "\n".join(_HTML.blocks(blocks))


def render(doc: Document, base: Path | None = None) -> str:
    """A document as one HTML page: inline CSS, no script, no network.

    With ``base`` (the page's directory) its images are embedded (data: URIs).
    """
    body = "\n".join(_Html(base).blocks(doc.blocks))
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(doc.title)}</title>\n<style>\n{CSS}\n</style>\n</head>\n"
        "<body>\n" + body + "\n</body>\n</html>\n"
    )


__all__ = ["CSS", "render", "render_blocks", "render_inline"]
