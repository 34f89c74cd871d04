# hotpath check: A/A false alarms, a 20 % slower and a 20 % faster build,
# stored baselines, JUnit and the GitHub step summary.
. "$E2E_DIR/lib.sh"
work="$(dirname "$HOTPATH")/tests/hp-work"
[ -x "$work" ] || fail "no fixture program at $work"
cd "$TMP"
# calibrate: about 60 ms of *work* per run on this machine.  The cost per
# iteration comes from the difference of two sizes, so process start-up
# (large in a sanitizer build) cancels out and 20 % more work stays 20 %.
n=$(python3 - "$work" <<'PY'
import subprocess, sys, time
def t(n):
    best = 1e9
    for _ in range(3):
        t0 = time.perf_counter(); subprocess.run([sys.argv[1], str(n)]); best = min(best, time.perf_counter() - t0)
    return best
small, big = 2000000, 22000000
per = max((t(big) - t(small)) / (big - small), 1e-10)
print(max(1000000, int(0.06 / per)))
PY
)
slow=$((n * 12 / 10))

# A/A: identical commands; false alarms on resampled recorded noise
"$HOTPATH" check --aa --seed 1 --min-pairs 15 --max-pairs 20 --simulations 100 -- "$work" "$n" >"$TMP/aa"
cat "$TMP/aa"
python3 - "$TMP/aa" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
rates = re.findall(r"^  (\w+): (\d+)/100 ", text, re.M)
assert len(rates) == 3, text
for name, k in rates:
    assert int(k) <= 5, f"{name}: {k}/100 false alarms"
assert "REGRESSION beyond" not in text, text
PY

# a 20 % slower candidate is a regression at a 5 % threshold
expect_exit 1 "$HOTPATH" check --seed 2 --threshold 5% --fail-on-regression --junit "$TMP/j.xml" \
	--baseline-cmd "$work $n" -- "$work" "$slow" >"$TMP/slow"
cat "$TMP/slow"
expect_grep '^Performance Check: ❌ REGRESSION' "$TMP/slow"
expect_grep '❌ cpu_seconds: +' "$TMP/slow"
xmllint --noout "$TMP/j.xml" || fail "JUnit XML is not well-formed"
expect_grep '<failure type="regression" message="❌ cpu_seconds' "$TMP/j.xml"
expect_grep '<testcase classname="hotpath.check" name="peak_rss_bytes"' "$TMP/j.xml"
# without --fail-on-regression the verdict is reported, the status is 0
"$HOTPATH" check --seed 3 --metrics cpu --baseline-cmd "$work $n" -- "$work" "$slow" >"$TMP/slow2"
expect_grep '❌ cpu_seconds: .*REGRESSION beyond 5.0%' "$TMP/slow2"

# a 20 % faster candidate is not, and the step summary gets a table
: >"$TMP/summary.md"
GITHUB_STEP_SUMMARY="$TMP/summary.md" "$HOTPATH" check --seed 4 --threshold 5% --fail-on-regression \
	--baseline-cmd "$work $slow" -- "$work" "$n" >"$TMP/fast"
cat "$TMP/fast"
if grep -q 'REGRESSION beyond' "$TMP/fast"; then fail "a faster build was called a regression"; fi
expect_grep '### Performance Check:' "$TMP/summary.md"
expect_grep '| cpu_seconds |' "$TMP/summary.md"

# stored baseline: bench --save, then check --baseline NAME
"$HOTPATH" bench --runs 10 --save base -- "$work" "$n" >/dev/null
# (unpaired: the baseline was measured earlier, under whatever load the
# machine had then, so the gate is shown on a build twice as slow; the
# paired mode above catches 20 %)
expect_exit 1 "$HOTPATH" check --baseline base --runs 8 --metrics cpu --fail-on-regression -- "$work" $((n * 2)) >"$TMP/st"
expect_grep 'cpu_seconds: +' "$TMP/st"
cp .hotpath/baselines/base.json "$TMP/before.json"
"$HOTPATH" check --baseline "$TMP/before.json" --runs 8 --metrics cpu -- "$work" "$n" >"$TMP/same"
if grep -q 'REGRESSION beyond' "$TMP/same"; then fail "same build against its own baseline"; fi
"$HOTPATH" check --baseline base --runs 8 --metrics cpu --update-baseline-if-improved -- "$work" $((n * 6 / 10)) >"$TMP/imp"
expect_grep 'updated with the improved runs' "$TMP/imp"
cmp -s "$TMP/before.json" .hotpath/baselines/base.json && fail "baseline not rewritten"

# usage and input errors
expect_exit 2 "$HOTPATH" check -- "$work" 1 2>/dev/null
expect_exit 2 "$HOTPATH" check --aa --threshold abc -- "$work" 1 2>/dev/null
expect_exit 2 "$HOTPATH" check --baseline-cmd "'unterminated" -- "$work" 1 2>/dev/null
printf '{"results": [{"times": [1, -2]}]}' >"$TMP/bad.json"
expect_exit 3 "$HOTPATH" check --baseline "$TMP/bad.json" -- "$work" 1 2>"$TMP/err"
expect_grep "cannot read '.*bad.json': run 2 has a value that is not a non-negative number" "$TMP/err"
printf '{"results": [' >"$TMP/trunc.json"
expect_exit 3 "$HOTPATH" check --baseline "$TMP/trunc.json" -- "$work" 1 2>"$TMP/err"
expect_grep "cannot read '.*trunc.json': line 1" "$TMP/err"
