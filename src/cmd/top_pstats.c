/*
 * top_pstats.c - `hotpath top FILE.pstats`: the report of Python's
 * pstats.Stats(f).sort_stats(KEY).print_stats(...) (and print_callers /
 * print_callees), with the same columns, number formats, ordering and
 * restriction messages, plus CSV and JSON forms of the same rows.
 *
 * Restrictions apply in this order, like pstats' print_stats(filter,
 * callers-regex, N): --filter, then the --callers/--callees regex, then -n.
 * Regexes are POSIX extended and are searched in "file:line(function)".
 */
#include "cmd/top_pstats.h"

#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmd/cli.h"
#include "core/afile.h"
#include "core/buf.h"
#include "profile/pstats.h"

bool hp_top_is_pstats(const char *path)
{
	unsigned char head[2];
	size_t plen = strlen(path);
	ssize_t n;
	int fd;

	if (!strcmp(path, "-"))
		return false;
	if ((plen > 7 && !strcmp(path + plen - 7, ".pstats")) ||
	    (plen > 5 && !strcmp(path + plen - 5, ".prof")))
		return true;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false; /* the folded reader reports the error */
	n = read(fd, head, sizeof(head));
	close(fd);
	return n == (ssize_t)sizeof(head) && hp_pstats_sniff(head, sizeof(head));
}

/* Keys' standard names, cleaned to valid UTF-8, NUL-terminated.  Made on
 * first use (a big profile has many names and a report shows few): slot
 * is by key id (0 = not made, else the name's index + 1), and only the
 * names made take memory beyond it. */
struct names {
	const struct hp_pstats *st;
	struct hp_buf all, tmp;
	uint32_t *slot;
	size_t *off, *len, *width; /* by name index; width in code points */
	size_t nr, alloc;
};

struct view {
	const struct hp_pstats *st;
	const struct hp_top_pstats_opts *o;
	struct names *nm;
	uint32_t *list;       /* selected entries, in order */
	size_t n;
	struct hp_buf msg;    /* "   Ordered by: ...\n" and restriction lines */
};

static size_t cp_len(const char *s, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xc0) != 0x80;
	return n;
}

static void names_init(struct names *nm, const struct hp_pstats *st)
{
	hp_buf_init(&nm->all);
	nm->st = st;
	nm->slot = hp_xcalloc((size_t)st->nr_keys + 1, sizeof(*nm->slot));
}

/* The index of key's name, made when new. */
static size_t name_make(struct names *nm, uint32_t k)
{
	size_t i;

	if (nm->slot[k])
		return nm->slot[k] - 1;
	i = nm->nr;
	if (i == nm->alloc) {
		nm->alloc = nm->alloc ? 2 * nm->alloc : 64;
		nm->off = hp_xreallocarray(nm->off, nm->alloc, sizeof(*nm->off));
		nm->len = hp_xreallocarray(nm->len, nm->alloc, sizeof(*nm->len));
		nm->width = hp_xreallocarray(nm->width, nm->alloc, sizeof(*nm->width));
	}
	hp_buf_reset(&nm->tmp);
	hp_pstats_std_name(nm->st, k, &nm->tmp);
	nm->off[i] = nm->all.len;
	hp_buf_add_utf8_clean(&nm->all, nm->tmp.data, nm->tmp.len);
	nm->len[i] = nm->all.len - nm->off[i];
	nm->width[i] = cp_len(nm->all.data + nm->off[i], nm->len[i]);
	hp_buf_addch(&nm->all, '\0');
	nm->slot[k] = (uint32_t)i + 1;
	nm->nr++;
	return i;
}

static void names_release(struct names *nm)
{
	hp_buf_release(&nm->all);
	hp_buf_release(&nm->tmp);
	free(nm->slot);
	free(nm->off);
	free(nm->len);
	free(nm->width);
}

/* The pointer is valid until the next name is made. */
static const char *name_of(const struct view *v, uint32_t key)
{
	size_t i = name_make(v->nm, key); /* first: it may move the arrays */

	return v->nm->all.data + v->nm->off[i];
}

static size_t name_width(const struct view *v, uint32_t key)
{
	size_t i = name_make(v->nm, key);

	return v->nm->width[i];
}

