/*
 * hp-stepper - checks the 3.11 walker (src/sampler/pyproc.c) against every
 * state a real target passes through, with the reads of one sample spread
 * over time as they are live.
 *
 *   hp-stepper [--steps N] [--stride S] [--torn K] [--quiet]
 *              [--live PER_READ,PER_KIB [--max-diff D]] -- PYTHON SCRIPT [ARGS...]
 *
 * It starts the script, waits for the interpreter, stops the main thread
 * with ptrace and single-steps it N times.  After every instruction it
 * records what the walker may read and what changes: the thread state,
 * the live part of the newest data-stack chunk and the slack read past its
 * top, the current frame of every C-level eval loop (cframe) seen so far,
 * and the headers of the frames seen outside the chunks (generators).
 * Consecutive identical states are recorded once.  Everything else (code
 * objects, strings, line tables) does not change while the target runs
 * its steady loop and is read from the stopped process.
 *
 * Then it replays hp_pyproc_sample many times with a reader that serves
 * the reads made before the chunk copy from state A, the copy from state
 * B and the reads after it from state C (A <= B <= C, a few states to a
 * few thousand apart): the live race, made exhaustive.  A delivered stack
 * must be one that the thread really had at some state from A to C, told
 * by a naive oracle (the current frame of the cframe the thread state
 * names, then `previous`; leading frames that have not started and
 * generator-making frames dropped as the walker does; a leaf standing on
 * RETURN_VALUE with stacktop >= 0 may be reported as its caller).  A walk
 * that gives no stack is an error, allowed and counted; a wrong stack is
 * "bad" and fails the run (exit 1).  One walker is reused across the
 * replays (its caches warm, as in a run), and every state is also sampled
 * by a fresh walker (cold caches, the first sample of a run).  --torn K
 * takes the copy's top K*128 bytes of frames (and the slack above) from
 * state C: process_vm_readv copies upwards while the target runs.
 *
 * --live PER_READ,PER_KIB simulates live sampling instead, to measure
 * bias: a sample starting at every recorded instruction makes each read
 * PER_READ instructions after the one before (a chunk copy PER_KIB more
 * per KiB), and the share of each leaf function among the stacks
 * reported is printed next to its share of the instructions.  With
 * --max-diff D a difference above D fails the run.  Reads far apart
 * combined naively favour long-lived frames: before the walker decided a
 * generator's callee from its slot read next to the generator's header,
 * gencalls.py's `square` got 0.00-0.15 of the samples here against 0.24
 * of the time, as it got 0.09-0.15 live.
 *
 * Exit 77 (skip) when ptrace or process_vm_readv is not permitted or the
 * interpreter is not 3.11 (the walker's data-stack mode).  A test tool,
 * not part of hotpath: it prints and exits.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sampler/linetable.h"
#include "sampler/mem.h"
#include "sampler/pyproc.h"

#define MAX_KNOWN 32
#define CHUNK_SLACK 4096
#define MAX_CHUNK (512u << 10)
#define MAX_DEPTH 2000
#define RETURN_VALUE_311 83

struct region {
	uint64_t addr;
	uint32_t len, off;
};

struct state {
	struct region *regs;
	uint32_t nregs, len;
	unsigned char *data;
	uint64_t chunk;         /* the chunk address in its thread state */
	uint64_t alt[2];        /* hashes of the stacks the oracle accepts */
	int nalt;
	const char *leaf;       /* the oracle's leaf function */
	long step;              /* the instruction it began at */
};

static pid_t g_pid;
static struct hp_pyproc g_pp;
static const struct hp_pylayout *g_l;
static uint64_t g_tstate;
static uint64_t g_cframes[MAX_KNOWN], g_outside[MAX_KNOWN];
static int g_ncf, g_nout;

static struct state *g_st;
static size_t g_nst, g_alloc;

static void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "hp-stepper: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	if (g_pid > 0)
		kill(g_pid, SIGKILL);
	exit(2);
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		die("%s", "out of memory");
	return p;
}

