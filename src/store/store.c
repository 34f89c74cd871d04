/*
 * store.c - the store interface: URL parsing, dispatch to a backend, the
 * shared query, result assembly, metric summaries, raw value text and
 * profile compression (zlib: Debian's zlib1g, no hand-written deflate).
 */
#include "store/store.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "core/alloc.h"
#include "hp_config.h"
#include "store/backend.h"

int hp_store_url_parse(const char *url, enum hp_store_kind *kind, char **path, struct hp_err *err)
{
	*path = NULL;
	if (!url || !*url)
		return hp_err_set(err, "empty store URL (use sqlite:PATH or postgresql://...)");
	if (!strncmp(url, "sqlite:", 7)) {
		const char *p = url + 7;

		/* sqlite://rel/path, sqlite:///abs/path */
		if (p[0] == '/' && p[1] == '/')
			p += 2;
		if (!*p)
			return hp_err_set(err, "store URL '%s' names no file (use sqlite:PATH)", url);
		if (strlen(p) > 4096)
			return hp_err_set(err, "store URL '%.64s...' is too long", url);
		for (const char *c = p; *c; c++)
			if ((unsigned char)*c < 0x20)
				return hp_err_set(err, "store URL '%s' holds a control character", url);
		*kind = HP_STORE_SQLITE;
		*path = hp_xstrdup(p);
		return 0;
	}
	if (!strncmp(url, "postgresql://", 13) || !strncmp(url, "postgres://", 11)) {
		*kind = HP_STORE_POSTGRES;
		return 0;
	}
	return hp_err_set(err, "unsupported store URL '%s' (use sqlite:PATH or postgresql://...)", url);
}

/* The URL for messages, with any password taken out. */
static char *display_name(const char *url)
{
	struct hp_buf b = HP_BUF_INIT;
	const char *at = strchr(url, '@'), *scheme = strstr(url, "://");

	if (scheme && at && at > scheme) {
		const char *colon = memchr(scheme + 3, ':', (size_t)(at - scheme - 3));

		if (colon) {
			hp_buf_add(&b, url, (size_t)(colon - url));
			hp_buf_adds(&b, ":***");
			hp_buf_adds(&b, at);
			return hp_buf_detach(&b, NULL);
		}
	}
	hp_buf_adds(&b, url);
	return hp_buf_detach(&b, NULL);
}

int hp_store_open(const char *url, struct hp_store **out, struct hp_err *err)
{
	struct hp_store *s;
	enum hp_store_kind kind;
	char *path = NULL;
	int ret = -1;

	*out = NULL;
	if (hp_store_url_parse(url, &kind, &path, err))
		return -1;
	s = hp_xcalloc(1, sizeof(*s));
	s->kind = kind;
	s->name = display_name(url);
	if (kind == HP_STORE_SQLITE) {
#if HP_HAVE_SQLITE
		ret = hp_store_sqlite_open(path, s, err);
#else
		hp_err_set(err, "cannot open store '%s': hotpath was built without SQLite (libsqlite3)", s->name);
#endif
	} else {
#if HP_HAVE_POSTGRES
		ret = hp_store_pg_open(url, s, err);
#else
		hp_err_set(err, "cannot open store '%s': hotpath was built without PostgreSQL (libpq)", s->name);
#endif
	}
	free(path);
	if (ret) {
		free(s->name);
		free(s);
		return -1;
	}
	*out = s;
	return 0;
}

void hp_store_close(struct hp_store *s)
{
	if (!s)
		return;
	if (s->ops)
		s->ops->close(s);
	free(s->name);
	free(s);
}

enum hp_store_kind hp_store_kind(const struct hp_store *s)
{
	return s->kind;
}

int hp_store_insert(struct hp_store *s, struct hp_store_run *run, struct hp_err *err)
{
	if (!run->scenario || !*run->scenario)
		return hp_err_set(err, "cannot store a run without a scenario or command");
	for (size_t i = 0; i < run->nr_metrics; i++)
		if (!run->metrics[i].name || !*run->metrics[i].name)
			return hp_err_set(err, "cannot store a metric without a name");
	if (!run->time)
		run->time = (int64_t)time(NULL);
	if (s->ops->insert(s, run, err))
		return hp_err_prefix(err, "cannot store the run in '%s'", s->name);
	return 0;
}

