/*
 * sqlite.c - the SQLite store backend (libsqlite3).
 *
 * The file is opened in WAL mode (readers never block the writer) with a
 * busy timeout, so many processes may write to one file at once: each run
 * is one BEGIN IMMEDIATE ... COMMIT transaction, and a writer that finds
 * the lock taken waits for it (up to 30 s) instead of failing.
 * synchronous=NORMAL: in WAL mode a crash may lose the last commits but
 * never corrupts the file.
 */
#include <math.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/afile.h"
#include "store/backend.h"

#define BUSY_TIMEOUT_MS 30000

struct sqlite_store {
	sqlite3 *db;
	sqlite3_stmt *ins_run, *ins_metric, *ins_raw;
};

static const char *const migrations[] = {
	/* 1: runs and their metrics */
	"CREATE TABLE hp_runs ("
	" id INTEGER PRIMARY KEY,"
	" time BIGINT NOT NULL,"
	" sha TEXT NOT NULL DEFAULT '', branch TEXT NOT NULL DEFAULT '', dirty INTEGER NOT NULL DEFAULT 0,"
	" scenario TEXT NOT NULL, command TEXT NOT NULL DEFAULT '', command_hash TEXT NOT NULL DEFAULT '',"
	" machine TEXT NOT NULL DEFAULT '', host TEXT NOT NULL DEFAULT '', cpu TEXT NOT NULL DEFAULT '',"
	" kernel TEXT NOT NULL DEFAULT '', cores INTEGER NOT NULL DEFAULT 0,"
	" version TEXT NOT NULL DEFAULT '', kind TEXT NOT NULL DEFAULT '', profile BLOB);"
	"CREATE INDEX hp_runs_scenario ON hp_runs(scenario, time, id);"
	"CREATE TABLE hp_metrics ("
	" run_id INTEGER NOT NULL REFERENCES hp_runs(id) ON DELETE CASCADE,"
	" name TEXT NOT NULL, unit TEXT NOT NULL DEFAULT '',"
	" value DOUBLE PRECISION, lo DOUBLE PRECISION, hi DOUBLE PRECISION,"
	" n INTEGER NOT NULL DEFAULT 0, raw BLOB,"
	" PRIMARY KEY (run_id, name)) WITHOUT ROWID;", /* one b-tree, not two */
	/*
	 * 2: a scenario's series in one place.  Runs of all scenarios are
	 * written interleaved, so reading one scenario's series (one metric
	 * of, say, 10,000 runs) touched a page or two of hp_runs and of
	 * hp_metrics (rows fat with their raw values) per point: ~13,000
	 * scattered page reads.  Now:
	 * - hp_metrics holds the summaries, keyed (scenario, run_id, name):
	 *   a scenario's metrics sit together in run order, ~60 a page;
	 * - hp_runs_cover holds every column the queries read (all but the
	 *   profile) in (scenario, time, id) order, so a series is one range
	 *   of it, and each run's metric is in the page the run before found
	 *   its own in, or the next;
	 * - the raw values (read by JSON listings only) move to hp_metric_raw,
	 *   a rowid table that only grows at its end, found by raw_id.
	 * What a run costs to write is the pages its transaction dirties,
	 * about 2.5 per WITHOUT ROWID table or index (their B-trees split by
	 * rebalancing siblings) and 1 for a rowid table appended to: 5 for
	 * schema 1, ~7 for this one.  So no index on time: a listing without
	 * --scenario reads all runs, from hp_runs_cover now (about 40 ms for
	 * 100,000 runs, half what reading hp_runs took).
	 * Deleting a run by hand scans hp_metrics and hp_metric_raw for its
	 * rows (neither is keyed by run_id first; hotpath never deletes).
	 * Copies are made in key order, so pages fill up one after another.
	 */
	"CREATE TABLE hp_metric_raw ("
	" id INTEGER PRIMARY KEY,"
	" run_id INTEGER NOT NULL REFERENCES hp_runs(id) ON DELETE CASCADE,"
	" name TEXT NOT NULL, raw BLOB NOT NULL);"
	"INSERT INTO hp_metric_raw(run_id, name, raw)"
	" SELECT run_id, name, raw FROM hp_metrics WHERE length(raw) > 0 ORDER BY run_id, name;"
	"CREATE TABLE hp_metrics_v2 ("
	" scenario TEXT NOT NULL,"
	" run_id INTEGER NOT NULL REFERENCES hp_runs(id) ON DELETE CASCADE,"
	" name TEXT NOT NULL, unit TEXT NOT NULL DEFAULT '',"
	" value DOUBLE PRECISION, lo DOUBLE PRECISION, hi DOUBLE PRECISION,"
	" n INTEGER NOT NULL DEFAULT 0, raw_id INTEGER,"
	" PRIMARY KEY (scenario, run_id, name)) WITHOUT ROWID;"
	"INSERT INTO hp_metrics_v2"
	" SELECT r.scenario, m.run_id, m.name, m.unit, m.value, m.lo, m.hi, m.n, w.id"
	" FROM hp_runs r JOIN hp_metrics m ON m.run_id = r.id"
	" LEFT JOIN hp_metric_raw w ON w.run_id = m.run_id AND w.name = m.name"
	" ORDER BY r.scenario, m.run_id, m.name;"
	"DROP TABLE hp_metrics;"
	"ALTER TABLE hp_metrics_v2 RENAME TO hp_metrics;"
	"DROP INDEX hp_runs_scenario;"
	"CREATE INDEX hp_runs_cover ON hp_runs(scenario, time, id, sha, branch, dirty, machine,"
	" command, command_hash, host, cpu, kernel, cores, version, kind);",
};
#define NR_MIGRATIONS (sizeof(migrations) / sizeof(migrations[0]))
_Static_assert(NR_MIGRATIONS == HP_STORE_SCHEMA_VERSION, "a migration per schema version");

