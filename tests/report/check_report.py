#!/usr/bin/env python3
"""Checks on REPORT.md (ctest report.*):
  structure REPORT.md            six level-2 headings, in the brief's order, each with the key
                                 words of its question
  figures REPORT.md EVIDENCE.md  every number of the report (any digit run outside headings,
                                 §-references and names like Q1 or x264; thousands separators
                                 allowed) appears in the evidence section that report section
                                 cites (its own number, each §n it names) or the preamble
  figures-catch REPORT.md EVIDENCE.md
                                 the figures check fails when any one number is made stale
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


# A number in the report: a digit run standing alone (thousands separators and a decimal part
# allowed: 9,973,760 / 60,491 / 8.5 / 1.5.5). Digits inside a name are not numbers: after a
# letter, digit, '_', '.' or ',' (Q1, S3, x264, fMP4, v1.5) or before '_' (20_silver.sql).
# A unit may follow directly (1.7x, 4s).
NUMBER = re.compile(r"(?<![\w.,§])(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)*)(?![\d_]|[.,]\d)")
# Every number the evidence holds, wherever it stands (a snapshot id inside "AT (VERSION => 6)",
# "v1.5.5", "K=100", a CSV cell), with and without its thousands separators.
EVIDENCE_NUMBER = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)*")
SECTION_REF = re.compile(r"§\s*(\d+)")


def normalise(number):
    return number.replace(",", "")


def evidence_sections(text):
    """EVIDENCE.md's numbers by section: the level-2 heading '## n. ...' opens section n; what
    comes before the first one (the preamble: versions, the store) is section None."""
    sections, current = {None: set()}, None
    for line in text.splitlines():
        m = re.match(r"## (\d+)\.", line)
        if m:
            current = int(m.group(1))
            sections.setdefault(current, set())
            continue
        for n in EVIDENCE_NUMBER.findall(line):
            sections[current].add(normalise(n))
            if "," in n:  # "1,2" in a CSV row is two numbers as well as one
                sections[current].update(n.split(","))
    return sections


def report_numbers(text):
    """(section, number, line number, the §-references of that section) for every number of
    REPORT.md outside headings and §-references. Section n is the text under '## n. ...'; the
    text before the first heading is section None."""
    found, section, refs, fenced = [], None, {}, False
    lines = text.splitlines()
    for line in lines:  # first pass: which evidence sections each report section cites
        m = re.match(r"## (\d+)\.", line)
        if m:
            section = int(m.group(1))
        refs.setdefault(section, set()).update(int(r) for r in SECTION_REF.findall(line))
    section = None
    for i, line in enumerate(lines, 1):
        if line.lstrip().startswith("```"):
            fenced = not fenced
        m = re.match(r"#+ ", line) if not fenced else None
        if m:
            h = re.match(r"## (\d+)\.", line)
            if h:
                section = int(h.group(1))
            continue
        # §-references blanked to spaces of the same length, so spans stay the line's
        for n in NUMBER.finditer(SECTION_REF.sub(lambda r: " " * len(r.group(0)), line)):
            found.append((section, n.group(1), i, refs.get(section, set()), n.span(1)))
    return found


def check_figures(report, evidence):
    """Every number of the report is in EVIDENCE.md, in a section the report's section may
    draw on: its own number, every §n it cites, or the evidence's preamble. So a stale "29
    reads" in section 1 fails even when some other section happens to print a 29."""
    have = evidence_sections(open(evidence, encoding="utf-8").read())
    wanted = report_numbers(open(report, encoding="utf-8").read())
    failures = []
    for section, n, line, refs, _ in wanted:
        scope = {None} | refs | ({section} if section is not None else set(have))
        if not any(normalise(n) in have.get(s, set()) for s in scope):
            where = "the evidence" if section is None else "EVIDENCE " + ", ".join(
                f"§{s}" for s in sorted(x for x in scope if x is not None)) + " or its preamble"
            failures.append(f"{report}:{line}: {n} (section {section}) is not in {where}")
    if not wanted:
        failures.append(f"{report}: no numbers found")
    print(f"{len(wanted)} numbers in {report} ({len({normalise(w[1]) for w in wanted})} "
          f"distinct), {len(failures)} not in {evidence}")
    return failures


def check_figures_catch(report, evidence):
    """The figures check must fail on a stale figure: each number of the report in turn is
    replaced by one the evidence does not hold (its digits with a 7 appended until absent),
    and the check must name it. Proves the check on the report it guards."""
    text = open(report, encoding="utf-8").read()
    have = set().union(*evidence_sections(open(evidence, encoding="utf-8").read()).values())
    import tempfile, os, contextlib, io
    failures, tried = [], 0
    lines = text.splitlines(keepends=True)
    for section, n, line, _, (a, b) in report_numbers(text):
        bad = normalise(n).lstrip("0") or "7"
        while bad in have:
            bad += "7"
        mutated = list(lines)
        mutated[line - 1] = mutated[line - 1][:a] + bad + mutated[line - 1][b:]
        with tempfile.NamedTemporaryFile("w", suffix=".md", delete=False, encoding="utf-8") as f:
            f.write("".join(mutated))
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                found = check_figures(f.name, evidence)
        finally:
            os.unlink(f.name)
        tried += 1
        if not any(f" {bad} " in x for x in found):
            failures.append(f"{report}:{line}: {n} changed to {bad} went unnoticed")
    print(f"{tried} numbers changed one at a time, {tried - len(failures)} caught")
    return failures


def check_pages(count):
    if count not in ("2", "3"):
        return [f"the report prints to {count or 'no'} A4 pages, want 2 or 3"]
    print(f"ok   {count} A4 pages")
    return []


def main(argv):
    commands = {"structure": (check_structure, 1), "figures": (check_figures, 2),
                "figures-catch": (check_figures_catch, 2), "pages": (check_pages, 1)}
    if len(argv) < 2 or argv[1] not in commands or len(argv) - 2 != commands[argv[1]][1]:
        print(__doc__, file=sys.stderr)
        return 2
    failures = commands[argv[1]][0](*argv[2:])
    for f in failures:
        print("FAIL " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
