# 8 processes writing at once to one new SQLite history: no run lost, the
# file intact (PRAGMA integrity_check).
. "$E2E_DIR/lib.sh"
cd "$TMP"
for p in 1 2 3 4 5 6 7 8; do
	(for i in 1 2 3 4 5; do
		"$HOTPATH" bench --store "sqlite:$TMP/c.db" --scenario conc --runs 1 --warmup 0 -q -- true \
			>/dev/null 2>>"$TMP/conc.err" || echo "writer $p run $i failed" >>"$TMP/conc.err"
	done) &
done
wait
[ ! -s "$TMP/conc.err" ] || { cat "$TMP/conc.err"; fail "concurrent writers failed"; }
python3 - "$TMP/c.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
n = db.execute("SELECT COUNT(*) FROM hp_runs WHERE scenario = 'conc'").fetchone()[0]
m = db.execute("SELECT COUNT(*) FROM hp_metrics").fetchone()[0]
assert (n, m) == (40, 120), (n, m)
assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
PY
