#include "profile/profile.h"

#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"

void hp_meta_init(struct hp_meta *m)
{
	memset(m, 0, sizeof(*m));
	m->duration_s = -1;
	m->rate_requested = -1;
	m->rate_achieved = -1;
	m->samples = -1;
	m->errors = -1;
	m->exit_status = -1;
	m->user_cpu_s = -1;
	m->sys_cpu_s = -1;
	m->peak_rss_kb = -1;
}

void hp_meta_release(struct hp_meta *m)
{
	if (m->argv) {
		for (char **a = m->argv; *a; a++)
			free(*a);
		free(m->argv);
	}
	free(m->pids);
	free(m->python_version);
	free(m->start_time);
	free(m->tool_version);
	hp_meta_init(m);
}

static char *dup_or_null(const char *s)
{
	return s ? hp_xstrdup(s) : NULL;
}

void hp_meta_copy(struct hp_meta *dst, const struct hp_meta *src)
{
	hp_meta_release(dst);
	*dst = *src;
	if (src->argv) {
		size_t n = 0;

		while (src->argv[n])
			n++;
		dst->argv = hp_xcalloc(n + 1, sizeof(char *));
		for (size_t i = 0; i < n; i++)
			dst->argv[i] = hp_xstrdup(src->argv[i]);
	}
	if (src->nr_pids) {
		dst->pids = hp_xmalloc(src->nr_pids * sizeof(int));
		memcpy(dst->pids, src->pids, src->nr_pids * sizeof(int));
	}
	dst->python_version = dup_or_null(src->python_version);
	dst->start_time = dup_or_null(src->start_time);
	dst->tool_version = dup_or_null(src->tool_version);
}

void hp_profile_init(struct hp_profile *p)
{
	memset(p, 0, sizeof(*p));
	hp_strtab_init(&p->strs);
	hp_strtab_init(&p->frame_keys);
	hp_strtab_init(&p->labelset_keys); /* id 0 = "" = the empty label set */
	hp_u64map_init(&p->children, 1024);
	hp_meta_init(&p->meta);
}

void hp_profile_release(struct hp_profile *p)
{
	hp_strtab_release(&p->strs);
	hp_strtab_release(&p->frame_keys);
	hp_strtab_release(&p->labelset_keys);
	hp_u64map_release(&p->children);
	free(p->frames);
	free(p->roots);
	free(p->nodes);
	free(p->self);
	hp_meta_release(&p->meta);
	memset(p, 0, sizeof(*p));
}

int hp_profile_find_weight(const struct hp_profile *p, const char *name)
{
	uint32_t id = hp_strtab_find(&p->strs, name, strlen(name));

	if (id == UINT32_MAX)
		return -1;
	for (uint32_t i = 0; i < p->nr_weights; i++)
		if (p->weights[i].name == id)
			return (int)i;
	return -1;
}

int hp_profile_weight(struct hp_profile *p, const char *name, const char *unit)
{
	int col = hp_profile_find_weight(p, name);
	uint32_t nw;

	if (col >= 0)
		return col;
	if (p->nr_weights >= HP_MAX_WEIGHTS)
		return -1;
	nw = p->nr_weights + 1;
	/* re-layout existing self weights for the wider row */
	if (p->nr_nodes) {
		double *self = hp_xcalloc((size_t)p->alloc_nodes * nw, sizeof(double));

		hp_advise_huge(self, (size_t)p->alloc_nodes * nw * sizeof(double));

		for (uint32_t n = 0; n < p->nr_nodes; n++)
			for (uint32_t c = 0; c < p->nr_weights; c++)
				self[(size_t)n * nw + c] = p->self[(size_t)n * p->nr_weights + c];
		free(p->self);
		p->self = self;
		p->alloc_self = (size_t)p->alloc_nodes * nw;
	}
	p->weights[p->nr_weights].name = hp_profile_intern(p, name, strlen(name));
	p->weights[p->nr_weights].unit = hp_profile_intern(p, unit, strlen(unit));
	p->nr_weights = nw;
	return (int)nw - 1;
}

