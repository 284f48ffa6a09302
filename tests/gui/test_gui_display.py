"""How values read on screen: money, points, durations, codes, and the shared table model."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st
from PySide6.QtCore import Qt

from desktop.views import display
from desktop.views.record_model import Column, RecordTableModel


@given(st.integers(min_value=-(10**13), max_value=10**13))
def test_yuan_is_exact_for_any_fen(fen):
    text = display.yuan(fen)
    sign = -1 if text.startswith("-") else 1
    digits = text.lstrip("-").removeprefix("¥").replace(",", "")
    whole, cents = digits.split(".")
    assert len(cents) == 2
    assert sign * (int(whole) * 100 + int(cents)) == fen


def test_yuan_examples():
    assert display.yuan(0) == "¥0.00"
    assert display.yuan(3_856_000) == "¥38,560.00"
    assert display.yuan(-199) == "-¥1.99"


def test_points_and_durations():
    assert display.points(12580) == "12,580"
    assert display.signed_points(-2000) == "-2,000" and display.signed_points(50) == "+50"
    assert display.duration(0) == "00:00"
    assert display.duration(65.9) == "01:05"
    assert display.duration(3725) == "1:02:05"
    assert display.duration(-5) == "00:00"  # a PBX clock ahead of ours never shows a negative timer


def test_codes_translate_and_unknown_codes_pass_through():
    assert display.code_label("shipped") == "Shipped"
    assert display.code_label("brand_new_status") == "brand_new_status"
    assert display.code_label("") == ""
    assert display.tier_label("high_end") == "High-end"
    assert display.tier_label("") == ""


def test_dates_accept_datetimes_epochs_and_none():
    dt = datetime(2026, 11, 23, 1, 2, tzinfo=UTC)
    assert display.date_time(dt) == dt.astimezone().strftime("%Y-%m-%d %H:%M")
    assert display.date_time(dt.timestamp()) == display.date_time(dt)
    assert display.date_time(datetime(2026, 11, 23, 1, 2)) == display.date_time(dt)  # naive means UTC
    assert display.date_time(None) == "" and display.clock(None) == ""


def test_phone_text_masks_or_formats():
    assert display.phone_text("+8613800138000", masked=True) == "138****8000"
    assert display.phone_text("+8613800138000", masked=False) == "138 0013 8000"
    assert display.phone_text(None, masked=True) == ""


def test_record_model_reset_prepend_and_cells(qtbot):
    columns = (
        Column("Name", lambda r: r["name"], 100),
        Column(
            "Amount",
            lambda r: display.yuan(r["fen"]),
            0,
            colour=lambda r: "#ff0000" if r["fen"] < 0 else None,
        ),
    )
    model = RecordTableModel(columns)
    resets = []
    model.modelReset.connect(lambda: resets.append(True))
    model.set_records([{"name": "a", "fen": 100}, {"name": "b", "fen": -5}])
    assert resets == [True]
    assert model.rowCount() == 2 and model.columnCount() == 2
    assert model.index(1, 1).data() == "-¥0.05"
    assert model.index(1, 1).data(Qt.ItemDataRole.ForegroundRole).name() == "#ff0000"
    assert model.index(0, 1).data(Qt.ItemDataRole.ForegroundRole) is None
    assert model.headerData(0, Qt.Orientation.Horizontal) == "Name"
    assert model.headerData(0, Qt.Orientation.Vertical) is None
    model.prepend({"name": "c", "fen": 1})
    assert model.index(0, 0).data() == "c" and model.rowCount() == 3
    changed = []
    model.headerDataChanged.connect(lambda *a: changed.append("header"))
    model.dataChanged.connect(lambda *a: changed.append("data"))
    model.retranslate()
    assert changed == ["header", "data"]


def test_theme_applies_and_a_missing_theme_is_reported(qapp, monkeypatch, tmp_path):
    from desktop.views.theme import apply_theme

    original = qapp.styleSheet()
    try:
        assert apply_theme(qapp, "light") is True
        assert "QLabel#customerName" in qapp.styleSheet()
        monkeypatch.setenv("CALLDESK_RESOURCES", str(tmp_path))
        assert apply_theme(qapp, "light") is False
    finally:
        qapp.setStyleSheet(original)


def test_clip_keeps_short_text_and_marks_cut_text():
    assert display.clip("王秀英", 30) == "王秀英"
    assert display.clip("abcdef", 4) == "abc…"
    assert len(display.clip("x" * 100, 16)) == 16
