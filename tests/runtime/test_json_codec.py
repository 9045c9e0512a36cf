"""The runtime's JSON codec: pydantic_core's speed, json's answers."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("pydantic_core")
import pydantic_core  # noqa: E402,F401  (imported: the codec then takes the fast path)

from asgi_lambda.runtime._json import Codec  # noqa: E402

FAST = Codec()
PLAIN = Codec()
PLAIN._from_json = PLAIN._to_json = None

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(),  # lone surrogates included
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


def same(a: Any, b: Any) -> bool:
    """Equal, with -0.0 and 0.0 told apart and floats compared by value."""
    if isinstance(a, float) and isinstance(b, float):
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def test_the_codec_takes_pydantic_core_once_the_app_imported_it() -> None:
    assert FAST.fast


def test_without_pydantic_core_imported_the_codec_uses_json_and_imports_nothing() -> None:
    code = (
        "import sys; from asgi_lambda.runtime._json import Codec; c = Codec(); "
        "print(c.fast, 'pydantic_core' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


@settings(max_examples=300, deadline=None)
@given(json_values, st.booleans())
def test_an_event_decodes_as_json_decodes_it(value: Any, ascii_only: bool) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only)
    data = text.encode("utf-8", "surrogatepass")
    try:
        expected = json.loads(data)
    except ValueError as exc:  # a lone surrogate written raw is no UTF-8: json refuses it
        with pytest.raises(ValueError) as raised:
            FAST.loads(data)
        assert str(raised.value) == str(exc)
        return
    assert same(FAST.loads(data), expected)


@pytest.mark.parametrize(
    "data",
    [b'"\\ud800"', b'{"a": 1, "a": 2}', b"NaN", '{"x": "\u00e9"}'.encode("utf-16"), b"1e400"],
    ids=["escaped lone surrogate", "duplicate keys", "NaN", "UTF-16", "overflow"],
)
def test_what_json_accepts_at_the_edges_decodes_the_same(data: bytes) -> None:
    expected = json.loads(data)
    got = FAST.loads(data)
    if isinstance(expected, float) and math.isnan(expected):
        assert isinstance(got, float) and math.isnan(got)
    else:
        assert same(got, expected)


def test_a_body_that_is_not_json_gets_jsons_error_text() -> None:
    with pytest.raises(ValueError) as fast:
        FAST.loads(b"{not json")
    with pytest.raises(ValueError) as plain:
        json.loads(b"{not json")
    assert str(fast.value) == str(plain.value)


answers = st.fixed_dictionaries(
    {
        "statusCode": st.integers(100, 599),
        "headers": st.dictionaries(st.text(), st.text(), max_size=4),
        "multiValueHeaders": st.dictionaries(st.text(), st.lists(st.text(), max_size=3)),
        "body": st.text(),
        "isBase64Encoded": st.booleans(),
        "cookies": st.lists(st.text(), max_size=3),
    }
)


@settings(max_examples=300, deadline=None)
@given(answers)
def test_an_answer_encodes_to_json_that_reads_back_as_the_answer(answer: dict[str, Any]) -> None:
    data = FAST.dumps_answer(answer)
    assert json.loads(data) == answer
    assert PLAIN.dumps_answer(answer) == json.dumps(answer).encode()
