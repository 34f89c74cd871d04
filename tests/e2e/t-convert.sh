# `hotpath convert IN.folded -o OUT.pstats`: python3's pstats loads the
# output, and every number (self/cumulative time, calls, callers) matches
# what the folded stacks say (tests/e2e/convert_check.py recomputes them).
. "$E2E_DIR/lib.sh"
command -v python3 >/dev/null 2>&1 || skip "no python3 on this machine"
CHECK="$E2E_DIR/convert_check.py"
cat >"$TMP/r.folded" <<'EOF2'
main (app.py:10);work (app.py:20);leaf (app.py:30) 5
main (app.py:11);work (app.py:21) 3
main (app.py:10);fib (app.py:40);fib (app.py:41);fib (app.py:41) 4
main (app.py:12);fib (app.py:40) 2
main (app.py:10);a (m.py:5);b (m.py:9);a (m.py:6);b (m.py:9);leaf (app.py:31) 7
main (app.py:10);größe (ünï/名前.py:3) 2
main (app.py:10);<built-in method time.sleep> 6
main (app.py:10);PyEval_EvalFrame (libpython3.11.so) 1
<module> (app.py:1);main (app.py:10) 1
EOF2
# with the record JSON beside it: one sample = 1/rate_achieved seconds
printf '{"duration_s": 1.5, "rate_requested": 250, "rate_achieved": 250.0, "samples": 31}\n' >"$TMP/r.json"
"$HOTPATH" convert "$TMP/r.folded" -o "$TMP/r.pstats" 2>"$TMP/err"
expect_grep "wrote .*r.pstats (.* 250 Hz)" "$TMP/err"
python3 "$CHECK" "$TMP/r.folded" "$TMP/r.pstats" 0.004 || fail "numbers (rate from JSON)"
# hotpath's own reader and report agree with pstats on the file we wrote
(cd "$TMP" && python3 "$E2E_DIR/pstats_check.py" "$HOTPATH" r.pstats) || fail "pstats_check on converted file"

# the record JSON as input names its folded stacks; default output name
"$HOTPATH" convert -q "$TMP/r.json"
[ -s "$TMP/r.pstats" ] || fail "NAME.json input did not write NAME.pstats"
python3 "$CHECK" "$TMP/r.folded" "$TMP/r.pstats" 0.004 || fail "numbers (json input)"

# --rate wins; without a rate one sample is one second, with a note
"$HOTPATH" convert -q --rate 1000 "$TMP/r.folded" -o "$TMP/k.pstats"
python3 "$CHECK" "$TMP/r.folded" "$TMP/k.pstats" 0.001 || fail "numbers (--rate)"
cp "$TMP/r.folded" "$TMP/plain.folded"
"$HOTPATH" convert "$TMP/plain.folded" -o "$TMP/plain.pstats" 2>"$TMP/err"
expect_grep "one sample counts as one second" "$TMP/err"
python3 "$CHECK" "$TMP/plain.folded" "$TMP/plain.pstats" 1 || fail "numbers (no rate)"

# names that are not valid UTF-8 still load (bytes become U+FFFD)
printf 'main (app.py:1);bad\377name (x\376.py:2) 3\n' >"$TMP/bad.folded"
"$HOTPATH" convert -q --rate 100 "$TMP/bad.folded" -o "$TMP/bad.pstats"
python3 -c 'import pstats, sys; s = pstats.Stats(sys.argv[1]); assert any("\ufffd" in k[2] for k in s.stats), s.stats' "$TMP/bad.pstats" ||
	fail "invalid UTF-8 names"

# a bigger, generated profile: deep and wide, many functions
python3 - "$TMP/big.folded" <<'PY'
import random, sys
random.seed(4)
with open(sys.argv[1], "w") as f:
    for i in range(3000):
        depth = random.randint(1, 40)
        frames = [f"f{random.randint(0, 400)} (mod{random.randint(0, 9)}.py:{random.randint(1, 3)})" for _ in range(depth)]
        f.write(";".join(frames) + f" {random.randint(1, 50)}\n")
PY
"$HOTPATH" convert -q --rate 97 "$TMP/big.folded" -o "$TMP/big.pstats"
python3 "$CHECK" "$TMP/big.folded" "$TMP/big.pstats" "$(python3 -c 'print(1/97)')" || fail "numbers (generated)"
"$HOTPATH" top "$TMP/big.pstats" -n 10 >"$TMP/top.txt"
python3 -c 'import pstats,sys; pstats.Stats(sys.argv[1]).sort_stats("cumulative").print_stats(10)' "$TMP/big.pstats" >"$TMP/py.txt"
cmp "$TMP/top.txt" "$TMP/py.txt" || fail "hotpath top differs from pstats on the converted file"

# errors
expect_exit 3 "$HOTPATH" convert "$TMP/missing.folded" -o "$TMP/m.pstats" 2>"$TMP/err"
expect_grep "missing.folded" "$TMP/err"
[ ! -e "$TMP/m.pstats" ] || fail "a failed conversion wrote output"
expect_exit 2 "$HOTPATH" convert "$TMP/r.folded" -o - 2>"$TMP/err"
expect_grep "binary" "$TMP/err"
expect_exit 2 "$HOTPATH" convert 2>"$TMP/err"
expect_exit 2 "$HOTPATH" convert --rate -5 "$TMP/r.folded" 2>"$TMP/err"
printf '{"duration_s": "x"}\n' >"$TMP/badjson.json"
cp "$TMP/r.folded" "$TMP/badjson.folded"
expect_exit 3 "$HOTPATH" convert "$TMP/badjson.folded" -o "$TMP/bj.pstats" 2>"$TMP/err"
expect_grep "badjson.json" "$TMP/err"
expect_exit 3 "$HOTPATH" convert "$TMP/r.folded" -w nosuch -o "$TMP/w.pstats" 2>"$TMP/err"
expect_grep "no weight column 'nosuch'" "$TMP/err"
