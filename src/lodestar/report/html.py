"""Self-contained HTML reports: one file, opens offline, fetches nothing.

Figures are embedded as base64 PNG (matplotlib figures with their own Agg canvas, see
:mod:`.figures`; pyplot's global backend is never touched); tables as plain HTML; the only
style is inline CSS. Writing is atomic: a report is either the old file or the whole new one.
"""

from __future__ import annotations

import base64
import html
import io
import re
from dataclasses import dataclass, field

from ..output import atomic_path

__all__ = ["HtmlReport", "figure_png_base64"]

#: Words with a space between: a phrase (a note, an error), not a figure, "never", a station or "120/120 (100.0 %)"
_PHRASE = re.compile(r"[A-Za-z]{2}\S*\s+\S")

_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#1b1f24}
h1{font-size:1.6em;border-bottom:2px solid #2b5797;padding-bottom:.2em}
h2{font-size:1.25em;margin-top:1.6em;color:#2b5797}
table{border-collapse:collapse;margin:1em 0;font-size:.9em}
th,td{border:1px solid #c8ccd1;padding:.25em .6em;text-align:right}
th{background:#eef1f5} td:first-child,th:first-child,td.t,th.t{text-align:left}
figure{margin:1em 0} figure img{max-width:100%;border:1px solid #e1e4e8}
figcaption{font-size:.85em;color:#57606a}
.note{background:#fff8c5;border-left:4px solid #d4a72c;padding:.4em .8em}
footer{margin-top:3em;font-size:.8em;color:#57606a}
"""


def figure_png_base64(fig, dpi: int = 110) -> str:
    """A matplotlib figure as base64 PNG text."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


@dataclass
class HtmlReport:
    """Build a report section by section, then :meth:`write` it."""

    title: str
    parts: list[str] = field(default_factory=list)

    def heading(self, text: str, level: int = 2) -> "HtmlReport":
        self.parts.append(f"<h{level}>{html.escape(text)}</h{level}>")
        return self

    def paragraph(self, text: str, note: bool = False) -> "HtmlReport":
        css = ' class="note"' if note else ""
        self.parts.append(f"<p{css}>{html.escape(text)}</p>")
        return self

    def figure(self, fig, caption: str, alt: str | None = None) -> "HtmlReport":
        data = figure_png_base64(fig)
        self.parts.append(
            f'<figure><img alt="{html.escape(alt or caption)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{html.escape(caption)}</figcaption></figure>"
        )
        return self

    def table(self, frame, caption: str = "", float_format: str = "{:.2f}") -> "HtmlReport":
        """A pandas DataFrame as a table (NaN shown as an em dash)."""
        # phrases (a note, an error) read from the left; figures, counts and "120/120 (100.0 %)" line up right
        textual = [any(isinstance(v, str) and _PHRASE.search(v) for v in frame[c]) for c in frame.columns]
        tag = {True: ' class="t"', False: ""}
        head = "".join(f"<th{tag[t]}>{html.escape(str(c))}</th>" for c, t in zip(frame.columns, textual))
        rows = []
        for _, row in frame.iterrows():
            cells = []
            for value, is_text in zip(row, textual):
                if isinstance(value, float):
                    text = "—" if value != value else float_format.format(value)
                else:
                    text = "—" if value is None else str(value)
                cells.append(f"<td{tag[is_text]}>{html.escape(text)}</td>")
            rows.append("<tr>" + "".join(cells) + "</tr>")
        cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
        self.parts.append(f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")
        return self

    def raw(self, fragment: str) -> "HtmlReport":
        """Trusted HTML made by Lodestar itself (never user text)."""
        self.parts.append(fragment)
        return self

    def render(self) -> str:
        body = "\n".join(self.parts)
        return (
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(self.title)}</title><style>{_CSS}</style></head>"
            f"<body><h1>{html.escape(self.title)}</h1>\n{body}\n"
            "<footer>Made by Lodestar. Station data: IGS / EUREF and the station operators.</footer>"
            "</body></html>\n"
        )

    def write(self, path) -> None:
        with atomic_path(path) as tmp:
            tmp.write_text(self.render(), encoding="utf-8")