int hp_store_count(struct hp_store *s, int64_t *count, struct hp_err *err)
{
	if (s->ops->count(s, count, err))
		return hp_err_prefix(err, "cannot count the runs in '%s'", s->name);
	return 0;
}

const char hp_store_sql_insert_run[] =
	"INSERT INTO hp_runs(time, sha, branch, dirty, scenario, command, command_hash, machine, "
	"host, cpu, kernel, cores, version, kind, profile) "
	"VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)";

static void add_param(struct hp_store_param *p, size_t *np, struct hp_buf *sql,
		      const char *text, int64_t i, enum hp_store_param_type t)
{
	p[*np].type = t;
	p[*np].text = text;
	p[*np].i = i;
	(*np)++;
	hp_buf_addf(sql, "$%zu", *np);
}

/* Every column of a run but its profile: all in hp_runs_cover (SQLite), so
 * the queries below read runs from that index alone. */
#define RUN_COLUMNS(r) r "id, " r "time, " r "sha, " r "branch, " r "dirty, " r "scenario, " \
	r "command, " r "command_hash, " r "machine, " r "host, " r "cpu, " r "kernel, " r "cores, " \
	r "version, " r "kind"

/* The raw values of metric m, as w.raw (NULL when it has none). */
#define RAW_JOIN " LEFT JOIN hp_metric_raw w ON w.id = m.raw_id"

/* The run filters of f but the metric, as " AND ..." on the columns of r. */
static void add_run_filters(const struct hp_store_filter *f, const char *r, struct hp_buf *sql,
			    struct hp_store_param *p, size_t *np)
{
	if (f->scenario) {
		hp_buf_addf(sql, " AND %sscenario = ", r);
		add_param(p, np, sql, f->scenario, 0, HP_PARAM_TEXT);
	}
	if (f->branch) {
		hp_buf_addf(sql, " AND %sbranch = ", r);
		add_param(p, np, sql, f->branch, 0, HP_PARAM_TEXT);
	}
	if (f->machine) {
		hp_buf_addf(sql, " AND %smachine = ", r);
		add_param(p, np, sql, f->machine, 0, HP_PARAM_TEXT);
	}
	if (f->since) {
		hp_buf_addf(sql, " AND %stime >= ", r);
		add_param(p, np, sql, NULL, f->since, HP_PARAM_INT);
	}
	if (f->before_id) {
		hp_buf_addf(sql, " AND %sid < ", r);
		add_param(p, np, sql, NULL, f->before_id, HP_PARAM_INT);
	}
}

int hp_store_migrate(void *conn, int (*exec)(void *conn, const char *sql, struct hp_err *err),
		     const char *const *migrations, int version, struct hp_err *err)
{
	if (version > HP_STORE_SCHEMA_VERSION) {
		hp_err_set(err, "schema version %d is newer than this hotpath knows (%d)", version,
			   HP_STORE_SCHEMA_VERSION);
		return -1;
	}
	for (int v = version; v < HP_STORE_SCHEMA_VERSION; v++) {
		char sql[80];

		if (exec(conn, migrations[v], err)) {
			hp_err_prefix(err, "migration %d", v + 1);
			return -1;
		}
		snprintf(sql, sizeof(sql), "INSERT INTO hp_schema(version) VALUES (%d)", v + 1);
		if (exec(conn, sql, err))
			return -1;
	}
	return 0;
}

