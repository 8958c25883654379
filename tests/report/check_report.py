#!/usr/bin/env python3
"""Checks on REPORT.md (ctest report.*):
  structure REPORT.md            six level-2 headings, in the brief's order, each with the key
                                 words of its question
  figures REPORT.md EVIDENCE.md  every number of four or more digits and every decimal of the
                                 report (thousands separators allowed) appears in the evidence
  pages N                        N (the page count scripts/report-pages.sh printed) is 2 or 3
Prints one line per finding; exits 1 when any check fails."""
import re
import sys

# The brief's six questions, in order, by the words a heading must carry (case-insensitive).
QUESTIONS = [
    ("separation vs a single file", ["separat", "single", "file"]),
    ("snapshots, time travel, rollback", ["snapshot", "time travel", "rollback"]),
    ("no constraints: uniqueness", ["constraint", "uniqueness"]),
    ("an INSERT traced to bytes", ["insert", "bytes"]),
    ("SQL catalog vs file-only formats", ["sql", "catalog", "file-only"]),
    ("image and video bytes outside tables", ["image", "video", "bytes"]),
]


def headings(text):
    """Level-2 ATX headings outside fenced code blocks."""
    found, fenced = [], False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
        elif not fenced and re.match(r"## (?!#)", line):
            found.append(line[3:].strip())
    return found


def check_structure(report):
    heads = headings(open(report, encoding="utf-8").read())
    failures = []
    if len(heads) != len(QUESTIONS):
        failures.append(f"{report}: {len(heads)} level-2 headings, want {len(QUESTIONS)}: {heads}")
    for i, (what, words) in enumerate(QUESTIONS):
        if i >= len(heads):
            break
        missing = [w for w in words if w not in heads[i].lower()]
        if missing:
            failures.append(f"{report}: heading {i + 1} '{heads[i]}' should ask question {i + 1} "
                            f"({what}); missing {missing}")
        else:
            print(f"ok   heading {i + 1}: {heads[i]}")
    return failures


# A figure: 1,234 / 1,234.5 / 12345 / 2.5; not part of a word, a version (1.5.5) or a hex id.
FIGURE = re.compile(r"(?<![\w.,])(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.\d+|\d{4,})(?!\d|[.,]\d)")


def figures(text):
    return [m.group(1) for m in FIGURE.finditer(text)]


def normalise(number):
    return number.replace(",", "")


def check_figures(report, evidence):
    wanted = figures(open(report, encoding="utf-8").read())
    have = {normalise(n) for n in figures(open(evidence, encoding="utf-8").read())}
    failures = [f"{report}: figure {n} is not in {evidence}" for n in dict.fromkeys(wanted)
                if normalise(n) not in have]
    if not wanted:
        failures.append(f"{report}: no figures of four or more digits or with decimals found")
    print(f"{len(set(wanted))} distinct figures in {report}, {len(failures)} missing from {evidence}")
    return failures


def check_pages(count):
    if count not in ("2", "3"):
        return [f"the report prints to {count or 'no'} A4 pages, want 2 or 3"]
    print(f"ok   {count} A4 pages")
    return []


def main(argv):
    commands = {"structure": (check_structure, 1), "figures": (check_figures, 2), "pages": (check_pages, 1)}
    if len(argv) < 2 or argv[1] not in commands or len(argv) - 2 != commands[argv[1]][1]:
        print(__doc__, file=sys.stderr)
        return 2
    failures = commands[argv[1]][0](*argv[2:])
    for f in failures:
        print("FAIL " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
