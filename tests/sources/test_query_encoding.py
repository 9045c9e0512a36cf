"""query_from_multi: the query string rebuilt from decoded parameters, byte for byte urlencode's."""

from __future__ import annotations

from urllib.parse import urlencode

from hypothesis import given, settings
from hypothesis import strategies as st

from asgi_lambda._sources._base import query_from_multi

# Any text but lone surrogates (no UTF-8 exists for them), with the characters that matter to a
# query string and to the encoder's stand-ins drawn often.
TEXT = st.text(
    st.one_of(
        st.sampled_from(["%", "+", " ", "=", "&", "\x00", "\x01", "/", "é", "€", "~", "a"]),
        st.characters(exclude_categories=["Cs"]),
    ),
    max_size=8,
)
VALUES = st.one_of(st.none(), TEXT, st.lists(TEXT, max_size=3))


def expected(params: dict[str, object]) -> bytes:
    kept = [(name, values) for name, values in params.items() if values is not None]
    return urlencode(kept, doseq=True).encode("ascii")


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(TEXT, VALUES, max_size=5))
def test_any_parameters_encode_exactly_as_urlencode_does(params: dict[str, object]) -> None:
    assert query_from_multi(params) == expected(params)  # type: ignore[arg-type]


def test_spaces_become_plus_and_reserved_characters_are_escaped() -> None:
    params = {"q": ["a b", "x/y"], "sum": "1+1=2&"}
    assert query_from_multi(params) == b"q=a+b&q=x%2Fy&sum=1%2B1%3D2%26"


def test_percent_signs_are_escaped_once() -> None:
    assert query_from_multi({"p": ["100%", "%41"]}) == b"p=100%25&p=%2541"


def test_non_ascii_text_is_escaped_as_utf_8() -> None:
    assert query_from_multi({"café": ["€"]}) == b"caf%C3%A9=%E2%82%AC"


def test_a_value_holding_a_stand_in_character_is_escaped_not_taken_as_a_separator() -> None:
    assert query_from_multi({"a": ["x\x00y\x01z"]}) == b"a=x%00y%01z"


def test_null_values_are_left_out() -> None:
    assert query_from_multi({"a": None, "b": ["1"]}) == b"b=1"


def test_no_parameters_give_an_empty_query() -> None:
    assert query_from_multi({}) == b""
    assert query_from_multi(None) == b""
    assert query_from_multi({"a": None}) == b""


def test_values_that_are_not_text_are_encoded_as_urlencode_does() -> None:
    params = {"n": [1, 2], "b": [b"x y"]}
    assert query_from_multi(params) == b"n=1&n=2&b=x+y"  # type: ignore[arg-type]
