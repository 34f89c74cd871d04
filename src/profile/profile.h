/*
 * profile.h - the profile model every reader builds and every writer reads.
 *
 * Structure
 *   strings  interned once in p->strs (id 0 = "").
 *   frames   (function, file, line, kind), interned: equal frames share an id.
 *   nodes    a trie of frame ids.  One root node per label set (thread, pid,
 *            ...); a root has frame HP_NO_FRAME.  A node's children form a
 *            linked list (first_child/next_sibling) in insertion order, and
 *            are found by (parent, frame) in a hash map.  Children are always
 *            created after their parent, so node ids increase with depth
 *            along every path: iterating ids downwards visits children before
 *            parents (used to compute totals without recursion).  Children
 *            are found by scanning the sibling list while a node has at most
 *            HP_NODE_SCAN_MAX of them (most nodes have one or two, and the
 *            scan touches memory the walk needs anyway); wider nodes index
 *            their children in a hash map keyed by (parent, frame).
 *   weights  p->nr_weights columns (samples, cpu-ns, wall-ns, bytes...); each
 *            node holds its *self* weight per column in
 *            p->self[node * p->nr_weights + col].  Totals are derived.
 *
 * Memory grows with the number of distinct frames and stack prefixes, never
 * with the number of samples added.
 *
 * Ownership: the profile owns everything it points to, including meta's
 * strings; hp_profile_release frees it all.  Ids are stable for the life of
 * the profile.  Pointers into frames/nodes may move when new ones are added.
 */
#ifndef HP_PROFILE_PROFILE_H
#define HP_PROFILE_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/strtab.h"
#include "core/u64map.h"

#define HP_NO_FRAME UINT32_MAX
#define HP_NO_NODE UINT32_MAX
#define HP_MAX_WEIGHTS 8

enum hp_frame_kind {
	HP_KIND_OTHER = 0,
	HP_KIND_PYTHON,
	HP_KIND_NATIVE,
	HP_KIND_KERNEL,
	HP_KIND_NR
};

struct hp_frame {
	uint32_t func;  /* string id */
	uint32_t file;  /* string id, 0 = unknown */
	int32_t line;   /* 0 = unknown / aggregated */
	uint8_t kind;   /* enum hp_frame_kind */
};

struct hp_node {
	uint32_t frame;
	uint32_t parent;
	uint32_t first_child;
	uint32_t next_sibling;
	uint32_t depth;     /* root = 0 */
	uint32_t labelset;  /* label set of the root this node hangs under */
	uint32_t nr_children;
};

#define HP_NODE_SCAN_MAX 8

struct hp_label {
	uint32_t key;   /* string id, e.g. "thread" */
	uint32_t value; /* string id, e.g. "12345 (MainThread)" */
};

struct hp_weight_type {
	uint32_t name;  /* string id: "samples", "cpu", "wall", "alloc", ... */
	uint32_t unit;  /* string id: "count", "nanoseconds", "bytes" */
};

/* Run metadata (see docs/architecture.md).  Unknown numbers are negative,
 * unknown strings NULL.  All strings are owned by the profile. */
struct hp_meta {
	char **argv;            /* NULL-terminated, or NULL */
	int *pids;
	size_t nr_pids;
	char *python_version;
	char *start_time;       /* ISO 8601 */
	double duration_s;
	double rate_requested;
	double rate_achieved;
	int64_t samples;
	int64_t errors;
	int exit_status;        /* -1 unknown; 128+N for a signal */
	double user_cpu_s;
	double sys_cpu_s;
	int64_t peak_rss_kb;
	char *tool_version;
};

struct hp_profile {
	struct hp_strtab strs;
	struct hp_strtab frame_keys;   /* packed hp_frame -> id + 1 */
	struct hp_frame *frames;
	uint32_t nr_frames, alloc_frames;

	struct hp_strtab labelset_keys; /* packed hp_label arrays -> labelset id */
	uint32_t *roots;                /* root node per labelset id */
	uint32_t nr_roots, alloc_roots;

	struct hp_node *nodes;
	uint32_t nr_nodes, alloc_nodes;
	struct hp_u64map children;      /* (parent << 32 | frame) -> node, for
					   parents with > HP_NODE_SCAN_MAX children */

	struct hp_weight_type weights[HP_MAX_WEIGHTS];
	uint32_t nr_weights;
	double *self;                   /* nr_nodes * nr_weights */
	size_t alloc_self;

	struct hp_meta meta;
};

void hp_profile_init(struct hp_profile *p);
void hp_profile_release(struct hp_profile *p);

/* Weight columns.  Returns the column index of name (adding it when new), or
 * -1 when HP_MAX_WEIGHTS columns exist already.  Add columns before adding
 * weights. */
int hp_profile_weight(struct hp_profile *p, const char *name, const char *unit);
/* Column index of name, or -1. */
int hp_profile_find_weight(const struct hp_profile *p, const char *name);

static inline uint32_t hp_profile_intern(struct hp_profile *p, const char *s, size_t len)
{
	return hp_strtab_intern(&p->strs, s, len);
}

static inline const char *hp_profile_str(const struct hp_profile *p, uint32_t id)
{
	return hp_strtab_str(&p->strs, id);
}

uint32_t hp_profile_frame(struct hp_profile *p, uint32_t func, uint32_t file,
			  int32_t line, enum hp_frame_kind kind);
