"""MIME parsing against hostile and broken input (pure; the server round trip is in
test_sync.py)."""

from __future__ import annotations

import base64
import time

from os1.skills.mail.htmltext import html_to_text
from os1.skills.mail.mime import parse


def nested(depth: int, inner: str = "innermost text") -> bytes:
    head = b"From: Deep <deep@example.test>\r\nSubject: deep\r\nMIME-Version: 1.0\r\n"
    opening = b"".join(b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (i, i)
                       for i in range(depth))
    closing = b"".join(b"\r\n--b%d--" % i for i in reversed(range(depth)))
    return head + opening + b"Content-Type: text/plain\r\n\r\n" + inner.encode() + closing


def test_multipart_alternative_prefers_plain_and_lists_attachments() -> None:
    raw = (b"From: =?utf-8?q?Ren=C3=A9e?= <renee@example.test>\r\nTo: a@example.test, "
           b"b@example.test\r\nCc: c@example.test\r\nSubject: =?iso-8859-1?q?caf=E9?=\r\n"
           b'Content-Type: multipart/mixed; boundary="m"\r\n\r\n--m\r\n'
           b'Content-Type: multipart/alternative; boundary="a"\r\n\r\n--a\r\n'
           b"Content-Type: text/plain; charset=utf-8\r\n\r\nplain version\r\n--a\r\n"
           b"Content-Type: text/html\r\n\r\n<p>html <b>version</b></p>\r\n--a--\r\n--m\r\n"
           b"Content-Type: application/pdf; name=report.pdf\r\nContent-Disposition: attachment;"
           b" filename=report.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n"
           + base64.b64encode(b"%PDF-1.4 x" * 10) + b"\r\n--m--\r\n")
    p = parse(raw)
    assert p.from_name == "Renée" and p.subject == "café"
    assert p.to == ["a@example.test", "b@example.test"] and p.n_recipients == 3
    assert p.body == "plain version"
    assert [(a.name, a.content_type, a.size, a.risky) for a in p.attachments] == [
        ("report.pdf", "application/pdf", 100, False)]


def test_html_only_becomes_text_and_hidden_text_is_kept_apart() -> None:
    h = html_to_text("<html><head><style>p{}</style></head><body><p>Hello&nbsp;there</p>"
                     "<div style='display: none'>secret words</div><script>x()</script>"
                     "<a href='https://a.example/x'>the link</a><br>bye</body></html>")
    assert "Hello" in h.text and "bye" in h.text and "the link" in h.text
    assert "secret" not in h.text and "x()" not in h.text
    assert h.hidden == "secret words"
    assert h.links == [("the link", "https://a.example/x")]


def test_unknown_and_lying_charsets_never_raise() -> None:
    p = parse(b"From: x@example.test\r\nSubject: =?x-klingon?q?qapla?=\r\n"
              b"Content-Type: text/plain; charset=x-klingon\r\n\r\ncaf\xc3\xa9 \xff\xfe\r\n")
    assert "caf" in p.body
    assert any("unknown charset" in d for d in p.defects)
    q = parse(b"From: x@example.test\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
              b"na\xefve\r\n")
    assert q.body.startswith("na") and "not valid" in "; ".join(q.defects)


def test_malformed_headers_and_truncated_mime() -> None:
    p = parse(b"From: <<<broken\r\nTo: ;;;,,\r\nDate: yesterday-ish\r\nSubject: =?utf-8?b?!!!"
              b"?=\r\nContent-Type: multipart/mixed; boundary=zz\r\n\r\n--zz\r\n"
              b"Content-Type: text/plain\r\n\r\npartial body\r\n--zz\r\nContent-Type: image/png"
              b"\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo")
    assert p.body == "partial body"
    assert p.attachments[0].content_type == "image/png"
    assert p.date == 0.0 and "unreadable Date header" in p.defects
    assert p.to == []


def test_thousand_level_nesting_is_bounded() -> None:
    t0 = time.perf_counter()
    p = parse(nested(1000))
    assert time.perf_counter() - t0 < 5
    assert p.subject == "deep" and "innermost text" in p.body
    assert any("too deep" in d for d in p.defects)
    shallow = parse(nested(10))
    assert shallow.body == "innermost text" and not any("deep" in d for d in shallow.defects)


def test_five_thousand_recipients() -> None:
    to = ", ".join(f"user{i}@example.test" for i in range(5000))
    p = parse(f"From: a@example.test\r\nTo: {to}\r\nSubject: all\r\n\r\nhi\r\n".encode())
    assert p.n_recipients == 5000 and len(p.to) == 200


def test_risky_attachment_types_are_marked() -> None:
    raw = (b'From: a@example.test\r\nContent-Type: multipart/mixed; boundary="q"\r\n\r\n--q\r\n'
           b"Content-Type: text/plain\r\n\r\nsee attached\r\n--q\r\nContent-Type: "
           b"application/octet-stream\r\nContent-Disposition: attachment; filename=run.js\r\n\r\n"
           b"alert(1)\r\n--q--\r\n")
    (att,) = parse(raw).attachments
    assert att.name == "run.js" and att.risky
