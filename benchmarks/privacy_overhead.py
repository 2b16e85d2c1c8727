"""What the privacy guard adds to a cold `supervision check` of a whole repository.

    python benchmarks/privacy_overhead.py [DIR] [--rounds 5] [--numbers-share 0.3]
        [--deny-list-size 2000]

Without DIR, a 10,000-record corpus is built in a temporary folder with
``make_corpus.py``. The check runs in-process, exactly as ``supervision check
--no-cache`` does (worker processes included), once with the guard and once
without, alternating, ``--rounds`` times each; the medians and their ratio are
printed. Switching the guard off is a parameter of ``Checker`` that only this
script uses: the command has no such option.

``--deny-list-size`` writes a fictional deny list of that many names outside
the repository and points SUPERVISION_DENY_LIST at it, so name matching is
measured at the size of a real school's list.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_corpus import make_corpus  # noqa: E402

_SYLLABLES = ("ka", "lo", "mi", "re", "zu", "ta", "ne", "vo", "shi", "ba", "dre", "qui")


def fictional_names(count: int) -> list[str]:
    """Made-up names that do not occur in the corpus's wording."""
    names = []
    for n in range(count):
        a, b, c = n % 12, (n // 12) % 12, (n // 144) % 12
        first = (_SYLLABLES[a] + _SYLLABLES[b] + _SYLLABLES[c]).capitalize()
        names.append(f"{first} Testperson{n}" if n % 3 == 0 else first + "x")
    return names


def _time_check(root: Path, privacy: bool) -> tuple[float, int]:
    from supervision.checker import Checker
    from supervision.repo import RecordsRepo

    started = time.perf_counter()
    repo = RecordsRepo.load(root)
    result = Checker(repo, use_cache=False, privacy=privacy).run()
    return time.perf_counter() - started, len(result.problems)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", nargs="?", type=Path)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--numbers-share", type=float, default=0.3,
                        help="when building the corpus: share of answers with numbers in")
    parser.add_argument("--deny-list-size", type=int, default=2000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="supervision-bench-") as tmp:
        root = args.directory
        if root is None:
            root = Path(tmp) / "corpus"
            built = make_corpus(root, records=args.records, numbers_share=args.numbers_share)
            print(f"built {built.records} records in {root}")
        root = root.resolve()
        if args.deny_list_size:
            deny = Path(tmp) / "deny-list.txt"
            deny.write_text("\n".join(fictional_names(args.deny_list_size)) + "\n",
                            encoding="utf-8")
            os.environ["SUPERVISION_DENY_LIST"] = str(deny)
        os.chdir(root)
        _time_check(root, True)  # warm the page cache and imports for both
        timings: dict[bool, list[float]] = {True: [], False: []}
        problems: dict[bool, int] = {}
        for _round in range(args.rounds):
            for privacy in (False, True):
                seconds, problems[privacy] = _time_check(root, privacy)
                timings[privacy].append(seconds)
        without = statistics.median(timings[False])
        with_guard = statistics.median(timings[True])
        print(f"records: {len(list((root / 'records').rglob('*.yaml'))) + len(list((root / 'contracts').rglob('*.yaml')))}")
        print(f"deny list: {args.deny_list_size} names; cpus: {os.cpu_count()}")
        print(f"check without the guard: {without:.2f} s (median of {args.rounds}; "
              f"{problems[False]} findings)")
        print(f"check with the guard:    {with_guard:.2f} s (median of {args.rounds}; "
              f"{problems[True]} findings)")
        print(f"ratio: {with_guard / without:.3f} (+{(with_guard / without - 1) * 100:.1f}%)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
