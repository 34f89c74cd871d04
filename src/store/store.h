/*
 * store.h - run history: one interface, two backends (SQLite, PostgreSQL).
 *
 * A store is opened from a URL:
 *	sqlite:PATH              an SQLite file (created with its folder); also
 *	                         sqlite://PATH and sqlite:///ABS/PATH
 *	postgresql://... or postgres://...   handed to libpq as it is (libpq
 *	                         also reads the usual PG* environment variables)
 * Opening applies the schema migrations the database lacks, in one
 * transaction that other openers wait for (BEGIN IMMEDIATE in SQLite, an
 * advisory lock in PostgreSQL), so any number of processes may open a new
 * store at once.  SQLite runs in WAL mode with a busy timeout.
 *
 * Each run is written in one transaction (hp_store_insert): a run is either
 * all there (run row, every metric, the profile) or not at all.
 *
 * Ownership: struct hp_store_run passed to hp_store_insert is borrowed.
 * Runs returned by hp_store_query live in a struct hp_store_runs that owns
 * every string and array in them; hp_store_runs_release frees it all.
 * struct hp_store is a heap object: hp_store_open makes it, hp_store_close
 * frees it (NULL is fine).
 */
#ifndef HP_STORE_STORE_H
#define HP_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define HP_STORE_DEFAULT_URL "sqlite:profiles/history.db"
#define HP_STORE_SCHEMA_VERSION 2

enum hp_store_kind {
	HP_STORE_SQLITE,
	HP_STORE_POSTGRES,
};

struct hp_store_metric {
	const char *name;       /* "wall_seconds" */
	const char *unit;       /* "s", "bytes", "samples" */
	double value;           /* median of the raw values */
	double lo, hi;          /* its interval (95 %, order statistics), NAN when unknown */
	size_t n;               /* raw values */
	const double *raw;      /* n values (may be NULL on query without raw) */
};

struct hp_store_run {
	int64_t id;             /* set by insert / query */
	int64_t time;           /* Unix seconds (UTC); 0 on insert = now */
	const char *sha;        /* commit, "" when unknown */
	const char *branch;     /* "" when unknown */
	bool dirty;
	const char *scenario;   /* scenario name or the command */
	const char *command;    /* display form of the command */
	const char *command_hash;
	const char *machine;    /* fingerprint (hex) */
	const char *host, *cpu, *kernel;
	int cores;
	const char *version;    /* hotpath version */
	const char *kind;       /* "bench", "check", "record" */
	const unsigned char *profile; /* zlib-compressed folded profile, or NULL */
	size_t profile_len;
	struct hp_store_metric *metrics;
	size_t nr_metrics;
};

struct hp_store_filter {
	const char *scenario;   /* NULL: any */
	const char *metric;     /* NULL: every metric of each run */
	const char *branch;
	const char *machine;
	int64_t since;          /* runs at or after this time; 0: any */
	size_t limit;           /* the most recent N runs; 0: all */
	bool with_raw;          /* also fetch raw values */
	int64_t before_id;      /* only runs with a smaller id; 0: any */
};

struct hp_store_runs {
	struct hp_store_run *runs; /* oldest first (time, then id) */
	size_t nr, alloc;
	/* owned storage behind the pointers above: every run's metrics, in
	 * run order; the strings, packed into blocks (a run's fields shared
	 * with the run before's when equal, names with the last 16 copied);
	 * the blocks and the raw value arrays */
	struct hp_store_metric *metrics;
	size_t nr_metrics, alloc_metrics;
	char *chunk;            /* the string block being filled */
	size_t chunk_left;
	const char *recent[16]; /* names copied last, for sharing */
	unsigned recent_next;
	void **blocks;
	size_t nr_blocks, alloc_blocks;
};

struct hp_store;

/* Parse a store URL: *kind and, for SQLite, the file path (a new string the
 * caller frees; NULL for PostgreSQL).  -1 with err for anything else. */
int hp_store_url_parse(const char *url, enum hp_store_kind *kind, char **path, struct hp_err *err);

int hp_store_open(const char *url, struct hp_store **out, struct hp_err *err);
void hp_store_close(struct hp_store *s);
enum hp_store_kind hp_store_kind(const struct hp_store *s);

/* Write one run (and its metrics) in one transaction; sets run->id. */
int hp_store_insert(struct hp_store *s, struct hp_store_run *run, struct hp_err *err);

/* Runs matching f, oldest first; out is initialised here. */
int hp_store_query(struct hp_store *s, const struct hp_store_filter *f,
		   struct hp_store_runs *out, struct hp_err *err);
/* Number of runs in the store (tests, benchmarks). */
int hp_store_count(struct hp_store *s, int64_t *count, struct hp_err *err);

void hp_store_runs_init(struct hp_store_runs *r);
void hp_store_runs_release(struct hp_store_runs *r);

/* The metric called name in run, or NULL. */
const struct hp_store_metric *hp_store_run_metric(const struct hp_store_run *run, const char *name);

/* Fill m from raw values: median, 95 % order-statistics interval of the
 * median, n; m->raw borrows values. */
void hp_store_metric_from_values(struct hp_store_metric *m, const char *name, const char *unit,
				 const double *values, size_t n);

/* Raw values as stored: n little-endian IEEE 754 doubles, 8 bytes each (a
 * BLOB in SQLite, BYTEA in PostgreSQL; text formatting cost more than the
 * whole insert).  pack writes 8n bytes into a new *out; unpack refuses a
 * length that is not a multiple of 8 or above 8*max; *vals is new. */
void hp_store_raw_pack(const double *v, size_t n, unsigned char **out, size_t *len);
int hp_store_raw_unpack(const unsigned char *b, size_t len, double **vals, size_t *n, size_t max);

/* Compress / decompress with zlib (folded profiles).  *out is new memory;
 * decompression refuses output above max bytes. */
int hp_store_compress(const void *in, size_t len, unsigned char **out, size_t *out_len,
		      struct hp_err *err);
int hp_store_decompress(const unsigned char *in, size_t len, size_t max, char **out,
			size_t *out_len, struct hp_err *err);

/* "2024-05-01", "2024-05-01T12:00:00", "2024-05-01 12:00:00" (UTC) or
 * "@UNIXSECONDS" to Unix seconds.  -1 on anything else. */
int hp_store_parse_date(const char *s, int64_t *out);

#endif