static uint64_t rd64(const unsigned char *p, uint32_t off)
{
	uint64_t v;

	memcpy(&v, p + off, 8);
	return v;
}

static int32_t rd32(const unsigned char *p, uint32_t off)
{
	int32_t v;

	memcpy(&v, p + off, 4);
	return v;
}

static void remember(uint64_t *set, int *n, uint64_t v)
{
	for (int i = 0; i < *n; i++)
		if (set[i] == v)
			return;
	if (*n < MAX_KNOWN)
		set[(*n)++] = v;
}

/* ---- recording ---- */

struct capture {
	struct region regs[2 + 2 * MAX_KNOWN];
	uint32_t nregs, len;
	unsigned char *data;
	size_t alloc;
	uint64_t chunk;
};

static int cap_add(struct capture *c, uint64_t addr, uint32_t len)
{
	if (c->len + len > c->alloc) {
		c->alloc = (c->len + len) * 2;
		c->data = realloc(c->data, c->alloc);
		if (!c->data)
			die("%s", "out of memory");
	}
	if (hp_mem_read(g_pid, addr, c->data + c->len, len))
		return -1;
	c->regs[c->nregs++] = (struct region){ addr, len, c->len };
	c->len += len;
	return 0;
}

static const unsigned char *cap_find(const struct capture *c, uint64_t addr, uint32_t len)
{
	for (uint32_t i = 0; i < c->nregs; i++)
		if (addr >= c->regs[i].addr && addr + len <= c->regs[i].addr + c->regs[i].len)
			return c->data + c->regs[i].off + (addr - c->regs[i].addr);
	return NULL;
}

/* What the walker may read of the thread now.  With `learn`, cframes and
 * outside frames seen are remembered (they are captured from then on). */
static int capture(struct capture *c, bool learn)
{
	const struct hp_pylayout *l = g_l;
	const unsigned char *ts;
	uint64_t chunk, top, size, cf, hi;

	c->nregs = 0;
	c->len = 0;
	if (cap_add(c, g_tstate, l->tstate_size))
		return -1;
	ts = c->data;
	chunk = rd64(ts, l->tstate_datastack_chunk);
	top = rd64(ts, l->tstate_datastack_top);
	cf = rd64(ts, l->tstate_cframe);
	c->chunk = chunk;
	if (!chunk || hp_mem_read_u64(g_pid, chunk + 8, &size) || top <= chunk ||
	    top - chunk > MAX_CHUNK || size > MAX_CHUNK)
		return -1;
	hi = top + CHUNK_SLACK < chunk + size ? top + CHUNK_SLACK : chunk + size;
	if (hi < top)
		hi = top;
	if (cap_add(c, chunk, (uint32_t)(hi - chunk)))
		return -1;
	if (learn)
		remember(g_cframes, &g_ncf, cf);
	for (int i = 0; i < g_ncf; i++)
		if (cap_add(c, g_cframes[i] + l->cframe_current_frame, 8))
			return -1;
	if (learn) {
		/* frames outside the chunk on the chain of every cframe */
		for (int i = 0; i < g_ncf; i++) {
			uint64_t f = rd64(cap_find(c, g_cframes[i] + l->cframe_current_frame, 8), 0);
			unsigned char hdr[256];

			for (int d = 0; f && d < MAX_DEPTH && l->frame_size <= sizeof(hdr); d++) {
				const unsigned char *h = cap_find(c, f, l->frame_size);

				if (!h) {
					if (hp_mem_read(g_pid, f, hdr, l->frame_size))
						break;
					h = hdr;
					remember(g_outside, &g_nout, f);
				}
				f = rd64(h, l->frame_previous);
			}
		}
	}
	for (int i = 0; i < g_nout; i++)
		if (cap_add(c, g_outside[i], l->frame_size))
			return -1;
	return 0;
}

