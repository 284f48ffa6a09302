"""Card numbers never reach storage: Luhn-valid 13-19 digit runs are redacted from free text."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from calldesk_domain.redaction import contains_card, luhn_valid, redact_cards


def _with_check_digit(body: str) -> str:
    for check in "0123456789":
        if luhn_valid(body + check):
            return body + check
    raise AssertionError("no check digit")


pans = st.integers(min_value=12, max_value=18).flatmap(
    lambda n: st.text("0123456789", min_size=n, max_size=n).map(_with_check_digit)
)
separators = st.sampled_from(["", " ", "-"])
# Surrounding text without digits, spaces or dashes next to the number (those would extend it).
words = st.text(st.characters(blacklist_categories=("Nd", "Cs"), blacklist_characters=" -"), max_size=30)


def _format(pan: str, sep: str) -> str:
    return sep.join(pan[i : i + 4] for i in range(0, len(pan), 4))


def _digits(text: str) -> str:
    return re.sub(r"[ \-]", "", text)


@settings(max_examples=300, deadline=None)
@given(pan=pans, sep=separators, before=words, after=words)
def test_any_luhn_valid_card_in_text_is_redacted(pan: str, sep: str, before: str, after: str) -> None:
    text = f"{before} {_format(pan, sep)} {after}" if before or after else _format(pan, sep)
    out = redact_cards(text)
    assert pan not in _digits(out)
    assert f"****{pan[-4:]}" in out
    assert out.startswith(before) and out.endswith(after)
    assert redact_cards(out) == out  # idempotent
    assert contains_card(text)


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=200))
def test_text_without_long_digit_runs_is_untouched(text: str) -> None:
    short = re.sub(r"\d{6,}", "", text)
    if not re.search(r"\d(?:[ \-]?\d){12}", short):
        assert redact_cards(short) == short


@settings(max_examples=200, deadline=None)
@given(pan=pans, phone=st.from_regex(r"1[3-9]\d{9}", fullmatch=True))
def test_card_glued_to_a_phone_number_is_still_caught(pan: str, phone: str) -> None:
    out = redact_cards(f"卡号{pan} {phone}")
    assert pan not in _digits(out)


def test_examples() -> None:
    assert redact_cards("卡号 4111 1111 1111 1111，谢谢") == "卡号 [card ****1111]，谢谢"
    assert redact_cards("card 4111-1111-1111-1111.") == "card [card ****1111]."
    assert redact_cards("4111111111111112") == "4111111111111112"  # fails Luhn: kept
    assert redact_cards("手机 13800138000 订单 O00000042") == "手机 13800138000 订单 O00000042"
    assert redact_cards(None) == ""
    assert not contains_card("电话 010-12345678")
