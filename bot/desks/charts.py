"""The chart an admin gets in chat (and `jaring stats --chart FILE` writes): registrations over time and
the year's quota use, as one PNG readable on a phone (1200 × 900, large type).

matplotlib is imported here only, and only when a chart is drawn: `jaring chat` and every other message
never pay for it. The Agg canvas is used directly (no pyplot), so nothing global is switched on."""

from __future__ import annotations

import io
from dataclasses import dataclass

__all__ = ["ChartData", "ChartLabels", "render_chart"]

_WIDTH_INCHES, _HEIGHT_INCHES, _DPI = 12, 9, 100
_MAX_MONTH_LABELS = 12
_BLUE, _GREEN, _GREY, _ORANGE = "#1f5fa8", "#2e8b57", "#9aa5b1", "#d9822b"


@dataclass(frozen=True, slots=True)
class ChartLabels:
    """Every word on the chart, rendered by the caller in the admin's language."""

    title: str
    over_time: str
    registered: str
    active: str
    quota: str
    used: str
    places: str
    waiting: str
    quota_not_set: str


@dataclass(frozen=True, slots=True)
class ChartData:
    months: tuple[str, ...]  # one label per month, oldest first ("Jan 2026")
    registered: tuple[int, ...]  # registrations sent up to the end of each month
    active: tuple[int, ...]  # participants active up to the end of each month
    quota_used: int
    quota_places: int | None
    waiting: int


def render_chart(data: ChartData, labels: ChartLabels, thousands: str = ".") -> bytes:
    """The PNG's bytes. `thousands` groups digits in the numbers written on the bars (1.000 or 1,000)."""
    # Imported here: only a chart pays matplotlib's start-up (about half a second).
    from matplotlib import rc_context  # noqa: PLC0415
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415
    from matplotlib.figure import Figure  # noqa: PLC0415
    from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: PLC0415

    def number(value: int) -> str:
        return f"{value:,}".replace(",", thousands)

    with rc_context({"font.size": 18, "axes.titlesize": 22, "axes.titleweight": "bold", "legend.fontsize": 18}):
        figure = Figure(figsize=(_WIDTH_INCHES, _HEIGHT_INCHES), dpi=_DPI, layout="constrained")
        FigureCanvasAgg(figure)
        figure.suptitle(labels.title, fontsize=24, fontweight="bold")
        over_time, quota = figure.subplots(2, 1, height_ratios=(3, 2))

        positions = list(range(len(data.months)))
        over_time.plot(positions, data.registered, color=_BLUE, linewidth=4, marker="o", label=labels.registered)
        over_time.plot(positions, data.active, color=_GREEN, linewidth=4, marker="s", label=labels.active)
        step = max(1, -(-len(positions) // _MAX_MONTH_LABELS))
        shown = positions[::step]
        over_time.set_xticks(shown, [data.months[i] for i in shown], rotation=30 if len(shown) > 6 else 0)
        grouped = FuncFormatter(lambda value, _: number(round(value)))
        over_time.yaxis.set_major_locator(MaxNLocator(integer=True))
        over_time.yaxis.set_major_formatter(grouped)
        over_time.set_ylim(bottom=0)
        over_time.set_title(labels.over_time, loc="left")
        over_time.grid(axis="y", alpha=0.3)
        over_time.legend(loc="upper left")
        if positions:
            for series, color in ((data.registered, _BLUE), (data.active, _GREEN)):
                over_time.annotate(
                    number(series[-1]),
                    (positions[-1], series[-1]),
                    textcoords="offset points",
                    xytext=(8, 0),
                    color=color,
                    fontweight="bold",
                    va="center",
                )

        # Top to bottom: used, places (when set), waiting list.
        bars_shown = [(labels.used, data.quota_used, _BLUE)]
        if data.quota_places is not None:
            bars_shown.append((labels.places, data.quota_places, _GREY))
            title = f"{labels.quota}: {number(data.quota_used)} / {number(data.quota_places)}"
        else:
            title = f"{labels.quota} ({labels.quota_not_set})"
        bars_shown.append((labels.waiting, data.waiting, _ORANGE))
        names, values, colours = zip(*reversed(bars_shown), strict=True)
        bars = quota.barh(names, values, color=colours)
        quota.bar_label(bars, labels=[number(v) for v in values], padding=8, fontsize=20, fontweight="bold")
        quota.set_title(title, loc="left")
        quota.xaxis.set_major_locator(MaxNLocator(integer=True))
        quota.xaxis.set_major_formatter(grouped)
        quota.set_xlim(0, max(*values, 1) * 1.2)
        quota.grid(axis="x", alpha=0.3)

        output = io.BytesIO()
        figure.savefig(output, format="png", dpi=_DPI)
    return output.getvalue()
