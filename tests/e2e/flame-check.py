#!/usr/bin/env python3
"""Check the structure of a hotpath flame graph SVG and list its frames.

usage: flame-check.py [--unsorted] FILE.svg

Parses the SVG as XML and checks, for every frame (<g> in <g id="frames">):
  - the tooltip is "NAME (COUNT UNIT, P%)" with P = 100 * COUNT / total;
  - the width is COUNT / total of the drawing width (to the 0.1 px rounding);
  - frames come in depth-first pre-order from the root "all": each frame is
    exactly one level (frame height) further from the root than its parent,
    lies within its parent's x range, and siblings are packed from the
    parent's left edge without overlap, sorted by name (unless --unsorted);
    children never add up to more than their parent;
  - a label exists only where three characters fit, and is the name or a
    prefix of it ending in "..".
Exits 1 with a message on the first violation.  Otherwise prints a header
line "# orientation=flame|icicle frames=N total=T title=... subtitle=..."
and one line per frame in order: "PATH<TAB>COUNT<TAB>FILL<TAB>LABEL", PATH
being the names from the root joined by ';' (LABEL "-" when absent).
"""
import re
import sys
import xml.etree.ElementTree as ET

NS = "{http://www.w3.org/2000/svg}"


def fail(msg):
    sys.exit("flame-check: " + msg)


def parse_count(s):
    return float(s.replace(",", ""))


def main():
    args = sys.argv[1:]
    unsorted = "--unsorted" in args
    args = [a for a in args if a != "--unsorted"]
    root = ET.parse(args[0]).getroot()
    width = float(root.get("width"))
    box = root.find(".//%sg[@id='frames']" % NS)
    if box is None:
        fail("no <g id='frames'>")
    fh = float(box.get("data-fh"))
    fs = float(box.get("data-fs"))
    fw = float(box.get("data-fw"))
    xpad = float(box.get("data-xpad"))
    full = width - 2 * xpad
    scripts = root.findall(".//%sscript" % NS)
    if len(scripts) != 1:
        fail("%d script elements" % len(scripts))

    def text_of(id_):
        el = root.find(".//%stext[@id='%s']" % (NS, id_))
        return None if el is None else (el.text or "")

    gs = list(box)
    frames = []
    unit = None
    for i, g in enumerate(gs):
        kids = list(g)
        if g.tag != NS + "g" or len(kids) not in (2, 3) or kids[0].tag != NS + "title" \
                or kids[1].tag != NS + "rect" or (len(kids) == 3 and kids[2].tag != NS + "text"):
            fail("frame %d is not <g><title/><rect/>[<text/>]</g>" % i)
        title = kids[0].text or ""
        if i == 0:
            m = re.match(r"^all \(([0-9.,e+]+) (.*), 100\.00%\)$", title, re.S)
            if not m:
                fail("first frame is not the root: %r" % title)
            unit = m.group(2)
        suffix = re.search(r" \(([0-9.,e+]+) " + re.escape(unit) + r", ([0-9.]+)%\)$", title, re.S)
        if not suffix:
            fail("bad tooltip %r" % title)
        rect = kids[1]
        f = {
            "name": title[:suffix.start()],
            "count": parse_count(suffix.group(1)),
            "pct": float(suffix.group(2)),
            "x": float(rect.get("x")), "y": float(rect.get("y")),
            "w": float(rect.get("width")), "h": float(rect.get("height")),
            "fill": rect.get("fill"),
            "label": (kids[2].text or "") if len(kids) == 3 else None,
        }
        frames.append(f)
    if not frames:
        print("# orientation=none frames=0 total=0 title=%s" % text_of("title"))
        return
    total = frames[0]["count"]
    y0 = frames[0]["y"]
    icicle = len(frames) > 1 and frames[1]["y"] > y0
    stack = []
    for i, f in enumerate(frames):
        d = (f["y"] - y0) / fh * (1 if icicle else -1)
        if d < 0 or abs(d - round(d)) > 1e-9:
            fail("frame %d (%s) is not on a level: y=%g" % (i, f["name"], f["y"]))
        d = int(round(d))
        f["depth"] = d
        if f["h"] != fh - 1:
            fail("frame %d height %g" % (i, f["h"]))
        if abs(f["pct"] - 100 * f["count"] / total) > 0.0051:
            fail("frame %d (%s): %g%% for %g of %g" % (i, f["name"], f["pct"], f["count"], total))
        if abs(f["w"] - full * f["count"] / total) > 0.0501:
            fail("frame %d (%s): width %g for %g of %g" % (i, f["name"], f["w"], f["count"], total))
        if i == 0:
            if d != 0 or f["name"] != "all" or abs(f["x"] - xpad) > 1e-9:
                fail("bad root")
            f["path"] = "all"
            f["next"] = f["x"]
            stack = [f]
            continue
        if d < 1 or d > len(stack):
            fail("frame %d (%s) at depth %d follows depth %d: not pre-order" % (i, f["name"], d, len(stack) - 1))
        del stack[d:]
        parent = stack[-1]
        # packed from the left edge: each child starts where the previous ended
        if abs(f["x"] - parent["next"]) > 0.1001:
            fail("frame %d (%s) x=%g, expected %g" % (i, f["name"], f["x"], parent["next"]))
        if f["x"] < parent["x"] - 0.0501 or f["x"] + f["w"] > parent["x"] + parent["w"] + 0.1001:
            fail("frame %d (%s) outside its parent %s" % (i, f["name"], parent["name"]))
        prev = parent.get("last")
        if prev is not None and not unsorted and prev["name"].encode() > f["name"].encode():
            fail("siblings out of order: %r before %r" % (prev["name"], f["name"]))
        parent["kids"] = parent.get("kids", 0) + f["count"]
        if parent["kids"] > parent["count"] * (1 + 1e-9):
            fail("children of %s add up to more than it" % parent["name"])
        parent["next"] = f["x"] + f["w"]
        parent["last"] = f
        f["path"] = parent["path"] + ";" + f["name"]
        f["next"] = f["x"]
        stack.append(f)
    for f in frames:
        fits = int(f["w"] / (fs * fw) + 1e-9)
        if f["label"] is None:
            if fits >= 3 and abs(f["w"] / (fs * fw) - 3) > 0.05:
                fail("frame %s (%g px) has no label" % (f["name"], f["w"]))
            continue
        if fits < 2:
            fail("frame %s (%g px) is too narrow for its label" % (f["name"], f["w"]))
        lab = f["label"]
        if lab != f["name"] and not (lab.endswith("..") and f["name"].startswith(lab[:-2])):
            fail("frame %s has label %r" % (f["name"], lab))
    print("# orientation=%s frames=%d total=%s title=%s subtitle=%s" % (
        "icicle" if icicle else "flame", len(frames), "%.15g" % total, text_of("title"), text_of("subtitle")))
    for f in frames:
        print("%s\t%s\t%s\t%s" % (f["path"], "%.15g" % f["count"], f["fill"],
                                  "-" if f["label"] is None else f["label"]))


if __name__ == "__main__":
    main()