/* At most 8 parameters: the metric twice, five run filters, the limit. */
void hp_store_build_query(const struct hp_store_filter *f, struct hp_buf *sql,
			  struct hp_store_param *p, size_t *np)
{
	*np = 0;
	if (f->metric) {
		/*
		 * One metric: a series.  Each matching run (from hp_runs_cover,
		 * in order) joined with its metric by the whole key of
		 * hp_metrics.  With a limit the runs that have the metric are
		 * picked first, newest first, so the planner walks the runs in
		 * time order and stops early instead of sorting every match.
		 */
		hp_buf_adds(sql, "SELECT " RUN_COLUMNS("r.") ", m.name, m.unit, m.value, m.lo, m.hi, m.n");
		hp_buf_adds(sql, f->with_raw ? ", w.raw" : ", NULL");
		if (f->limit) {
			hp_buf_adds(sql, " FROM (SELECT " RUN_COLUMNS("") " FROM hp_runs WHERE EXISTS (SELECT 1"
					 " FROM hp_metrics x WHERE x.scenario = hp_runs.scenario"
					 " AND x.run_id = hp_runs.id AND x.name = ");
			add_param(p, np, sql, f->metric, 0, HP_PARAM_TEXT);
			hp_buf_addch(sql, ')');
			add_run_filters(f, "", sql, p, np);
			hp_buf_adds(sql, " ORDER BY time DESC, id DESC LIMIT ");
			add_param(p, np, sql, NULL, (int64_t)f->limit, HP_PARAM_INT);
			hp_buf_adds(sql, ") r");
		} else {
			hp_buf_adds(sql, " FROM hp_runs r");
		}
		hp_buf_adds(sql, " JOIN hp_metrics m ON m.scenario = r.scenario AND m.run_id = r.id AND m.name = ");
		add_param(p, np, sql, f->metric, 0, HP_PARAM_TEXT);
		if (f->with_raw)
			hp_buf_adds(sql, RAW_JOIN);
		if (!f->limit) {
			hp_buf_adds(sql, " WHERE 1 = 1");
			add_run_filters(f, "r.", sql, p, np);
		}
		hp_buf_adds(sql, " ORDER BY r.time, r.id");
		return;
	}
	/* Every metric of each run (runs without any too). */
	hp_buf_adds(sql, "SELECT " RUN_COLUMNS("r.") ", m.name, m.unit, m.value, m.lo, m.hi, m.n");
	hp_buf_adds(sql, f->with_raw ? ", w.raw" : ", NULL");
	hp_buf_adds(sql, " FROM (SELECT " RUN_COLUMNS("") " FROM hp_runs WHERE 1 = 1");
	add_run_filters(f, "", sql, p, np);
	hp_buf_adds(sql, " ORDER BY time DESC, id DESC");
	if (f->limit) {
		hp_buf_adds(sql, " LIMIT ");
		add_param(p, np, sql, NULL, (int64_t)f->limit, HP_PARAM_INT);
	}
	hp_buf_adds(sql, ") r LEFT JOIN hp_metrics m ON m.scenario = r.scenario AND m.run_id = r.id");
	if (f->with_raw)
		hp_buf_adds(sql, RAW_JOIN);
	hp_buf_adds(sql, " ORDER BY r.time, r.id, m.name");
}

/* Point each run at its metrics in the shared array (which moved as it
 * grew while the rows came in). */
static void runs_finish(struct hp_store_runs *r)
{
	size_t k = 0;

	for (size_t i = 0; i < r->nr; i++) {
		r->runs[i].metrics = r->runs[i].nr_metrics ? &r->metrics[k] : NULL;
		k += r->runs[i].nr_metrics;
	}
}

int hp_store_query(struct hp_store *s, const struct hp_store_filter *f,
		   struct hp_store_runs *out, struct hp_err *err)
{
	struct hp_buf sql = HP_BUF_INIT;
	struct hp_store_param p[8];
	size_t np;
	int ret;

	hp_store_runs_init(out);
	hp_store_build_query(f, &sql, p, &np);
	ret = s->ops->query(s, sql.data, p, np, f->with_raw, out, err);
	hp_buf_release(&sql);
	if (ret) {
		hp_store_runs_release(out);
		return hp_err_prefix(err, "cannot read the runs in '%s'", s->name);
	}
	runs_finish(out);
	return 0;
}

void hp_store_runs_init(struct hp_store_runs *r)
{
	memset(r, 0, sizeof(*r));
}

void hp_store_runs_release(struct hp_store_runs *r)
{
	for (size_t i = 0; i < r->nr_blocks; i++)
		free(r->blocks[i]);
	free(r->blocks);
	free(r->metrics);
	free(r->runs);
	hp_store_runs_init(r);
}

