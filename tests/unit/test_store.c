/*
 * The run-history store.  Every store test is one function taking a URL,
 * run against SQLite (a temporary file) always and against PostgreSQL when
 * HOTPATH_TEST_PG holds a server URL (tests/pg/with-pg.sh sets it; `make
 * check` runs the unit tests under it); otherwise the PostgreSQL variants
 * skip with the reason.  PostgreSQL tests share one database, so every test
 * uses its own scenario names.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store/machine.h"
#include "store/store.h"

static char tmpdir[64];
static char sqlite_url[128];

static void setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/hp-store-test.XXXXXX");
	cr_assert(mkdtemp(tmpdir));
	snprintf(sqlite_url, sizeof(sqlite_url), "sqlite:%s/sub/history.db", tmpdir);
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	cr_assert_eq(system(cmd), 0);
}

static const char *pg_url(void)
{
	const char *u = getenv("HOTPATH_TEST_PG");

	if (!u || !*u)
		cr_skip_test("HOTPATH_TEST_PG is not set (run under tests/pg/with-pg.sh, as make check does)");
	return u;
}

/* a scenario name unique to this test process and call */
static void unique(char *buf, size_t len, const char *what)
{
	static int k;
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(buf, len, "%s-%d-%ld-%d", what, (int)getpid(), (long)ts.tv_nsec, k++);
}

static struct hp_store *open_ok(const char *url)
{
	struct hp_store *s;
	struct hp_err err;

	cr_assert_eq(hp_store_open(url, &s, &err), 0, "%s", err.msg);
	return s;
}

static void insert_simple(struct hp_store *s, const char *scenario, const char *sha,
			  const char *branch, int64_t time, double wall)
{
	double raw[3] = { wall * 0.99, wall, wall * 1.01 };
	double rss = 1e6;
	struct hp_store_metric m[2];
	struct hp_store_run r;
	struct hp_err err;

	memset(&r, 0, sizeof(r));
	hp_store_metric_from_values(&m[0], "wall_seconds", "s", raw, 3);
	hp_store_metric_from_values(&m[1], "peak_rss_bytes", "bytes", &rss, 1);
	r.time = time;
	r.sha = sha;
	r.branch = branch;
	r.scenario = scenario;
	r.command = scenario;
	r.machine = "m1";
	r.kind = "bench";
	r.metrics = m;
	r.nr_metrics = 2;
	cr_assert_eq(hp_store_insert(s, &r, &err), 0, "%s", err.msg);
	cr_assert(r.id > 0);
}

