/* libFuzzer target: the frame walkers and everything they read (thread
 * states, PyFrameObjects, 3.11 data-stack chunks, cframes, generator
 * frames, code objects and their instructions, strings, line tables:
 * sampler/pyproc.c) over a fuzzed image of target memory.  Byte 0 picks
 * the 3.8, 3.9, 3.10, 3.11 or 3.12 layout; the rest is memory at IMG_BASE,
 * starting with the interpreter state.  Fake type objects live at fixed
 * addresses inside the image so the type checks can pass.  The 3.11
 * seeds (a data-stack scene, and one with a generator calling inline) are
 * written by tests/fuzz/mkseed_pyframes311.py. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include "sampler/pylayout.h"
#include "sampler/pyproc.h"

#define IMG_BASE UINT64_C(0x10000)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct img {
	const uint8_t *p;
	size_t len;
};

static ssize_t img_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	const struct img *im = ctx;
	size_t off, n;

	if (addr < IMG_BASE || addr - IMG_BASE >= im->len)
		return -1;
	off = (size_t)(addr - IMG_BASE);
	n = im->len - off < len ? im->len - off : len;
	memcpy(buf, im->p + off, n);
	return (ssize_t)n;
}

static void on_stack(void *ctx, pid_t pid, uint64_t tid, const struct hp_pyframe *f, size_t n)
{
	size_t *total = ctx;

	(void)pid;
	(void)tid;
	for (size_t i = 0; i < n; i++)
		*total += strlen(f[i].qualname) + strlen(f[i].filename) + (size_t)(f[i].line & 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hp_pyproc pp;
	struct hp_pysample_stats st = { 0 };
	struct img im;
	const struct hp_pylayout *l;
	size_t total = 0;

	if (size < 2)
		return 0;
	l = hp_pylayout_find(3, 8 + data[0] % 5);
	if (!l)
		return 0;
	im.p = data + 1;
	im.len = size - 1;
	hp_pyproc_init(&pp, 1);
	pp.layout = *l;
	pp.interp = IMG_BASE;
	pp.code_type = IMG_BASE + 0x100;
	pp.unicode_type = IMG_BASE + 0x200;
	pp.bytes_type = IMG_BASE + 0x300;
	pp.frame_type = IMG_BASE + 0x400;
	pp.src.read = img_read;
	pp.src.ctx = &im;
	pp.found = true;
	(void)hp_pyproc_sample(&pp, on_stack, &total, &st);
	/* with a warm cache, then with what the walks learnt (a generator,
	 * its resumer and its callee's slot, read with the decision) */
	(void)hp_pyproc_sample(&pp, on_stack, &total, &st);
	(void)hp_pyproc_sample(&pp, on_stack, &total, &st);
	hp_pyproc_release(&pp);
	return 0;
}
