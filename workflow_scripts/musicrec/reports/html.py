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
td.text{text-align:left}figure{margin:1.2em 0}figure img{max-width:100%;border:1px solid #eee}
figcaption{font-size:.9em;color:#444;max-width:900px}.findings{background:#f5f8ff;border-left:4px solid #3b6fd8;
padding:.6em 1.2em}.findings li{margin:.4em 0}.warning{background:#fff4e5;border-left:4px solid #d9822b;
padding:.6em 1.2em;font-weight:600}.muted{color:#666;font-size:.9em}pre{background:#f7f7f7;
padding:.8em;overflow-x:auto;font-size:.85em}nav a{margin-right:1em}
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


def table(headers: list[str], rows: list[list], text_columns: int = 1) -> str:
    """A table; the first ``text_columns`` columns are left-aligned text, the rest numbers (already formatted)."""
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(
            f'<td class="text">{esc(cell)}</td>' if i < text_columns else f"<td>{esc(cell)}</td>"
            for i, cell in enumerate(row)
        ) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def figure(png: bytes, caption: str, alt: str) -> str:
    """A PNG embedded as a data URI, with its caption."""
    data = base64.b64encode(png).decode("ascii")
    return (f'<figure><img src="data:image/png;base64,{data}" alt="{esc(alt)}">'
            f"<figcaption>{esc(caption)}</figcaption></figure>")


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