uint32_t hp_profile_frame(struct hp_profile *p, uint32_t func, uint32_t file,
			  int32_t line, enum hp_frame_kind kind)
{
	unsigned char key[13];
	uint32_t id;

	memcpy(key, &func, 4);
	memcpy(key + 4, &file, 4);
	memcpy(key + 8, &line, 4);
	key[12] = (unsigned char)kind;
	id = hp_strtab_intern(&p->frame_keys, (const char *)key, sizeof(key));
	/* strtab id 0 is "", so frame id = strtab id - 1 */
	if (id - 1 == p->nr_frames) {
		HP_GROW(p->frames, p->nr_frames + 1, p->alloc_frames);
		p->frames[p->nr_frames].func = func;
		p->frames[p->nr_frames].file = file;
		p->frames[p->nr_frames].line = line;
		p->frames[p->nr_frames].kind = (uint8_t)kind;
		p->nr_frames++;
	}
	return id - 1;
}

static int label_cmp(const void *a, const void *b)
{
	const struct hp_label *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	if (x->value != y->value)
		return x->value < y->value ? -1 : 1;
	return 0;
}

uint32_t hp_profile_labelset(struct hp_profile *p, const struct hp_label *labels, size_t n)
{
	struct hp_label tmp[16];
	struct hp_label *sorted = n <= 16 ? tmp : hp_xmalloc(n * sizeof(*sorted));
	uint32_t id;

	if (n)
		memcpy(sorted, labels, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), label_cmp);
	id = hp_strtab_intern(&p->labelset_keys, (const char *)sorted, n * sizeof(*sorted));
	if (sorted != tmp)
		free(sorted);
	return id;
}

size_t hp_profile_labels(const struct hp_profile *p, uint32_t labelset,
			 struct hp_label **labels)
{
	/* keys are stored unaligned in the string table: copy them out */
	size_t n = hp_strtab_len(&p->labelset_keys, labelset) / sizeof(struct hp_label);

	*labels = NULL;
	if (n) {
		*labels = hp_xmalloc(n * sizeof(**labels));
		memcpy(*labels, hp_strtab_str(&p->labelset_keys, labelset), n * sizeof(**labels));
	}
	return n;
}

static void grow_nodes(struct hp_profile *p, size_t want)
{
	if (want <= p->alloc_nodes)
		return;
	if (want < (size_t)p->alloc_nodes * 2)
		want = (size_t)p->alloc_nodes * 2;
	if (want < 64)
		want = 64;
	if (want > UINT32_MAX - 1)
		want = UINT32_MAX - 1;
	p->nodes = hp_xreallocarray(p->nodes, want, sizeof(*p->nodes));
	hp_advise_huge(p->nodes, want * sizeof(*p->nodes));
	/* rows are zeroed as nodes are created, so unused capacity is never
	 * touched and costs address space, not memory */
	if (p->nr_weights) {
		p->self = hp_xreallocarray(p->self, want * p->nr_weights, sizeof(double));
		p->alloc_self = want * p->nr_weights;
		hp_advise_huge(p->self, p->alloc_self * sizeof(double));
	}
	p->alloc_nodes = (uint32_t)want;
}

void hp_profile_reserve(struct hp_profile *p, size_t nodes)
{
	grow_nodes(p, nodes);
}

static uint32_t new_node(struct hp_profile *p, uint32_t parent, uint32_t frame, uint32_t labelset)
{
	uint32_t id = p->nr_nodes;
	struct hp_node *n;

	if (id >= UINT32_MAX - 2)
		hp_oom(SIZE_MAX);
	if (id + 1 > p->alloc_nodes)
		grow_nodes(p, (size_t)id + 1);
	if (p->nr_weights)
		memset(p->self + (size_t)id * p->nr_weights, 0, p->nr_weights * sizeof(double));
	n = &p->nodes[id];
	n->frame = frame;
	n->parent = parent;
	n->first_child = HP_NO_NODE;
	n->next_sibling = HP_NO_NODE;
	n->labelset = labelset;
	n->depth = 0;
	n->nr_children = 0;
	if (parent != HP_NO_NODE) {
		struct hp_node *par = &p->nodes[parent];

		n->depth = par->depth + 1;
		/* append to keep insertion order: find the tail via the map of the
		 * previous child would cost; prepend and let writers sort instead */
		n->next_sibling = par->first_child;
		par->first_child = id;
		par->nr_children++;
	}
	p->nr_nodes++;
	return id;
}