static void keep(const struct capture *c, long step)
{
	struct state *s;

	if (g_nst) {
		const struct state *p = &g_st[g_nst - 1];

		if (p->len == c->len && p->nregs == c->nregs &&
		    !memcmp(p->regs, c->regs, c->nregs * sizeof(*c->regs)) &&
		    !memcmp(p->data, c->data, c->len))
			return;
	}
	if (g_nst == g_alloc) {
		g_alloc = g_alloc ? 2 * g_alloc : 4096;
		g_st = realloc(g_st, g_alloc * sizeof(*g_st));
		if (!g_st)
			die("%s", "out of memory");
	}
	s = &g_st[g_nst++];
	memset(s, 0, sizeof(*s));
	s->regs = xmalloc(c->nregs * sizeof(*s->regs));
	memcpy(s->regs, c->regs, c->nregs * sizeof(*s->regs));
	s->nregs = c->nregs;
	s->data = xmalloc(c->len);
	memcpy(s->data, c->data, c->len);
	s->len = c->len;
	s->chunk = c->chunk;
	s->step = step;
}

/* ---- reading a state: its regions over the stopped process ---- */

static ssize_t state_read(const struct state *s, uint64_t addr, void *buf, size_t len)
{
	ssize_t n;

	for (uint32_t i = 0; i < s->nregs; i++) {
		const struct region *r = &s->regs[i];

		if (addr >= r->addr && addr + len <= r->addr + r->len) {
			memcpy(buf, s->data + r->off + (addr - r->addr), len);
			return (ssize_t)len;
		}
	}
	n = hp_mem_read_some(g_pid, addr, buf, len);
	if (n < 0)
		return -1;
	/* overlay the parts of captured regions the read overlaps */
	for (uint32_t i = 0; i < s->nregs; i++) {
		const struct region *r = &s->regs[i];
		uint64_t lo = addr > r->addr ? addr : r->addr;
		uint64_t hi = addr + (uint64_t)n < r->addr + r->len ? addr + (uint64_t)n
								  : r->addr + r->len;

		if (lo < hi)
			memcpy((unsigned char *)buf + (lo - addr), s->data + r->off + (lo - r->addr),
			       hi - lo);
	}
	return n;
}

static int state_rd(const struct state *s, uint64_t addr, void *buf, size_t len)
{
	return state_read(s, addr, buf, len) == (ssize_t)len ? 0 : -1;
}

/* ---- the oracle ---- */

struct ocode {
	uint64_t addr;
	char name[256];
	int first, flags;
	uint8_t *lt;
	size_t ltlen;
};

static struct ocode g_codes[1024];

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * UINT64_C(0x100000001b3);
	return h;
}

static const struct ocode *ocode_get(uint64_t addr)
{
	const struct hp_pylayout *l = g_l;
	struct ocode *c = &g_codes[(addr >> 4) % 1024];
	unsigned char hdr[512], str[512];
	uint64_t q, lt, n;
	size_t need;

	if (c->addr == addr)
		return c;
	if (l->code_size > sizeof(hdr) || hp_mem_read(g_pid, addr, hdr, l->code_size))
		return NULL;
	q = rd64(hdr, l->co_qualname);
	if (hp_mem_read_some(g_pid, q, str, sizeof(str)) < (ssize_t)l->unicode_ascii_size ||
	    hp_pyproc_unicode_decode(l, str, sizeof(str), c->name, sizeof(c->name), &need))
		return NULL;
	lt = rd64(hdr, l->co_linetable);
	if (hp_mem_read_u64(g_pid, lt + l->bytes_size, &n) || n > (1u << 20))
		return NULL;
	free(c->lt);
	c->lt = xmalloc(n);
	if (hp_mem_read(g_pid, lt + l->bytes_sval, c->lt, n))
		return NULL;
	c->ltlen = n;
	c->first = rd32(hdr, l->co_firstlineno);
	c->flags = rd32(hdr, l->co_flags);
	c->addr = addr;
	return c;
}

struct oframe {
	const struct ocode *c;
	int64_t index;
	int32_t st;
	bool in_chunk;
	uint8_t op;
};

