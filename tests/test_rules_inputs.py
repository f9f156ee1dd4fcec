"""Inputs of `vigie rules test`: article files, JSON lines, feeds and folders become Articles."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from support_rules import CORPUS
from vigie.models import Article
from vigie.errors import InputError
from vigie.rules.inputs import read_inputs


def test_folder_of_files_of_every_kind(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("The title\n\nThe body.\n", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.html").write_text("<html><head><title>T &amp; B</title></head><body><p>Hello</p></body></html>", encoding="utf-8")
    (tmp_path / "c.jsonl").write_text(json.dumps({"title": "J", "description": "<b>S</b>", "language": "fr-FR", "url": "https://x.example/1",
                                                   "published": "2022-03-01T10:00:00Z"}) + "\n\n", encoding="utf-8")
    (tmp_path / "not-a-feed.bin").write_bytes(b"\x00")
    got = list(read_inputs([str(tmp_path)]))
    # Like `vigie feeds check`, no file of the folder is skipped silently.
    errors = [str(e) for e in got if isinstance(e, InputError)]
    assert len(errors) == 1 and "not-a-feed.bin" in errors[0]
    by_title = {a.title: a for a in got if isinstance(a, Article)}
    assert set(by_title) == {"The title", "T & B", "J"}
    assert by_title["The title"].body == "The body."
    assert by_title["T & B"].body == "Hello"
    j = by_title["J"]
    assert (j.summary, j.language, j.url, j.id, j.published.isoformat()) == ("S", "fr", "https://x.example/1", "url:https://x.example/1", "2022-03-01T10:00:00+00:00")


def test_bad_inputs_are_reported_and_the_rest_goes_on(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"title": "ok"}\n{not json\n', encoding="utf-8")
    got = list(read_inputs([str(tmp_path / "nope.txt"), str(bad)]))
    assert isinstance(got[0], InputError) and "nope.txt: no such file, folder or URL" in str(got[0])
    assert isinstance(got[1], Article) and got[1].title == "ok"
    assert isinstance(got[2], InputError) and f"{bad}:2: not JSON" in str(got[2])


def test_real_feed_file() -> None:
    path = CORPUS / "feeds" / "bbc_3.xml"
    if not path.is_file():
        pytest.skip("corpus absent: ../shared/corpus beside the repository")
    got = [a for a in read_inputs([str(path)]) if isinstance(a, Article)]
    # 54 items, one of them twice (same GUID): the run keeps one, and so does the preview.
    assert len(got) == 53
    assert all(a.title and a.source_id == str(path.resolve()) and "<" not in a.summary for a in got)
