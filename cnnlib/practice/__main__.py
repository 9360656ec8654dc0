"""``python -m cnnlib.practice --seed S --n N --out DIR``: write a practice set.

Writes ``practice_<S>.ipynb``, ``exam_<S>.html`` and ``answer_key_<S>.html`` (plus PDFs when
headless Chromium is installed) into ``DIR`` (default ``_build/practice/<S>``).
"""
from __future__ import annotations

import argparse
import sys

from cnnlib.practice.problems import KINDS, MAX_PROBLEMS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m cnnlib.practice",
        description="Generate CNN-architecture practice problems: a self-check notebook, a "
                    "printable exam and its answer key.")
    parser.add_argument("--seed", type=int, default=0, help="which set (an integer >= 0)")
    parser.add_argument("--n", type=int, default=10, help=f"number of problems (1..{MAX_PROBLEMS})")
    parser.add_argument("--out", default=None, help="output folder (default _build/practice/SEED)")
    parser.add_argument("--kinds", default=None,
                        help="comma-separated kinds to draw from (default: all); see --list-kinds")
    parser.add_argument("--no-pdf", action="store_true", help="skip the PDF conversion")
    parser.add_argument("--list-kinds", action="store_true", help="list the kinds and exit")
    args = parser.parse_args(argv)

    if args.list_kinds:
        width = max(map(len, KINDS))
        print("\n".join(f"{k:<{width}}  {d}" for k, d in KINDS.items()))
        return 0
    from cnnlib.practice.render import OutDirError, render_set

    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()] if args.kinds else None
    out = args.out or f"_build/practice/{args.seed}"
    try:  # the folder is checked before anything is generated or written
        result = render_set(args.seed, args.n, out, kinds=kinds, pdf=not args.no_pdf)
    except OutDirError as err:
        parser.error(f"--out {err.path} {err.why}")
    except ValueError as err:
        parser.error(str(err))
    print(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