static uint64_t hash_frames(const struct oframe *f, int n)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);

	for (int i = 0; i < n; i++) {
		int line = 0;

		hp_linetable_line_fmt(g_l->linetable_format, f[i].c->lt, f[i].c->ltlen,
				      f[i].c->first, (int)f[i].index, &line);
		h = fnv(h, f[i].c->name, strlen(f[i].c->name) + 1);
		h = fnv(h, &line, sizeof(line));
	}
	return h;
}

static void oracle(struct state *s, char *desc, size_t cap)
{
	const struct hp_pylayout *l = g_l;
	static struct oframe fr[MAX_DEPTH];
	unsigned char ts[4096], hdr[256];
	uint64_t cf, f;
	int n = 0, skip = 0;

	s->nalt = 0;
	if (desc)
		desc[0] = 0;
	if (state_rd(s, g_tstate, ts, l->tstate_size))
		return;
	cf = rd64(ts, l->tstate_cframe);
	if (state_rd(s, cf + l->cframe_current_frame, &f, 8))
		return;
	while (f && n < MAX_DEPTH) {
		uint64_t code, instr;

		if (state_rd(s, f, hdr, l->frame_size))
			return;
		code = rd64(hdr, l->frame_code) & ~l->code_tag_mask;
		instr = rd64(hdr, l->frame_instr);
		fr[n].c = ocode_get(code);
		if (!fr[n].c)
			return;
		fr[n].index = instr < code + l->co_code_adaptive
				      ? -1
				      : (int64_t)((instr - code - l->co_code_adaptive) / 2);
		fr[n].st = rd32(hdr, l->frame_stacktop);
		fr[n].in_chunk = f >= s->chunk && f < s->chunk + MAX_CHUNK &&
				 hdr[l->frame_owner] == 0;
		fr[n].op = 0;
		if (fr[n].index >= 0)
			hp_mem_read(g_pid, code + l->co_code_adaptive + (uint64_t)fr[n].index * 2,
				    &fr[n].op, 1);
		n++;
		f = rd64(hdr, l->frame_previous);
	}
	if (f)
		return;
	while (skip < n - 1 &&
	       (fr[skip].index < 0 || (fr[skip].in_chunk && (fr[skip].c->flags & 0x2a0))))
		skip++;
	if (n == 0)
		return;
	s->alt[s->nalt++] = hash_frames(fr + skip, n - skip);
	s->leaf = fr[skip].c->name;
	if (n - skip > 1 && fr[skip].st >= 0 && fr[skip].op == RETURN_VALUE_311)
		s->alt[s->nalt++] = hash_frames(fr + skip + 1, n - skip - 1);
	for (int i = skip; desc && i < n && strlen(desc) + 300 < cap; i++) {
		int line = 0;

		hp_linetable_line_fmt(g_l->linetable_format, fr[i].c->lt, fr[i].c->ltlen,
				      fr[i].c->first, (int)fr[i].index, &line);
		snprintf(desc + strlen(desc), cap - strlen(desc), "%s%s:%d[st %d idx %lld op %u]",
			 i > skip ? ";" : "", fr[i].c->name, line, fr[i].st,
			 (long long)fr[i].index, fr[i].op);
	}
}

/* ---- replay ---- */

struct replay {
	const struct state *a, *b, *c;
	int phase;              /* 0 before the chunk copy, 1 after */
	int torn;               /* 0, or the copy's last torn*128 bytes of the
				   live part and above from c */
	bool timed;             /* each read at its own instruction: cursor,
				   advanced per_read per request and per_kb per
				   KiB copied */
	long cursor, per_read, per_kb;
};

static size_t state_at(long t);

