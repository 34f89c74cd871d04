#include "profile/folded.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"

/*
 * Reader state.  raw_frames interns each distinct frame *text* and raw2frame
 * maps it to a parsed frame id, so the parsing rules run once per distinct
 * text.  The previous line's stack is kept with the trie node reached after
 * each of its frames, so a line that shares a prefix with the previous one
 * (folded files are usually sorted) skips those lookups.
 */
struct reader {
	struct hp_profile *p;
	const struct hp_folded_opts *opts;
	struct hp_folded_stats *st;
	struct hp_err *err;
	const char *name;
	int col_a, col_b;
	bool diff;
	bool decided;
	struct hp_strtab raw_frames;
	uint32_t *raw2frame;
	size_t alloc_raw2frame;
	struct hp_buf prev;         /* previous stack text */
	size_t *prev_end;           /* end offset of each frame in prev */
	uint32_t *prev_node;        /* node after each frame in prev */
	size_t prev_depth, alloc_prev_end, alloc_prev_node;
	uint32_t root;
};

static bool ends_with(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);

	return len >= n && !memcmp(s + len - n, suffix, n);
}

static bool is_python_file(const char *s, size_t len)
{
	return ends_with(s, len, ".py") || ends_with(s, len, ".pyw") ||
	       ends_with(s, len, ".pyx") || ends_with(s, len, ".pyi") ||
	       (len > 2 && s[0] == '<' && s[len - 1] == '>'); /* <frozen ...>, <string> */
}

static bool looks_like_path(const char *s, size_t len)
{
	return is_python_file(s, len) || memchr(s, '/', len) || ends_with(s, len, ".c") ||
	       ends_with(s, len, ".so") || memmem(s, len, ".so.", 4);
}

/* Parse "digits" at the end of s after the last ':'; returns the colon's
 * index or len if absent. */
static size_t split_line_no(const char *s, size_t len, int32_t *line)
{
	size_t i = len;

	while (i > 0 && s[i - 1] >= '0' && s[i - 1] <= '9')
		i--;
	if (i == len || i == 0 || s[i - 1] != ':' || len - i > 9)
		return len;
	*line = (int32_t)strtol(s + i, NULL, 10);
	return i - 1;
}

uint32_t hp_folded_parse_frame(struct hp_profile *p, const char *s, size_t len)
{
	enum hp_frame_kind kind = HP_KIND_OTHER;
	uint32_t func, file = 0;
	int32_t line = 0;

	if (ends_with(s, len, "_[k]")) {
		len -= 4;
		return hp_profile_frame(p, hp_profile_intern(p, s, len), 0, 0, HP_KIND_KERNEL);
	}
	/* py-spy: "func (file:line)" / "func (file)"; the first " (" whose
	 * remainder is a location wins (function names never contain " (",
	 * paths may) */
	if (len >= 4 && s[len - 1] == ')') {
		for (size_t i = 1; i + 2 < len; i++) {
			const char *in;
			size_t inlen, colon;
			int32_t ln = 0;

			if (s[i] != ' ' || s[i + 1] != '(')
				continue;
			in = s + i + 2;
			inlen = len - i - 3;
			if (!inlen)
				continue;
			colon = split_line_no(in, inlen, &ln);
			if (colon == inlen && !looks_like_path(in, inlen))
				continue;
			if (colon == 0)
				continue;
			func = hp_profile_intern(p, s, i);
			file = hp_profile_intern(p, in, colon);
			line = colon == inlen ? 0 : ln;
			kind = is_python_file(in, colon) ? HP_KIND_PYTHON : HP_KIND_NATIVE;
			return hp_profile_frame(p, func, file, line, kind);
		}
	}
	/* Austin: "path.py:func:line" */
	{
		size_t colon = split_line_no(s, len, &line);
		const char *c2;

		if (colon < len && colon > 0) {
			c2 = memmem(s, colon, ".py:", 4);
			if (c2 && c2 + 4 < s + colon) {
				size_t flen = (size_t)(c2 - s) + 3;

				file = hp_profile_intern(p, s, flen);
				func = hp_profile_intern(p, s + flen + 1, colon - flen - 1);
				return hp_profile_frame(p, func, file, line, HP_KIND_PYTHON);
			}
		}
		line = 0;
	}
	func = hp_profile_intern(p, s, len);
	return hp_profile_frame(p, func, 0, 0, kind);
}

