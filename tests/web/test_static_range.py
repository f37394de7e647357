"""The player's clip is served with HTTP Range support, as browsers need to seek in a <video>."""
from django.templatetags.static import static


def test_the_clip_answers_a_range_request_with_206_partial_content(client):
    url = static("video/demo.webm")
    full = client.get(url)
    assert full.status_code == 200
    size = int(full["Content-Length"])
    part = client.get(url, HTTP_RANGE="bytes=1000-1999")
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 1000-1999/{size}"
    assert b"".join(part.streaming_content) == b"".join(full.streaming_content)[1000:2000]
    opening = client.get(url, HTTP_RANGE="bytes=0-")  # what Chromium's media loader asks first
    assert opening.status_code == 206 and opening["Content-Range"] == f"bytes 0-{size - 1}/{size}"


def test_an_unsatisfiable_range_is_a_416(client):
    r = client.get(static("video/demo.webm"), HTTP_RANGE="bytes=99999999-")
    assert r.status_code == 416