static ssize_t replay_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	struct replay *r = ctx;

	if (r->timed) {
		const struct state *s = &g_st[state_at(r->cursor)];
		long copy = (long)(len * (size_t)r->per_kb / 1024);
		ssize_t n = state_read(s, addr, buf, len);
		uint64_t top;

		/* a chunk copy: its top 128 bytes of frames and what lies
		 * above them come from where the copy has got to by then */
		if (len > 64 && addr == s->chunk && n == (ssize_t)len &&
		    !state_rd(s, g_tstate + g_l->tstate_datastack_top, &top, 8) &&
		    top >= addr + 24 + 128 && top <= addr + len) {
			size_t split = (size_t)(top - addr) - 128;
			unsigned char *tmp = xmalloc(len);

			if (state_read(&g_st[state_at(r->cursor + copy)], addr, tmp, len) ==
			    (ssize_t)len)
				memcpy((unsigned char *)buf + split, tmp + split, len - split);
			free(tmp);
		}
		r->cursor += r->per_read + copy;
		return n;
	}
	if (r->phase == 0 && len > 64 && addr == r->a->chunk) {
		ssize_t n = state_read(r->b, addr, buf, len);
		unsigned char *tmp;
		size_t split = 0;
		uint64_t top;

		r->phase = 1;
		/* process_vm_readv copies upwards while the target runs: the
		 * frames high in the chunk may come from a later state */
		if (!r->torn || n != (ssize_t)len ||
		    state_rd(r->a, g_tstate + g_l->tstate_datastack_top, &top, 8) ||
		    top < addr + 24 + 128 * (uint64_t)r->torn || top > addr + len)
			return n;
		split = (size_t)(top - addr) - 128 * (size_t)r->torn;
		tmp = xmalloc(len);
		if (state_read(r->c, addr, tmp, len) == (ssize_t)len)
			memcpy((unsigned char *)buf + split, tmp + split, len - split);
		free(tmp);
		return n;
	}
	return state_read(r->phase ? r->c : r->a, addr, buf, len);
}

struct got {
	int calls;
	uint64_t hash;
	char desc[4096];
};

static void on_stack(void *ctx, pid_t pid, uint64_t tid, const struct hp_pyframe *f, size_t n)
{
	struct got *g = ctx;
	uint64_t h = UINT64_C(0xcbf29ce484222325);

	(void)pid;
	(void)tid;
	g->calls++;
	g->desc[0] = 0;
	for (size_t i = 0; i < n; i++) {
		h = fnv(h, f[i].qualname, strlen(f[i].qualname) + 1);
		h = fnv(h, &f[i].line, sizeof(f[i].line));
		if (strlen(g->desc) + 300 < sizeof(g->desc))
			snprintf(g->desc + strlen(g->desc), sizeof(g->desc) - strlen(g->desc),
				 "%s%s:%d", i ? ";" : "", f[i].qualname, f[i].line);
	}
	g->hash = h;
}

static void pp_like(struct hp_pyproc *pp, struct replay *r)
{
	hp_pyproc_init(pp, g_pid);
	pp->layout = g_pp.layout;
	pp->interp = g_pp.interp;
	pp->runtime = g_pp.runtime;
	pp->code_type = g_pp.code_type;
	pp->unicode_type = g_pp.unicode_type;
	pp->bytes_type = g_pp.bytes_type;
	pp->frame_type = g_pp.frame_type;
	pp->version_hex = g_pp.version_hex;
	pp->src.read = replay_read;
	pp->src.ctx = r;
	pp->found = true;
}

static uint64_t g_replays, g_bad, g_errors, g_empty, g_split, g_retries;
static int g_torn;

/* retries per leaf function of the state the copy came from */
static struct {
	const char *leaf;
	uint64_t replays, retried, at_b;
} g_leaves[16];

static void count_leaf(const char *leaf, bool retried, bool at_b)
{
	int i;

	for (i = 0; i < 16 && g_leaves[i].leaf && g_leaves[i].leaf != leaf; i++)
		;
	if (i == 16)
		return;
	g_leaves[i].leaf = leaf;
	g_leaves[i].replays++;
	g_leaves[i].retried += retried;
	g_leaves[i].at_b += at_b;
}

static bool accepted(uint64_t h, size_t a, size_t c)
{
	for (size_t i = a; i <= c; i++)
		for (int k = 0; k < g_st[i].nalt; k++)
			if (g_st[i].alt[k] == h)
				return true;
	return false;
}

