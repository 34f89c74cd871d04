# The run-history suite against PostgreSQL (the same checks as t-history.sh
# on SQLite), plus 8 processes writing at once.  Uses $HOTPATH_TEST_PG when
# set; otherwise starts a throwaway server with tests/pg/with-pg.sh; skips
# only when the postgresql package is missing.
if [ -z "${HOTPATH_TEST_PG:-}" ]; then
	if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
		echo "skip: the postgresql package is not installed (make deps installs it)"; exit 77
	fi
	exec "$E2E_DIR/../pg/with-pg.sh" sh "$0"
fi
. "$E2E_DIR/lib.sh"
cd "$TMP"
command -v psql >/dev/null || skip "psql is not installed"
# a fresh database for this test
name="hp_e2e_$$"
psql -q -v ON_ERROR_STOP=1 "$HOTPATH_TEST_PG" -c "CREATE DATABASE $name" >/dev/null || fail "cannot create database"
pgdb=$(printf '%s' "$HOTPATH_TEST_PG" | sed "s|^\(postgres[a-z]*://[^/?]*\)/[^?]*|\1/$name|")
[ "$pgdb" != "$HOTPATH_TEST_PG" ] || fail "cannot derive a database URL from '$HOTPATH_TEST_PG'"
db="$pgdb"
. "$E2E_DIR/history_suite.sh"

# 8 processes x 5 runs at once; no run lost
for p in 1 2 3 4 5 6 7 8; do
	(for i in 1 2 3 4 5; do
		"$HOTPATH" bench --store "$db" --scenario conc --runs 1 --warmup 0 -q -- true >/dev/null 2>>"$TMP/conc.err" ||
			echo "writer $p run $i failed" >>"$TMP/conc.err"
	done) &
done
wait
[ ! -s "$TMP/conc.err" ] || { cat "$TMP/conc.err"; fail "concurrent writers failed"; }
n=$(psql -At "$db" -c "SELECT COUNT(*) FROM hp_runs WHERE scenario = 'conc'")
[ "$n" = 40 ] || fail "expected 40 runs, found $n"
m=$(psql -At "$db" -c "SELECT COUNT(*) FROM hp_metrics x JOIN hp_runs r ON r.id = x.run_id WHERE r.scenario = 'conc'")
[ "$m" = 120 ] || fail "expected 120 metrics, found $m"

# A history written by schema 1 (hotpath 0.1.0) is migrated when opened:
# every run, summary and raw value reads back, and new runs go in after.
mig="hp_e2e_mig_$$"
psql -q -v ON_ERROR_STOP=1 "$HOTPATH_TEST_PG" -c "CREATE DATABASE $mig" >/dev/null || fail "cannot create database"
migdb=$(printf '%s' "$HOTPATH_TEST_PG" | sed "s|^\(postgres[a-z]*://[^/?]*\)/[^?]*|\1/$mig|")
python3 - >"$TMP/v1.sql" <<'PY'
import struct
print("""CREATE TABLE hp_schema (version INTEGER NOT NULL);
CREATE TABLE hp_runs (id BIGSERIAL PRIMARY KEY, time BIGINT NOT NULL,
 sha TEXT NOT NULL DEFAULT '', branch TEXT NOT NULL DEFAULT '', dirty INTEGER NOT NULL DEFAULT 0,
 scenario TEXT NOT NULL, command TEXT NOT NULL DEFAULT '', command_hash TEXT NOT NULL DEFAULT '',
 machine TEXT NOT NULL DEFAULT '', host TEXT NOT NULL DEFAULT '', cpu TEXT NOT NULL DEFAULT '',
 kernel TEXT NOT NULL DEFAULT '', cores INTEGER NOT NULL DEFAULT 0,
 version TEXT NOT NULL DEFAULT '', kind TEXT NOT NULL DEFAULT '', profile BYTEA);
CREATE INDEX hp_runs_scenario ON hp_runs(scenario, time, id);
CREATE INDEX hp_runs_time ON hp_runs(time, id);
CREATE TABLE hp_metrics (run_id BIGINT NOT NULL REFERENCES hp_runs(id) ON DELETE CASCADE,
 name TEXT NOT NULL, unit TEXT NOT NULL DEFAULT '',
 value DOUBLE PRECISION, lo DOUBLE PRECISION, hi DOUBLE PRECISION,
 n INTEGER NOT NULL DEFAULT 0, raw BYTEA, PRIMARY KEY (run_id, name));
INSERT INTO hp_schema(version) VALUES (1);""")
for i in range(1, 41):
    sc = "a" if i % 2 == 0 else "b"
    print(f"INSERT INTO hp_runs(time, sha, branch, scenario, command, machine, kind, profile) VALUES "
          f"({1700000000 + i}, 'sha{i:02d}', 'main', '{sc}', 'cmd {sc}', 'm1', 'bench', "
          f"{chr(39) + chr(92) + 'x00ff10' + chr(39) if i == 3 else 'NULL'});")
    w = 1 + i / 100
    raw = [w * 0.99, w, w * 1.01]
    print(f"INSERT INTO hp_metrics VALUES ({i}, 'wall_seconds', 's', {w!r}, {raw[0]!r}, {raw[2]!r}, 3, "
          f"'\\x{struct.pack('<3d', *raw).hex()}');")
    print(f"INSERT INTO hp_metrics VALUES ({i}, 'peak_rss_bytes', 'bytes', {1000 + i}, {1000 + i}, {1000 + i}, 1, "
          f"'\\x{struct.pack('<d', 1000 + i).hex()}');")
