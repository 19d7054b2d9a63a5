"""Bar charts drawn on the server as SVG markup, for the web desk's figures page: numbers in, text out.

The SVG goes into the page itself (markup, not script, so the Content-Security-Policy allows it). It is
an image to a screen reader (`role="img"`, named by its `<title>`), the table beside it holds the same
numbers; every bar carries its label and its value written out, so nothing depends on colour. Every text
is escaped: a label is whatever a kelurahan or a job type is called."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

__all__ = ["Bar", "bar_chart"]

_WIDTH = 600  # the viewBox's width; the chart scales to its box
_ROW = 30  # height of one bar's row
_BAR = 20
_TOP = 8
_GAP = 10  # between the label column, the bar and its value
_CHAR = 8.5  # a generous average character width at font-size 14 (wide letters too), for the label column
_LABEL_MAX_CHARS = 30  # longer labels are shortened on the chart (the table has them whole)
_VALUE_ROOM = 120  # kept right of the longest bar for its value
_BAR_COLOUR = "#0b5394"
_INK = "#1b1f23"


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: int  # drawn to scale; negative values are drawn as 0
    value_text: str  # the value as the page writes it (1.234, Rp16.800)


def bar_chart(title: str, bars: Sequence[Bar], *, chart_id: str) -> str:
    """A horizontal bar chart: one row per bar, its label on the left, its value after the bar.
    `chart_id` makes the title's id unique in the page."""
    labels = [_shorten(bar.label) for bar in bars]
    label_width = min(max((len(label) for label in labels), default=0), _LABEL_MAX_CHARS) * _CHAR + _GAP
    bar_room = _WIDTH - label_width - _VALUE_ROOM
    largest = max((bar.value for bar in bars), default=0)
    height = _TOP * 2 + _ROW * max(len(bars), 1)
    title_id = f"{chart_id}-judul"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_WIDTH} {height}" width="{_WIDTH}" '
        f'height="{height}" role="img" aria-labelledby={quoteattr(title_id)} class="bars" '
        f'font-family="system-ui, sans-serif" font-size="14">',
        f"<title id={quoteattr(title_id)}>{escape(title)}</title>",
    ]
    for row, (bar, label) in enumerate(zip(bars, labels, strict=True)):
        y = _TOP + row * _ROW
        length = bar_room * max(bar.value, 0) / largest if largest > 0 else 0.0
        middle = y + _ROW / 2
        parts.append(
            f'<g class="bar"><text class="label" x="{label_width - _GAP:.1f}" y="{middle:.1f}" '
            f'text-anchor="end" dominant-baseline="middle" fill="{_INK}">{escape(label)}</text>'
            f'<rect x="{label_width:.1f}" y="{y + (_ROW - _BAR) / 2:.1f}" width="{length:.1f}" height="{_BAR}" '
            f'fill="{_BAR_COLOUR}"/>'
            f'<text class="value" x="{label_width + length + _GAP / 2:.1f}" y="{middle:.1f}" '
            f'dominant-baseline="middle" fill="{_INK}">{escape(bar.value_text)}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _shorten(label: str) -> str:
    return label if len(label) <= _LABEL_MAX_CHARS else label[: _LABEL_MAX_CHARS - 1].rstrip() + "…"