/* Per metric: its raw values, when it has any, then its summary, whose
 * raw_id is the rowid the raw values got. */
static const char sql_insert_raw[] = "INSERT INTO hp_metric_raw(run_id, name, raw) VALUES (?1, ?2, ?3)";
static const char sql_insert_metric[] =
	"INSERT INTO hp_metrics(scenario, run_id, name, unit, value, lo, hi, n, raw_id) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";

static int db_error(sqlite3 *db, struct hp_err *err, const char *what)
{
	return hp_err_set(err, "%s: %s", what, sqlite3_errmsg(db));
}

static int exec(sqlite3 *db, const char *sql, struct hp_err *err)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		hp_err_set(err, "%s", msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/* exec for hp_store_migrate */
static int exec_any(void *conn, const char *sql, struct hp_err *err)
{
	return exec(conn, sql, err);
}

static int migrate(sqlite3 *db, struct hp_err *err)
{
	sqlite3_stmt *st = NULL;
	int version = 0, ret = -1;

	/* IMMEDIATE: take the write lock first, so two openers of a new file
	 * do not both decide to create the tables */
	if (exec(db, "BEGIN IMMEDIATE", err))
		return -1;
	if (exec(db, "CREATE TABLE IF NOT EXISTS hp_schema (version INTEGER NOT NULL)", err))
		goto cleanup;
	if (sqlite3_prepare_v2(db, "SELECT COALESCE(MAX(version), 0) FROM hp_schema", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		db_error(db, err, "cannot read the schema version");
		goto cleanup;
	}
	version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	if (hp_store_migrate(db, exec_any, migrations, version, err))
		goto cleanup;
	if (exec(db, "COMMIT", err))
		goto cleanup;
	ret = 0;
cleanup:
	sqlite3_finalize(st);
	if (ret)
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return ret;
}

static void sqlite_close(struct hp_store *s)
{
	struct sqlite_store *q = s->impl;

	if (!q)
		return;
	sqlite3_finalize(q->ins_run);
	sqlite3_finalize(q->ins_metric);
	sqlite3_finalize(q->ins_raw);
	sqlite3_close(q->db);
	free(q);
	s->impl = NULL;
}

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
	sqlite3_bind_text(st, i, s ? s : "", -1, SQLITE_STATIC);
}

static void bind_double(sqlite3_stmt *st, int i, double v)
{
	if (isnan(v))
		sqlite3_bind_null(st, i); /* SQLite stores NaN as NULL anyway */
	else
		sqlite3_bind_double(st, i, v);
}

static int sqlite_insert(struct hp_store *s, struct hp_store_run *run, struct hp_err *err)
{
	struct sqlite_store *q = s->impl;
	sqlite3_stmt *st = q->ins_run;
	unsigned char *raw = NULL;
	size_t raw_len;
	int ret = -1;

	if (exec(q->db, "BEGIN IMMEDIATE", err))
		return -1;
	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, run->time);
	bind_text(st, 2, run->sha);
	bind_text(st, 3, run->branch);
	sqlite3_bind_int(st, 4, run->dirty);
	bind_text(st, 5, run->scenario);
	bind_text(st, 6, run->command);
	bind_text(st, 7, run->command_hash);
	bind_text(st, 8, run->machine);
	bind_text(st, 9, run->host);
	bind_text(st, 10, run->cpu);
	bind_text(st, 11, run->kernel);
	sqlite3_bind_int(st, 12, run->cores);
	bind_text(st, 13, run->version);
	bind_text(st, 14, run->kind);
	if (run->profile)
		sqlite3_bind_blob64(st, 15, run->profile, run->profile_len, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 15);
	if (sqlite3_step(st) != SQLITE_DONE) {
		db_error(q->db, err, "insert");
		goto cleanup;
	}
	run->id = sqlite3_last_insert_rowid(q->db);
	st = q->ins_metric;
	for (size_t i = 0; i < run->nr_metrics; i++) {
		const struct hp_store_metric *m = &run->metrics[i];

		sqlite3_reset(st);
		bind_text(st, 1, run->scenario);
		sqlite3_bind_int64(st, 2, run->id);
		bind_text(st, 3, m->name);
		bind_text(st, 4, m->unit);
		bind_double(st, 5, m->value);
		bind_double(st, 6, m->lo);
		bind_double(st, 7, m->hi);
		sqlite3_bind_int64(st, 8, (sqlite3_int64)m->n);
		sqlite3_bind_null(st, 9);
		if (m->raw && m->n) {
			sqlite3_stmt *rs = q->ins_raw;

			sqlite3_reset(rs);
			sqlite3_bind_int64(rs, 1, run->id);
			bind_text(rs, 2, m->name);
			free(raw);
			hp_store_raw_pack(m->raw, m->n, &raw, &raw_len);
			sqlite3_bind_blob64(rs, 3, raw, raw_len, SQLITE_STATIC);
			if (sqlite3_step(rs) != SQLITE_DONE) {
				db_error(q->db, err, "insert raw values");
				goto cleanup;
			}
			sqlite3_bind_int64(st, 9, sqlite3_last_insert_rowid(q->db));
		}
		if (sqlite3_step(st) != SQLITE_DONE) {
			db_error(q->db, err, "insert metric");
			goto cleanup;
		}
	}
	if (exec(q->db, "COMMIT", err))
		goto cleanup;
	ret = 0;
cleanup:
	free(raw);
	sqlite3_reset(q->ins_run);
	sqlite3_reset(q->ins_metric);
	sqlite3_reset(q->ins_raw);
	sqlite3_clear_bindings(q->ins_run);
	if (ret)
		sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
	return ret;
}