static size_t name_len(const struct view *v, uint32_t key)
{
	size_t i = name_make(v->nm, key);

	return v->nm->len[i];
}

/* Python's repr() of a str, enough for a regex from the command line. */
static void py_repr(struct hp_buf *b, const char *s)
{
	char q = strchr(s, '\'') && !strchr(s, '"') ? '"' : '\'';

	hp_buf_addch(b, q);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == (unsigned char)q || c == '\\')
			hp_buf_addf(b, "\\%c", c);
		else if (c == '\t')
			hp_buf_adds(b, "\\t");
		else if (c == '\n')
			hp_buf_adds(b, "\\n");
		else if (c == '\r')
			hp_buf_adds(b, "\\r");
		else if (c < 0x20 || c == 0x7f)
			hp_buf_addf(b, "\\x%02x", c);
		else
			hp_buf_addch(b, (char)c);
	}
	hp_buf_addch(b, q);
}

/* Keep the entries whose name the regex finds; returns -1 on a bad regex. */
static int restrict_regex(struct view *v, const char *re)
{
	regex_t rx;
	size_t before = v->n, k = 0;
	int rc;

	rc = regcomp(&rx, re, REG_EXTENDED | REG_NOSUB);
	if (rc) {
		char msg[256];

		regerror(rc, &rx, msg, sizeof(msg));
		hp_usage_error("top", "bad regular expression '%s': %s", re, msg);
		return -1;
	}
	for (size_t i = 0; i < v->n; i++)
		if (!regexec(&rx, name_of(v, v->st->entries[v->list[i]].key), 0, NULL, 0))
			v->list[k++] = v->list[i];
	regfree(&rx);
	v->n = k;
	if (k != before) {
		hp_buf_addf(&v->msg, "   List reduced from %zu to %zu due to restriction <", before, k);
		py_repr(&v->msg, re);
		hp_buf_adds(&v->msg, ">\n");
	}
	return 0;
}

static void restrict_count(struct view *v, int limit)
{
	if (limit > 0 && (size_t)limit < v->n) {
		hp_buf_addf(&v->msg, "   List reduced from %zu to %d due to restriction <%d>\n",
			    v->n, limit, limit);
		v->n = (size_t)limit;
	}
}

/* pstats' get_print_list: prints the message, returns the name column width
 * (0 when nothing is listed, and then nothing is printed). */
static size_t print_list_head(const struct view *v, struct hp_buf *out)
{
	size_t width = 0;

	if (!v->n)
		return 0;
	hp_buf_add(out, v->msg.data, v->msg.len);
	hp_buf_addch(out, '\n');
	/* pstats: the longest name of all, or of those listed when fewer */
	for (size_t i = 0; i < v->n; i++) {
		size_t w = name_width(v, v->st->entries[v->list[i]].key);

		if (w > width)
			width = w;
	}
	return width + 2;
}

static void f8(struct hp_buf *b, double x)
{
	if (isnan(x))
		hp_buf_addf(b, "%8s", "nan");
	else
		hp_buf_addf(b, "%8.3f", x);
}

static void ncalls_text(char *buf, size_t size, int64_t nc, int64_t cc)
{
	if (nc != cc)
		snprintf(buf, size, "%lld/%lld", (long long)nc, (long long)cc);
	else
		snprintf(buf, size, "%lld", (long long)nc);
}

