"""The claims ledger: every lecture number registered, recomputed and given a status."""
from __future__ import annotations

import subprocess
import sys

import pytest

from cnnlib import errata, ledger
from cnnlib.ledger import Claim, LedgerError, Source, parse_stated

CLAIMS = ledger.claims()


@pytest.mark.parametrize("c", [c for c in CLAIMS if c.computed], ids=lambda c: c.key)
def test_every_claim_recomputes_to_its_status(c):
    check = c.check()
    detail = "; ".join(check.mismatches) or check.computed_text
    assert check.consistent, (f"{c.key} is registered {c.status!r} but the slide says "
                              f"{c.stated_text!r} and cnnlib computes {detail}")


def test_every_erratum_is_the_wrong_view_of_one_claim():
    named = [c.erratum for c in CLAIMS if c.erratum is not None]
    assert len(named) == len(set(named)), "an erratum is named by two claims"
    missing = sorted(e.key for e in errata.entries() if e.key not in named)
    assert not missing, f"errata with no wrong claim in the ledger: {missing}"
    unknown = sorted(set(named) - {e.key for e in errata.entries()})
    assert not unknown, f"claims naming errata that do not exist: {unknown}"


def test_every_lecture_has_claims_and_most_are_computed():
    cov = ledger.coverage()
    assert all(n > 0 for n in cov.by_lecture.values()), cov.by_lecture
    assert cov.computed == cov.total - cov.by_status["uncheckable"]
    assert cov.computed >= 0.8 * cov.total, str(cov)


def test_uncheckable_claims_say_why_and_have_no_function():
    for c in ledger.claims(status="uncheckable"):
        assert c.why.strip() and not c.computed, c.key
        with pytest.raises(LedgerError, match="not checkable"):
            c.check()


@pytest.mark.parametrize("text, value, half", [
    ("60M", 60e6, 5e6), ("61.1M", 61.1e6, 0.05e6), ("138,357,544", 138357544, 0.5),
    ("3.57%", 3.57, 0.005), ("1.4G", 1.4e9, 0.05e9), ("96", 96, 0.5), ("0.5", 0.5, 0.05),
    ("0", 0, 0.5), ("224", 224, 0.5), ("1000", 1000, 0.5), ("100M", 100e6, 50e6),
    ("4096", 4096, 0.5), ("35K", 35e3, 0.5e3),
])
def test_parse_stated_reads_the_rounding_a_slide_implies(text, value, half):
    s = parse_stated(text)
    assert s.value == pytest.approx(value) and s.half_unit == pytest.approx(half)


@pytest.mark.parametrize("bad", ["about 60M", "60 million", "", "x"])
def test_parse_stated_rejects_what_it_cannot_read(bad):
    with pytest.raises(LedgerError, match="cannot read"):
        parse_stated(bad)


def _claim(**kw) -> Claim:
    base = dict(key="t-x", topic="vgg", quantity="q", stated="60M",
                sources=(Source("cs231n-2017", "slide", "60M"),), status="right", method="m",
                compute=lambda: 62e6)
    base.update(kw)
    return Claim(**base)


def test_a_claim_agrees_within_the_stated_rounding_only():
    assert _claim().check().agrees                    # 62M rounds to 60M at one digit
    assert not _claim(compute=lambda: 66e6).check().agrees
    assert not _claim(stated="61.1M").check().agrees
    assert _claim(stated="61.1M", rel_tol=0.02).check().agrees
    wrong = _claim(status="wrong", compute=lambda: 66e6).check()
    assert wrong.consistent and not wrong.agrees


def test_a_table_claim_names_its_wrong_rows():
    c = _claim(stated={"conv1": "35K", "conv2": "307K"},
               compute=lambda: {"conv1": 34944, "conv2": 614656})
    check = c.check()
    assert not check.agrees and len(check.mismatches) == 1 and "conv2" in check.mismatches[0]
    with pytest.raises(LedgerError, match="states rows"):
        _claim(stated={"a": "1"}, compute=lambda: {"b": 1}).check()


def test_a_function_returning_no_number_is_an_error():
    with pytest.raises(LedgerError, match="finite number"):
        _claim(compute=lambda: "62M").check()
    with pytest.raises(LedgerError, match="True/False"):
        _claim(numeric=False, stated="CONV-POOL", compute=lambda: 1).check()


@pytest.mark.parametrize("kw, message", [
    (dict(key="Bad Key"), "lower-case"),
    (dict(topic="chapter4"), "unknown topic"),
    (dict(status="maybe"), "not one of"),
    (dict(status="wrong"), "say why"),
    (dict(erratum="vgg16-total-memory"), "names erratum"),
    (dict(stated="sixty"), "cannot read"),
])
def test_malformed_claims_are_refused_with_the_reason(kw, message):
    with pytest.raises(LedgerError, match=message):
        ledger._validate(_claim(**kw))


def test_a_source_needs_a_known_lecture():
    with pytest.raises(LedgerError, match="unknown lecture"):
        Source("cs231n-2019", "slide", "60M")


def test_registering_a_key_twice_is_refused():
    key = CLAIMS[0].key
    with pytest.raises(LedgerError, match="registered twice"):
        ledger._validate(_claim(key=key))


def test_views_filter_by_topic_lecture_and_status():
    lenet = ledger.table(topic="lenet")
    assert lenet.items and all(c.topic == "lenet" for c in lenet.items)
    html = lenet._repr_html_()
    assert "cnnlib-ledger" in html and "Review: LeNet-5" in html
    wrong = ledger.table(status="wrong")
    assert {c.status for c in wrong.items} == {"wrong"}
    assert all(c.key in str(ledger.table(lecture=c.lectures[0]).items) for c in CLAIMS[:3])
    short = ledger.table(topic="lenet", detail=False)
    assert "How / why" not in str(short) and "Slide says" in short._repr_html_()
    with pytest.raises(LedgerError, match="unknown topic"):
        ledger.claims(topic="ch04")


def test_the_command_prints_coverage_and_exits_zero():
    run = subprocess.run([sys.executable, "-m", "cnnlib.ledger"], capture_output=True, text=True,
                         timeout=600)
    assert run.returncode == 0, run.stderr
    assert f"{ledger.coverage().computed} of {len(CLAIMS)} lecture claims computed" in run.stdout