PY
psql -q -v ON_ERROR_STOP=1 "$migdb" -f "$TMP/v1.sql" >/dev/null || fail "cannot load the schema 1 history"
hp history --store "$migdb" --limit 0 --format json >"$TMP/mig.json"
hp history --store "$migdb" --scenario a --metric wall_seconds --limit 0 --format csv >"$TMP/mig.csv"
python3 - "$TMP/mig.json" "$TMP/mig.csv" <<'PY'
import csv, json, sys
runs = json.load(open(sys.argv[1]))["runs"]
assert [r["id"] for r in runs] == list(range(1, 41)), [r["id"] for r in runs]
for r in runs:
    i = r["id"]
    w = 1 + i / 100
    assert r["scenario"] == ("a" if i % 2 == 0 else "b") and r["commit"] == "sha%02d" % i, r
    m = r["metrics"]["wall_seconds"]
    assert m["value"] == w and m["n"] == 3 and m["raw"] == [w * 0.99, w, w * 1.01], (i, m)
    m = r["metrics"]["peak_rss_bytes"]
    assert m["value"] == 1000 + i and m["raw"] == [1000 + i], (i, m)
rows = list(csv.DictReader(open(sys.argv[2])))
assert [int(x["id"]) for x in rows] == list(range(2, 41, 2)), rows
assert all(float(x["value"]) == 1 + int(x["id"]) / 100 for x in rows), rows
PY
[ "$(psql -At "$migdb" -c "SELECT MAX(version) FROM hp_schema")" = 2 ] || fail "schema not at version 2"
[ "$(psql -At "$migdb" -c "SELECT COUNT(*) FROM hp_metric_raw")" = 80 ] || fail "raw values not moved"
[ "$(psql -At "$migdb" -c "SELECT encode(profile, 'hex') FROM hp_runs WHERE id = 3")" = 00ff10 ] || fail "profile lost"
hp bench --store "$migdb" --scenario a --runs 2 --warmup 0 -q -- true >/dev/null
hp history --store "$migdb" --scenario a --metric wall_seconds --limit 2 >"$TMP/mig.list"
[ "$(wc -l <"$TMP/mig.list")" = 2 ] || fail "listing after the migration"
expect_grep '^41 ' "$TMP/mig.list"
hp history --store "$migdb" --limit 2 --format json | python3 -c "
import json, sys; r = json.load(sys.stdin)['runs'][-1]
assert r['id'] == 41 and len(r['metrics']['wall_seconds']['raw']) == 2, r"
