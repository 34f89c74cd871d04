#include "core/alloc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

void hp_oom(size_t size)
{
	fprintf(stderr, "hotpath: fatal: out of memory allocating %zu bytes\n", size);
	abort();
}

void *hp_xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);
	if (!p)
		hp_oom(size);
	return p;
}

void *hp_xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
	if (!p)
		hp_oom(nmemb * size);
	return p;
}

void *hp_xrealloc(void *ptr, size_t size)
{
	void *p = realloc(ptr, size ? size : 1);
	if (!p)
		hp_oom(size);
	return p;
}

void *hp_xreallocarray(void *ptr, size_t nmemb, size_t size)
{
	if (size && nmemb > SIZE_MAX / size)
		hp_oom(SIZE_MAX);
	return hp_xrealloc(ptr, nmemb * size);
}

char *hp_xstrdup(const char *s)
{
	return hp_xstrndup(s, strlen(s));
}

char *hp_xstrndup(const char *s, size_t n)
{
	char *p = hp_xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void hp_advise_huge(void *ptr, size_t size)
{
	const uintptr_t huge = 2u << 20;
	uintptr_t start = ((uintptr_t)ptr + huge - 1) & ~(huge - 1);
	uintptr_t end = ((uintptr_t)ptr + size) & ~(huge - 1);

	if (size < 4 * huge || end <= start)
		return;
#ifdef MADV_HUGEPAGE
	(void)madvise((void *)start, end - start, MADV_HUGEPAGE);
#endif
}

/* Fault in the pages of [ptr, ptr + size) for writing in one system call.
 * A hint: any failure is harmless. */
static void prefault(void *ptr, size_t size)
{
	const uintptr_t page = 4096;
	uintptr_t start = ((uintptr_t)ptr + page - 1) & ~(page - 1);
	uintptr_t end = ((uintptr_t)ptr + size) & ~(page - 1);

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14; older kernels refuse it */
#endif
	if (end > start)
		(void)madvise((void *)start, end - start, MADV_POPULATE_WRITE);
}

void *hp_xmalloc_big(size_t size, size_t *size_out)
{
	const size_t huge = (size_t)2 << 20;
	void *p = NULL;

	if (size < HP_BIG_MIN) {
		p = hp_xmalloc(size);
		if (size >= 16384)
			prefault(p, size);
	} else {
		if (size > SIZE_MAX - huge)
			hp_oom(size);
		size = (size + huge - 1) & ~(huge - 1);
		if (posix_memalign(&p, huge, size))
			hp_oom(size);
#ifdef MADV_HUGEPAGE
		(void)madvise(p, size, MADV_HUGEPAGE);
#endif
	}
	if (size_out)
		*size_out = size;
	return p;
}
