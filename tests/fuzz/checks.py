"""What every answer of the web function must be, whatever it was sent."""

import base64
import json
from typing import Any

SINGLE, MULTI, V2 = "single-value", "multi-value", "v2"
LEAKS = (b"Traceback (most recent call last)", b'File "/')


def expected_shape(event: Any) -> str:
    """The response shape the sender of ``event`` accepts (AWS's rules, written out independently)."""
    if not isinstance(event, dict):
        return SINGLE
    context = event.get("requestContext")
    if isinstance(context, dict) and "elb" in context:
        return MULTI if "multiValueHeaders" in event else SINGLE
    if event.get("version") == "2.0":
        return V2
    return MULTI if "multiValueHeaders" in event else SINGLE


def texts_in(value: Any) -> list[str]:
    """Every string anywhere in a JSON value, keys included."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [text for item in value for text in texts_in(item)]
    if isinstance(value, dict):
        return [text for key, item in value.items() for text in [key, *texts_in(item)]]
    return []


def carries_unencodable_text(event: Any) -> bool:
    """Whether any text in ``event`` cannot be UTF-8 encoded (a lone surrogate), so no client sent it."""
    return any(unencodable(text) for text in texts_in(event))


def unencodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def check_refused_as_unencodable(response: dict[str, Any]) -> None:
    """Assert ``response`` is the 400 for an event carrying text no client can send, naming the part."""
    assert response["statusCode"] == 400, response
    detail = json.loads(response["body"])["detail"]
    assert detail.startswith("Malformed request event: '") and detail.endswith("' is not valid Unicode text"), detail


def check_response(response: Any, event: Any, secrets: list[str]) -> int:
    """Assert ``response`` is a proxy response the event's sender accepts, revealing nothing; return its status."""
    assert isinstance(response, dict), response
    json.dumps(response)  # Lambda serialises it
    status = response["statusCode"]
    assert type(status) is int and 100 <= status <= 599, status
    assert isinstance(response.get("body", ""), str)
    assert isinstance(response.get("isBase64Encoded", False), bool)
    body = response.get("body", "")
    raw = base64.b64decode(body, validate=True) if response.get("isBase64Encoded") else body.encode()

    shape = expected_shape(event)
    if shape == MULTI:
        assert "headers" not in response, "an ALB multi-value event needs multiValueHeaders only"
        headers = response["multiValueHeaders"]
        assert all(isinstance(k, str) and v and all(isinstance(i, str) for i in v) for k, v in headers.items())
    else:
        assert "multiValueHeaders" not in response
        headers = response.get("headers", {})
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in headers.items())
    if shape == V2:
        assert all(isinstance(cookie, str) for cookie in response.get("cookies", []))

    for leak in LEAKS:
        assert leak not in raw, raw[:2000]
    for secret in secrets:
        assert secret.encode() not in raw, "a secret in a response body"
    return status
