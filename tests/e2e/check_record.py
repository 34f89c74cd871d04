#!/usr/bin/env python3
"""Check a `hotpath record` folded output against a fixture's expectations.

The fixture declares, in comments:
  # expect: REGEX        a normalised stack that may occur (full match)
  # expect-child: REGEX  the same, for stacks of child processes
  # share: REGEX LO HI   the share of checked samples matching REGEX (search)
  # share-blocking: REGEX LO HI
                        the same, checked only with --blocking (a record
                        made with the target stopped for every sample)
  # depth: FUNC N        some stack holds FUNC at least N times
and marks lines with "# L:name"; {L:name} in a pattern is that line number.
A frame stopped on its function's "def" line (entered, first statement not
yet started) is written "func:D".
A stack is normalised to "func:line" for frames of the fixture and
"func@basename" for frames of other files, joined by ';'.  Every stack with a
frame of the fixture must match an expect pattern; stacks without one
(interpreter start-up and shutdown) may be at most 30% of the samples.
"""
import os
import re
import sys


def parse_frame(text):
    m = re.match(r"^(.*) \((.*):(\d+)\)$", text)
    if m:
        return m.group(1), m.group(2), int(m.group(3))
    m = re.match(r"^(.*) \((.*)\)$", text)
    if m:
        return m.group(1), m.group(2), 0
    return text, "", 0


def main():
    folded, fixture = sys.argv[1], sys.argv[2]
    child = "--child" in sys.argv[3:]
    noshare = "--no-share" in sys.argv[3:]
    blocking = "--blocking" in sys.argv[3:]
    src = open(fixture, encoding="utf-8").read().splitlines()
    marks = {}
    for i, line in enumerate(src, 1):
        for m in re.finditer(r"# L:(\w+)", line):
            marks[m.group(1)] = i

    def subst(p):
        return re.sub(r"\{L:(\w+)\}", lambda m: str(marks[m.group(1)]), p)

    expects, shares, depths = [], [], []
    key = "# expect-child:" if child else "# expect:"
    for line in src:
        if line.startswith(key):
            expects.append(re.compile(subst(line[len(key):].strip())))
        elif line.startswith("# share:") and not child and not noshare:
            r, lo, hi = line[8:].strip().rsplit(" ", 2)
            shares.append((re.compile(subst(r)), float(lo), float(hi)))
        elif line.startswith("# share-blocking:") and blocking and not child and not noshare:
            r, lo, hi = line[17:].strip().rsplit(" ", 2)
            shares.append((re.compile(subst(r)), float(lo), float(hi)))
        elif line.startswith("# depth:"):
            f, n = line[8:].split()
            depths.append((f, int(n)))
    fix = os.path.realpath(fixture)
    total = other = 0
    checked = []
    bad = []
    for line in open(folded, encoding="utf-8"):
        line = line.rstrip("\n")
        if not line:
            continue
        stack, count = line.rsplit(" ", 1)
        count = int(float(count))
        total += count
        norm = []
        ours = False
        frames = [parse_frame(f) for f in stack.split(";")]
        for func, file, ln in frames:
            if file and os.path.realpath(file) == fix:
                ours = True
                # a frame at its "def" line has entered the function but not
                # run its first statement yet: patterns write it as "D"
                text = src[ln - 1].lstrip() if 0 < ln <= len(src) else ""
                isdef = text.startswith(("def ", "async def ", "class "))
                norm.append("%s:%s" % (func, "D" if isdef else ln))
            else:
                norm.append("%s@%s" % (func, os.path.basename(file)))
        if not ours:
            other += count
            continue
        s = ";".join(norm)
        checked.append((s, count, frames))
        # the module running its own `def`/`class` statements (start-up)
        if s == "<module>:D":
            continue
        if not any(p.fullmatch(s) for p in expects):
            bad.append("%s  (%d)" % (s if len(s) < 400 else s[:150] + " ... " + s[-250:], count))
    ok = True
    n = sum(c for _, c, _ in checked)
    nbad = sum(int(b.rsplit("(", 1)[1].rstrip(")")) for b in bad)
    if bad:
        # every sample must be exactly an expected call path: the sampler
        # drops (and counts as an error) any walk it cannot validate
        print("unexpected stacks:\n  " + "\n  ".join(bad[:20]))
        ok = False
    if n == 0:
        print("no samples of the fixture (%d samples in total)" % total)
        sys.exit(1)
    if not child and other > 0.3 * total:
        ok = False
        print("too many samples outside the fixture: %d of %d" % (other, total))
    for r, lo, hi in shares:
        got = sum(c for s, c, _ in checked if r.search(s)) / n
        print("share %s: %.3f (want %.2f..%.2f)" % (r.pattern, got, lo, hi))
        if not lo <= got <= hi:
            ok = False
    for f, want in depths:
        deep = max(sum(1 for fr in frames if fr[0] == f or fr[0] == "down") for _, _, frames in checked)
        if deep < want:
            ok = False
            print("deepest stack has %d frames of %s and down, want %d" % (deep, f, want))
    print("%d samples, %d of the fixture, %d unexpected stacks" % (total, n, len(bad)))
    sys.exit(0 if ok else 1)


main()
