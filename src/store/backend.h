/*
 * backend.h - what the store backends (sqlite.c, postgres.c) implement and
 * share with store.c.  Internal to src/store/.
 *
 * A backend fills s->ops and s->impl in its open function; store.c checks
 * arguments and dispatches.  SQL is shared where it can be: both backends
 * accept "$1".."$N" placeholders (SQLite reads them as named parameters
 * numbered in order of appearance, so each is used once, in order).
 */
#ifndef HP_STORE_BACKEND_H
#define HP_STORE_BACKEND_H

#include "core/buf.h"
#include "store/store.h"

enum hp_store_param_type { HP_PARAM_TEXT, HP_PARAM_INT };

struct hp_store_param {
	enum hp_store_param_type type;
	const char *text;
	int64_t i;
};

struct hp_store_ops {
	int (*insert)(struct hp_store *s, struct hp_store_run *run, struct hp_err *err);
	/* run sql with params; call hp_store_runs_add_row for every row */
	int (*query)(struct hp_store *s, const char *sql, const struct hp_store_param *p, size_t np,
		     bool with_raw, struct hp_store_runs *out, struct hp_err *err);
	int (*count)(struct hp_store *s, int64_t *count, struct hp_err *err);
	void (*close)(struct hp_store *s);
};

struct hp_store {
	const struct hp_store_ops *ops;
	enum hp_store_kind kind;
	char *name;             /* for messages: the path or the URL without password */
	void *impl;
};

/* One row of the query built by hp_store_build_query: the run's columns,
 * then the metric's (has_metric false when the run has none). */
struct hp_store_row {
	int64_t id, time;
	const char *sha, *branch, *scenario, *command, *command_hash, *machine;
	const char *host, *cpu, *kernel, *version, *kind;
	int dirty, cores;
	bool has_metric;
	const char *mname, *unit;
	double value, lo, hi;
	int64_t n;
	const unsigned char *raw; /* packed doubles, NULL when not fetched */
	size_t raw_len;
};

/* Columns of the query, in order (0..20). */
#define HP_STORE_QUERY_COLUMNS 21

int hp_store_sqlite_open(const char *path, struct hp_store *s, struct hp_err *err);
int hp_store_pg_open(const char *url, struct hp_store *s, struct hp_err *err);

/* Bring a store at schema `version` to HP_STORE_SCHEMA_VERSION: each of
 * migrations[version..] run with exec(conn, sql, err), then recorded in
 * hp_schema; a newer version is refused.  The caller holds the
 * transaction.  Shared by both backends. */
int hp_store_migrate(void *conn, int (*exec)(void *conn, const char *sql, struct hp_err *err),
		     const char *const *migrations, int version, struct hp_err *err);

/* Build the SELECT for f into sql, params into p (at most 8). */
void hp_store_build_query(const struct hp_store_filter *f, struct hp_buf *sql,
			  struct hp_store_param *p, size_t *np);
/* Append a row to out (a new run when row->id differs from the last one).
 * The runs' metrics pointers are set when all rows are in (hp_store_query). */
int hp_store_runs_add_row(struct hp_store_runs *out, const struct hp_store_row *row,
			  struct hp_err *err);

/* The insert of a run's row, shared by both backends (its metrics go in
 * as each backend does best: prepared statements in SQLite, one statement
 * a run in PostgreSQL, where each is a round trip). */
extern const char hp_store_sql_insert_run[];

#endif
