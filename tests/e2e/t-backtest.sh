# examples/backtest: deterministic (same summary numbers twice, whatever
# PYTHONHASHSEED), its hotpath.toml runs, and the profile's hottest
# functions are the real hot spots: the exact-fraction arithmetic of
# statistics.stdev/mean behind the mean-reversion z-score, and the moving
# averages re-summed on every bar.
. "$E2E_DIR/lib.sh"
command -v python3 >/dev/null || skip "no python3"
# a copy, so that nothing (profiles/, __pycache__) is written into the sources
cp -r "$ROOT/examples/backtest" "$TMP/ex"
rm -rf "$TMP/ex/profiles" "$TMP/ex/profiles-baseline"
cd "$TMP/ex"
# 500 Hz instead of the example's 100: a thousand samples, so that the
# shares checked below (sma is 2-3 %) vary little from run to run
sed -i 's/^rate = 100 /rate = 500 /' hotpath.toml
grep -q '^rate = 500 ' hotpath.toml || fail "could not set the rate in the copy of hotpath.toml"
PYTHONHASHSEED=1 python3 -m backtest --dataset daily --assets 8 >"$TMP/a.txt"
PYTHONHASHSEED=2 python3 -m backtest --dataset daily --assets 8 >"$TMP/b.txt"
cat "$TMP/a.txt"
cmp "$TMP/a.txt" "$TMP/b.txt" || fail "two runs of the example printed different numbers"
expect_grep "^backtest daily: 8 assets x 504 bars, seed 7" "$TMP/a.txt"
for s in sma_crossover momentum mean_reversion; do expect_grep "^$s " "$TMP/a.txt"; done
# the intraday datasets generate too (a few bars only)
python3 -m backtest --dataset minute --assets 2 --bars 400 >"$TMP/m.txt"
expect_grep "^backtest minute: 2 assets x 400 bars" "$TMP/m.txt"

# the scenarios of the example's hotpath.toml
"$HOTPATH" run --list-scenarios >"$TMP/list.txt"
for s in daily hourly minute; do expect_grep "^$s\$" "$TMP/list.txt"; done

set +e
"$HOTPATH" record -q -o "$TMP/probe" --name probe -- python3 -c 'import time; time.sleep(0.3)' 2>"$TMP/probe.err"
rc=$?
set -e
if [ $rc -ne 0 ] && grep -q 'permission denied' "$TMP/probe.err"; then
	skip "sampling: process_vm_readv not permitted here (determinism checked)"
fi
out="$TMP/prof"
"$HOTPATH" run --scenario daily --profiler sampling,memory -o "$out" >"$TMP/run.txt"
cat "$TMP/run.txt"
expect_grep "^  daily  *ok " "$TMP/run.txt"
# same numbers under the profiler as without it
python3 -m backtest --dataset daily >"$TMP/plain.txt"
grep -E '^(sma_crossover|momentum|mean_reversion) ' "$TMP/plain.txt" >"$TMP/want.txt"
grep -E '^(sma_crossover|momentum|mean_reversion) ' "$TMP/run.txt" >"$TMP/got.txt"
cmp "$TMP/want.txt" "$TMP/got.txt" || fail "the profiled run printed other numbers"
for f in daily.folded daily.svg daily.json daily_memory.txt; do [ -s "$out/$f" ] || fail "no $f"; done
"$HOTPATH" top "$out/daily.folded" --format csv -n 0 >"$TMP/top.csv"
python3 - "$TMP/top.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
by_self = sorted(rows, key=lambda r: -float(r["self"]))
top5 = [(r["function"], r["file"].rsplit("/", 1)[-1]) for r in by_self[:5]]
print("top 5 by self:", top5)
exact = [f for f in top5 if f[1] in ("statistics.py", "fractions.py")]
# Shares measured on this example (1 kHz, live and with the target stopped
# for every sample): zscore 77-80 %, stdev 50-57 %, engine.run 86-92 %,
# sma 2-3 % self (10th-15th by self time).  The floors sit well below, for
# a 500 Hz run of about a thousand samples.
assert len(exact) >= 3, "statistics/fractions should dominate the top 5: %s" % top5
total = {r["function"]: float(r["total_percent"]) for r in rows}
assert total.get("zscore", 0) > 65, "zscore total %.1f%%" % total.get("zscore", 0)
assert total.get("stdev", 0) > 40, "stdev total %.1f%%" % total.get("stdev", 0)
# sma is one of many functions at 2-3 %: its rank moves, its share does not
sma = {r["function"]: float(r["self_percent"]) for r in rows}.get("sma", 0)
assert sma >= 0.5, "sma self %.2f%% (2-3%% expected)" % sma
# the engine is the frame everything runs under
assert total.get("run", 0) > 75, "engine.run total %.1f%%" % total.get("run", 0)
PY
