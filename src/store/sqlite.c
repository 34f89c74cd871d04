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
	sqlite3_stmt *ins_run, *ins_metric;
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
};
#define NR_MIGRATIONS (sizeof(migrations) / sizeof(migrations[0]))

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
	if (version > (int)NR_MIGRATIONS) {
		hp_err_set(err, "schema version %d is newer than this hotpath knows (%d)", version,
			   (int)NR_MIGRATIONS);
		goto cleanup;
	}
	for (int v = version; v < (int)NR_MIGRATIONS; v++) {
		char sql[80];

		if (exec(db, migrations[v], err)) {
			hp_err_prefix(err, "migration %d", v + 1);
			goto cleanup;
		}
		snprintf(sql, sizeof(sql), "INSERT INTO hp_schema(version) VALUES (%d)", v + 1);
		if (exec(db, sql, err))
			goto cleanup;
	}
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
		sqlite3_bind_int64(st, 1, run->id);
		bind_text(st, 2, m->name);
		bind_text(st, 3, m->unit);
		bind_double(st, 4, m->value);
		bind_double(st, 5, m->lo);
		bind_double(st, 6, m->hi);
		sqlite3_bind_int64(st, 7, (sqlite3_int64)m->n);
		free(raw);
		hp_store_raw_pack(m->raw, m->raw ? m->n : 0, &raw, &raw_len);
		sqlite3_bind_blob64(st, 8, raw, raw_len, SQLITE_STATIC);
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
	/* fewer, larger checkpoints: each one writes pages back to the file */
	if (exec(q->db, "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA wal_autocheckpoint=4000",
		 err) || migrate(q->db, err)) {
		hp_err_prefix(err, "cannot open store '%s'", path);
		goto cleanup;
	}
	if (sqlite3_prepare_v2(q->db, hp_store_sql_insert_run, -1, &q->ins_run, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(q->db, hp_store_sql_insert_metric, -1, &q->ins_metric, NULL) != SQLITE_OK) {
		hp_err_set(err, "cannot open store '%s': %s", path, sqlite3_errmsg(q->db));
		goto cleanup;
	}
	ret = 0;
cleanup:
	if (ret)
		sqlite_close(s);
	return ret;
}
