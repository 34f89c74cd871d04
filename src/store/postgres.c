/*
 * postgres.c - the PostgreSQL store backend (libpq), for a history shared
 * by many CI runners.
 *
 * The URL goes to PQconnectdb as it is, so libpq's URI syntax and the PG*
 * environment variables (PGHOST, PGUSER, PGPASSWORD, ...) all work.
 * Migrations run in one transaction holding a transaction-level advisory
 * lock, so concurrent first openers do not race on CREATE TABLE.  Each run
 * is one transaction.  Server notices are swallowed: library code does not
 * print.
 *
 * libpq is loaded with dlopen the first time a postgresql:// store is
 * opened, not linked: linked, it and what it pulls in (libcrypto, gnutls,
 * krb5, ldap ...) cost every hotpath command about 400 page faults and
 * 6-20 ms of dynamic loading before main, a third to a half of `hotpath top`
 * on a large profile.  Building still needs <libpq-fe.h> (libpq-dev): each
 * function pointer has the header's prototype, so every call is checked as
 * a direct call would be.  Running needs libpq.so.5 (libpq5) only for a
 * postgresql:// store; without it opening one is an error that says so.
 */
#include <dlfcn.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "store/backend.h"

#define PQ_SONAME "libpq.so.5"

/* Every libpq function this file calls, as pq.NAME(...). */
#define PQ_FUNCTIONS(X) \
	X(PQconnectdb) X(PQstatus) X(PQfinish) X(PQsetNoticeProcessor) \
	X(PQerrorMessage) X(PQexec) X(PQexecParams) X(PQresultStatus) \
	X(PQresultErrorMessage) X(PQntuples) X(PQgetvalue) X(PQgetisnull) \
	X(PQunescapeBytea) X(PQfreemem) X(PQclear)

/* Filled by pq_load; all set or all NULL.  Stores are opened from one
 * thread (hotpath's main thread), so loading takes no lock. */
static struct {
#define PQ_MEMBER(f) __typeof__(f) *f;
	PQ_FUNCTIONS(PQ_MEMBER)
#undef PQ_MEMBER
} pq;

/* POSIX guarantees that dlsym's void * converts to a function pointer;
 * ISO C does not, hence memcpy rather than a cast (-Wpedantic). */
_Static_assert(sizeof(void *) == sizeof(pq.PQexec), "function pointers differ from void *");

static int pq_sym(void *h, const char *sym, void *fp, const char *name, struct hp_err *err)
{
	void *p = dlsym(h, sym);

	if (!p)
		return hp_err_set(err, "cannot use '%s': " PQ_SONAME " has no %s (too old a libpq)",
				  name, sym);
	memcpy(fp, &p, sizeof(p));
	return 0;
}

/* Load libpq once; name (the store, without password) is for messages.
 * The library stays loaded for the life of the process. */
static int pq_load(const char *name, struct hp_err *err)
{
	static const struct {
		const char *sym;
		void *slot;       /* &pq.NAME */
	} syms[] = {
#define PQ_SYM(f) { #f, &pq.f },
		PQ_FUNCTIONS(PQ_SYM)
#undef PQ_SYM
	};
	static bool loaded;
	const char *why;
	void *h;

	if (loaded)
		return 0;
	h = dlopen(PQ_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		why = dlerror();
		if (why && strstr(why, PQ_SONAME ": cannot open shared object file"))
			return hp_err_set(err, "cannot use '%s': " PQ_SONAME " is not installed "
					  "(Debian package libpq5)", name);
		/* present but unloadable: a dependency missing, a broken file */
		return hp_err_set(err, "cannot use '%s': cannot load " PQ_SONAME ": %s", name,
				  why ? why : "unknown error");
	}
	for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
		if (pq_sym(h, syms[i].sym, syms[i].slot, name, err)) {
			memset(&pq, 0, sizeof(pq));
			dlclose(h);
			return -1;
		}
	}
	loaded = true;
	return 0;
}

/* an arbitrary constant: "hotpath" in ASCII */
#define MIGRATION_LOCK "29395943470232680"