static const char *col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? (const char *)t : "";
}

static double col_double(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? NAN : sqlite3_column_double(st, i);
}

static int sqlite_query(struct hp_store *s, const char *sql, const struct hp_store_param *p,
			size_t np, bool with_raw, struct hp_store_runs *out, struct hp_err *err)
{
	struct sqlite_store *q = s->impl;
	sqlite3_stmt *st = NULL;
	int rc, ret = -1;

	if (sqlite3_prepare_v2(q->db, sql, -1, &st, NULL) != SQLITE_OK) {
		db_error(q->db, err, "query");
		goto cleanup;
	}
	for (size_t i = 0; i < np; i++) {
		if (p[i].type == HP_PARAM_TEXT)
			bind_text(st, (int)i + 1, p[i].text);
		else
			sqlite3_bind_int64(st, (int)i + 1, p[i].i);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct hp_store_row r;

		r.id = sqlite3_column_int64(st, 0);
		r.time = sqlite3_column_int64(st, 1);
		r.sha = col_text(st, 2);
		r.branch = col_text(st, 3);
		r.dirty = sqlite3_column_int(st, 4);
		r.scenario = col_text(st, 5);
		r.command = col_text(st, 6);
		r.command_hash = col_text(st, 7);
		r.machine = col_text(st, 8);
		r.host = col_text(st, 9);
		r.cpu = col_text(st, 10);
		r.kernel = col_text(st, 11);
		r.cores = sqlite3_column_int(st, 12);
		r.version = col_text(st, 13);
		r.kind = col_text(st, 14);
		r.has_metric = sqlite3_column_type(st, 15) != SQLITE_NULL;
		r.mname = col_text(st, 15);
		r.unit = col_text(st, 16);
		r.value = col_double(st, 17);
		r.lo = col_double(st, 18);
		r.hi = col_double(st, 19);
		r.n = sqlite3_column_int64(st, 20);
		r.raw = with_raw ? sqlite3_column_blob(st, 21) : NULL;
		r.raw_len = with_raw ? (size_t)sqlite3_column_bytes(st, 21) : 0;
		if (with_raw && !r.raw)
			r.raw = (const unsigned char *)"";
		if (hp_store_runs_add_row(out, &r, err))
			goto cleanup;
	}
	if (rc != SQLITE_DONE) {
		db_error(q->db, err, "query");
		goto cleanup;
	}
	ret = 0;
cleanup:
	sqlite3_finalize(st);
	return ret;
}