uint32_t hp_profile_root(struct hp_profile *p, uint32_t labelset)
{
	while (p->nr_roots <= labelset) {
		HP_GROW(p->roots, p->nr_roots + 1, p->alloc_roots);
		p->roots[p->nr_roots++] = HP_NO_NODE;
	}
	if (p->roots[labelset] == HP_NO_NODE)
		p->roots[labelset] = new_node(p, HP_NO_NODE, HP_NO_FRAME, labelset);
	return p->roots[labelset];
}

static inline uint64_t child_key(uint32_t parent, uint32_t frame)
{
	return ((uint64_t)parent << 32) | frame;
}

uint32_t hp_profile_child(struct hp_profile *p, uint32_t node, uint32_t frame)
{
	uint32_t id, nr = p->nodes[node].nr_children;

	if (nr <= HP_NODE_SCAN_MAX) {
		uint32_t prev = HP_NO_NODE;

		for (id = p->nodes[node].first_child; id != HP_NO_NODE; id = p->nodes[id].next_sibling) {
			if (p->nodes[id].frame == frame) {
				/* move to front: hot children are found first next time */
				if (prev != HP_NO_NODE) {
					p->nodes[prev].next_sibling = p->nodes[id].next_sibling;
					p->nodes[id].next_sibling = p->nodes[node].first_child;
					p->nodes[node].first_child = id;
				}
				return id;
			}
			prev = id;
		}
	} else {
		id = hp_u64map_get(&p->children, child_key(node, frame));
		if (id != UINT32_MAX)
			return id;
	}
	id = new_node(p, node, frame, p->nodes[node].labelset);
	if (nr + 1 > HP_NODE_SCAN_MAX + 1) {
		hp_u64map_put(&p->children, child_key(node, frame), id);
	} else if (nr + 1 == HP_NODE_SCAN_MAX + 1) {
		/* the node just became wide: index all its children */
		for (uint32_t c = p->nodes[node].first_child; c != HP_NO_NODE; c = p->nodes[c].next_sibling)
			hp_u64map_put(&p->children, child_key(node, p->nodes[c].frame), c);
	}
	return id;
}

void hp_profile_add(struct hp_profile *p, uint32_t node, const double *values)
{
	double *w = p->self + (size_t)node * p->nr_weights;

	for (uint32_t c = 0; c < p->nr_weights; c++)
		w[c] += values[c];
}

uint32_t hp_profile_add_stack(struct hp_profile *p, uint32_t labelset,
			      const uint32_t *frames, size_t n, const double *values)
{
	uint32_t node = hp_profile_root(p, labelset);

	for (size_t i = 0; i < n; i++)
		node = hp_profile_child(p, node, frames[i]);
	hp_profile_add(p, node, values);
	return node;
}

double hp_profile_total(const struct hp_profile *p, uint32_t col)
{
	double t = 0;

	for (uint32_t n = 0; n < p->nr_nodes; n++)
		t += hp_profile_self(p, n, col);
	return t;
}

double *hp_profile_inclusive(const struct hp_profile *p, uint32_t col)
{
	double *inc = hp_xmalloc((size_t)(p->nr_nodes ? p->nr_nodes : 1) * sizeof(double));

	for (uint32_t n = 0; n < p->nr_nodes; n++)
		inc[n] = hp_profile_self(p, n, col);
	for (uint32_t n = p->nr_nodes; n-- > 0;) {
		uint32_t par = p->nodes[n].parent;

		if (par != HP_NO_NODE)
			inc[par] += inc[n];
	}
	return inc;
}

static bool node_has_weight(const struct hp_profile *p, uint32_t n)
{
	const double *w = p->self + (size_t)n * p->nr_weights;

	for (uint32_t c = 0; c < p->nr_weights; c++)
		if (w[c] != 0)
			return true;
	return false;
}

size_t hp_profile_nr_stacks(const struct hp_profile *p)
{
	size_t k = 0;

	for (uint32_t n = 0; n < p->nr_nodes; n++)
		if (node_has_weight(p, n))
			k++;
	return k;
}

