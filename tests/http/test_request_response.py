"""``Request`` and ``Response`` behave as the dataclasses they were: users' middleware tests
compare them, match them and read their repr."""

from __future__ import annotations

from asgi_lambda import Request, Response


def request(path: str = "/x") -> Request:
    return Request("GET", path, path.encode(), b"", [], b"", "http_api_v2", {})


def test_responses_with_the_same_fields_are_equal() -> None:
    assert Response(200, [(b"a", b"1")], b"hi") == Response(200, [(b"a", b"1")], b"hi")
    assert Response(200, body=b"hi") != Response(200, body=b"ho")


def test_requests_with_the_same_fields_are_equal() -> None:
    assert request() == request()
    assert request("/x") != request("/y")


def test_a_response_matches_a_positional_pattern() -> None:
    match Response(404, [], b"gone"):
        case Response(404, _, body):
            assert body == b"gone"
        case _:
            raise AssertionError("no match")


def test_a_responses_repr_names_every_field() -> None:
    text = repr(Response(200, [], b"hi", base64=False))
    assert text == (
        "Response(status=200, headers=[], body=b'hi', base64=False, error=None, stream=None)"
    )


def test_each_response_has_its_own_headers_list() -> None:
    first, second = Response(200), Response(200)
    first.headers.append((b"a", b"1"))
    assert second.headers == []
