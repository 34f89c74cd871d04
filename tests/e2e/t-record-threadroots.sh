# record --threads: every stack is rooted at its thread ("thread TID (name)"),
# and at its process too with --subprocesses, as py-spy's --threads does.
. "$E2E_DIR/lib.sh"
. "$E2E_DIR/record_lib.sh"
probe
for py in $PYS; do
	"$HOTPATH" record --threads -q -o "$TMP/o" --name t --rate 250 -- "$py" "$FIX/threads.py"
	python3 - "$TMP/o/t.folded" <<'PY'
import re, sys
lines = open(sys.argv[1]).read().splitlines()
assert lines, "no samples"
tids = set()
for ln in lines:
    m = re.match(r"thread (\d+) \(([^)]*)\);", ln)
    assert m, ln
    tids.add(m.group(1))
# the two busy threads (and usually the main thread) have samples
assert len(tids) >= 2, tids
PY
	"$HOTPATH" flame "$TMP/o/t.folded" -o "$TMP/o/t2.svg"
	grep -q '<title>thread [0-9]* (' "$TMP/o/t.svg" || fail "thread frames missing from the record SVG"
done
py=$(echo "$PYS" | awk '{print $1}')
"$HOTPATH" record --threads --subprocesses -q -o "$TMP/p" --name p -- "$py" "$FIX/pool.py"
python3 - "$TMP/p/p.folded" <<'PY'
import re, sys
lines = open(sys.argv[1]).read().splitlines()
pids = set()
for ln in lines:
    m = re.match(r"pid (\d+);thread (\d+) \([^)]*\);", ln)
    assert m, ln
    pids.add(m.group(1))
assert len(pids) >= 2, pids
PY