/* Grow array a (*alloc elements of elem bytes) to at least need.  The runs
 * and metrics of a long series are megabytes: hp_xmalloc_big faults them in
 * with one system call (or 2 MiB at a time), not 4 KiB per fault as
 * realloc did, which was most of the time spent assembling the runs. */
static void *grow_big(void *a, size_t *alloc, size_t need, size_t elem)
{
	size_t n = *alloc ? *alloc : 64, bytes;
	void *b;

	while (n < need)
		n *= 2;
	if (n > SIZE_MAX / elem)
		hp_oom(SIZE_MAX);
	b = hp_xmalloc_big(n * elem, &bytes);
	if (*alloc)
		memcpy(b, a, *alloc * elem);
	free(a);
	*alloc = bytes / elem;
	return b;
}

static void own_block(struct hp_store_runs *r, void *b)
{
	HP_GROW(r->blocks, r->nr_blocks + 1, r->alloc_blocks);
	r->blocks[r->nr_blocks++] = b;
}

/* A copy of s owned by r, packed with the others (10,000 runs would be
 * 10,000 small allocations otherwise). */
static const char *own_copy(struct hp_store_runs *r, const char *s)
{
	enum { CHUNK = 65536 };
	size_t len = strlen(s) + 1;
	char *d;

	if (len > r->chunk_left) {
		if (len > CHUNK / 4) { /* a long one: a block of its own */
			d = hp_xmalloc(len);
			own_block(r, d);
			memcpy(d, s, len);
			return d;
		}
		r->chunk = hp_xmalloc_big(CHUNK, NULL);
		r->chunk_left = CHUNK;
		own_block(r, r->chunk);
	}
	d = r->chunk;
	memcpy(d, s, len);
	r->chunk += len;
	r->chunk_left -= len;
	return d;
}

/* A copy of s owned by r; prev (the same field of the run before, or
 * NULL) is shared when equal, as consecutive commits often are. */
static const char *own_str(struct hp_store_runs *r, const char *s, const char *prev)
{
	if (!s)
		s = "";
	if (prev && !strcmp(prev, s))
		return prev;
	return own_copy(r, s);
}

/* Names, units, scenarios, machines ... repeat on every run: share them
 * with prev or with the last 16 copied. */
static const char *own_name(struct hp_store_runs *r, const char *s, const char *prev)
{
	const size_t nr = sizeof(r->recent) / sizeof(r->recent[0]);
	const char *d;

	if (!s)
		s = "";
	if (prev && !strcmp(prev, s))
		return prev;
	for (size_t i = 0; i < nr && r->recent[i]; i++)
		if (!strcmp(r->recent[i], s))
			return r->recent[i];
	d = own_copy(r, s);
	r->recent[r->recent_next++ % nr] = d;
	return d;
}

int hp_store_runs_add_row(struct hp_store_runs *out, const struct hp_store_row *row,
			  struct hp_err *err)
{
	struct hp_store_run *run;
	struct hp_store_metric *m;
	const struct hp_store_metric *pm = NULL; /* the same metric of the run before */

