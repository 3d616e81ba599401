"""Attachments are typed by their first bytes, and their names cleaned, table-driven."""

from __future__ import annotations

import pytest

from hotline.tracking.notes import clean_filename, sniff


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
        (b"\xff\xd8\xff\xe1\x00\x10Exif", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "image/png"),
        (b"%PDF-1.7\n", "application/pdf"),
        (b"\x89PNG\r\n", None),  # cut short: not a PNG signature
        (b"GIF89a", None),
        (b"<svg xmlns=", None),
        (b"PK\x03\x04", None),  # zip / docx
        (b" %PDF-1.4", None),  # not at the start
        (b"", None),
    ],
)
def test_sniff(head, expected):
    assert sniff(head) == expected


@pytest.mark.parametrize(
    ("name", "content_type", "expected"),
    [
        ("走访照片.png", "image/png", "走访照片.png"),
        ("回执.jpg", "application/pdf", "回执.pdf"),
        ("../../etc/passwd", "image/jpeg", "passwd.jpg"),
        ("C:\\Users\\x\\scan.PDF", "application/pdf", "scan.pdf"),
        ('a"b<c>.png', "image/png", "abc.png"),
        ("line\nbreak\x00.png", "image/png", "linebreak.png"),
        ("", "image/png", "附件.png"),
        (None, "image/jpeg", "附件.jpg"),
        ("...", "image/png", "附件.png"),
        ("x" * 300 + ".png", "image/png", "x" * 200 + ".png"),
    ],
)
def test_clean_filename(name, content_type, expected):
    assert clean_filename(name, content_type) == expected