static const char *const migrations[] = {
	/* 1: runs and their metrics */
	"CREATE TABLE hp_runs ("
	" id BIGSERIAL PRIMARY KEY,"
	" time BIGINT NOT NULL,"
	" sha TEXT NOT NULL DEFAULT '', branch TEXT NOT NULL DEFAULT '', dirty INTEGER NOT NULL DEFAULT 0,"
	" scenario TEXT NOT NULL, command TEXT NOT NULL DEFAULT '', command_hash TEXT NOT NULL DEFAULT '',"
	" machine TEXT NOT NULL DEFAULT '', host TEXT NOT NULL DEFAULT '', cpu TEXT NOT NULL DEFAULT '',"
	" kernel TEXT NOT NULL DEFAULT '', cores INTEGER NOT NULL DEFAULT 0,"
	" version TEXT NOT NULL DEFAULT '', kind TEXT NOT NULL DEFAULT '', profile BYTEA);"
	"CREATE INDEX hp_runs_scenario ON hp_runs(scenario, time, id);"
	"CREATE INDEX hp_runs_time ON hp_runs(time, id);"
	"CREATE TABLE hp_metrics ("
	" run_id BIGINT NOT NULL REFERENCES hp_runs(id) ON DELETE CASCADE,"
	" name TEXT NOT NULL, unit TEXT NOT NULL DEFAULT '',"
	" value DOUBLE PRECISION, lo DOUBLE PRECISION, hi DOUBLE PRECISION,"
	" n INTEGER NOT NULL DEFAULT 0, raw BYTEA,"
	" PRIMARY KEY (run_id, name));",
	/*
	 * 2: as in sqlite.c, hp_metrics keyed (scenario, run_id, name) and
	 * the raw values in hp_metric_raw, found by raw_id, so the shared
	 * queries read the same tables.  PostgreSQL keeps no table in key
	 * order, so there is no rebuild: columns, filled, and a new primary
	 * key.  No covering index of hp_runs here: a B-tree entry is limited
	 * to about 2,700 bytes, and a long command in one would make
	 * inserting its run fail.  (hp_runs_time, from schema 1, stays.)
	 */
	"CREATE TABLE hp_metric_raw ("
	" id BIGSERIAL PRIMARY KEY,"
	" run_id BIGINT NOT NULL REFERENCES hp_runs(id) ON DELETE CASCADE,"
	" name TEXT NOT NULL, raw BYTEA NOT NULL);"
	"INSERT INTO hp_metric_raw(run_id, name, raw)"
	" SELECT run_id, name, raw FROM hp_metrics WHERE length(raw) > 0 ORDER BY run_id, name;"
	"ALTER TABLE hp_metrics ADD COLUMN scenario TEXT, ADD COLUMN raw_id BIGINT;"
	"UPDATE hp_metrics m SET scenario = r.scenario FROM hp_runs r WHERE r.id = m.run_id;"
	"UPDATE hp_metrics m SET raw_id = w.id FROM hp_metric_raw w"
	" WHERE w.run_id = m.run_id AND w.name = m.name;"
	"ALTER TABLE hp_metrics DROP COLUMN raw, ALTER COLUMN scenario SET NOT NULL,"
	" DROP CONSTRAINT hp_metrics_pkey, ADD PRIMARY KEY (scenario, run_id, name);",
};
#define NR_MIGRATIONS (sizeof(migrations) / sizeof(migrations[0]))
_Static_assert(NR_MIGRATIONS == HP_STORE_SCHEMA_VERSION, "a migration per schema version");

/* libpq's messages end in a newline and may span lines: make them one */
static int pg_error(PGconn *c, const PGresult *r, struct hp_err *err, const char *what)
{
	const char *m = r ? pq.PQresultErrorMessage(r) : NULL;
	char buf[HP_ERR_MAX];
	size_t k = 0;

	if (!m || !*m)
		m = pq.PQerrorMessage(c);
	for (const char *p = m; *p && k + 3 < sizeof(buf); p++) {
		if (*p == '\n') {
			if (p[1] && k)
				buf[k++] = ';', buf[k++] = ' ';
			continue;
		}
		buf[k++] = *p;
	}
	buf[k] = '\0';
	return hp_err_set(err, "%s%s%s", what, *what ? ": " : "", buf);
}

static int exec(PGconn *c, const char *sql, struct hp_err *err)
{
	PGresult *r = pq.PQexec(c, sql);
	int ret = 0;

	if (pq.PQresultStatus(r) != PGRES_COMMAND_OK && pq.PQresultStatus(r) != PGRES_TUPLES_OK)
		ret = pg_error(c, r, err, "");
	pq.PQclear(r);
	return ret;
}

/* exec for hp_store_migrate */
static int exec_any(void *conn, const char *sql, struct hp_err *err)
{
	return exec(conn, sql, err);
}

