"""Evidence uploads: size, extension AND content, sha256, a cleaned name."""

from __future__ import annotations

import hashlib

import pytest

from app.validation.evidence import RejectedUpload, check_upload, clean_filename

LIMIT = 1024


@pytest.mark.parametrize(("name", "data"), [
    ("shot.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 8),
    ("photo.JPG", b"\xff\xd8\xff\xe0" + b"\x00" * 8),
    ("export.pdf", b"%PDF-1.7\n"),
    ("export.csv", b"id,outcome\n1,pass\n"),
    ("log.txt", "résultat ok\n".encode()),
    ("data.json", b'{"ok": true}'),
])
def test_accepted_files_carry_their_sha256(name, data):
    checked = check_upload(name, data, LIMIT)
    assert checked.sha256 == hashlib.sha256(data).hexdigest()
    assert checked.extension == name.rsplit(".", 1)[1].lower()


@pytest.mark.parametrize(("name", "data", "message"), [
    ("shot.png", b"GIF89a", "not a valid .png"),
    ("export.pdf", b"<html>", "not a valid .pdf"),
    ("data.json", b"{not json", "not a valid .json"),
    ("log.txt", b"\x00\x01binary", "not a valid .txt"),
    ("tool.exe", b"MZ", "only"),
    ("noextension", b"x", "only"),
    ("empty.txt", b"", "empty"),
    ("big.txt", b"x" * (LIMIT + 1), "larger"),
])
def test_refused_files_say_why(name, data, message):
    with pytest.raises(RejectedUpload, match=message):
        check_upload(name, data, LIMIT)


def test_names_lose_their_directories_and_odd_characters():
    assert clean_filename("../../etc/pass wd.txt") == "pass wd.txt"
    assert clean_filename("C:\\Users\\x\\shot<1>.png") == "shot_1_.png"
