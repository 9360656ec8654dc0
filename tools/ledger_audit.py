"""Audit the claims ledger against the lecture transcripts (a maintainer's tool: the
transcripts are not shipped with the course).

    python tools/ledger_audit.py [SEEDS_DIR] [--lecture ID] [--all]

For each transcript it checks that every quote of every ledger source occurs in that lecture's
transcript (whitespace-insensitive), and lists the transcript's lines that carry a number no
claim quotes, after dropping the slide furniture (footers, dates, citations' years, URLs).
Exit status 1 if a quote is not found. ``--all`` also lists lines whose numbers are all covered.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cnnlib import ledger  # noqa: E402

#: Transcript file prefix -> lecture id (see cnnlib.errata.LECTURES).
FILES = {"000": "cs231n-2017", "001": "survey-ng", "002": "cs231n-2023", "003": "eecs498-2022",
         "004": "senet-deck"}

_FURNITURE = [
    r"Lecture \d+ ?- ?\d+", r"\b(January|February|March|April|May|June|July|August|September|"
    r"October|November|December) \d{1,2},? \d{4}\b", r"\b(19|20)\d\d\b", r"https?://\S+",
    r"arXiv:? ?\d+\.\d+", r"\[\d+\]", r"\b\d{1,2}(:\d\d)?\s?(am|pm)\b",
    # layer names: CONV1, MAX POOL2, NORM1, FC8, conv5_3, Stage 3, inception(4a)
    r"\b(max\s?pool|avg\s?pool|conv|fc|pool|norm|stage|layer|res|inception)\s?\d+(_\d+|[a-e])?\b",
]


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _has_number(line: str) -> bool:
    stripped = line
    for pattern in _FURNITURE:
        stripped = re.sub(pattern, " ", stripped, flags=re.I)
    return bool(re.search(r"\d", stripped))


def audit(seeds: Path, lecture: str | None, show_all: bool) -> int:
    claims = ledger.claims()
    missing = 0
    for path in sorted(seeds.glob("*.txt")):
        lec = FILES.get(path.name[:3])
        if lec is None or (lecture and lec != lecture):
            continue
        text = path.read_text(encoding="utf-8")
        flat = _norm(text)
        quotes = {_norm(s.quote) for c in claims for s in c.sources if s.lecture == lec}
        quotes |= {_norm(n.quote) for n in ledger.not_claims(lec)}
        for q in sorted(quotes):
            if q not in flat:
                missing += 1
                print(f"{lec}: quote not in transcript: {q!r}")
        covered = [q for q in quotes if q in flat]
        lines = list(dict.fromkeys(_norm(ln) for ln in text.splitlines() if _has_number(ln)))
        open_lines = [ln for ln in lines if not any(ln in q or q in ln for q in covered if q)]
        print(f"== {lec} ({path.name}): {len(lines)} distinct lines with numbers, "
              f"{len(lines) - len(open_lines)} quoted by a claim, {len(open_lines)} not")
        for ln in (lines if show_all else open_lines):
            print(f"   {ln[:160]}")
    return 1 if missing else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("seeds", nargs="?", default=str(ROOT.parent / "shared" / "seeds"))
    parser.add_argument("--lecture", choices=sorted(FILES.values()))
    parser.add_argument("--all", action="store_true")
    args = parser.parse_args()
    seeds = Path(args.seeds)
    if not seeds.is_dir():
        print(f"error: no transcripts at {seeds}: pass the folder holding 000_*.txt .. 004_*.txt",
              file=sys.stderr)
        return 2
    return audit(seeds, args.lecture, args.all)


if __name__ == "__main__":
    sys.exit(main())
