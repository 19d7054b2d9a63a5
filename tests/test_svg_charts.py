"""The figures page's bar charts: well-formed SVG named by its title, every bar with its label and its value
written out, lengths to scale, and whatever a label holds shown as text, never as markup."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from bot.web.svg_charts import Bar, bar_chart

SVG = "{http://www.w3.org/2000/svg}"


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # our own output, parsed to check it


def _bars(root: ET.Element) -> list[ET.Element]:
    return root.findall(f"{SVG}g")


def test_a_chart_is_an_image_named_by_its_title_with_a_label_and_a_value_per_bar() -> None:
    root = _parse(
        bar_chart(
            "Pendaftaran per kelurahan",
            [Bar("Medono", 1200, "1.200"), Bar("Noyontaansari", 300, "300")],
            chart_id="grafik-kelurahan",
        )
    )
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    title = root.find(f"{SVG}title")
    assert title is not None
    assert title.text == "Pendaftaran per kelurahan"
    assert root.get("aria-labelledby") == title.get("id") == "grafik-kelurahan-judul"
    labels = [[t.text for t in g.findall(f"{SVG}text")] for g in _bars(root)]
    assert labels == [["Medono", "1.200"], ["Noyontaansari", "300"]]


def test_bars_are_drawn_to_scale_and_the_largest_fills_the_room() -> None:
    root = _parse(bar_chart("t", [Bar("a", 100, "100"), Bar("b", 25, "25"), Bar("c", 0, "0")], chart_id="x"))
    widths = [float(rect.get("width", "")) for g in _bars(root) for rect in g.findall(f"{SVG}rect")]
    assert widths[0] > 0
    assert widths[1] == pytest.approx(widths[0] / 4, abs=0.1)
    assert widths[2] == 0
    values = [g.findall(f"{SVG}text")[1] for g in _bars(root)]
    # each value is written just after its own bar
    assert float(values[0].get("x", "")) > float(values[1].get("x", "")) > float(values[2].get("x", ""))


def test_labels_and_the_title_are_text_never_markup() -> None:
    hostile = '<script>alert(1)</script> & "quotes"'
    svg = bar_chart(hostile, [Bar(hostile, 3, "<b>3</b>")], chart_id='a"b')
    assert "<script>" not in svg
    assert "<b>" not in svg
    root = _parse(svg)
    title = root.find(f"{SVG}title")
    assert title is not None
    assert title.text == hostile
    assert [t.text for t in root.iter(f"{SVG}text")] == [hostile[:29] + "…", "<b>3</b>"]


def test_a_long_label_is_shortened_on_the_chart_only() -> None:
    root = _parse(bar_chart("t", [Bar("Kelurahan dengan nama yang panjang sekali", 1, "1")], chart_id="x"))
    label = next(root.iter(f"{SVG}text")).text or ""
    assert label.endswith("…")
    assert len(label) == 30


def test_nothing_to_draw_is_still_well_formed() -> None:
    root = _parse(bar_chart("Kosong", [], chart_id="x"))
    assert _bars(root) == []
    assert root.get("viewBox")
    assert bar_chart("z", [Bar("a", 0, "0"), Bar("b", 0, "0")], chart_id="x").count('width="0.0"') == 2
