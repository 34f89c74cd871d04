# Sourced by t-history.sh (SQLite) and t-history-pg.sh (PostgreSQL): the
# same end-to-end checks of the run history against the store in $db.
# bench/check write runs, history lists them (text/csv/json), --changes
# finds a planted shift, --plot draws it, check --against-history gates.
hp() { "$HOTPATH" "$@"; }
: "${db:?set db to a store URL}"

# a planted shift: 16 commits at 10 ms, then 16 at 80 ms (a loaded machine adds 20 ms)
for i in $(seq 10 41); do
	if [ "$i" -lt 26 ]; then d=0.01; else d=0.08; fi
	HOTPATH_GIT_SHA="c${i}e0f1234567" HOTPATH_GIT_BRANCH=main \
		hp bench --store "$db" --scenario svc --runs 2 --warmup 0 -q -- sleep "$d" >/dev/null
done
hp history --store "$db" --scenario svc --limit 0 >"$TMP/list"
[ "$(wc -l <"$TMP/list")" = 32 ] || fail "expected 32 runs listed"
expect_grep 'c26e0f1  main .* svc  cpu_seconds=[0-9.e-]*  peak_rss_bytes=[0-9.e+]*  wall_seconds=0\.[0-9]*$' "$TMP/list"
hp history --store "$db" --scenario svc --limit 5 >"$TMP/list5"
[ "$(wc -l <"$TMP/list5")" = 5 ] || fail "--limit 5"
expect_grep 'c41e0f1' "$TMP/list5"
hp history --store "$db" --scenario svc --metric wall_seconds --format csv >"$TMP/csv"
expect_grep '^id,time,commit,branch,dirty,scenario,machine,metric,unit,value,lo,hi,n$' "$TMP/csv"
[ "$(grep -c ',wall_seconds,s,' "$TMP/csv")" = 32 ] || fail "csv rows"
hp history --store "$db" --format json --branch main --since 2000-01-01 >"$TMP/json"
python3 - "$TMP/json" <<'PY'
import json, sys
runs = json.load(open(sys.argv[1]))["runs"]
assert len(runs) == 32, len(runs)
r = runs[-1]
assert r["commit"] == "c41e0f1234567" and r["branch"] == "main" and r["scenario"] == "svc", r
w = r["metrics"]["wall_seconds"]
assert w["n"] == 2 and len(w["raw"]) == 2 and w["lo"] <= w["value"] <= w["hi"], w
assert 0.025 < w["value"] < 0.2, w
assert r["cores"] >= 1 and len(r["machine"]) == 16 and r["kind"] == "bench"
PY
hp history --store "$db" --since 2999-01-01 >"$TMP/none"
expect_grep '^no runs$' "$TMP/none"

# --changes: the shift is at the first 30 ms commit
hp history --store "$db" --changes --metric wall_seconds --window 10 >"$TMP/changes"
cat "$TMP/changes"
expect_grep "^'svc' wall_seconds: shift at run 17 (commit c26e0f1, .*): .* -> .* s (+[0-9.]*%), p=" "$TMP/changes"
[ "$(grep -c 'wall_seconds: shift' "$TMP/changes")" = 1 ] || fail "expected exactly one wall_seconds shift"
hp history --store "$db" --changes --metric wall_seconds --window 10 --format json >"$TMP/changes.json"
python3 -c "
import json,sys; c=json.load(open('$TMP/changes.json'))['changes']
assert len(c)==1 and c[0]['commit']=='c26e0f1234567' and c[0]['change']>1 and c[0]['p']<1e-3, c"

# --plot: a well-formed SVG with the band, the baseline and the labelled change
hp history --store "$db" --scenario svc --plot "$TMP/trend.svg" --window 10 >/dev/null
xmllint --noout "$TMP/trend.svg" || fail "trend.svg is not well-formed"
expect_grep 'class="band"' "$TMP/trend.svg"
expect_grep 'stroke-dasharray' "$TMP/trend.svg"
expect_grep '<g class="change">.*c26e0f1 +' "$TMP/trend.svg"
# names are escaped
HOTPATH_GIT_SHA='<x&"y>' hp bench --store "$db" --scenario '<b>&' --runs 2 --warmup 0 -q -- true >/dev/null
hp history --store "$db" --scenario '<b>&' --plot "$TMP/esc.svg" >/dev/null
xmllint --noout "$TMP/esc.svg" || fail "escaped trend.svg is not well-formed"
expect_grep '&lt;b&gt;&amp;' "$TMP/esc.svg"
expect_exit 2 hp history --store "$db" --plot "$TMP/x.svg" 2>"$TMP/err"
expect_grep 'choose one with --scenario' "$TMP/err"

# check --against-history: 12 runs of a 10 ms scenario, then an 80 ms candidate
for i in $(seq 1 12); do
	hp bench --store "$db" --scenario gate --runs 2 --warmup 0 -q -- sleep 0.01 >/dev/null
done
expect_exit 1 hp check --store "$db" --scenario gate --against-history --metrics wall --runs 3 \
	--fail-on-regression -q -- sleep 0.08 >"$TMP/gate" 2>&1
cat "$TMP/gate"
expect_grep 'REGRESSION' "$TMP/gate"
hp check --store "$db" --scenario gate --against-history --metrics wall --runs 3 --fail-on-regression -q \
	-- sleep 0.01 >"$TMP/gate2" 2>&1 || { cat "$TMP/gate2"; fail "same command failed the gate"; }
# too little history: a warning, exit 0
rc=0; hp check --store "$db" --scenario fresh --against-history --runs 3 -q -- true >"$TMP/fresh" 2>&1 || rc=$?
[ $rc = 0 ] || { cat "$TMP/fresh"; fail "check against a fresh history: exit $rc"; }
expect_grep 'at least 10 are needed' "$TMP/fresh"
# paired check stores the candidate's runs
rc=0; hp check --store "$db" --scenario paired --baseline-cmd true --min-pairs 5 --max-pairs 5 -q -- true >"$TMP/paired" 2>&1 || rc=$?
[ $rc = 0 ] || { cat "$TMP/paired"; fail "paired check: exit $rc"; }
hp history --store "$db" --scenario paired -f csv | grep -q ',wall_seconds,s,.*,5$' || fail "paired check not stored"

