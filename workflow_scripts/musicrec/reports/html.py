"""Building blocks of a self-contained HTML page; every string from data passes through ``esc``."""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass

STYLE = """
body{font-family:-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;max-width:1100px;margin:2em auto;
padding:0 1.5em;color:#1d1d1f;line-height:1.45}
h1{font-size:1.8em;margin-bottom:.2em}h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;margin:.8em 0;font-size:.9em}th,td{border:1px solid #ccc;padding:.3em .6em;
text-align:right}th{background:#f2f2f2}td:first-child,th:first-child{text-align:left}
td.text,th.text{text-align:left}figure{margin:1.2em 0}figure img{max-width:100%;border:1px solid #eee}
figcaption{font-size:.9em;color:#444;max-width:900px}.findings{background:#f5f8ff;border-left:4px solid #3b6fd8;
padding:.6em 1.2em}.findings li{margin:.4em 0}.warning{background:#fff4e5;border-left:4px solid #d9822b;
padding:.6em 1.2em;font-weight:600}.muted{color:#666;font-size:.9em}pre{background:#f7f7f7;
padding:.8em;overflow-x:auto;font-size:.85em}nav a{margin-right:1em}
td.best{font-weight:700;background:#e6f4ea}.scroll{overflow-x:auto}details{margin:.6em 0}
summary{cursor:pointer;font-weight:600}
"""


def esc(value) -> str:
    """The text of ``value``, escaped for HTML element content and attribute values."""
    return html.escape(str(value), quote=True)


@dataclass(frozen=True)
class Section:
    """One titled section; ``body`` is HTML built only from this module's helpers."""

    anchor: str
    title: str
    body: str


def paragraph(text: str, css_class: str = "") -> str:
    cls = f' class="{esc(css_class)}"' if css_class else ""
    return f"<p{cls}>{esc(text)}</p>"


def bullet_list(items: list[str], css_class: str = "") -> str:
    cls = f' class="{esc(css_class)}"' if css_class else ""
    return f"<ul{cls}>" + "".join(f"<li>{esc(item)}</li>" for item in items) + "</ul>"


def table(headers: list[str], rows: list[list], text_columns: int | set[int] = 1,
          marked: set[tuple[int, int]] = frozenset()) -> str:
    """A table; the first ``text_columns`` columns (or the columns of that set of indices) are left-aligned
    text, the rest numbers (already formatted); the cells at (row, column) in ``marked`` are highlighted
    (class ``best``)."""
    texts = set(range(text_columns)) if isinstance(text_columns, int) else set(text_columns)
    head = "".join(f'<th class="text">{esc(h)}</th>' if i in texts else f"<th>{esc(h)}</th>"
                   for i, h in enumerate(headers))

    def cell(r: int, c: int, value) -> str:
        classes = " ".join(name for name, on in (("text", c in texts), ("best", (r, c) in marked)) if on)
        return f'<td class="{classes}">{esc(value)}</td>' if classes else f"<td>{esc(value)}</td>"

    body = "".join(
        "<tr>" + "".join(cell(r, c, value) for c, value in enumerate(row)) + "</tr>"
        for r, row in enumerate(rows)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def figure(image: bytes, caption: str, alt: str, mime: str = "image/png") -> str:
    """An image (PNG, or SVG with ``mime="image/svg+xml"``) embedded as a data URI, with its caption."""
    data = base64.b64encode(image).decode("ascii")
    return (f'<figure><img src="data:{esc(mime)};base64,{data}" alt="{esc(alt)}">'
            f"<figcaption>{esc(caption)}</figcaption></figure>")


def link(href: str, text: str) -> str:
    return f'<a href="{esc(href)}">{esc(text)}</a>'


def paragraph_with_link(text: str, href: str, link_text: str, css_class: str = "") -> str:
    """A paragraph ending in a link: ``text`` then ``link_text`` pointing to ``href``."""
    cls = f' class="{esc(css_class)}"' if css_class else ""
    return f"<p{cls}>{esc(text)} {link(href, link_text)}.</p>"


def collapsible(title: str, body: str) -> str:
    """A part shown folded under its title (HTML ``details``; no script)."""
    return f"<details><summary>{esc(title)}</summary>{body}</details>"


def subsection(anchor: str, title: str, body: str) -> str:
    """A titled part of a section; ``body`` is HTML built only from this module's helpers."""
    return f'<div class="part" id="{esc(anchor)}"><h3>{esc(title)}</h3>{body}</div>'


def preformatted(text: str) -> str:
    return f"<pre>{esc(text)}</pre>"


def page(title: str, subtitle: str, sections: list[Section]) -> str:
    """The whole document: inline CSS, no scripts, no external resources."""
    nav = "".join(f'<a href="#{esc(s.anchor)}">{esc(s.title)}</a>' for s in sections)
    body = "".join(f'<section id="{esc(s.anchor)}"><h2>{esc(s.title)}</h2>{s.body}</section>' for s in sections)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; style-src 'unsafe-inline'\">"
        f"<title>{esc(title)}</title><style>{STYLE}</style></head><body>"
        f"<h1>{esc(title)}</h1><p class=\"muted\">{esc(subtitle)}</p><nav>{nav}</nav>{body}</body></html>\n"
    )
