# Malformed, truncated and hostile .pstats input: exit 3, a message with the
# byte offset, never a crash (a sanitizer build turns any memory error into
# a failure here).
. "$E2E_DIR/lib.sh"
command -v python3 >/dev/null || skip "no python3"
cat >"$TMP/p.py" <<'PY'
def f(n):
    return n if n < 2 else f(n - 1) + f(n - 2)
f(10)
PY
(cd "$TMP" && python3 -m cProfile -o good.pstats p.py >/dev/null)
size=$(wc -c <"$TMP/good.pstats")
check() { # check FILE PATTERN: exit 3 from top and callgraph, message matching
	for cmd in top callgraph; do
		set +e; "$HOTPATH" $cmd "$1" >/dev/null 2>"$TMP/err"; rc=$?; set -e
		[ $rc = 3 ] || { cat "$TMP/err"; fail "$cmd $1: expected exit 3, got $rc"; }
		grep -q "^hotpath: error: cannot read '.*': .*$2" "$TMP/err" || { cat "$TMP/err"; fail "$cmd $1: no '$2'"; }
	done
}
# every truncation point in the first 300 bytes and a few later ones
for cut in $(seq 1 300) $((size / 2)) $((size - 1)); do
	head -c "$cut" "$TMP/good.pstats" >"$TMP/cut.pstats"
	check "$TMP/cut.pstats" "at byte [0-9]"
done
head -c 100 "$TMP/good.pstats" >"$TMP/t.pstats"
check "$TMP/t.pstats" "truncated marshal data at byte"
printf '' >"$TMP/empty.pstats"
check "$TMP/empty.pstats" "at byte 0"
printf 'i\001\000\000\000' >"$TMP/int.pstats"
check "$TMP/int.pstats" "no marshalled dict at byte 0"
printf '{r\377\377\377\177' >"$TMP/ref.pstats"
check "$TMP/ref.pstats" "bad marshal reference 2147483647 .* at byte 1"
printf '\373\251\001r\000\000\000\000' >"$TMP/cycle.pstats"
check "$TMP/cycle.pstats" "unfinished object"
printf '{(\377\377\377\177' >"$TMP/big.pstats"
check "$TMP/big.pstats" "item count 2147483647 is past the end"
printf '{)\003N' >"$TMP/key.pstats"
check "$TMP/key.pstats" "at byte"
python3 -c 'import sys; sys.stdout.buffer.write(b"{" + b")\x01" * 5000)' >"$TMP/deep.pstats"
check "$TMP/deep.pstats" "nested too deeply .* at byte"
python3 -c 'import marshal, sys; sys.stdout.buffer.write(marshal.dumps({("a", 1, "f"): (1, 1, 0.5, 0.5, {("b", 2, "g"): (1, 1)})}))' >"$TMP/arity.pstats"
check "$TMP/arity.pstats" "a tuple of 4), found a tuple of 2 at byte"
python3 -c 'import marshal, sys; sys.stdout.buffer.write(marshal.dumps({("a", 1, "f"): (1, 2**70, 0.5, 0.5, {})}))' >"$TMP/long.pstats"
check "$TMP/long.pstats" "a call count out of range at byte"
# random garbage after a dict byte
python3 -c 'import random, sys; r = random.Random(7); [open(sys.argv[1] + "/r%d.pstats" % i, "wb").write(bytes([0xfb]) + bytes(r.randrange(256) for _ in range(200))) for i in range(40)]' "$TMP"
for f in "$TMP"/r*.pstats; do
	set +e; "$HOTPATH" top "$f" >/dev/null 2>"$TMP/err"; rc=$?; set -e
	[ $rc = 0 ] || [ $rc = 3 ] || fail "top $f: exit $rc"
	[ $rc = 0 ] || expect_grep "^hotpath: error: " "$TMP/err"
done
# a good file still works
"$HOTPATH" top "$TMP/good.pstats" -n 3 >/dev/null
