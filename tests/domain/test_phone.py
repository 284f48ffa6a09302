import pytest
from hypothesis import given
from hypothesis import strategies as st

from calldesk_domain.phone import is_mobile_cn, is_withheld, mask, national_display, normalize


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13800138000", "+8613800138000"),
        ("+86 138 0013 8000", "+8613800138000"),
        ("008613800138000", "+8613800138000"),
        ("+86-138-0013-8000", "+8613800138000"),
        ("(+86) 13800138000", "+8613800138000"),
        ("8613800138000", "+8613800138000"),
        ("010-12345678", "+861012345678"),
        ("01012345678", "+861012345678"),
        ("(010) 1234 5678", "+861012345678"),
        ("0755-26000000", "+8675526000000"),
        ("075526000000", "+8675526000000"),
        ("021-6888 8888", "+862168888888"),
        ("4008123456", "+864008123456"),
        ("400-812-3456", "+864008123456"),
        ("010-12345678 转 801", "+861012345678"),
        ("13800138000 ext 12", "+8613800138000"),
        ("+1 650 253 0000", "+16502530000"),
        ("１３８００１３８０００", None),  # full-width digits are not a PBX caller id
    ],
)
def test_normalize_table(raw, expected):
    assert normalize(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "anonymous",
        "Anonymous",
        "unknown",
        "withheld",
        "private",
        "restricted",
        "<unknown>",
        None,
        "abc",
        "+",
        "00",
        "12",
        "x" * 500,
    ],
)
def test_withheld_or_unusable_is_none(raw):
    assert normalize(raw) is None


def test_mobile_and_landline_forms_meet():
    assert normalize("13800138000") == normalize("+86 138 0013 8000") == normalize("008613800138000")
    assert normalize("010-12345678") == normalize("01012345678")
    assert normalize("010-12345678") != normalize("13800138000")


def test_display_and_mask():
    assert national_display("+8613800138000") == "138 0013 8000"
    assert national_display("+861012345678") == "010 1234 5678"
    assert national_display(None) == ""
    assert mask("+8613800138000") == "138****8000"
    assert mask("+861012345678") == "010****5678"
    assert mask("+864008123456") == "400****3456"
    assert mask("") == ""
    assert is_mobile_cn("+8613800138000") and not is_mobile_cn("+861012345678")


@given(
    st.one_of(
        st.text(max_size=80),
        st.binary(max_size=40).map(lambda b: b.decode("latin-1")),
        st.integers(),
        st.none(),
    )
)
def test_normalize_never_raises(raw):
    result = normalize(raw)
    assert result is None or (result.startswith("+") and result[1:].isdigit())


@given(
    # 179 is left out: 1790x/1795x are IP-call dialling prefixes, which phonenumbers strips
    # ("17900001000" is not a mobile); test_carrier_prefix_ranges_still_go_through_phonenumbers
    st.from_regex(r"1(?:[3-689][0-9]|7[0-8])[0-9]{8}", fullmatch=True),
    st.sampled_from(["{}", "+86{}", "0086{}", "+86 {a} {b} {c}", "{a}-{b}-{c}"]),
)
def test_any_cn_mobile_in_any_format_normalises_to_one_number(digits, pattern):
    raw = pattern.format(digits, a=digits[:3], b=digits[3:7], c=digits[7:])
    assert normalize(raw) == "+86" + digits
    assert mask(normalize(raw)) == digits[:3] + "****" + digits[-4:]


@pytest.mark.parametrize("raw", [None, "", "  ", "anonymous", " Anonymous ", "PRIVATE", "<unknown>", "null"])
def test_withheld_forms(raw):
    assert is_withheld(raw) and normalize(raw) is None


@pytest.mark.parametrize("raw", ["13800138000", "abc", "010-12345678"])
def test_not_withheld(raw):
    assert not is_withheld(raw)


def _phonenumbers_e164(candidate: str) -> str | None:
    """The reference answer: phonenumbers' own parse, as normalize did for every input."""
    import phonenumbers

    try:
        parsed = phonenumbers.parse(candidate, "CN")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


@given(
    digits=st.from_regex(r"1[0-9]{10}", fullmatch=True),
    prefix=st.sampled_from(["", "+86", "86", "0086"]),
)
def test_plain_mobile_shortcut_gives_what_phonenumbers_gives(digits, prefix):
    raw = prefix + digits
    reference = _phonenumbers_e164("+" + raw[2:] if raw.startswith("00") else raw)
    assert normalize(raw) == reference


@pytest.mark.parametrize(
    "digits", ["11019007939", "12665004996", "17911005205", "17900001000", "13800138000"]
)
def test_carrier_prefix_ranges_still_go_through_phonenumbers(digits):
    assert normalize(digits) == _phonenumbers_e164(digits)


def test_non_ascii_digits_never_take_the_shortcut():
    arabic_indic = "١٣٨٠٠١٣٨٠٠٠"  # 13800138000 in Arabic-Indic digits
    # the full path keeps ASCII digits only, so these are unusable, as before the shortcut existed
    assert normalize(arabic_indic) is None
    assert normalize("１３８００１３８０００") is None  # full-width