static void print_stats(const struct view *v, struct hp_buf *out)
{
	const struct hp_pstats *st = v->st;
	struct stat sb;

	if (strcmp(v->o->path, "-") && stat(v->o->path, &sb) == 0) {
		char when[64];
		struct tm tm;
		time_t t = sb.st_mtime;

		if (localtime_r(&t, &tm) && strftime(when, sizeof(when), "%a %b %e %H:%M:%S %Y", &tm))
			hp_buf_addf(out, "%s    %s\n\n", when, v->o->path);
	}
	hp_buf_addf(out, "         %lld function calls ", (long long)st->total_calls);
	if (st->total_calls != st->prim_calls)
		hp_buf_addf(out, "(%lld primitive calls) ", (long long)st->prim_calls);
	hp_buf_addf(out, "in %.3f seconds\n\n", st->total_tt);
	if (!print_list_head(v, out))
		return;
	hp_buf_adds(out, "   ncalls  tottime  percall  cumtime  percall filename:lineno(function)\n");
	for (size_t i = 0; i < v->n; i++) {
		const struct hp_pstats_entry *e = &st->entries[v->list[i]];
		char c[64];

		ncalls_text(c, sizeof(c), e->nc, e->cc);
		hp_buf_addf(out, "%9s ", c);
		f8(out, e->tt);
		hp_buf_addch(out, ' ');
		if (e->nc == 0)
			hp_buf_adds(out, "        ");
		else
			f8(out, e->tt / (double)e->nc);
		hp_buf_addch(out, ' ');
		f8(out, e->ct);
		hp_buf_addch(out, ' ');
		if (e->cc == 0)
			hp_buf_adds(out, "        ");
		else
			f8(out, e->ct / (double)e->cc);
		hp_buf_addch(out, ' ');
		hp_buf_adds(out, name_of(v, e->key));
		hp_buf_addch(out, '\n');
	}
	hp_buf_adds(out, "\n\n");
}

/* One function's related calls: (other key, call record) pairs sorted by
 * the other function's key, as pstats' sorted(call_dict). */
struct rel {
	uint32_t key;   /* the other function */
	uint32_t call;  /* index into st->callers */
};

static int rel_cmp(const void *ctx, uint32_t a, uint32_t b)
{
	const struct view *v = ((const void *const *)ctx)[0];
	const struct rel *r = ((const void *const *)ctx)[1];

	return hp_pstats_key_cmp(v->st, r[a].key, r[b].key);
}

static size_t related(const struct view *v, const struct hp_pstats_callees *ce, uint32_t entry,
		      bool callers, struct rel **rels, uint32_t **order)
{
	const struct hp_pstats *st = v->st;
	const struct hp_pstats_entry *e = &st->entries[entry];
	size_t n = callers ? e->nr_callers : ce->first[entry + 1] - ce->first[entry];
	const void *ctx[2];

	*rels = hp_xreallocarray(NULL, n + 1, sizeof(**rels));
	*order = hp_xreallocarray(NULL, n + 1, sizeof(**order));
	for (size_t i = 0; i < n; i++) {
		if (callers) {
			(*rels)[i].call = e->first_caller + (uint32_t)i;
			(*rels)[i].key = st->callers[(*rels)[i].call].key;
		} else {
			const struct hp_pstats_callee *c = &ce->items[ce->first[entry] + i];

			(*rels)[i].call = c->call;
			(*rels)[i].key = st->entries[c->callee].key;
		}
		(*order)[i] = (uint32_t)i;
	}
	ctx[0] = v;
	ctx[1] = *rels;
	hp_pstats_msort(*order, n, rel_cmp, ctx);
	return n;
}

static void spaces(struct hp_buf *b, size_t n)
{
	while (n--)
		hp_buf_addch(b, ' ');
}

static void print_calls(const struct view *v, const struct hp_pstats_callees *ce, bool callers,
			struct hp_buf *out)
{
	const struct hp_pstats *st = v->st;
	size_t width = print_list_head(v, out);

