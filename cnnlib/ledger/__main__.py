"""``python -m cnnlib.ledger [--topic T] [--lecture L] [--status S] [--table]``: recompute every
claim of the lecture ledger, print its coverage, and exit 1 if a claim disagrees with its status."""
from __future__ import annotations

import argparse
import sys

from cnnlib import ledger


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cnnlib.ledger", description=__doc__)
    parser.add_argument("--topic")
    parser.add_argument("--lecture")
    parser.add_argument("--status", choices=list(ledger.STATUSES))
    parser.add_argument("--table", action="store_true", help="print every claim")
    args = parser.parse_args(argv)
    try:
        items = ledger.claims(topic=args.topic, lecture=args.lecture, status=args.status)
        checks = ledger.check_all(items)
    except ledger.LedgerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.table:
        print(ledger.LedgerTable(items))
    print(ledger.coverage(items))
    bad = [ch for ch in checks if not ch.consistent]
    for ch in bad:
        detail = "; ".join(ch.mismatches) or f"computed {ch.computed_text}"
        print(f"INCONSISTENT {ch.claim.key} ({ch.claim.status}): slide {ch.claim.stated_text!r}, "
              f"{detail}", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