int hp_profile_foreach_stack(const struct hp_profile *p, hp_stack_fn fn, void *ctx)
{
	uint32_t *path = NULL;
	size_t alloc = 0;
	int ret = 0;

	for (uint32_t n = 0; n < p->nr_nodes; n++) {
		const struct hp_node *node = &p->nodes[n];
		uint32_t d, cur;

		if (!node_has_weight(p, n))
			continue;
		HP_GROW(path, (size_t)node->depth + 1, alloc);
		d = node->depth;
		for (cur = n; p->nodes[cur].parent != HP_NO_NODE; cur = p->nodes[cur].parent)
			path[--d] = p->nodes[cur].frame;
		ret = fn(ctx, node->labelset, path, node->depth,
			 p->self + (size_t)n * p->nr_weights);
		if (ret)
			break;
	}
	free(path);
	return ret;
}

void hp_frame_name(const struct hp_profile *p, uint32_t frame, struct hp_buf *buf)
{
	const struct hp_frame *f = &p->frames[frame];

	hp_buf_add(buf, hp_profile_str(p, f->func), hp_strtab_len(&p->strs, f->func));
	if (f->file) {
		hp_buf_adds(buf, " (");
		hp_buf_add(buf, hp_profile_str(p, f->file), hp_strtab_len(&p->strs, f->file));
		if (f->line > 0)
			hp_buf_addf(buf, ":%d", (int)f->line);
		hp_buf_addch(buf, ')');
	}
}

/*
 * Transformations: all are "walk src's stacks, rewrite the frame path, add
 * to dst".  Frames and labels are re-interned into dst.
 */

struct xform {
	struct hp_profile *dst;
	const struct hp_profile *src;
	uint32_t *frame_map;   /* src frame -> dst frame, UINT32_MAX = not yet */
	uint32_t *label_map;   /* src labelset -> dst labelset */
	int *col_map;          /* src column -> dst column */
	signed char *match;    /* per src frame: -1 unknown, 0/1 */
	regex_t re;
	bool have_re;
	enum hp_filter_mode mode;
	int op;
	bool unlabel;
	const char *const *label_keys; /* OP_LABEL_FRAMES: label keys, outermost first */
	size_t nr_label_keys;
	int only_col;          /* >= 0: copy only this src column ... */
	int into_col;          /* ... into this dst column */
	uint32_t *tmp;
	size_t tmp_alloc;
	double vals[HP_MAX_WEIGHTS];
};

enum { OP_COPY, OP_FILTER, OP_FOCUS, OP_REVERSE, OP_STRIP, OP_LABEL_FRAMES };

static uint32_t map_str(struct xform *x, uint32_t id)
{
	return hp_profile_intern(x->dst, hp_profile_str(x->src, id),
				 hp_strtab_len(&x->src->strs, id));
}

static uint32_t map_frame(struct xform *x, uint32_t f)
{
	if (x->frame_map[f] == UINT32_MAX) {
		const struct hp_frame *sf = &x->src->frames[f];

		x->frame_map[f] = hp_profile_frame(x->dst, map_str(x, sf->func), map_str(x, sf->file),
						   x->op == OP_STRIP ? 0 : sf->line,
						   (enum hp_frame_kind)sf->kind);
	}
	return x->frame_map[f];
}

static uint32_t map_labelset(struct xform *x, uint32_t ls)
{
	struct hp_label *copy;
	size_t n;

	if (x->unlabel || ls == 0)
		return 0;
	if (x->label_map[ls] != UINT32_MAX)
		return x->label_map[ls];
	n = hp_profile_labels(x->src, ls, &copy);
	for (size_t i = 0; i < n; i++) {
		copy[i].key = map_str(x, copy[i].key);
		copy[i].value = map_str(x, copy[i].value);
	}
	x->label_map[ls] = hp_profile_labelset(x->dst, copy, n);
	free(copy);
	return x->label_map[ls];
}

static bool frame_matches(struct xform *x, uint32_t f)
{
	if (x->match[f] < 0) {
		struct hp_buf name = HP_BUF_INIT;

		hp_frame_name(x->src, f, &name);
		x->match[f] = regexec(&x->re, name.data, 0, NULL, 0) == 0;
		hp_buf_release(&name);
	}
	return x->match[f] == 1;
}