static void replay_one(struct hp_pyproc *pp, struct replay *r, size_t a, size_t b, size_t c,
		       bool cold, bool quiet)
{
	struct got g;
	struct hp_pysample_stats st;
	struct hp_pyproc fresh;

	memset(&g, 0, sizeof(g));
	memset(&st, 0, sizeof(st));
	r->a = &g_st[a];
	r->b = &g_st[b];
	r->c = &g_st[c];
	r->phase = 0;
	r->timed = false;
	r->torn = cold ? 0 : g_torn;
	if (cold) {
		pp_like(&fresh, r);
		pp = &fresh;
	}
	hp_pyproc_sample(pp, on_stack, &g, &st);
	g_split += r->phase && a != c;
	if (cold)
		hp_pyproc_release(&fresh);
	g_replays++;
	g_retries += st.retries;
	if (!cold && g_st[b].leaf)
		count_leaf(g_st[b].leaf, st.retries > 0, g.calls && accepted(g.hash, b, b));
	if (!g.calls) {
		g_errors += st.errors > 0;
		g_empty += !st.errors;
		return;
	}
	if (accepted(g.hash, a, c))
		return;
	g_bad++;
	if (!quiet && g_bad <= 8) {
		char d[4096];

		fprintf(stderr, "BAD%s: states A %zu B %zu C %zu\n  got    %s\n", cold ? " (cold)" : "",
			a, b, c, g.desc);
		for (size_t i = a; i <= c && i < a + 6; i++) {
			oracle(&g_st[i], d, sizeof(d));
			fprintf(stderr, "  %5zu  %s\n", i, d);
		}
		if (c > a + 6) {
			oracle(&g_st[c], d, sizeof(d));
			fprintf(stderr, "  %5zu  %s\n", c, d);
		}
	}
}

