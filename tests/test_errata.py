"""The errata registry: entries are keyed by topic (what they are about), not by book chapter."""
import dataclasses
import json
import pathlib
import re

import pytest

from cnnlib import errata

BOOK = pathlib.Path(__file__).resolve().parents[1] / "book"


def test_every_entry_lives_in_the_module_named_by_its_topic():
    found = errata.entries()
    assert len({e.key for e in found}) == len(found) > 0
    for e in found:
        assert e.topic in errata.TOPICS and e.lecture in errata.LECTURES
        assert e.compute.__module__ == f"cnnlib.errata.{e.topic}", e.key
    assert "chapter" not in {f.name for f in dataclasses.fields(errata.Erratum)}


def test_entries_are_listed_in_topic_order_and_filtered_by_topic():
    order = list(errata.TOPICS)
    ranks = [order.index(e.topic) for e in errata.entries()]
    assert ranks == sorted(ranks)
    assert {e.key for e in errata.entries("vgg")} >= {"vgg16-total-memory", "vgg16-stage3-convs"}
    assert all(e.topic == "vgg" for e in errata.entries("vgg"))
    assert errata.entries("nas") == []          # a known topic without errata
    with pytest.raises(ValueError, match="unknown topic 'ch04'"):
        errata.entries("ch04")
    with pytest.raises(ValueError, match="unknown topic"):
        errata.erratum(key="x", topic="ch04", lecture="cs231n-2017", where="", claim="", why="")


def test_book_pages_select_errata_by_known_topics():
    calls = []
    for path in sorted(BOOK.glob("*.ipynb")):
        for cell in json.loads(path.read_text())["cells"]:
            if cell["cell_type"] == "code":
                calls += [(path.name, m) for m in re.findall(r"errata\.(?:table|entries)\(([^)]*)\)",
                                                             "".join(cell["source"]))]
    assert calls
    for name, args in calls:
        assert "chapter" not in args, name
        for topic in re.findall(r"topic=['\"]([^'\"]+)['\"]", args):
            assert topic in errata.TOPICS, (name, topic)