static uint32_t frame_of_text(struct reader *r, const char *s, size_t len)
{
	uint32_t id = hp_strtab_intern(&r->raw_frames, s, len);

	if (id >= r->alloc_raw2frame) {
		size_t old = r->alloc_raw2frame;

		HP_GROW(r->raw2frame, (size_t)id + 1, r->alloc_raw2frame);
		memset(r->raw2frame + old, 0xff, (r->alloc_raw2frame - old) * sizeof(uint32_t));
	}
	if (r->raw2frame[id] == UINT32_MAX)
		r->raw2frame[id] = hp_folded_parse_frame(r->p, s, len);
	return r->raw2frame[id];
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static bool is_count(const char *s, size_t len)
{
	size_t i = 0, d = 0;

	while (i < len && s[i] >= '0' && s[i] <= '9')
		i++, d++;
	if (i < len && s[i] == '.') {
		i++;
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++, d++;
	}
	/* an exponent ("1.5e+30") is accepted too, for counts too large or
	 * small for plain decimals */
	if (d > 0 && i < len && (s[i] == 'e' || s[i] == 'E')) {
		size_t e = 0;

		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++, e++;
		if (!e)
			return false;
	}
	return i == len && d > 0;
}

/* Split "... <ws>token" at the end of [s, s+*len): on success *len is
 * shortened to the text before the whitespace and the token returned. */
static bool pop_count(const char *s, size_t *len, double *val)
{
	size_t end = *len, i = end;

	while (i > 0 && !is_space(s[i - 1]))
		i--;
	if (i == 0 || i == end || !is_count(s + i, end - i))
		return false;
	{
		char tmp[64];
		size_t n = end - i;

		if (n >= sizeof(tmp))
			*val = strtod(s + i, NULL); /* the token is followed by ws or end */
		else {
			memcpy(tmp, s + i, n);
			tmp[n] = '\0';
			*val = strtod(tmp, NULL);
		}
	}
	while (i > 0 && is_space(s[i - 1]))
		i--;
	*len = i;
	return true;
}

static int malformed(struct reader *r, const char *why)
{
	r->st->malformed++;
	if (!r->st->first_malformed)
		r->st->first_malformed = r->st->lines;
	if (r->opts->strict)
		return hp_err_set(r->err, "'%s' line %zu: %s", r->name, r->st->lines, why);
	return 0;
}

static void push_frame(struct reader *r, uint32_t *node, const char *s, size_t from, size_t to)
{
	uint32_t frame = frame_of_text(r, s + from, to - from);

	*node = hp_profile_child(r->p, *node, frame);
	HP_GROW(r->prev_end, r->prev_depth + 1, r->alloc_prev_end);
	HP_GROW(r->prev_node, r->prev_depth + 1, r->alloc_prev_node);
	r->prev_end[r->prev_depth] = to;
	r->prev_node[r->prev_depth] = *node;
	r->prev_depth++;
}

static void add_line_stack(struct reader *r, const char *s, size_t len, const double *vals)
{
	size_t common = 0, max = r->prev.len < len ? r->prev.len : len;
	size_t k = 0, start = 0;
	uint32_t node = r->root;

	while (common < max && r->prev.data[common] == s[common])
		common++;
	/* frames of prev that end inside the common prefix, where s also ends
	 * a frame, are reused with the node they led to */
	while (k < r->prev_depth && r->prev_end[k] <= common &&
	       (r->prev_end[k] == len || s[r->prev_end[k]] == ';'))
		k++;
	r->prev_depth = k;
	if (k) {
		node = r->prev_node[k - 1];
		start = r->prev_end[k - 1] + 1;
	}
	if (!k || r->prev_end[k - 1] < len) {
		for (;;) {
			const char *semi = memchr(s + start, ';', len - start);
			size_t fend = semi ? (size_t)(semi - s) : len;

			push_frame(r, &node, s, start, fend);
			if (!semi)
				break;
			start = fend + 1; /* may equal len: an empty leaf after ';' */
		}
	}
	hp_buf_truncate(&r->prev, 0);
	hp_buf_add(&r->prev, s, len);
	hp_profile_add(r->p, node, vals);
}

static int parse_line(struct reader *r, const char *s, size_t len)
{
	double a = 0, b = 0, vals[HP_MAX_WEIGHTS] = { 0 };
	size_t stack_len;

	r->st->lines++;
	while (len && is_space(s[len - 1]))
		len--;
	while (len && is_space(*s))
		s++, len--;
	if (!len)
		return 0;
	stack_len = len;
	if (!pop_count(s, &stack_len, &b))
		return malformed(r, "no count at the end of the line");
	if (!r->decided) {
		size_t l2 = stack_len;
		double tmp;

		if (r->opts->diff == HP_FOLDED_AUTO)
			r->diff = pop_count(s, &l2, &tmp) && l2 > 0;
		else
			r->diff = r->opts->diff == HP_FOLDED_DIFF;
		r->decided = true;
		r->st->differential = r->diff;
		if (r->diff) {
			r->col_a = hp_profile_weight(r->p, "before", "count");
			r->col_b = hp_profile_weight(r->p, "after", "count");
		} else {
			r->col_a = hp_profile_weight(r->p, r->opts->countname ? r->opts->countname : "samples", "count");
		}
		if (r->col_a < 0 || r->col_b < 0)
			return hp_err_set(r->err, "'%s': too many weight columns", r->name);
	}
	if (r->diff) {
		if (!pop_count(s, &stack_len, &a))
			return malformed(r, "differential line without two counts");
		vals[r->col_a] = a;
		vals[r->col_b] = b;
	} else {
		vals[r->col_a] = b;
	}
	if (!stack_len)
		return malformed(r, "empty stack");
	if (!isfinite(a) || !isfinite(b))
		return malformed(r, "count out of range");
	add_line_stack(r, s, stack_len, vals);
	r->st->stacks++;
	return 0;
}

static void reader_init(struct reader *r, struct hp_profile *p, const char *name,
			const struct hp_folded_opts *opts, struct hp_folded_stats *st,
			struct hp_err *err)
{
	memset(r, 0, sizeof(*r));
	r->p = p;
	r->opts = opts;
	r->st = st;
	r->err = err;
	r->name = name;
	r->col_b = 0;
	hp_strtab_init(&r->raw_frames);
	hp_buf_init(&r->prev);
	r->root = hp_profile_root(p, 0);
	memset(st, 0, sizeof(*st));
}

static void reader_release(struct reader *r)
{
	hp_strtab_release(&r->raw_frames);
	free(r->raw2frame);
	free(r->prev_end);
	free(r->prev_node);
	hp_buf_release(&r->prev);
}

static int ensure_column(struct reader *r)
{
	/* an input with no stack lines still gets its weight column */
	if (!r->decided && hp_profile_weight(r->p, r->opts->countname ? r->opts->countname : "samples", "count") < 0)
		return hp_err_set(r->err, "'%s': too many weight columns", r->name);
	return 0;
}

static int feed(struct reader *r, const char *data, size_t len, size_t *used, bool last)
{
	size_t pos = 0;

	while (pos < len) {
		const char *nl = memchr(data + pos, '\n', len - pos);
		size_t end;

		if (!nl && !last)
			break;
		end = nl ? (size_t)(nl - data) : len;
		if (parse_line(r, data + pos, end - pos))
			return -1;
		pos = nl ? end + 1 : len;
	}
	*used = pos;
	return 0;
}

static const struct hp_folded_opts default_opts = HP_FOLDED_OPTS_INIT;

int hp_folded_read_mem(struct hp_profile *p, const char *data, size_t len,
		       const struct hp_folded_opts *opts,
		       struct hp_folded_stats *stats, struct hp_err *err)
{
	struct hp_folded_stats st_local;
	struct reader r;
	size_t used;
	int ret;

	reader_init(&r, p, "<memory>", opts ? opts : &default_opts,
		    stats ? stats : &st_local, err);
	ret = feed(&r, data, len, &used, true);
	if (!ret)
		ret = ensure_column(&r);
	reader_release(&r);
	return ret;
}

int hp_folded_read_fd(struct hp_profile *p, int fd, const char *name,
		      const struct hp_folded_opts *opts,
		      struct hp_folded_stats *stats, struct hp_err *err)
{
	enum { CHUNK = 1 << 20 };
	struct hp_folded_stats st_local;
	struct reader r;
	char *buf = NULL;
	size_t alloc = CHUNK, have = 0, used;
	int ret = -1;

	reader_init(&r, p, name, opts ? opts : &default_opts, stats ? stats : &st_local, err);
	buf = hp_xmalloc(alloc);
	for (;;) {
		ssize_t n;

		if (alloc - have < CHUNK / 2) {
			alloc *= 2; /* a single line longer than the buffer */
			buf = hp_xrealloc(buf, alloc);
		}
		n = read(fd, buf + have, alloc - have);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			hp_err_errno(err, "cannot read '%s'", name);
			goto cleanup;
		}
		have += (size_t)n;
		if (feed(&r, buf, have, &used, n == 0))
			goto cleanup;
		memmove(buf, buf + used, have - used);
		have -= used;
		if (n == 0)
			break;
	}
	if (ensure_column(&r))
		goto cleanup;
	ret = 0;
cleanup:
	free(buf);
	reader_release(&r);
	return ret;
}

