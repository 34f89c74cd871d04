# `hotpath top` on cProfile dumps made at test time, compared with python's
# own pstats (tests/e2e/pstats_check.py) for every python3 on this machine;
# `hotpath callgraph` DOT and SVG.
. "$E2E_DIR/lib.sh"
cat >"$TMP/prog.py" <<'PY'
import json, re
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)
def leaf(x):
    return sum(range(x))
def middle(k):
    return [leaf(i) for i in range(k)]
def größe():
    return len("größe")
class C:
    def meth(self):
        return middle(40)
def main():
    for _ in range(3):
        fib(14)
        C().meth()
        größe()
    json.dumps({"a": [1, 2, 3]})
    re.compile("a+b")
main()
PY
pythons=""
for py in /usr/bin/python3.11 "$(command -v python3 || true)"; do
	[ -n "$py" ] && [ -x "$py" ] || continue
	real=$(readlink -f "$py")
	case " $pythons " in *" $real "*) continue ;; esac
	pythons="$pythons $real"
done
[ -n "$pythons" ] || skip "no python3 on this machine"
n=0
for py in $pythons; do
	n=$((n + 1))
	(cd "$TMP" && "$py" -m cProfile -o "$TMP/p$n.pstats" prog.py >/dev/null) || fail "cProfile with $py"
	# a name without the .pstats extension: detected by content
	cp "$TMP/p$n.pstats" "$TMP/p$n.out"
	echo "== $py"
	(cd "$TMP" && "$py" "$E2E_DIR/pstats_check.py" "$HOTPATH" "p$n.pstats") || fail "pstats_check with $py"
	(cd "$TMP" && "$py" "$E2E_DIR/pstats_check.py" "$HOTPATH" "p$n.out") || fail "pstats_check (by content) with $py"
done

# the folded behaviour of top is unchanged
printf 'a;b 3\na;c 1\n' >"$TMP/in.folded"
"$HOTPATH" top "$TMP/in.folded" >"$TMP/folded.txt"
expect_grep 'self%' "$TMP/folded.txt"
expect_exit 2 "$HOTPATH" top "$TMP/in.folded" --callers x 2>"$TMP/err"
expect_grep "need a pstats input" "$TMP/err"
expect_exit 2 "$HOTPATH" top "$TMP/p1.pstats" --sort bogus 2>"$TMP/err"
expect_grep "unknown sort key 'bogus'" "$TMP/err"
expect_exit 2 "$HOTPATH" top "$TMP/p1.pstats" --filter '(' 2>"$TMP/err"
expect_grep "bad regular expression" "$TMP/err"

# callgraph: DOT with gprof2dot-style labels; names are escaped
cp "$TMP/prog.py" "$TMP/q\"uo\\te.py"
(cd "$TMP" && python3 -m cProfile -o "$TMP/q.pstats" "q\"uo\\te.py" >/dev/null)
"$HOTPATH" callgraph "$TMP/q.pstats" -o "$TMP/g.dot"
expect_grep '^digraph {' "$TMP/g.dot"
expect_grep 'label="q\\"uo\\\\te:[0-9]*:main\\n[0-9.]*%\\n([0-9.]*%)\\n1×"' "$TMP/g.dot"
expect_grep ' -> ' "$TMP/g.dot"
"$HOTPATH" callgraph "$TMP/q.pstats" --node-thres 0 --edge-thres 0 >"$TMP/all.dot"
[ "$(grep -c '\[color=' "$TMP/all.dot")" -gt "$(grep -c '\[color=' "$TMP/g.dot")" ] || fail "thresholds 0 keep more nodes"
if command -v dot >/dev/null 2>&1; then
	dot -Tsvg "$TMP/g.dot" >/dev/null || fail "our DOT does not parse"
	"$HOTPATH" callgraph "$TMP/q.pstats" -o "$TMP/g.svg"
	expect_grep '<svg' "$TMP/g.svg"
	expect_grep 'main' "$TMP/g.svg"
else
	echo "note: graphviz 'dot' not installed; SVG not tested"
	expect_exit 3 env PATH=/nonexistent "$HOTPATH" callgraph "$TMP/q.pstats" -o "$TMP/g.svg" 2>"$TMP/err"
fi
expect_exit 3 env PATH=/nonexistent "$HOTPATH" callgraph "$TMP/q.pstats" -o "$TMP/n.svg" 2>"$TMP/err"
expect_grep "'dot' is not on PATH" "$TMP/err"
[ ! -e "$TMP/n.svg" ] || fail "a failed SVG run left a file"