/* Label sets are unordered: labels are sorted by key before interning.
 * Returns the labelset id (0 = the empty set). */
uint32_t hp_profile_labelset(struct hp_profile *p, const struct hp_label *labels, size_t n);
/* Number of labels in set labelset; *labels receives a new array of them,
 * sorted by key, which the caller frees (NULL when the set is empty). */
size_t hp_profile_labels(const struct hp_profile *p, uint32_t labelset,
			 struct hp_label **labels);
uint32_t hp_profile_root(struct hp_profile *p, uint32_t labelset);
/* Reserve room for this many nodes (address space only: memory is touched
 * as nodes are created).  Readers call it with an estimate from the input
 * size so the node arrays are not copied as they grow. */
void hp_profile_reserve(struct hp_profile *p, size_t nodes);
/* Find or create the child of node for frame. */
uint32_t hp_profile_child(struct hp_profile *p, uint32_t node, uint32_t frame);
/* Add values[col] for every column to node's self weight. */
void hp_profile_add(struct hp_profile *p, uint32_t node, const double *values);
/* Add one stack (frames root first) with weights for every column. */
uint32_t hp_profile_add_stack(struct hp_profile *p, uint32_t labelset,
			      const uint32_t *frames, size_t n, const double *values);

static inline double hp_profile_self(const struct hp_profile *p, uint32_t node, uint32_t col)
{
	return p->self[(size_t)node * p->nr_weights + col];
}

/* Sum of self weights of column col over the whole profile. */
double hp_profile_total(const struct hp_profile *p, uint32_t col);
/* Inclusive (self + descendants) weight of every node for column col.
 * Returns a new array of nr_nodes doubles owned by the caller. */
double *hp_profile_inclusive(const struct hp_profile *p, uint32_t col);
/* Number of stacks: nodes with a non-zero self weight in any column. */
size_t hp_profile_nr_stacks(const struct hp_profile *p);

/* Walk every stack that has a non-zero self weight, in node-id order.
 * frames is root first, valid only during the call.  A non-zero return from
 * fn stops the walk and is returned. */
typedef int (*hp_stack_fn)(void *ctx, uint32_t labelset, const uint32_t *frames,
			   size_t depth, const double *weights);
int hp_profile_foreach_stack(const struct hp_profile *p, hp_stack_fn fn, void *ctx);

/* Append the frame's display name to buf: "func (file:line)", "func (file)"
 * or "func" depending on what is known. */
struct hp_buf;
void hp_frame_name(const struct hp_profile *p, uint32_t frame, struct hp_buf *buf);

/* Copy src's metadata into dst (replacing dst's). */
void hp_meta_copy(struct hp_meta *dst, const struct hp_meta *src);
void hp_meta_release(struct hp_meta *m);
void hp_meta_init(struct hp_meta *m);

/*
 * Transformations.  Each builds dst (which must be freshly initialised) from
 * src, leaving src unchanged; weight columns keep their order.
 */

/* Add every stack of src into dst (columns matched by name; new ones added).
 * Returns -1 if dst would exceed HP_MAX_WEIGHTS columns. */
int hp_profile_merge(struct hp_profile *dst, const struct hp_profile *src, struct hp_err *err);

/* Add src's column src_col into dst's column dst_name (created when new,
 * with src's unit), merging label sets: used to build a differential
 * profile ("before"/"after") from two runs. */
int hp_profile_merge_column(struct hp_profile *dst, const struct hp_profile *src,
			    uint32_t src_col, const char *dst_name, struct hp_err *err);

enum hp_filter_mode {
	HP_FILTER_KEEP,  /* keep only stacks that pass through a matching frame */
	HP_FILTER_DROP,  /* drop stacks that pass through a matching frame */
	HP_FILTER_HIDE,  /* remove matching frames from stacks, keep weights */
};

/* Filter by an extended POSIX regex matched against each frame's display
 * name (see hp_frame_name).  Returns -1 with err set on a bad regex. */
int hp_profile_filter(struct hp_profile *dst, const struct hp_profile *src,
		      const char *regex, enum hp_filter_mode mode, bool icase,
		      struct hp_err *err);

/* Keep only stacks through a frame matching regex, re-rooted at its
 * outermost matching frame. */
int hp_profile_focus(struct hp_profile *dst, const struct hp_profile *src,
		     const char *regex, bool icase, struct hp_err *err);

/* Reverse every stack (leaf becomes root), as flamegraph.pl --reverse. */
void hp_profile_reverse(struct hp_profile *dst, const struct hp_profile *src);

/* Drop line numbers (aggregate frames per function and file). */
void hp_profile_strip_lines(struct hp_profile *dst, const struct hp_profile *src);

/* Merge all label sets into one, turning the labels named in keys (in that
 * order, outermost first) into leading frames "KEY VALUE" of kind other,
 * e.g. keys {"pid", "thread"} gives "pid 42;thread 7 (MainThread);main;...",
 * as py-spy's --threads does. */
void hp_profile_labels_to_frames(struct hp_profile *dst, const struct hp_profile *src,
				 const char *const *keys, size_t nr_keys);

/* Merge all label sets into one (thread/pid labels dropped). */
void hp_profile_unlabel(struct hp_profile *dst, const struct hp_profile *src);

#endif