static void roundtrip(const char *url)
{
	struct hp_store *s = open_ok(url);
	struct hp_store_filter f;
	struct hp_store_runs rs;
	struct hp_store_metric m[4];
	struct hp_store_run r;
	struct hp_err err;
	double wall[5] = { 0.5, 0.25, 0.125, 1.0 / 3, 0.3 };
	double one = 42, nan_only = NAN;
	unsigned char prof[] = { 1, 0, 2, 255, 0 };
	char scen[96];
	const struct hp_store_metric *w;

	unique(scen, sizeof(scen), "roundtrip 'quoted' \"name\", with; chars");
	memset(&r, 0, sizeof(r));
	hp_store_metric_from_values(&m[0], "wall_seconds", "s", wall, 5);
	hp_store_metric_from_values(&m[1], "samples", "samples", &one, 1);
	hp_store_metric_from_values(&m[2], "nothing", "", &nan_only, 1);
	hp_store_metric_from_values(&m[3], "summary_only", "s", wall, 5);
	m[3].raw = NULL; /* a summary without its values: no raw row */
	r.time = 1700000000;
	r.sha = "0123456789abcdef0123456789abcdef01234567";
	r.branch = "feature/x";
	r.dirty = true;
	r.scenario = scen;
	r.command = "python3 app.py --n 'a b'";
	r.command_hash = "abcdef0123456789";
	r.machine = "fp";
	r.host = "host";
	r.cpu = "CPU";
	r.kernel = "6.1";
	r.cores = 8;
	r.version = "0.1.0";
	r.kind = "bench";
	r.profile = prof;
	r.profile_len = sizeof(prof);
	r.metrics = m;
	r.nr_metrics = 4;
	cr_assert_eq(hp_store_insert(s, &r, &err), 0, "%s", err.msg);
	memset(&f, 0, sizeof(f));
	f.scenario = scen;
	f.with_raw = true;
	cr_assert_eq(hp_store_query(s, &f, &rs, &err), 0, "%s", err.msg);
	cr_assert_eq(rs.nr, 1);
	cr_assert_eq(rs.runs[0].id, r.id);
	cr_assert_eq(rs.runs[0].time, 1700000000);
	cr_assert_str_eq(rs.runs[0].sha, r.sha);
	cr_assert_str_eq(rs.runs[0].branch, "feature/x");
	cr_assert(rs.runs[0].dirty);
	cr_assert_str_eq(rs.runs[0].command, r.command);
	cr_assert_str_eq(rs.runs[0].machine, "fp");
	cr_assert_eq(rs.runs[0].cores, 8);
	cr_assert_eq(rs.runs[0].nr_metrics, 4);
	w = hp_store_run_metric(&rs.runs[0], "wall_seconds");
	cr_assert(w);
	cr_assert_eq(w->value, 0.3);
	cr_assert_eq(w->n, 5);
	for (size_t i = 0; i < 5; i++)
		cr_assert_eq(w->raw[i], wall[i], "raw value %zu: %.17g", i, w->raw[i]);
	cr_assert_str_eq(w->unit, "s");
	cr_assert(isnan(hp_store_run_metric(&rs.runs[0], "nothing")->value));
	cr_assert_eq(hp_store_run_metric(&rs.runs[0], "samples")->value, 42);
	w = hp_store_run_metric(&rs.runs[0], "summary_only");
	cr_assert(w && w->value == 0.3 && w->n == 0 && w->raw, "no raw values: none read back");
	hp_store_runs_release(&rs);
	/* without raw values: n as stored */
	f.with_raw = false;
	f.metric = "summary_only";
	cr_assert_eq(hp_store_query(s, &f, &rs, &err), 0, "%s", err.msg);
	cr_assert_eq(rs.nr, 1);
	cr_assert_eq(rs.runs[0].metrics[0].n, 5);
	cr_assert_null(rs.runs[0].metrics[0].raw);
	hp_store_runs_release(&rs);
	hp_store_close(s);
}

static void filters(const char *url)
{
	struct hp_store *s = open_ok(url);
	struct hp_store_filter f;
	struct hp_store_runs rs;
	struct hp_err err;
	char scen[96], other[96];

	unique(scen, sizeof(scen), "filters");
	unique(other, sizeof(other), "filters-other");
	for (int i = 0; i < 10; i++)
		insert_simple(s, scen, i < 5 ? "aaaa" : "bbbb", i % 2 ? "main" : "dev", 1700000000 + i * 100,
			      1.0 + i);
	insert_simple(s, other, "cccc", "main", 1700000000, 99);
	memset(&f, 0, sizeof(f));
	f.scenario = scen;
	cr_assert_eq(hp_store_query(s, &f, &rs, &err), 0, "%s", err.msg);
	cr_assert_eq(rs.nr, 10);
	for (size_t i = 0; i < rs.nr; i++) /* oldest first */
		cr_assert_eq(hp_store_run_metric(&rs.runs[i], "wall_seconds")->value, 1.0 + (double)i);
	cr_assert_null(rs.runs[0].metrics[0].raw);
	hp_store_runs_release(&rs);
	f.limit = 3; /* the most recent three, still oldest first */
	cr_assert_eq(hp_store_query(s, &f, &rs, &err), 0, "%s", err.msg);
	cr_assert_eq(rs.nr, 3);
	cr_assert_eq(rs.runs[0].metrics[0].value, 1e6); /* peak_rss_bytes sorts first */
	cr_assert_eq(hp_store_run_metric(&rs.runs[0], "wall_seconds")->value, 8);
	cr_assert_eq(hp_store_run_metric(&rs.runs[2], "wall_seconds")->value, 10);
	hp_store_runs_release(&rs);
	f.limit = 0;
	f.branch = "main";
	f.since = 1700000000 + 500;
	f.metric = "wall_seconds";
	cr_assert_eq(hp_store_query(s, &f, &rs, &err), 0, "%s", err.msg);
	cr_assert_eq(rs.nr, 3); /* i = 5, 7, 9 */
	hp_store_runs_release(&rs);
	f.since = 1700000000 + 501;
	cr_assert_eq(hp_store_query(s, &f, &rs, &err), 0, "%s", err.msg);
	cr_assert_eq(rs.nr, 2);
	for (size_t i = 0; i < rs.nr; i++) {
		cr_assert_eq(rs.runs[i].nr_metrics, 1);
		cr_assert_str_eq(rs.runs[i].metrics[0].name, "wall_seconds");
		cr_assert_str_eq(rs.runs[i].branch, "main");
	}
	hp_store_runs_release(&rs);
	memset(&f, 0, sizeof(f));
	f.scenario = scen;
	f.metric = "no such metric";
	cr_assert_eq(hp_store_query(s, &f, &rs, &err), 0, "%s", err.msg);
	cr_assert_eq(rs.nr, 0);
	hp_store_runs_release(&rs);
	hp_store_close(s);
}

