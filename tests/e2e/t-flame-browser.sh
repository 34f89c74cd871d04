# hotpath flame in a real browser: headless Chromium loads flame-harness.html,
# which drives the SVG's script (hover, click to zoom, search, case toggle,
# URL state, icicle zoom) on a graph whose frame names are full of markup,
# and checks that none of it ever runs.
. "$E2E_DIR/lib.sh"
CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
[ -n "$CHROMIUM" ] || skip "chromium is not installed (Debian package 'chromium')"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3) || skip "python3 is needed to read the results"

# all = main = 28: six hostile frames (13.7), narrow;x (0.3), target (14) =
# leaf (10) + other (4); flame-harness.html relies on these numbers
printf '%s\n' \
	'main;<script>top.document.title="PWNED1"</script> 5' \
	'main;]]><script>top.document.title="PWNED2"</script><![CDATA[ 3' \
	"main;a&b \"q\" 's' 2" \
	"main;<img src=x onerror=\"top.document.title='PWNED3'\"> 2" \
	'main;<p id="pwned">x</p> 0.7' \
	'main;target;leaf 10' \
	'main;target;other 4' \
	'main;narrow;x 0.3' >"$TMP/hostile.folded"
printf 'main;bad \377\376\303 utf8 1\n' >>"$TMP/hostile.folded"
"$HOTPATH" flame "$TMP/hostile.folded" -o "$TMP/hostile.svg"
"$HOTPATH" flame --inverted "$TMP/hostile.folded" -o "$TMP/inverted.svg"
cp "$E2E_DIR/flame-harness.html" "$TMP/"

# file: pages may read their file: iframes only with --allow-file-access-from-files;
# the virtual time budget lets the harness's iframes load before the dump
set +e
timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync \
	--user-data-dir="$TMP/chromium" --allow-file-access-from-files \
	--virtual-time-budget=20000 --dump-dom "file://$TMP/flame-harness.html" \
	>"$TMP/dom.html" 2>"$TMP/chromium.log"
rc=$?
set -e
[ $rc -eq 0 ] || { tail -n 20 "$TMP/chromium.log"; fail "chromium exited with $rc"; }
"$PY" - "$TMP/dom.html" <<'EOF' || fail "browser checks"
import html, json, re, sys
dom = open(sys.argv[1], encoding="utf-8").read()
m = re.search(r'<pre id="out">(.*?)</pre>', dom, re.S)
if not m:
    sys.exit("no result in the dumped page")
text = html.unescape(m.group(1))
try:
    results = json.loads(text)
except ValueError:
    sys.exit("harness did not finish: %s" % text[:300])
bad = [r for r in results if not r["ok"]]
for r in results:
    print("%s %s%s" % ("ok  " if r["ok"] else "FAIL", r["name"], "" if r["ok"] else ": " + r["detail"]))
names = {r["name"] for r in results}
if "no script from a frame name ran" not in names or len(results) < 30:
    sys.exit("harness stopped early")
sys.exit(1 if bad else 0)
EOF