int hp_folded_read_file(struct hp_profile *p, const char *path,
			const struct hp_folded_opts *opts,
			struct hp_folded_stats *stats, struct hp_err *err)
{
	int fd, ret;

	if (!strcmp(path, "-"))
		return hp_folded_read_fd(p, 0, "<stdin>", opts, stats, err);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return hp_err_errno(err, "cannot open '%s'", path);
	{
		struct stat st;

		/* a folded frame takes at least ~16 bytes in practice; reserving
		 * costs no memory until used */
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > (1 << 20))
			hp_profile_reserve(p, (size_t)st.st_size / 16);
	}
	ret = hp_folded_read_fd(p, fd, path, opts, stats, err);
	close(fd);
	return ret;
}

/* Writer */

static void add_clean(struct hp_buf *out, const char *s, size_t len)
{
	size_t start = 0;

	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (c == ';' || c == '\n' || c == '\r' || c == '\0') {
			hp_buf_add(out, s + start, i - start);
			hp_buf_addch(out, c == ';' ? ':' : c == '\0' ? '?' : ' ');
			start = i + 1;
		}
	}
	hp_buf_add(out, s + start, len - start);
}

void hp_folded_frame_text(const struct hp_profile *p, uint32_t frame, struct hp_buf *out)
{
	const struct hp_frame *f = &p->frames[frame];

	add_clean(out, hp_profile_str(p, f->func), hp_strtab_len(&p->strs, f->func));
	if (f->kind == HP_KIND_KERNEL) {
		hp_buf_adds(out, "_[k]");
	} else if (f->file) {
		hp_buf_adds(out, " (");
		add_clean(out, hp_profile_str(p, f->file), hp_strtab_len(&p->strs, f->file));
		if (f->line > 0)
			hp_buf_addf(out, ":%d", (int)f->line);
		hp_buf_addch(out, ')');
	}
}