/* a run is never half written: a failing metric insert rolls back the run */
static void atomic(const char *url)
{
	struct hp_store *s = open_ok(url);
	struct hp_store_filter f;
	struct hp_store_runs rs;
	struct hp_store_metric m[2];
	struct hp_store_run r;
	struct hp_err err;
	double v = 1;
	char scen[96];

	unique(scen, sizeof(scen), "atomic");
	memset(&r, 0, sizeof(r));
	hp_store_metric_from_values(&m[0], "wall_seconds", "s", &v, 1);
	hp_store_metric_from_values(&m[1], "wall_seconds", "s", &v, 1); /* duplicate key */
	r.scenario = scen;
	r.metrics = m;
	r.nr_metrics = 2;
	cr_assert_eq(hp_store_insert(s, &r, &err), -1);
	cr_assert(strstr(err.msg, "cannot store the run"), "%s", err.msg);
	memset(&f, 0, sizeof(f));
	f.scenario = scen;
	cr_assert_eq(hp_store_query(s, &f, &rs, &err), 0, "%s", err.msg);
	cr_assert_eq(rs.nr, 0);
	hp_store_runs_release(&rs);
	/* the connection is usable afterwards */
	insert_simple(s, scen, "a", "b", 0, 1);
	cr_assert_eq(hp_store_query(s, &f, &rs, &err), 0, "%s", err.msg);
	cr_assert_eq(rs.nr, 1);
	cr_assert(rs.runs[0].time > 1700000000); /* time 0 means now */
	hp_store_runs_release(&rs);
	hp_store_close(s);
}

/* 8 processes open the store (a new one for SQLite: racing migrations)
 * and write 25 runs each at once: all 200 are there afterwards. */
static void concurrent(const char *url)
{
	struct hp_store *s;
	struct hp_store_filter f;
	struct hp_store_runs rs;
	struct hp_err err;
	pid_t pids[8];
	char scen[96];

	unique(scen, sizeof(scen), "concurrent");
	for (int p = 0; p < 8; p++) {
		pids[p] = fork();
		cr_assert(pids[p] >= 0);
		if (pids[p] == 0) {
			struct hp_store *c;
			int bad = 0;

			if (hp_store_open(url, &c, &err)) {
				fprintf(stderr, "child %d: %s\n", p, err.msg);
				_exit(1);
			}
			for (int i = 0; i < 25 && !bad; i++) {
				double v[2] = { p, i };
				struct hp_store_metric m;
				struct hp_store_run r;

				memset(&r, 0, sizeof(r));
				hp_store_metric_from_values(&m, "wall_seconds", "s", v, 2);
				r.scenario = scen;
				r.metrics = &m;
				r.nr_metrics = 1;
				if (hp_store_insert(c, &r, &err)) {
					fprintf(stderr, "child %d run %d: %s\n", p, i, err.msg);
					bad = 1;
				}
			}
			hp_store_close(c);
			_exit(bad);
		}
	}
	for (int p = 0; p < 8; p++) {
		int st;

		cr_assert_eq(waitpid(pids[p], &st, 0), pids[p]);
		cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "writer %d failed", p);
	}
	s = open_ok(url);
	memset(&f, 0, sizeof(f));
	f.scenario = scen;
	cr_assert_eq(hp_store_query(s, &f, &rs, &err), 0, "%s", err.msg);
	cr_assert_eq(rs.nr, 200);
	for (size_t i = 0; i < rs.nr; i++)
		cr_assert_eq(rs.runs[i].nr_metrics, 1);
	hp_store_runs_release(&rs);
	hp_store_close(s);
}