	if (!out->nr || out->runs[out->nr - 1].id != row->id) {
		const struct hp_store_run *pr;

		if (out->nr == out->alloc)
			out->runs = grow_big(out->runs, &out->alloc, out->nr + 1, sizeof(*out->runs));
		run = &out->runs[out->nr++];
		pr = out->nr > 1 ? run - 1 : NULL;
		memset(run, 0, sizeof(*run));
		run->id = row->id;
		run->time = row->time;
		run->sha = own_str(out, row->sha, pr ? pr->sha : NULL);
		run->branch = own_name(out, row->branch, pr ? pr->branch : NULL);
		run->dirty = row->dirty != 0;
		run->scenario = own_name(out, row->scenario, pr ? pr->scenario : NULL);
		run->command = own_name(out, row->command, pr ? pr->command : NULL);
		run->command_hash = own_name(out, row->command_hash, pr ? pr->command_hash : NULL);
		run->machine = own_name(out, row->machine, pr ? pr->machine : NULL);
		run->host = own_name(out, row->host, pr ? pr->host : NULL);
		run->cpu = own_name(out, row->cpu, pr ? pr->cpu : NULL);
		run->kernel = own_name(out, row->kernel, pr ? pr->kernel : NULL);
		run->cores = row->cores;
		run->version = own_name(out, row->version, pr ? pr->version : NULL);
		run->kind = own_name(out, row->kind, pr ? pr->kind : NULL);
	}
	run = &out->runs[out->nr - 1];
	if (!row->has_metric)
		return 0;
	if (out->nr_metrics == out->alloc_metrics)
		out->metrics = grow_big(out->metrics, &out->alloc_metrics, out->nr_metrics + 1,
					sizeof(*out->metrics));
	/* the run before's metrics end where this run's begin: its k-th
	 * metric is its nr_metrics before this run's k-th */
	if (out->nr > 1 && run->nr_metrics < run[-1].nr_metrics)
		pm = &out->metrics[out->nr_metrics - run[-1].nr_metrics];
	m = &out->metrics[out->nr_metrics++];
	run->nr_metrics++;
	memset(m, 0, sizeof(*m));
	m->name = own_name(out, row->mname, pm ? pm->name : NULL);
	m->unit = own_name(out, row->unit, pm ? pm->unit : NULL);
	m->value = row->value;
	m->lo = row->lo;
	m->hi = row->hi;
	m->n = row->n > 0 ? (size_t)row->n : 0;
	if (row->raw) {
		double *v;
		size_t n;

		if (hp_store_raw_unpack(row->raw, row->raw_len, &v, &n, 10000000))
			return hp_err_set(err, "run %lld: metric '%s' has malformed raw values",
					  (long long)row->id, m->name);
		own_block(out, v);
		m->raw = v;
		m->n = n;
	}
	return 0;
}