	if (!width)
		return;
	hp_buf_adds(out, "Function ");
	spaces(out, width > 9 ? width - 9 : 0);
	hp_buf_adds(out, callers ? "was called by...\n" : "called...\n");
	if (st->tuple_callers) {
		spaces(out, width);
		hp_buf_adds(out, "    ncalls  tottime  cumtime\n");
	}
	for (size_t i = 0; i < v->n; i++) {
		uint32_t ei = v->list[i], key = st->entries[ei].key;
		struct rel *rels;
		uint32_t *order;
		size_t n = related(v, ce, ei, callers, &rels, &order);

		hp_buf_adds(out, name_of(v, key));
		spaces(out, width > name_width(v, key) ? width - name_width(v, key) : 0);
		hp_buf_adds(out, callers ? "<- " : "-> ");
		if (!n)
			hp_buf_addch(out, '\n');
		for (size_t j = 0; j < n; j++) {
			const struct rel *r = &rels[order[j]];
			const struct hp_pstats_call *c = &st->callers[r->call];

			if (!c->count_only) {
				char nb[64];

				ncalls_text(nb, sizeof(nb), c->nc, c->cc);
				if (j)
					spaces(out, width + 1);
				hp_buf_addf(out, "%*s ", j ? 9 : 7, nb);
				f8(out, c->tt);
				hp_buf_addch(out, ' ');
				f8(out, c->ct);
				hp_buf_adds(out, "  ");
				hp_buf_adds(out, name_of(v, r->key));
			} else {
				uint32_t oe = st->entry_of_key[r->key];

				if (j)
					spaces(out, width + 3);
				hp_buf_addf(out, "%s(%lld) ", name_of(v, r->key), (long long)c->nc);
				f8(out, oe == HP_PSTATS_NONE ? 0.0 : st->entries[oe].ct);
			}
			hp_buf_addch(out, '\n');
		}
		free(rels);
		free(order);
	}
	hp_buf_adds(out, "\n\n");
}

/* ---- CSV and JSON ---- */

static void csv_clean(struct hp_buf *b, const struct hp_pstats *st, uint32_t sid)
{
	struct hp_buf t = HP_BUF_INIT;

	hp_buf_add_utf8_clean(&t, hp_pstats_str(st, sid), hp_strtab_len(&st->strs, sid));
	hp_buf_add_csv(b, t.data);
	hp_buf_release(&t);
}

static void csv_key(struct hp_buf *b, const struct view *v, uint32_t key)
{
	const struct hp_pstats_key *k = &v->st->keys[key];

	hp_buf_add_csv(b, name_of(v, key));
	hp_buf_addch(b, ',');
	csv_clean(b, v->st, k->file);
	hp_buf_addf(b, ",%lld,", (long long)k->line);
	csv_clean(b, v->st, k->name);
}

static void render_csv(const struct view *v, struct hp_buf *out)
{
	const struct hp_pstats *st = v->st;

	hp_buf_adds(out, "name,file,line,function,ncalls,primitive_calls,tottime,tottime_percall,"
			 "cumtime,cumtime_percall\n");
	for (size_t i = 0; i < v->n; i++) {
		const struct hp_pstats_entry *e = &st->entries[v->list[i]];

		csv_key(out, v, e->key);
		hp_buf_addf(out, ",%lld,%lld,", (long long)e->nc, (long long)e->cc);
		hp_buf_add_double(out, e->tt);
		hp_buf_addch(out, ',');
		if (e->nc)
			hp_buf_add_double(out, e->tt / (double)e->nc);
		hp_buf_addch(out, ',');
		hp_buf_add_double(out, e->ct);
		hp_buf_addch(out, ',');
		if (e->cc)
			hp_buf_add_double(out, e->ct / (double)e->cc);
		hp_buf_addch(out, '\n');
	}
}

static void render_csv_calls(const struct view *v, const struct hp_pstats_callees *ce, bool callers,
			     struct hp_buf *out)
{
	const struct hp_pstats *st = v->st;

	for (size_t i = 0; i < v->n; i++) {
		uint32_t ei = v->list[i];
		struct rel *rels;
		uint32_t *order;
		size_t n = related(v, ce, ei, callers, &rels, &order);

		for (size_t j = 0; j < n; j++) {
			const struct rel *r = &rels[order[j]];
			const struct hp_pstats_call *c = &st->callers[r->call];

			hp_buf_add_csv(out, name_of(v, st->entries[ei].key));
			hp_buf_adds(out, callers ? ",caller," : ",callee,");
			csv_key(out, v, r->key);
			hp_buf_addf(out, ",%lld,%lld,", (long long)c->nc, (long long)c->cc);
			if (!c->count_only)
				hp_buf_add_double(out, c->tt);
			hp_buf_addch(out, ',');
			if (!c->count_only)
				hp_buf_add_double(out, c->ct);
			hp_buf_addch(out, '\n');
		}
		free(rels);
		free(order);
	}
}