static int sqlite_count(struct hp_store *s, int64_t *count, struct hp_err *err)
{
	struct sqlite_store *q = s->impl;
	sqlite3_stmt *st = NULL;
	int ret = -1;

	if (sqlite3_prepare_v2(q->db, "SELECT COUNT(*) FROM hp_runs", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		db_error(q->db, err, "count");
		goto cleanup;
	}
	*count = sqlite3_column_int64(st, 0);
	ret = 0;
cleanup:
	sqlite3_finalize(st);
	return ret;
}

static const struct hp_store_ops sqlite_ops = {
	sqlite_insert, sqlite_query, sqlite_count, sqlite_close,
};

int hp_store_sqlite_open(const char *path, struct hp_store *s, struct hp_err *err)
{
	struct sqlite_store *q = hp_xcalloc(1, sizeof(*q));
	const char *slash = strrchr(path, '/');
	int ret = -1;

	s->ops = &sqlite_ops;
	s->impl = q;
	if (slash && slash != path) {
		char *dir = hp_xstrndup(path, (size_t)(slash - path));

		ret = hp_mkdir_p(dir, err);
		free(dir);
		if (ret)
			goto cleanup;
		ret = -1;
	}
	if (sqlite3_open_v2(path, &q->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		hp_err_set(err, "cannot open store '%s': %s", path, q->db ? sqlite3_errmsg(q->db) : "out of memory");
		goto cleanup;
	}
	sqlite3_extended_result_codes(q->db, 1);
	sqlite3_busy_timeout(q->db, BUSY_TIMEOUT_MS);
	/* switching to WAL needs a moment alone with the file; the busy
	 * handler is not called for every lock involved, so retry a while */
	for (int tries = 0;; tries++) {
		struct hp_err e2;

		if (!exec(q->db, "PRAGMA journal_mode=WAL", &e2))
			break;
		if (tries >= 300 || ((sqlite3_errcode(q->db) & 0xff) != SQLITE_BUSY &&
				     (sqlite3_errcode(q->db) & 0xff) != SQLITE_LOCKED)) {
			hp_err_set(err, "cannot open store '%s': %s", path, e2.msg);
			goto cleanup;
		}
		usleep(10000);
	}
	/*
	 * Fewer, larger checkpoints: each one writes pages back to the file.
	 * A small page cache (512 KiB, not 2 MiB): a command reads or writes
	 * once, the pages it needs again (B-tree interiors, the leaves runs
	 * are added to) are few, and every page the cache grows by is new
	 * memory to fault in: this halves the page faults of a 10,000-point
	 * series read, an eighth of its time on the benchmark machine.
	 */
	if (exec(q->db, "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA wal_autocheckpoint=4000;"
		 " PRAGMA cache_size=-512", err) || migrate(q->db, err)) {
		hp_err_prefix(err, "cannot open store '%s'", path);
		goto cleanup;
	}
	if (sqlite3_prepare_v2(q->db, hp_store_sql_insert_run, -1, &q->ins_run, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(q->db, sql_insert_metric, -1, &q->ins_metric, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(q->db, sql_insert_raw, -1, &q->ins_raw, NULL) != SQLITE_OK) {
		hp_err_set(err, "cannot open store '%s': %s", path, sqlite3_errmsg(q->db));
		goto cleanup;
	}
	ret = 0;
cleanup:
	if (ret)
		sqlite_close(s);
	return ret;
}