/* The state current at instruction t of the recording. */
static size_t state_at(long t)
{
	size_t lo = 0, hi = g_nst;

	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;

		if (g_st[mid].step <= t)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* Live sampling simulated on the recording: a sample starting at every
 * instruction t (stride apart) makes each read per_read instructions
 * after the one before, a chunk copy taking per_kb more per KiB (its top
 * 128 bytes of frames and what lies above come from where the copy has
 * got to by then), retries included.  Prints the share of each leaf
 * function among the stacks it reports against its share of the time
 * (of the instructions); a stack that is not one the thread had between
 * the first and the last read is bad.  Returns the largest difference
 * between the two shares. */
static double live_shares(long per_read, long per_kb, long stride)
{
	struct {
		const char *leaf;
		uint64_t truth, got;
	} sh[16];
	int nsh = 0;
	uint64_t total = 0, got_total = 0;
	long first = g_st[0].step, last = g_st[g_nst - 1].step;
	struct hp_pyproc warm;
	struct replay r;
	double worst = 0;

	memset(sh, 0, sizeof(sh));
	memset(&r, 0, sizeof(r));
	pp_like(&warm, &r);
	for (long t = first; t + 200 * per_read + 16 * per_kb <= last; t += stride) {
		size_t a = state_at(t), c;
		struct got g;
		struct hp_pysample_stats st;
		const char *tl = g_st[a].leaf;
		int i;

		memset(&g, 0, sizeof(g));
		memset(&st, 0, sizeof(st));
		r.a = r.b = r.c = &g_st[a];
		r.timed = true;
		r.cursor = t;
		r.per_read = per_read;
		r.per_kb = per_kb;
		hp_pyproc_sample(&warm, on_stack, &g, &st);
		if (r.cursor > last)
			break;
		c = state_at(r.cursor);
		g_replays++;
		g_retries += st.retries;
		if (!g.calls) {
			g_errors++;
		} else if (!accepted(g.hash, a, c)) {
			g_bad++;
			if (g_bad <= 8)
				fprintf(stderr, "BAD (live): states %zu to %zu: %s\n", a, c, g.desc);
		}
		for (i = 0; i < nsh && sh[i].leaf != tl; i++)
			;
		if (i == nsh && nsh < 16)
			sh[nsh++].leaf = tl;
		if (i < 16)
			sh[i].truth++;
		total++;
		if (g.calls) {
			size_t len = strcspn(g.desc, ":");

			got_total++;
			for (i = 0; i < nsh; i++)
				if (sh[i].leaf && strlen(sh[i].leaf) == len &&
				    !strncmp(sh[i].leaf, g.desc, len))
					break;
			if (i < nsh)
				sh[i].got++;
		}
	}
	hp_pyproc_release(&warm);
	printf("live, each read %ld instructions after the last, %ld per KiB copied: %llu "
	       "samples\n",
	       per_read, per_kb, (unsigned long long)total);
	for (int i = 0; i < nsh && total && got_total; i++) {
		double tshare = (double)sh[i].truth / (double)total;
		double gshare = (double)sh[i].got / (double)got_total;

		printf("  %-24s time %.3f  sampled %.3f\n", sh[i].leaf ? sh[i].leaf : "?", tshare,
		       gshare);
		if (fabs(tshare - gshare) > worst)
			worst = fabs(tshare - gshare);
	}
	printf("largest share difference %.3f\n", worst);
	return worst;
}

int main(int argc, char **argv)
{
	static const size_t offs[] = { 0, 1, 2, 3, 5, 8, 13, 32, 100, 400, 2000 };
	const size_t noffs = sizeof(offs) / sizeof(offs[0]);
	long steps = 200000, stride = 1, live[2] = { -1, 0 };
	double max_diff = -1;
	bool quiet = false;
	struct hp_err err;
	struct capture cap;
	struct replay r;
	struct timespec t0, t1;
	int argi = 1, status;
	enum hp_pyfind fr = HP_PYFIND_NOT_YET;

	for (; argi < argc && strcmp(argv[argi], "--"); argi++) {
		if (!strcmp(argv[argi], "--steps") && argi + 1 < argc)
			steps = atol(argv[++argi]);
		else if (!strcmp(argv[argi], "--stride") && argi + 1 < argc)
			stride = atol(argv[++argi]);
		else if (!strcmp(argv[argi], "--live") && argi + 1 < argc)
			sscanf(argv[++argi], "%ld,%ld", &live[0], &live[1]);
		else if (!strcmp(argv[argi], "--max-diff") && argi + 1 < argc)
			max_diff = atof(argv[++argi]);
		else if (!strcmp(argv[argi], "--torn") && argi + 1 < argc)
			g_torn = atoi(argv[++argi]);
		else if (!strcmp(argv[argi], "--quiet"))
			quiet = true;
		else
			die("unknown option %s", argv[argi]);
	}
	if (argi + 2 > argc || steps < 100 || stride < 1)
		die("%s", "usage: hp-stepper [--steps N] [--stride S] [--torn K] [--quiet] "
			  "[--live PER_READ,PER_KIB [--max-diff D]] -- PYTHON SCRIPT [ARGS]");
	argi++;
	g_pid = fork();
	if (g_pid < 0)
		die("fork: %s", strerror(errno));
	if (g_pid == 0) {
		execvp(argv[argi], argv + argi);
		_exit(127);
	}
	hp_pyproc_init(&g_pp, g_pid);
	for (int i = 0; i < 1000 && fr == HP_PYFIND_NOT_YET; i++) {
		fr = hp_pyproc_find(&g_pp, &err);
		if (fr == HP_PYFIND_NOT_YET)
			usleep(10000);
	}
	if (fr == HP_PYFIND_DENIED) {
		printf("skip: %s\n", err.msg);
		kill(g_pid, SIGKILL);
		return 77;
	}
	if (fr != HP_PYFIND_OK)
		die("no interpreter found: %s", fr == HP_PYFIND_NOT_YET ? "timed out" : err.msg);
	g_l = &g_pp.layout;
	if (!g_l->tstate_datastack_chunk || !g_l->tstate_cframe || !g_l->frame_stacktop) {
		printf("skip: Python %s has no data-stack layout with cframes (3.11 only)\n",
		       g_pp.version);
		kill(g_pid, SIGKILL);
		return 77;
	}
	usleep(400000); /* past imports, into the steady loop */
	if (ptrace(PTRACE_SEIZE, g_pid, 0, 0) || ptrace(PTRACE_INTERRUPT, g_pid, 0, 0)) {
		printf("skip: ptrace not permitted: %s\n", strerror(errno));
		kill(g_pid, SIGKILL);
		return 77;
	}
	if (waitpid(g_pid, &status, __WALL) != g_pid || !WIFSTOPPED(status))
		die("%s", "the target did not stop");
	if (hp_mem_read_u64(g_pid, g_pp.interp + g_l->interp_threads_head, &g_tstate) || !g_tstate)
		die("%s", "no thread state");
	memset(&cap, 0, sizeof(cap));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < steps; i++) {
		int sig = 0;
		bool learn = i < steps / 4;

		if (capture(&cap, learn) == 0 && !learn)
			keep(&cap, i);
		for (;;) {
			if (ptrace(PTRACE_SINGLESTEP, g_pid, 0, sig))
				die("singlestep: %s", strerror(errno));
			if (waitpid(g_pid, &status, __WALL) != g_pid)
				die("waitpid: %s", strerror(errno));
			if (WIFEXITED(status) || WIFSIGNALED(status))
				die("%s", "the target ended while stepped (give it a longer run)");
			sig = WSTOPSIG(status) == SIGTRAP ? 0 : WSTOPSIG(status);
			if (!sig)
				break;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (g_nst < 2)
		die("%s", "fewer than two states recorded");
	for (size_t i = 0; i < g_nst; i++)
		oracle(&g_st[i], NULL, 0);
	{
		size_t nalt = 0;

		for (size_t i = 0; i < g_nst; i++)
			nalt += g_st[i].nalt > 0;
		printf("steps %ld (%.1f s), states %zu (%zu with an oracle stack), cframes %d, "
		       "outside frames %d\n",
		       steps, (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9, g_nst,
		       nalt, g_ncf, g_nout);
	}
	if (live[0] >= 0) {
		if (live_shares(live[0], live[1], stride) > max_diff && max_diff >= 0)
			g_bad++;
	} else {
		struct hp_pyproc warm;

		pp_like(&warm, &r);
		for (size_t b = 0; b < g_nst; b += (size_t)stride) {
			for (size_t ia = 0; ia < noffs && offs[ia] <= b; ia++)
				for (size_t ic = 0; ic < noffs && b + offs[ic] < g_nst; ic++)
					replay_one(&warm, &r, b - offs[ia], b, b + offs[ic], false,
						   quiet);
			replay_one(NULL, &r, b, b, b, true, quiet);
			if (b >= 3)
				replay_one(NULL, &r, b - 3, b, b + 3 < g_nst ? b + 3 : b, true, quiet);
		}
		hp_pyproc_release(&warm);
	}
	for (int i = 0; i < 16 && g_leaves[i].leaf && !quiet; i++)
		printf("  copied with %s on top: %llu replays, %.1f %% retried, %.1f %% as copied\n",
		       g_leaves[i].leaf, (unsigned long long)g_leaves[i].replays,
		       100.0 * (double)g_leaves[i].retried / (double)g_leaves[i].replays,
		       100.0 * (double)g_leaves[i].at_b / (double)g_leaves[i].replays);
	printf("replays %llu (%llu with the copy apart from other reads), bad %llu, "
	       "errors %llu (%.2f %%), retries %llu, no stack %llu\n",
	       (unsigned long long)g_replays, (unsigned long long)g_split, (unsigned long long)g_bad,
	       (unsigned long long)g_errors, 100.0 * (double)g_errors / (double)g_replays,
	       (unsigned long long)g_retries, (unsigned long long)g_empty);
	kill(g_pid, SIGKILL);
	waitpid(g_pid, &status, __WALL);
	free(cap.data);
	for (size_t i = 0; i < g_nst; i++) {
		free(g_st[i].regs);
		free(g_st[i].data);
	}
	free(g_st);
	for (size_t i = 0; i < sizeof(g_codes) / sizeof(g_codes[0]); i++)
		free(g_codes[i].lt);
	hp_pyproc_release(&g_pp);
	return g_bad ? 1 : 0;
}