Test(store_sqlite, roundtrip, .init = setup, .fini = teardown) { roundtrip(sqlite_url); }
Test(store_sqlite, filters, .init = setup, .fini = teardown) { filters(sqlite_url); }
Test(store_sqlite, atomic, .init = setup, .fini = teardown) { atomic(sqlite_url); }
Test(store_sqlite, concurrent, .init = setup, .fini = teardown) { concurrent(sqlite_url); }
Test(store_pg, roundtrip) { roundtrip(pg_url()); }
Test(store_pg, filters) { filters(pg_url()); }
Test(store_pg, atomic) { atomic(pg_url()); }
Test(store_pg, concurrent) { concurrent(pg_url()); }

Test(store_sqlite, migrations_applied_once, .init = setup, .fini = teardown)
{
	struct hp_store *a = open_ok(sqlite_url), *b = open_ok(sqlite_url);
	int64_t n = -1;
	struct hp_err err;

	cr_assert_eq(hp_store_count(b, &n, &err), 0, "%s", err.msg);
	cr_assert_eq(n, 0);
	hp_store_close(a);
	hp_store_close(b);
}

/* Schema 1 as hotpath 0.1.0 created it (sqlite.c, migration 1), with its
 * version row. */
static const char schema_v1[] =
	"PRAGMA journal_mode=WAL;"
	"CREATE TABLE hp_schema (version INTEGER NOT NULL);"
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
	" PRIMARY KEY (run_id, name)) WITHOUT ROWID;"
	"INSERT INTO hp_schema(version) VALUES (1);";

static void sql_ok(sqlite3 *db, const char *sql)
{
	char *msg = NULL;

	cr_assert_eq(sqlite3_exec(db, sql, NULL, NULL, &msg), SQLITE_OK, "%s: %s", sql, msg ? msg : "");
}

static int64_t sql_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v;

	cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK, "%s", sqlite3_errmsg(db));
	cr_assert_eq(sqlite3_step(st), SQLITE_ROW, "%s", sql);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* run i of the old store: scenario "a" (even i) or "b", wall_seconds
 * 1 + i/100 (raw: it and +-1 %), peak_rss_bytes 1000 + i (one raw value,
 * stored before wall_seconds), a profile on run 3; run 5 has no metrics;
 * run 7 has a wall_seconds without a value or raw values (NULL, empty) */