static json_t *jstr(const struct hp_pstats *st, uint32_t sid)
{
	struct hp_buf b = HP_BUF_INIT;
	json_t *s;

	hp_buf_add_utf8_clean(&b, hp_pstats_str(st, sid), hp_strtab_len(&st->strs, sid));
	s = json_stringn(b.data, b.len);
	hp_buf_release(&b);
	return s;
}

static json_t *jnum(double x)
{
	return isfinite(x) ? json_real(x) : json_null();
}

static void json_key(json_t *o, const struct view *v, uint32_t key)
{
	const struct hp_pstats_key *k = &v->st->keys[key];

	json_object_set_new(o, "name", json_stringn(name_of(v, key), name_len(v, key)));
	json_object_set_new(o, "file", jstr(v->st, k->file));
	json_object_set_new(o, "line", json_integer((json_int_t)k->line));
	json_object_set_new(o, "function", jstr(v->st, k->name));
}

static json_t *json_rels(const struct view *v, const struct hp_pstats_callees *ce, uint32_t ei, bool callers)
{
	const struct hp_pstats *st = v->st;
	json_t *arr = json_array();
	struct rel *rels;
	uint32_t *order;
	size_t n = related(v, ce, ei, callers, &rels, &order);

	for (size_t j = 0; j < n; j++) {
		const struct rel *r = &rels[order[j]];
		const struct hp_pstats_call *c = &st->callers[r->call];
		json_t *o = json_object();

		json_key(o, v, r->key);
		json_object_set_new(o, "ncalls", json_integer((json_int_t)c->nc));
		json_object_set_new(o, "primitive_calls", json_integer((json_int_t)c->cc));
		json_object_set_new(o, "tottime", c->count_only ? json_null() : jnum(c->tt));
		json_object_set_new(o, "cumtime", c->count_only ? json_null() : jnum(c->ct));
		json_array_append_new(arr, o);
	}
	free(rels);
	free(order);
	return arr;
}

static int render_json(const struct view *v, const struct hp_pstats_callees *ce,
		       const char *order_desc, struct hp_buf *out)
{
	const struct hp_pstats *st = v->st;
	json_t *root = json_object(), *rows = json_array();
	char *s;

	json_object_set_new(root, "total_calls", json_integer((json_int_t)st->total_calls));
	json_object_set_new(root, "primitive_calls", json_integer((json_int_t)st->prim_calls));
	json_object_set_new(root, "total_time", jnum(st->total_tt));
	json_object_set_new(root, "functions_total", json_integer((json_int_t)st->nr_entries));
	json_object_set_new(root, "ordered_by", json_string(order_desc));
	for (size_t i = 0; i < v->n; i++) {
		const struct hp_pstats_entry *e = &st->entries[v->list[i]];
		json_t *o = json_object();

		json_key(o, v, e->key);
		json_object_set_new(o, "ncalls", json_integer((json_int_t)e->nc));
		json_object_set_new(o, "primitive_calls", json_integer((json_int_t)e->cc));
		json_object_set_new(o, "tottime", jnum(e->tt));
		json_object_set_new(o, "tottime_percall", e->nc ? jnum(e->tt / (double)e->nc) : json_null());
		json_object_set_new(o, "cumtime", jnum(e->ct));
		json_object_set_new(o, "cumtime_percall", e->cc ? jnum(e->ct / (double)e->cc) : json_null());
		if (v->o->callers)
			json_object_set_new(o, "callers", json_rels(v, ce, v->list[i], true));
		if (v->o->callees)
			json_object_set_new(o, "callees", json_rels(v, ce, v->list[i], false));
		json_array_append_new(rows, o);
	}
	json_object_set_new(root, "functions", rows);
	s = json_dumps(root, JSON_INDENT(2) | JSON_REAL_PRECISION(17));
	json_decref(root);
	if (!s)
		return -1;
	hp_buf_adds(out, s);
	hp_buf_addch(out, '\n');
	free(s);
	return 0;
}