static void add_count(struct hp_buf *out, double v)
{
	if (v == floor(v) && fabs(v) < 1e300)
		hp_buf_addf(out, "%.0f", v); /* exact for every integral double */
	else
		hp_buf_add_double(out, v);
}

struct write_ctx {
	const struct hp_profile *p;
	const struct hp_folded_write_opts *o;
	int col_a, col_b;
	struct hp_buf text;
	size_t *starts;
	size_t nr, alloc;
};

static int write_stack(void *ctx, uint32_t labelset, const uint32_t *frames,
		       size_t depth, const double *w)
{
	struct write_ctx *c = ctx;
	bool first = true;

	if (w[c->col_a] == 0 && (c->col_b < 0 || w[c->col_b] == 0))
		return 0;
	HP_GROW(c->starts, c->nr + 1, c->alloc);
	c->starts[c->nr++] = c->text.len;
	if (c->o->labels && labelset) {
		struct hp_label *labels;
		size_t n = hp_profile_labels(c->p, labelset, &labels);

		for (size_t i = 0; i < n; i++) {
			if (!first)
				hp_buf_addch(&c->text, ';');
			first = false;
			add_clean(&c->text, hp_profile_str(c->p, labels[i].key),
				  hp_strtab_len(&c->p->strs, labels[i].key));
			hp_buf_addch(&c->text, ' ');
			add_clean(&c->text, hp_profile_str(c->p, labels[i].value),
				  hp_strtab_len(&c->p->strs, labels[i].value));
		}
		free(labels);
	}
	for (size_t i = 0; i < depth; i++) {
		if (!first)
			hp_buf_addch(&c->text, ';');
		first = false;
		hp_folded_frame_text(c->p, frames[i], &c->text);
	}
	hp_buf_addch(&c->text, ' ');
	if (c->col_b >= 0) {
		add_count(&c->text, w[c->col_a]);
		hp_buf_addch(&c->text, ' ');
		add_count(&c->text, w[c->col_b]);
	} else {
		add_count(&c->text, w[c->col_a]);
	}
	hp_buf_addch(&c->text, '\0');
	return 0;
}


static int cmp_lines(const void *a, const void *b, void *base)
{
	return strcmp((const char *)base + *(const size_t *)a, (const char *)base + *(const size_t *)b);
}

static const struct hp_folded_write_opts default_wopts = HP_FOLDED_WRITE_OPTS_INIT;

void hp_folded_write(const struct hp_profile *p, const struct hp_folded_write_opts *o,
		     struct hp_buf *out)
{
	struct write_ctx c;

	if (!o)
		o = &default_wopts;
	if (!p->nr_weights)
		return;
	memset(&c, 0, sizeof(c));
	c.p = p;
	c.o = o;
	c.col_a = o->col >= 0 ? o->col : 0;
	c.col_b = -1;
	if (o->col < 0) {
		int a = hp_profile_find_weight(p, "before"), b = hp_profile_find_weight(p, "after");

		if (a >= 0 && b >= 0) {
			c.col_a = a;
			c.col_b = b;
		}
	}
	hp_buf_init(&c.text);
	hp_profile_foreach_stack(p, write_stack, &c);
	qsort_r(c.starts, c.nr, sizeof(*c.starts), cmp_lines, c.text.data);
	hp_buf_grow(out, c.text.len);
	for (size_t i = 0; i < c.nr; i++) {
		const char *line = c.text.data + c.starts[i];

		hp_buf_adds(out, line);
		hp_buf_addch(out, '\n');
	}
	free(c.starts);
	hp_buf_release(&c.text);
}