const struct hp_store_metric *hp_store_run_metric(const struct hp_store_run *run, const char *name)
{
	for (size_t i = 0; i < run->nr_metrics; i++)
		if (!strcmp(run->metrics[i].name, name))
			return &run->metrics[i];
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

void hp_store_metric_from_values(struct hp_store_metric *m, const char *name, const char *unit,
				 const double *values, size_t n)
{
	double *s;
	size_t k = 0;

	memset(m, 0, sizeof(*m));
	m->name = name;
	m->unit = unit;
	m->raw = values;
	m->n = n;
	m->value = m->lo = m->hi = NAN;
	if (!n)
		return;
	s = hp_xmalloc(n * sizeof(double));
	for (size_t i = 0; i < n; i++)
		if (!isnan(values[i]))
			s[k++] = values[i];
	if (k) {
		qsort(s, k, sizeof(double), cmp_double);
		m->value = k % 2 ? s[k / 2] : (s[k / 2 - 1] + s[k / 2]) / 2;
		/*
		 * Distribution-free interval of the median: the order statistics
		 * x(j) and x(k+1-j) with P(Bin(k, 1/2) < j) <= 0.025 each side.
		 * Fewer than 6 values cannot reach 95 %: then the range.
		 */
		{
			double cdf = 0, pk = ldexp(1.0, -(int)(k < 1000 ? k : 1000));
			size_t j = 0;

			if (k >= 1000) {
				/* normal approximation for large samples */
				double half = 1.959964 * sqrt((double)k) / 2;

				j = (size_t)floor((double)k / 2 - half);
			} else {
				/* pk = C(k, i) / 2^k, built up term by term */
				for (size_t i = 0; i < k; i++) {
					if (cdf + pk > 0.025)
						break;
					cdf += pk;
					j = i + 1;
					pk = pk * (double)(k - i) / (double)(i + 1);
				}
			}
			if (j == 0) {
				m->lo = s[0];
				m->hi = s[k - 1];
			} else {
				m->lo = s[j - 1];
				m->hi = s[k - j];
			}
		}
	}
	free(s);
}

void hp_store_raw_pack(const double *v, size_t n, unsigned char **out, size_t *len)
{
	unsigned char *b = hp_xmalloc(n ? n * 8 : 1);

	for (size_t i = 0; i < n; i++) {
		uint64_t u;

		memcpy(&u, &v[i], 8);
		for (int k = 0; k < 8; k++)
			b[i * 8 + (size_t)k] = (unsigned char)(u >> (8 * k));
	}
	*out = b;
	*len = n * 8;
}

int hp_store_raw_unpack(const unsigned char *b, size_t len, double **vals, size_t *n, size_t max)
{
	double *v;

	*vals = NULL;
	*n = 0;
	if (len % 8 || len / 8 > max)
		return -1;
	v = hp_xmalloc(len ? len : 1);
	for (size_t i = 0; i < len / 8; i++) {
		uint64_t u = 0;

		for (int k = 0; k < 8; k++)
			u |= (uint64_t)b[i * 8 + (size_t)k] << (8 * k);
		memcpy(&v[i], &u, 8);
	}
	*vals = v;
	*n = len / 8;
	return 0;
}

int hp_store_compress(const void *in, size_t len, unsigned char **out, size_t *out_len,
		      struct hp_err *err)
{
	uLongf cap = compressBound((uLong)len);
	unsigned char *buf;
	int zr;

	if ((uLong)len != len)
		return hp_err_set(err, "profile too large to compress");
	buf = hp_xmalloc(cap ? cap : 1);
	zr = compress2(buf, &cap, in, (uLong)len, 6);
	if (zr != Z_OK) {
		free(buf);
		return hp_err_set(err, "cannot compress the profile (zlib error %d)", zr);
	}
	*out = buf;
	*out_len = cap;
	return 0;
}

int hp_store_decompress(const unsigned char *in, size_t len, size_t max, char **out,
			size_t *out_len, struct hp_err *err)
{
	z_stream z;
	struct hp_buf b = HP_BUF_INIT;
	int zr;

	memset(&z, 0, sizeof(z));
	if (inflateInit(&z) != Z_OK)
		return hp_err_set(err, "cannot start zlib");
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)len;
	do {
		hp_buf_grow(&b, 65536);
		z.next_out = (Bytef *)b.data + b.len;
		z.avail_out = 65536;
		zr = inflate(&z, Z_NO_FLUSH);
		b.len = (size_t)((char *)z.next_out - b.data);
		if (zr != Z_OK && zr != Z_STREAM_END) {
			inflateEnd(&z);
			hp_buf_release(&b);
			return hp_err_set(err, "stored profile is corrupt (zlib error %d)", zr);
		}
		if (b.len > max) {
			inflateEnd(&z);
			hp_buf_release(&b);
			return hp_err_set(err, "stored profile is larger than %zu bytes", max);
		}
	} while (zr != Z_STREAM_END);
	inflateEnd(&z);
	b.data[b.len] = '\0';
	*out = hp_buf_detach(&b, out_len);
	return 0;
}

int hp_store_parse_date(const char *s, int64_t *out)
{
	struct tm tm;
	int y, mo, d, h = 0, mi = 0, sec = 0, used = 0;
	char sep;

	if (s[0] == '@') {
		char *end;
		long long v;

		errno = 0;
		v = strtoll(s + 1, &end, 10);
		if (end == s + 1 || *end || errno)
			return -1;
		*out = v;
		return 0;
	}
	/* YYYY-MM-DD[(T| )HH:MM[:SS]] parsed digit by digit (no sscanf) */
	{
		const char *p = s;
		int *fields[6] = { &y, &mo, &d, &h, &mi, &sec };
		int widths[6] = { 4, 2, 2, 2, 2, 2 };
		const char seps[6] = { '-', '-', 'T', ':', ':', 0 };

		for (int f = 0; f < 6; f++) {
			int v = 0;

			for (int k = 0; k < widths[f]; k++, p++) {
				if (*p < '0' || *p > '9')
					return -1;
				v = v * 10 + (*p - '0');
			}
			*fields[f] = v;
			used = f + 1;
			if (!*p)
				break;
			sep = *p++;
			if (!seps[f] || (sep != seps[f] && !(f == 2 && sep == ' ')))
				return -1;
		}
		if (*p || (used != 3 && used != 5 && used != 6))
			return -1;
	}
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	*out = (int64_t)timegm(&tm);
	return 0;
}
