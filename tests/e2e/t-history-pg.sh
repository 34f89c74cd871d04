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
