# hotpath bench: runs, summary, JSON export, failures, no shell, baselines.
. "$E2E_DIR/lib.sh"
work="$(dirname "$HOTPATH")/tests/hp-work"
[ -x "$work" ] || fail "no fixture program at $work"
cd "$TMP"
"$HOTPATH" bench --runs 5 --warmup 1 --export-json "$TMP/b.json" -- "$work" 3000000 8 >"$TMP/out"
expect_grep '^Benchmark: .*hp-work 3000000 8' "$TMP/out"
expect_grep 'runs   5 (+1 warm-up)' "$TMP/out"
expect_grep 'wall   median' "$TMP/out"
expect_grep 'rss    median' "$TMP/out"
python3 - "$TMP/b.json" <<'PY'
import json, sys, statistics
d = json.load(open(sys.argv[1]))
r = d["results"][0]
assert len(r["times"]) == 5 and r["exit_codes"] == [0] * 5, r
assert abs(r["median"] - statistics.median(r["times"])) < 1e-12
assert abs(r["mean"] - statistics.mean(r["times"])) < 1e-12
assert min(r["max_rss_bytes"]) > 8 * 1024 * 1024, r["max_rss_bytes"]   # the 8 MB it touched
assert all(u >= 0 for u in r["user_times"]) and r["argv"][1] == "3000000"
PY
# default: at least 10 runs and at least --min-time
"$HOTPATH" bench --warmup 0 --min-time 0 -- true >"$TMP/out"
expect_grep 'runs   10 ' "$TMP/out"
# a failing command is reported, not timed
expect_exit 3 "$HOTPATH" bench --runs 3 -- sh -c 'exit 4' >/dev/null 2>"$TMP/err"
expect_grep "hotpath: error: command 'sh' failed in warm-up run 1 (exit status 4)" "$TMP/err"
expect_exit 3 "$HOTPATH" bench --runs 3 --warmup 0 -- sh -c 'kill -9 $$' >/dev/null 2>"$TMP/err"
expect_grep "killed by signal 9" "$TMP/err"
"$HOTPATH" bench --runs 2 --warmup 0 --ignore-failure -- sh -c 'exit 4' >"$TMP/out"
expect_grep '2 runs exited non-zero' "$TMP/out"
expect_exit 3 "$HOTPATH" bench --runs 1 -- ./no-such-program 2>"$TMP/err"
expect_grep "cannot run './no-such-program'" "$TMP/err"
# arguments reach the command as they are: no shell in between
"$HOTPATH" bench --runs 1 --warmup 0 -- touch "$TMP/a b;c \$(x)" >/dev/null
[ -f "$TMP/a b;c \$(x)" ] || fail "argument was not passed verbatim"
# named baselines
"$HOTPATH" bench --runs 3 --save base1 -- "$work" 1000 >"$TMP/out"
expect_grep "saved baseline 'base1'" "$TMP/out"
[ -s "$TMP/.hotpath/baselines/base1.json" ] || fail "baseline file missing"
expect_exit 2 "$HOTPATH" bench --save '../x' -- true 2>/dev/null
expect_exit 2 "$HOTPATH" bench --runs 0 -- true 2>/dev/null
expect_exit 2 "$HOTPATH" bench 2>/dev/null