static void quiet_notices(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

static int migrate(PGconn *c, struct hp_err *err)
{
	PGresult *r = NULL;
	int version, ret = -1;

	if (exec(c, "BEGIN", err))
		return -1;
	if (exec(c, "SELECT pg_advisory_xact_lock(" MIGRATION_LOCK ")", err) ||
	    exec(c, "CREATE TABLE IF NOT EXISTS hp_schema (version INTEGER NOT NULL)", err))
		goto cleanup;
	r = pq.PQexec(c, "SELECT COALESCE(MAX(version), 0) FROM hp_schema");
	if (pq.PQresultStatus(r) != PGRES_TUPLES_OK || pq.PQntuples(r) != 1) {
		pg_error(c, r, err, "cannot read the schema version");
		goto cleanup;
	}
	version = atoi(pq.PQgetvalue(r, 0, 0));
	if (hp_store_migrate(c, exec_any, migrations, version, err))
		goto cleanup;
	if (exec(c, "COMMIT", err))
		goto cleanup;
	ret = 0;
cleanup:
	pq.PQclear(r);
	if (ret)
		pq.PQclear(pq.PQexec(c, "ROLLBACK"));
	return ret;
}

static void pg_close(struct hp_store *s)
{
	if (s->impl)
		pq.PQfinish(s->impl);
	s->impl = NULL;
}

static void fmt_double(char *buf, size_t len, double v)
{
	if (isnan(v))
		snprintf(buf, len, "NaN");
	else if (isinf(v))
		snprintf(buf, len, v > 0 ? "Infinity" : "-Infinity");
	else
		snprintf(buf, len, "%.17g", v);
}

/*
 * The metrics of a run, k of them, in one statement (one round trip, not
 * two per metric): a VALUES list ($3.. , 7 a metric), the raw values
 * inserted from it, the summaries joined with the ids these got.  $1 is
 * the scenario, $2 the run id.
 */
static void metrics_sql(size_t k, struct hp_buf *sql)
{
	hp_buf_adds(sql, "WITH v(name, unit, value, lo, hi, n, raw) AS (VALUES ");
	for (size_t i = 0, p = 3; i < k; i++, p += 7)
		hp_buf_addf(sql, "%s($%zu::text, $%zu::text, $%zu::float8, $%zu::float8, $%zu::float8, "
			    "$%zu::integer, $%zu::bytea)", i ? ", " : "", p, p + 1, p + 2, p + 3, p + 4, p + 5,
			    p + 6);
	hp_buf_adds(sql, "), w AS (INSERT INTO hp_metric_raw(run_id, name, raw)"
			 " SELECT $2::bigint, name, raw FROM v WHERE raw IS NOT NULL RETURNING id, name)"
			 " INSERT INTO hp_metrics(scenario, run_id, name, unit, value, lo, hi, n, raw_id)"
			 " SELECT $1, $2::bigint, v.name, v.unit, v.value, v.lo, v.hi, v.n, w.id"
			 " FROM v LEFT JOIN w ON w.name = v.name");
}

static int pg_insert(struct hp_store *s, struct hp_store_run *run, struct hp_err *err)
{
	PGconn *c = s->impl;
	PGresult *r = NULL;
	char tm[32], dirty[4], cores[16], id[32];
	const char *v[15];
	int lens[15] = { 0 }, fmts[15] = { 0 };
	struct hp_buf sql = HP_BUF_INIT;
	size_t k = run->nr_metrics, np = 2 + 7 * k;
	const char **mv = NULL;
	int *ml = NULL, *mf = NULL;
	char (*num)[4][40] = NULL;      /* value, lo, hi, n of each metric */
	unsigned char **raw = NULL;     /* packed raw values of each metric */
	int ret = -1;

	if (k > 9000) /* a statement takes at most 65535 parameters */
		return hp_err_set(err, "too many metrics (%zu)", k);
	if (run->profile_len > (size_t)1 << 30)
		return hp_err_set(err, "profile too large");
	if (exec(c, "BEGIN", err))
		return -1;
	snprintf(tm, sizeof(tm), "%lld", (long long)run->time);
	snprintf(dirty, sizeof(dirty), "%d", run->dirty ? 1 : 0);
	snprintf(cores, sizeof(cores), "%d", run->cores);
	v[0] = tm;
	v[1] = run->sha ? run->sha : "";
	v[2] = run->branch ? run->branch : "";
	v[3] = dirty;
	v[4] = run->scenario;
	v[5] = run->command ? run->command : "";
	v[6] = run->command_hash ? run->command_hash : "";
	v[7] = run->machine ? run->machine : "";
	v[8] = run->host ? run->host : "";
	v[9] = run->cpu ? run->cpu : "";
	v[10] = run->kernel ? run->kernel : "";
	v[11] = cores;
	v[12] = run->version ? run->version : "";
	v[13] = run->kind ? run->kind : "";
	v[14] = (const char *)run->profile;   /* NULL is SQL NULL */
	lens[14] = (int)run->profile_len;
	fmts[14] = 1;                          /* binary bytea */
	hp_buf_adds(&sql, hp_store_sql_insert_run);
	hp_buf_adds(&sql, " RETURNING id");
	r = pq.PQexecParams(c, sql.data, 15, NULL, v, lens, fmts, 0);
	if (pq.PQresultStatus(r) != PGRES_TUPLES_OK || pq.PQntuples(r) != 1) {
		pg_error(c, r, err, "insert");
		goto cleanup;
	}
	run->id = strtoll(pq.PQgetvalue(r, 0, 0), NULL, 10);
	snprintf(id, sizeof(id), "%lld", (long long)run->id);
	pq.PQclear(r);
	r = NULL;
	if (k) {
		mv = hp_xcalloc(np, sizeof(*mv));
		ml = hp_xcalloc(np, sizeof(*ml));
		mf = hp_xcalloc(np, sizeof(*mf));
		num = hp_xcalloc(k, sizeof(*num));
		raw = hp_xcalloc(k, sizeof(*raw));
		mv[0] = run->scenario;
		mv[1] = id;
		for (size_t i = 0; i < k; i++) {
			const struct hp_store_metric *m = &run->metrics[i];
			const char **p = &mv[2 + 7 * i];
			size_t raw_len;

			fmt_double(num[i][0], sizeof(num[i][0]), m->value);
			fmt_double(num[i][1], sizeof(num[i][1]), m->lo);
			fmt_double(num[i][2], sizeof(num[i][2]), m->hi);
			snprintf(num[i][3], sizeof(num[i][3]), "%zu", m->n);
			p[0] = m->name;
			p[1] = m->unit ? m->unit : "";
			p[2] = num[i][0];
			p[3] = num[i][1];
			p[4] = num[i][2];
			p[5] = num[i][3];
			p[6] = NULL; /* no raw values: NULL, and no hp_metric_raw row */
			if (m->raw && m->n) {
				hp_store_raw_pack(m->raw, m->n, &raw[i], &raw_len);
				if (raw_len > (size_t)1 << 30) {
					hp_err_set(err, "metric '%s' has too many raw values", m->name);
					goto cleanup;
				}
				p[6] = (const char *)raw[i];
				ml[2 + 7 * i + 6] = (int)raw_len;
				mf[2 + 7 * i + 6] = 1; /* binary bytea */
			}
		}
		hp_buf_reset(&sql);
		metrics_sql(k, &sql);
		r = pq.PQexecParams(c, sql.data, (int)np, NULL, mv, ml, mf, 0);
		if (pq.PQresultStatus(r) != PGRES_COMMAND_OK) {
			pg_error(c, r, err, "insert metric");
			goto cleanup;
		}
		pq.PQclear(r);
		r = NULL;
	}
	if (exec(c, "COMMIT", err))
		goto cleanup;
	ret = 0;
cleanup:
	for (size_t i = 0; raw && i < k; i++)
		free(raw[i]);
	free(raw);
	free(num);
	free(mv);
	free(ml);
	free(mf);
	hp_buf_release(&sql);
	pq.PQclear(r);
	if (ret)
		pq.PQclear(pq.PQexec(c, "ROLLBACK"));
	return ret;
}

static double get_double(const PGresult *r, int row, int col)
{
	return pq.PQgetisnull(r, row, col) ? NAN : strtod(pq.PQgetvalue(r, row, col), NULL);
}

static int pg_query(struct hp_store *s, const char *sql, const struct hp_store_param *p,
		    size_t np, bool with_raw, struct hp_store_runs *out, struct hp_err *err)
{
	PGconn *c = s->impl;
	PGresult *r;
	const char *v[8];
	char ints[8][32];
	int ret = -1, rows;
	unsigned char *rawbuf = NULL;

	for (size_t i = 0; i < np && i < 8; i++) {
		if (p[i].type == HP_PARAM_TEXT) {
			v[i] = p[i].text;
		} else {
			snprintf(ints[i], sizeof(ints[i]), "%lld", (long long)p[i].i);
			v[i] = ints[i];
		}
	}
	r = pq.PQexecParams(c, sql, (int)np, NULL, v, NULL, NULL, 0);
	if (pq.PQresultStatus(r) != PGRES_TUPLES_OK) {
		pg_error(c, r, err, "query");
		goto cleanup;
	}
	rows = pq.PQntuples(r);
	for (int i = 0; i < rows; i++) {
		struct hp_store_row row;

		row.id = strtoll(pq.PQgetvalue(r, i, 0), NULL, 10);
		row.time = strtoll(pq.PQgetvalue(r, i, 1), NULL, 10);
		row.sha = pq.PQgetvalue(r, i, 2);
		row.branch = pq.PQgetvalue(r, i, 3);
		row.dirty = atoi(pq.PQgetvalue(r, i, 4));
		row.scenario = pq.PQgetvalue(r, i, 5);
		row.command = pq.PQgetvalue(r, i, 6);
		row.command_hash = pq.PQgetvalue(r, i, 7);
		row.machine = pq.PQgetvalue(r, i, 8);
		row.host = pq.PQgetvalue(r, i, 9);
		row.cpu = pq.PQgetvalue(r, i, 10);
		row.kernel = pq.PQgetvalue(r, i, 11);
		row.cores = atoi(pq.PQgetvalue(r, i, 12));
		row.version = pq.PQgetvalue(r, i, 13);
		row.kind = pq.PQgetvalue(r, i, 14);
		row.has_metric = !pq.PQgetisnull(r, i, 15);
		row.mname = pq.PQgetvalue(r, i, 15);
		row.unit = pq.PQgetvalue(r, i, 16);
		row.value = get_double(r, i, 17);
		row.lo = get_double(r, i, 18);
		row.hi = get_double(r, i, 19);
		row.n = strtoll(pq.PQgetvalue(r, i, 20), NULL, 10);
		row.raw = NULL;
		row.raw_len = 0;
		if (with_raw) {
			/* bytea in text format: "\\x" and hex digits */
			size_t hl;

			if (rawbuf)
				pq.PQfreemem(rawbuf);
			rawbuf = pq.PQunescapeBytea((const unsigned char *)pq.PQgetvalue(r, i, 21), &hl);
			if (!rawbuf) {
				hp_err_set(err, "out of memory decoding raw values");
				goto cleanup;
			}
			row.raw = rawbuf;
			row.raw_len = hl;
		}
		if (hp_store_runs_add_row(out, &row, err))
			goto cleanup;
	}
	ret = 0;
cleanup:
	if (rawbuf)
		pq.PQfreemem(rawbuf);
	pq.PQclear(r);
	return ret;
}

static int pg_count(struct hp_store *s, int64_t *count, struct hp_err *err)
{
	PGconn *c = s->impl;
	PGresult *r = pq.PQexec(c, "SELECT COUNT(*) FROM hp_runs");
	int ret = 0;

	if (pq.PQresultStatus(r) != PGRES_TUPLES_OK || pq.PQntuples(r) != 1)
		ret = pg_error(c, r, err, "count");
	else
		*count = strtoll(pq.PQgetvalue(r, 0, 0), NULL, 10);
	pq.PQclear(r);
	return ret;
}

static const struct hp_store_ops pg_ops = {
	pg_insert, pg_query, pg_count, pg_close,
};

int hp_store_pg_open(const char *url, struct hp_store *s, struct hp_err *err)
{
	PGconn *c;
	int ret = -1;

	if (pq_load(s->name, err))
		return -1;
	c = pq.PQconnectdb(url);
	s->ops = &pg_ops;
	s->impl = c;
	if (!c) {
		hp_err_set(err, "cannot open store '%s': out of memory", s->name);
		goto cleanup;
	}
	if (pq.PQstatus(c) != CONNECTION_OK) {
		pg_error(c, NULL, err, "");
		hp_err_prefix(err, "cannot open store '%s'", s->name);
		goto cleanup;
	}
	pq.PQsetNoticeProcessor(c, quiet_notices, NULL);
	if (exec(c, "SET client_min_messages = warning", err) || migrate(c, err)) {
		hp_err_prefix(err, "cannot open store '%s'", s->name);
		goto cleanup;
	}
	ret = 0;
cleanup:
	if (ret)
		pg_close(s);
	return ret;
}
