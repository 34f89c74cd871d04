# Run history in SQLite: bench/check write runs, history lists them
# (text/csv/json), --changes finds a planted shift, --plot draws it,
# check --against-history gates on it, bad stores are clear errors.
. "$E2E_DIR/lib.sh"
cd "$TMP"
hp() { "$HOTPATH" "$@"; }

# the default store: sqlite:profiles/history.db in the current folder
hp bench --runs 2 --warmup 0 -- true >/dev/null 2>"$TMP/err"
expect_grep "stored run 1 in 'sqlite:profiles/history.db'" "$TMP/err"
[ -s profiles/history.db ] || fail "no profiles/history.db"
hp bench --runs 2 --warmup 0 --no-store -- true >/dev/null 2>"$TMP/err"
[ "$(python3 -c "import sqlite3; print(sqlite3.connect('profiles/history.db').execute('select count(*) from hp_runs').fetchone()[0])")" = 1 ] ||
	fail "--no-store stored a run"

db="sqlite:$TMP/h.db"
. "$E2E_DIR/history_suite.sh"

# bad stores: clear errors, exit 3
expect_exit 3 hp bench --store mysql://localhost/x --runs 1 --warmup 0 -- true >/dev/null 2>"$TMP/err"
expect_grep "hotpath: error: unsupported store URL 'mysql://localhost/x' (use sqlite:PATH or postgresql://...)" "$TMP/err"
expect_exit 3 hp bench --store sqlite:/proc/nope/h.db --runs 1 --warmup 0 -- true >/dev/null 2>"$TMP/err"
expect_grep "cannot create folder '/proc/nope'" "$TMP/err"
echo "not a database, just some text long enough to be read as a header......" >"$TMP/junk.db"
expect_exit 3 hp history --store "sqlite:$TMP/junk.db" 2>"$TMP/err"
expect_grep "cannot open store '.*junk.db': .*not a database" "$TMP/err"
expect_exit 3 hp history --store 'postgresql://u:secret@/db?host=/nonexistent&connect_timeout=2' 2>"$TMP/err"
expect_grep "cannot open store 'postgresql://u:\*\*\*@/db" "$TMP/err"
if grep -q secret "$TMP/err"; then fail "password printed"; fi
expect_exit 2 hp history --store "$db" --format xml 2>/dev/null
expect_exit 2 hp history --store "$db" --since yesterday 2>/dev/null

# [defaults] store in hotpath.toml, relative to the file
mkdir -p cfg/sub
printf '[defaults]\nstore = "sqlite:hist/c.db"\n' >cfg/hotpath.toml
(cd cfg/sub && hp bench --runs 1 --warmup 0 -q -- true >/dev/null 2>&1) || fail "bench with [defaults] store"
[ -s cfg/hist/c.db ] || fail "[defaults] store not used"
