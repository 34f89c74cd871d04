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