static void insert_v1_run(sqlite3 *db, int i)
{
	char sql[512];
	double w = 1 + i / 100.0, raw[3] = { w * 0.99, w, w * 1.01 }, rss = 1000 + i;
	sqlite3_stmt *st;

	snprintf(sql, sizeof(sql),
		 "INSERT INTO hp_runs(id, time, sha, branch, scenario, command, machine, kind, profile)"
		 " VALUES (%d, %d, 'sha%02d', 'main', '%s', 'cmd %s', 'm1', 'bench', %s)",
		 i, 1700000000 + i, i, i % 2 ? "b" : "a", i % 2 ? "b" : "a", i == 3 ? "x'00ff10'" : "NULL");
	sql_ok(db, sql);
	if (i == 5)
		return;
	cr_assert_eq(sqlite3_prepare_v2(db, "INSERT INTO hp_metrics VALUES (?, ?, ?, ?, ?, ?, ?, ?)", -1, &st,
					NULL), SQLITE_OK);
	sqlite3_bind_int(st, 1, i);
	sqlite3_bind_text(st, 2, "peak_rss_bytes", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, "bytes", -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 4, rss);
	sqlite3_bind_double(st, 5, rss);
	sqlite3_bind_double(st, 6, rss);
	sqlite3_bind_int(st, 7, 1);
	sqlite3_bind_blob(st, 8, &rss, 8, SQLITE_STATIC); /* little-endian, as pack writes */
	cr_assert_eq(sqlite3_step(st), SQLITE_DONE);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	sqlite3_bind_int(st, 1, i);
	sqlite3_bind_text(st, 2, "wall_seconds", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, "s", -1, SQLITE_STATIC);
	if (i != 7) {
		sqlite3_bind_double(st, 4, w);
		sqlite3_bind_double(st, 5, raw[0]);
		sqlite3_bind_double(st, 6, raw[2]);
		sqlite3_bind_int(st, 7, 3);
		sqlite3_bind_blob(st, 8, raw, sizeof(raw), SQLITE_STATIC);
	} else {
		sqlite3_bind_int(st, 7, 0);
		sqlite3_bind_blob(st, 8, "", 0, SQLITE_STATIC);
	}
	cr_assert_eq(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
}

/* A store written by schema 1 opens, is migrated once, and reads back the
 * same: series, listings, raw values, profiles; new runs go in after.
 * (tests/e2e/t-history-pg.sh does the same for PostgreSQL with psql.) */
Test(store_sqlite, migrate_from_1, .init = setup, .fini = teardown)
{
	char path[128], url[160];
	struct hp_store *s;
	struct hp_store_filter f;
	struct hp_store_runs rs;
	struct hp_err err;
	sqlite3 *db;
	const struct hp_store_metric *w;
	int64_t before;

	cr_assert(*(const unsigned char *)&(uint16_t){ 1 }, "the raw values below are written little-endian");
	snprintf(path, sizeof(path), "%s/v1.db", tmpdir);
	snprintf(url, sizeof(url), "sqlite:%s", path);
	cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
	sql_ok(db, schema_v1);
	sql_ok(db, "BEGIN");
	for (int i = 1; i <= 40; i++)
		insert_v1_run(db, i);
	sql_ok(db, "COMMIT");
	sqlite3_close(db);

	s = open_ok(url);
	/* one series: scenario "a", wall_seconds, oldest first */
	memset(&f, 0, sizeof(f));
	f.scenario = "a";
	f.metric = "wall_seconds";
	cr_assert_eq(hp_store_query(s, &f, &rs, &err), 0, "%s", err.msg);
	cr_assert_eq(rs.nr, 20); /* 2, 4, ... 40 */
	for (size_t k = 0; k < rs.nr; k++) {
		const struct hp_store_run *r = &rs.runs[k];
		int i = (int)(2 * k + 2);

		cr_assert_eq(r->id, i);
		cr_assert_eq(r->time, 1700000000 + i);
		cr_assert_str_eq(r->scenario, "a");
		cr_assert_str_eq(r->command, "cmd a");
		cr_assert_eq(r->nr_metrics, 1);
		cr_assert_str_eq(r->metrics[0].name, "wall_seconds");
		cr_assert_str_eq(r->metrics[0].unit, "s");
		cr_assert_eq(r->metrics[0].value, 1 + i / 100.0);
		cr_assert_eq(r->metrics[0].lo, (1 + i / 100.0) * 0.99);
		cr_assert_eq(r->metrics[0].n, 3);
		cr_assert_null(r->metrics[0].raw);
	}
	cr_assert_str_eq(rs.runs[3].sha, "sha08");
	hp_store_runs_release(&rs);
	/* the last 4 runs of "b" with raw values: 33 .. 39 */
	f.scenario = "b";
	f.metric = NULL;
	f.limit = 4;
	f.with_raw = true;
	cr_assert_eq(hp_store_query(s, &f, &rs, &err), 0, "%s", err.msg);
	cr_assert_eq(rs.nr, 4);
	cr_assert_eq(rs.runs[0].id, 33);
	w = hp_store_run_metric(&rs.runs[0], "wall_seconds");
	cr_assert(w && w->n == 3 && w->raw);
	cr_assert_eq(w->raw[0], 1.33 * 0.99);
	cr_assert_eq(w->raw[1], 1.33);
	cr_assert_eq(w->raw[2], 1.33 * 1.01);
	w = hp_store_run_metric(&rs.runs[0], "peak_rss_bytes");
	cr_assert(w && w->n == 1 && w->raw && w->raw[0] == 1033);
	hp_store_runs_release(&rs);
	/* every run, run 5 without metrics, run 7 without a value */
	memset(&f, 0, sizeof(f));
	f.with_raw = true;
	cr_assert_eq(hp_store_query(s, &f, &rs, &err), 0, "%s", err.msg);
	cr_assert_eq(rs.nr, 40);
	cr_assert_eq(rs.runs[4].id, 5);
	cr_assert_eq(rs.runs[4].nr_metrics, 0);
	w = hp_store_run_metric(&rs.runs[6], "wall_seconds");
	cr_assert(w && isnan(w->value) && w->n == 0);
	cr_assert_eq(rs.runs[6].nr_metrics, 2);
	hp_store_runs_release(&rs);
	/* a series skips runs without the metric: run 5 */
	memset(&f, 0, sizeof(f));
	f.scenario = "b";
	f.metric = "peak_rss_bytes";
	cr_assert_eq(hp_store_query(s, &f, &rs, &err), 0, "%s", err.msg);
	cr_assert_eq(rs.nr, 19);
	cr_assert_eq(rs.runs[1].id, 3);
	cr_assert_eq(rs.runs[2].id, 7);
	hp_store_runs_release(&rs);
	/* new runs go in after the old ones */
	insert_simple(s, "a", "new", "main", 1700000100, 5);
	f.scenario = "a";
	f.metric = "wall_seconds";
	f.limit = 2;
	f.with_raw = true;
	cr_assert_eq(hp_store_query(s, &f, &rs, &err), 0, "%s", err.msg);
	cr_assert_eq(rs.nr, 2);
	cr_assert_eq(rs.runs[0].id, 40);
	cr_assert_eq(rs.runs[1].id, 41);
	cr_assert_eq(rs.runs[1].metrics[0].value, 5);
	cr_assert_eq(rs.runs[1].metrics[0].raw[2], 5 * 1.01);
	hp_store_runs_release(&rs);
	hp_store_close(s);

	/* migrated once, the profile kept, the file sound */
	cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
	cr_assert_eq(sql_int(db, "SELECT MAX(version) FROM hp_schema"), HP_STORE_SCHEMA_VERSION);
	cr_assert_eq(sql_int(db, "SELECT COUNT(*) FROM hp_schema"), HP_STORE_SCHEMA_VERSION);
	cr_assert_eq(sql_int(db, "SELECT hex(profile) = '00FF10' FROM hp_runs WHERE id = 3"), 1);
	cr_assert_eq(sql_int(db, "SELECT COUNT(*) FROM hp_runs WHERE profile IS NOT NULL"), 1);
	cr_assert_eq(sql_int(db, "SELECT COUNT(*) FROM hp_metrics"), 39 * 2 + 2);
	cr_assert_eq(sql_int(db, "SELECT COUNT(*) FROM pragma_integrity_check WHERE integrity_check <> 'ok'"), 0);
	cr_assert_eq(sql_int(db, "SELECT COUNT(*) FROM pragma_foreign_key_check"), 0);
	before = sql_int(db, "SELECT COUNT(*) FROM hp_metric_raw");
	cr_assert_eq(before, 39 * 2 - 1 + 2); /* run 7's wall_seconds had no raw values */
	sqlite3_close(db);
	s = open_ok(url);
	hp_store_close(s);
	cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
	cr_assert_eq(sql_int(db, "SELECT COUNT(*) FROM hp_schema"), HP_STORE_SCHEMA_VERSION);
	cr_assert_eq(sql_int(db, "SELECT COUNT(*) FROM hp_metric_raw"), before);
	/* a store from a newer hotpath is refused, not touched */
	sql_ok(db, "INSERT INTO hp_schema(version) VALUES (99)");
	sqlite3_close(db);
	cr_assert_eq(hp_store_open(url, &s, &err), -1);
	cr_assert(strstr(err.msg, "schema version 99 is newer than this hotpath knows"), "%s", err.msg);
}

Test(store_sqlite, not_a_database, .init = setup, .fini = teardown)
{
	char path[128], url[160];
	struct hp_store *s;
	struct hp_err err;
	FILE *f;

	snprintf(path, sizeof(path), "%s/junk.db", tmpdir);
	f = fopen(path, "w");
	cr_assert(f);
	fputs("this is not an SQLite file, just text that is long enough to look like a header\n", f);
	fclose(f);
	snprintf(url, sizeof(url), "sqlite:%s", path);
	cr_assert_eq(hp_store_open(url, &s, &err), -1);
	cr_assert(strstr(err.msg, "cannot open store") && strstr(err.msg, "junk.db"), "%s", err.msg);
	cr_assert_eq(hp_store_open("sqlite:/proc/no/such/dir/h.db", &s, &err), -1);
	cr_assert(strstr(err.msg, "/proc/no"), "%s", err.msg);
}

Test(store, bad_urls)
{
	struct hp_store *s;
	struct hp_err err;
	enum hp_store_kind k;
	char *path;

	cr_assert_eq(hp_store_open("mysql://localhost/x", &s, &err), -1);
	cr_assert_str_eq(err.msg, "unsupported store URL 'mysql://localhost/x' (use sqlite:PATH or postgresql://...)");
	cr_assert_eq(hp_store_open("", &s, &err), -1);
	cr_assert_eq(hp_store_open("sqlite:", &s, &err), -1);
	cr_assert(strstr(err.msg, "names no file"));
	cr_assert_eq(hp_store_url_parse("sqlite:///abs/h.db", &k, &path, &err), 0);
	cr_assert_eq(k, HP_STORE_SQLITE);
	cr_assert_str_eq(path, "/abs/h.db");
	free(path);
	cr_assert_eq(hp_store_url_parse("sqlite:rel/h.db", &k, &path, &err), 0);
	cr_assert_str_eq(path, "rel/h.db");
	free(path);
	cr_assert_eq(hp_store_url_parse("postgres://u@h/db", &k, &path, &err), 0);
	cr_assert_eq(k, HP_STORE_POSTGRES);
	cr_assert_null(path);
	/* a server that is not there: a clear error, the password hidden */
	cr_assert_eq(hp_store_open("postgresql://user:secret@/db?host=/nonexistent-dir&connect_timeout=2", &s, &err), -1);
	cr_assert(strstr(err.msg, "cannot open store 'postgresql://user:***@/db"), "%s", err.msg);
	cr_assert_null(strstr(err.msg, "secret"), "%s", err.msg);
}

Test(store, metric_summary)
{
	double v[20];
	struct hp_store_metric m;

	for (int i = 0; i < 20; i++)
		v[i] = 20 - i; /* 1..20 reversed */
	hp_store_metric_from_values(&m, "x", "s", v, 20);
	cr_assert_eq(m.value, 10.5);
	cr_assert_eq(m.n, 20);
	/* 95 % order-statistics interval of the median for n = 20: x(6)..x(15) */
	cr_assert_eq(m.lo, 6);
	cr_assert_eq(m.hi, 15);
	hp_store_metric_from_values(&m, "x", "s", v, 3);
	cr_assert_eq(m.value, 19);
	cr_assert_eq(m.lo, 18); /* too few for 95 %: the range */
	cr_assert_eq(m.hi, 20);
	hp_store_metric_from_values(&m, "x", "s", v, 0);
	cr_assert(isnan(m.value));
}

Test(store, raw_and_dates_and_zlib)
{
	double v[3] = { 0.1, 1e300, -2.5 }, *back;
	size_t n;
	char *out;
	unsigned char *p;
	size_t plen;
	int64_t t;
	unsigned char *z;
	size_t zlen, olen;
	struct hp_err err;
	const char text[] = "main;work;inner 12\nmain;idle 3\n";

	hp_store_raw_pack(v, 3, &p, &plen);
	cr_assert_eq(plen, 24);
	cr_assert_eq(hp_store_raw_unpack(p, plen, &back, &n, 100), 0);
	cr_assert_eq(n, 3);
	for (int i = 0; i < 3; i++)
		cr_assert_eq(back[i], v[i]);
	free(back);
	cr_assert_eq(hp_store_raw_unpack(p, 23, &back, &n, 100), -1);
	cr_assert_eq(hp_store_raw_unpack(p, 24, &back, &n, 2), -1);
	cr_assert_eq(hp_store_raw_unpack(p, 0, &back, &n, 2), 0);
	cr_assert_eq(n, 0);
	free(back);
	free(p);
	cr_assert_eq(hp_store_parse_date("2024-05-01", &t), 0);
	cr_assert_eq(t, 1714521600);
	cr_assert_eq(hp_store_parse_date("2024-05-01T01:02:03", &t), 0);
	cr_assert_eq(t, 1714521600 + 3723);
	cr_assert_eq(hp_store_parse_date("2024-05-01 01:02", &t), 0);
	cr_assert_eq(t, 1714521600 + 3720);
	cr_assert_eq(hp_store_parse_date("@12345", &t), 0);
	cr_assert_eq(t, 12345);
	cr_assert_eq(hp_store_parse_date("2024-13-01", &t), -1);
	cr_assert_eq(hp_store_parse_date("2024-05-0", &t), -1);
	cr_assert_eq(hp_store_parse_date("yesterday", &t), -1);
	cr_assert_eq(hp_store_parse_date("2024-05-01T", &t), -1);
	cr_assert_eq(hp_store_compress(text, sizeof(text) - 1, &z, &zlen, &err), 0);
	cr_assert_eq(hp_store_decompress(z, zlen, 1000, &out, &olen, &err), 0, "%s", err.msg);
	cr_assert_eq(olen, sizeof(text) - 1);
	cr_assert_str_eq(out, text);
	free(out);
	cr_assert_eq(hp_store_decompress(z, zlen, 10, &out, &olen, &err), -1);
	z[zlen / 2] ^= 0xff;
	cr_assert_eq(hp_store_decompress(z, zlen, 1000, &out, &olen, &err), -1);
	free(z);
}

Test(machine, cpuinfo)
{
	const char x86[] = "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) CPU  @ 2.20GHz \n"
			   "processor\t: 1\nmodel name\t: Intel(R) Xeon(R) CPU  @ 2.20GHz\n";
	const char arm[] = "processor : 0\nBogoMIPS : 48.00\nProcessor : ARMv7 rev 4\n";
	char out[64];
	struct hp_machine m, m2;

	cr_assert_eq(hp_machine_parse_cpuinfo(x86, sizeof(x86) - 1, out, sizeof(out)), 0);
	cr_assert_str_eq(out, "Intel(R) Xeon(R) CPU  @ 2.20GHz");
	cr_assert_eq(hp_machine_parse_cpuinfo(arm, sizeof(arm) - 1, out, sizeof(out)), 0);
	cr_assert_str_eq(out, "ARMv7 rev 4");
	cr_assert_eq(hp_machine_parse_cpuinfo("no colon here\n", 14, out, sizeof(out)), -1);
	cr_assert_eq(hp_machine_parse_cpuinfo("model name: \x01\x02", 14, out, 4), -1);
	cr_assert_eq(hp_machine_parse_cpuinfo("model name: abcdefgh", 20, out, 4), 0);
	cr_assert_str_eq(out, "abc");
	hp_machine_get(&m);
	hp_machine_get(&m2);
	cr_assert(m.cores >= 1);
	cr_assert_eq(strlen(m.fingerprint), 16);
	cr_assert_str_eq(m.fingerprint, m2.fingerprint);
	m2.cores++;
	hp_machine_fingerprint(&m2);
	cr_assert_str_neq(m.fingerprint, m2.fingerprint);
}