static int xform_stack(void *ctx, uint32_t labelset, const uint32_t *frames,
		       size_t depth, const double *weights)
{
	struct xform *x = ctx;
	size_t start = 0, n = 0, i;
	uint32_t node;
	bool any;

	HP_GROW(x->tmp, depth + 1, x->tmp_alloc);
	switch (x->op) {
	case OP_FILTER:
		any = false;
		for (i = 0; i < depth && !any; i++)
			any = frame_matches(x, frames[i]);
		if ((x->mode == HP_FILTER_KEEP && !any) || (x->mode == HP_FILTER_DROP && any))
			return 0;
		for (i = 0; i < depth; i++)
			if (x->mode != HP_FILTER_HIDE || !frame_matches(x, frames[i]))
				x->tmp[n++] = map_frame(x, frames[i]);
		break;
	case OP_FOCUS:
		for (start = 0; start < depth; start++)
			if (frame_matches(x, frames[start]))
				break;
		if (start == depth)
			return 0;
		for (i = start; i < depth; i++)
			x->tmp[n++] = map_frame(x, frames[i]);
		break;
	case OP_REVERSE:
		for (i = depth; i-- > 0;)
			x->tmp[n++] = map_frame(x, frames[i]);
		break;
	case OP_LABEL_FRAMES: {
		struct hp_label *labels;
		size_t nl = hp_profile_labels(x->src, labelset, &labels);

		HP_GROW(x->tmp, depth + x->nr_label_keys + 1, x->tmp_alloc);
		for (size_t k = 0; k < x->nr_label_keys; k++) {
			for (size_t l = 0; l < nl; l++) {
				struct hp_buf name = HP_BUF_INIT;
				const char *key = hp_profile_str(x->src, labels[l].key);

				if (strcmp(key, x->label_keys[k]))
					continue;
				hp_buf_addf(&name, "%s %s", key, hp_profile_str(x->src, labels[l].value));
				x->tmp[n++] = hp_profile_frame(x->dst, hp_profile_intern(x->dst, name.data, name.len),
							       0, 0, HP_KIND_OTHER);
				hp_buf_release(&name);
			}
		}
		free(labels);
		for (i = 0; i < depth; i++)
			x->tmp[n++] = map_frame(x, frames[i]);
		break;
	}
	default:
		for (i = 0; i < depth; i++)
			x->tmp[n++] = map_frame(x, frames[i]);
	}
	for (i = 0; i < HP_MAX_WEIGHTS; i++)
		x->vals[i] = 0;
	if (x->only_col >= 0) {
		if (weights[x->only_col] == 0)
			return 0;
		x->vals[x->into_col] = weights[x->only_col];
	} else {
		for (i = 0; i < x->src->nr_weights; i++)
			x->vals[x->col_map[i]] += weights[i];
	}
	node = hp_profile_root(x->dst, map_labelset(x, labelset));
	for (i = 0; i < n; i++)
		node = hp_profile_child(x->dst, node, x->tmp[i]);
	hp_profile_add(x->dst, node, x->vals);
	return 0;
}

static int xform_run_cols(struct hp_profile *dst, const struct hp_profile *src, int op,
			  const char *regex, bool icase, enum hp_filter_mode mode,
			  bool unlabel, int only_col, const char *into,
			  const char *const *label_keys, size_t nr_label_keys, struct hp_err *err);

static int xform_run(struct hp_profile *dst, const struct hp_profile *src, int op,
		     const char *regex, bool icase, enum hp_filter_mode mode,
		     bool unlabel, struct hp_err *err)
{
	return xform_run_cols(dst, src, op, regex, icase, mode, unlabel, -1, NULL, NULL, 0, err);
}