int hp_top_pstats(const struct hp_top_pstats_opts *o)
{
	struct hp_pstats st;
	struct view v;
	struct names nm;
	struct hp_pstats_callees ce = { NULL, NULL };
	enum hp_pstats_sort_key keys[HP_PSTATS_MAX_SORT_KEYS];
	struct hp_buf desc = HP_BUF_INIT, out = HP_BUF_INIT;
	struct hp_err err;
	int nkeys, ret;

	hp_pstats_init(&st);
	memset(&v, 0, sizeof(v));
	hp_buf_init(&v.msg);
	memset(&nm, 0, sizeof(nm));
	hp_buf_init(&nm.all);
	hp_buf_init(&nm.tmp);
	v.nm = &nm;
	v.st = &st;
	v.o = o;
	nkeys = hp_pstats_sort_parse(o->sort ? o->sort : "cumulative", keys, &desc, &err);
	if (nkeys < 0) {
		ret = hp_usage_error("top", "%s", err.msg);
		goto cleanup;
	}
	if (hp_pstats_read_file(&st, o->path, 0, &err)) {
		ret = hp_error_from(&err);
		goto cleanup;
	}
	if (!st.nr_entries) {
		ret = hp_error("'%s' holds no profile statistics (an empty dict)", o->path);
		goto cleanup;
	}
	names_init(&nm, &st);
	/* only the rows printed need sorting when nothing but -n restricts */
	if (!o->filter && !o->callers && !o->callees && o->limit > 0)
		v.list = hp_pstats_sort_top(&st, keys, nkeys, (size_t)o->limit);
	else
		v.list = hp_pstats_sort(&st, keys, nkeys);
	v.n = st.nr_entries;
	hp_buf_addf(&v.msg, "   Ordered by: %s\n", desc.data);
	if (o->filter && restrict_regex(&v, o->filter)) {
		ret = HP_EXIT_USAGE;
		goto cleanup;
	}
	if (o->callees)
		hp_pstats_callees_build(&st, &ce);
	if (!strcmp(o->format, "json")) {
		/* one list of functions: each given regex restricts it */
		if ((o->callers && restrict_regex(&v, o->callers)) ||
		    (o->callees && restrict_regex(&v, o->callees))) {
			ret = HP_EXIT_USAGE;
			goto cleanup;
		}
		restrict_count(&v, o->limit);
		if (render_json(&v, &ce, desc.data, &out)) {
			ret = hp_error("cannot encode JSON output");
			goto cleanup;
		}
	} else if (o->callers || o->callees) {
		/* like print_callers(filter, REGEX, N) then print_callees(...) */
		if (!strcmp(o->format, "csv"))
			hp_buf_adds(&out, "name,relation,other,other_file,other_line,other_function,"
					  "ncalls,primitive_calls,tottime,cumtime\n");
		for (int pass = 0; pass < 2; pass++) {
			const char *re = pass ? o->callees : o->callers;
			struct view w = v;

			if (!re)
				continue;
			w.list = hp_xreallocarray(NULL, v.n + 1, sizeof(*w.list));
			memcpy(w.list, v.list, v.n * sizeof(*w.list));
			hp_buf_init(&w.msg);
			hp_buf_add(&w.msg, v.msg.data, v.msg.len);
			if (restrict_regex(&w, re)) {
				free(w.list);
				hp_buf_release(&w.msg);
				ret = HP_EXIT_USAGE;
				goto cleanup;
			}
			restrict_count(&w, o->limit);
			if (!strcmp(o->format, "csv"))
				render_csv_calls(&w, &ce, pass == 0, &out);
			else
				print_calls(&w, &ce, pass == 0, &out);
			free(w.list);
			hp_buf_release(&w.msg);
		}
	} else {
		restrict_count(&v, o->limit);
		if (!strcmp(o->format, "csv"))
			render_csv(&v, &out);
		else
			print_stats(&v, &out);
	}
	if (hp_write_file_atomic(o->out, out.data, out.len, &err)) {
		ret = hp_error_from(&err);
		goto cleanup;
	}
	ret = HP_EXIT_OK;
cleanup:
	hp_pstats_callees_release(&ce);
	free(v.list);
	names_release(&nm);
	hp_buf_release(&v.msg);
	hp_buf_release(&desc);
	hp_buf_release(&out);
	hp_pstats_release(&st);
	return ret;
}
