# hotpath diff: a differential flame graph -- widths from NEW, red where the
# self share grew, blue where it shrank, both values in the tooltips.
. "$E2E_DIR/lib.sh"
cd "$TMP"
printf 'main;load 20\nmain;compute;inner 50\nmain;compute;outer 30\nmain;old 10\n' >a.folded
printf 'main;load 40\nmain;compute;inner 180\nmain;compute;outer 60\nmain;new<b>&"x 10\n' >b.folded
"$HOTPATH" diff a.folded b.folded -o d.svg 2>/dev/null
xmllint --noout d.svg || fail "diff SVG is not well-formed"
python3 - d.svg <<'PY'
import re, sys
import xml.etree.ElementTree as ET
ns = {"s": "http://www.w3.org/2000/svg"}
root = ET.parse(sys.argv[1]).getroot()
frames = {}
for g in root.iter("{http://www.w3.org/2000/svg}g"):
    t, r = g.find("s:title", ns), g.find("s:rect", ns)
    if t is None or r is None:
        continue
    name = t.text.split(" (before ")[0]
    frames[name] = (t.text, float(r.get("width")), r.get("fill"))
# widths come from NEW (290 samples): inner is 180/290 of main
w_main, w_inner = frames["main"][1], frames["inner"][1]
assert abs(w_inner / w_main - 180 / 290) < 1e-3, (w_inner, w_main)
def rgb(h): return tuple(int(h[i:i + 2], 16) for i in (1, 3, 5))
# inner: 45.45 % -> 62.07 %: grew most, so full red
assert rgb(frames["inner"][2]) == (255, 0, 0), frames["inner"]
# outer and load shrank: blue
for f in ("outer", "load"):
    r, g, b = rgb(frames[f][2]); assert b == 255 and r == g < 255, frames[f]
# compute and main have no self time in either: unchanged grey
assert rgb(frames["compute"][2]) == (220, 220, 220), frames["compute"]
# the new function is in NEW only: it grew
assert rgb(frames['new<b>&"x'][2])[0] == 255
# tooltips carry both values and the change
t = frames["inner"][0]
assert "before 50, 45.45%; after 180 samples, 62.07%; self share +16.61 pts" in t, t
# the vanished function has no width in NEW, so it is not drawn
assert "old" not in frames
PY
grep -q 'new&lt;b&gt;&amp;&quot;x' d.svg || fail "name not escaped"
# --negate swaps the hues
"$HOTPATH" diff --negate a.folded b.folded -o n.svg 2>/dev/null
python3 - n.svg <<'PY'
import sys, re
svg = open(sys.argv[1]).read()
m = re.search(r'<title>inner \(before[^<]*</title><rect[^>]*fill="(#[0-9a-f]{6})"', svg)
assert m and m.group(1) == "#0000ff", m and m.group(1)
PY
# errors
expect_exit 2 "$HOTPATH" diff a.folded 2>/dev/null
expect_exit 3 "$HOTPATH" diff a.folded missing.folded 2>err
expect_grep "cannot open 'missing.folded'" err
expect_exit 2 "$HOTPATH" diff --minwidth x a.folded b.folded 2>/dev/null