static int xform_run_cols(struct hp_profile *dst, const struct hp_profile *src, int op,
			  const char *regex, bool icase, enum hp_filter_mode mode,
			  bool unlabel, int only_col, const char *into,
			  const char *const *label_keys, size_t nr_label_keys, struct hp_err *err)
{
	struct xform x;
	int ret = -1, rc;

	memset(&x, 0, sizeof(x));
	x.dst = dst;
	x.src = src;
	x.op = op;
	x.mode = mode;
	x.unlabel = unlabel;
	x.only_col = -1;
	x.into_col = -1;
	x.label_keys = label_keys;
	x.nr_label_keys = nr_label_keys;
	x.frame_map = hp_xmalloc((size_t)(src->nr_frames + 1) * sizeof(uint32_t));
	memset(x.frame_map, 0xff, (size_t)(src->nr_frames + 1) * sizeof(uint32_t));
	x.label_map = hp_xmalloc((size_t)(src->labelset_keys.nr + 1) * sizeof(uint32_t));
	memset(x.label_map, 0xff, (size_t)(src->labelset_keys.nr + 1) * sizeof(uint32_t));
	x.col_map = hp_xcalloc(src->nr_weights + 1, sizeof(int));
	x.match = hp_xmalloc(src->nr_frames + 1);
	memset(x.match, -1, src->nr_frames + 1);

	if (regex) {
		rc = regcomp(&x.re, regex, REG_EXTENDED | REG_NOSUB | (icase ? REG_ICASE : 0));
		if (rc) {
			char msg[256];

			regerror(rc, &x.re, msg, sizeof(msg));
			hp_err_set(err, "invalid regular expression '%s': %s", regex, msg);
			goto cleanup;
		}
		x.have_re = true;
	}
	if (only_col >= 0) {
		if ((uint32_t)only_col >= src->nr_weights) {
			hp_err_set(err, "no weight column %d to merge", only_col);
			goto cleanup;
		}
		x.only_col = only_col;
		x.into_col = hp_profile_weight(dst, into, hp_profile_str(src, src->weights[only_col].unit));
		if (x.into_col < 0) {
			hp_err_set(err, "too many weight columns (at most %d)", HP_MAX_WEIGHTS);
			goto cleanup;
		}
	}
	for (uint32_t c = 0; c < src->nr_weights && only_col < 0; c++) {
		int col = hp_profile_weight(dst, hp_profile_str(src, src->weights[c].name),
					    hp_profile_str(src, src->weights[c].unit));

		if (col < 0) {
			hp_err_set(err, "too many weight columns (at most %d)", HP_MAX_WEIGHTS);
			goto cleanup;
		}
		x.col_map[c] = col;
	}
	if (dst != src && !dst->meta.tool_version && !dst->meta.argv)
		hp_meta_copy(&dst->meta, &src->meta);
	/* most transformations keep about as many nodes: reserving (address
	 * space only) saves copying the arrays as they grow */
	hp_profile_reserve(dst, (size_t)dst->nr_nodes + src->nr_nodes + 64);
	hp_profile_foreach_stack(src, xform_stack, &x);
	ret = 0;
cleanup:
	if (x.have_re)
		regfree(&x.re);
	free(x.frame_map);
	free(x.label_map);
	free(x.col_map);
	free(x.match);
	free(x.tmp);
	return ret;
}

int hp_profile_merge_column(struct hp_profile *dst, const struct hp_profile *src,
			    uint32_t src_col, const char *dst_name, struct hp_err *err)
{
	return xform_run_cols(dst, src, OP_COPY, NULL, false, HP_FILTER_KEEP, true, (int)src_col,
			      dst_name, NULL, 0, err);
}

int hp_profile_merge(struct hp_profile *dst, const struct hp_profile *src, struct hp_err *err)
{
	return xform_run(dst, src, OP_COPY, NULL, false, HP_FILTER_KEEP, false, err);
}

int hp_profile_filter(struct hp_profile *dst, const struct hp_profile *src,
		      const char *regex, enum hp_filter_mode mode, bool icase,
		      struct hp_err *err)
{
	return xform_run(dst, src, OP_FILTER, regex, icase, mode, false, err);
}

int hp_profile_focus(struct hp_profile *dst, const struct hp_profile *src,
		     const char *regex, bool icase, struct hp_err *err)
{
	return xform_run(dst, src, OP_FOCUS, regex, icase, HP_FILTER_KEEP, false, err);
}

void hp_profile_reverse(struct hp_profile *dst, const struct hp_profile *src)
{
	xform_run(dst, src, OP_REVERSE, NULL, false, HP_FILTER_KEEP, false, NULL);
}

void hp_profile_strip_lines(struct hp_profile *dst, const struct hp_profile *src)
{
	xform_run(dst, src, OP_STRIP, NULL, false, HP_FILTER_KEEP, false, NULL);
}

void hp_profile_labels_to_frames(struct hp_profile *dst, const struct hp_profile *src,
				 const char *const *keys, size_t nr_keys)
{
	xform_run_cols(dst, src, OP_LABEL_FRAMES, NULL, false, HP_FILTER_KEEP, true, -1, NULL,
		       keys, nr_keys, NULL);
}

void hp_profile_unlabel(struct hp_profile *dst, const struct hp_profile *src)
{
	xform_run(dst, src, OP_COPY, NULL, false, HP_FILTER_KEEP, true, NULL);
}
