#include "bigmem.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "err.h"

/* The size of a transparent huge page on x86-64 and arm64 (4 KiB base pages). */
#define HUGE_PAGE ((size_t)2 << 20)

#if defined(__SANITIZE_ADDRESS__)
#define BIGMEM_MALLOC 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BIGMEM_MALLOC 1
#endif
#endif

/* Below half a huge page, or under ASan: from malloc. */
static int
from_malloc(size_t n)
{
#ifdef BIGMEM_MALLOC
	(void)n;
	return 1;
#else
	return n < HUGE_PAGE / 2;
#endif
}

static size_t
rounded(size_t n)
{
	return (n + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
}

void *
bigmem_alloc(size_t n)
{
	size_t len, lead;
	char *map, *p;

	if (from_malloc(n))
		return xmalloc(n);
	/* Map a huge page more than needed, then unmap what lies outside
	 * the 2 MiB-aligned part. */
	len = rounded(n);
	map =
	    mmap(NULL, len + HUGE_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED)
		oom(n);
	p = (char *)(((uintptr_t)map + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1));
	lead = (size_t)(p - map);
	if (lead > 0)
		munmap(map, lead);
	munmap(p + len, HUGE_PAGE - lead);
	/* Only advice: without it (or without huge pages) the mapping works the same. */
	(void)madvise(p, len, MADV_HUGEPAGE);
	return p;
}

void
bigmem_free(void *p, size_t n)
{
	if (p == NULL)
		return;
	if (from_malloc(n))
		free(p);
	else
		munmap(p, rounded(n));
}

#ifdef BIGMEM_MALLOC
int
bigmem_huge(void)
{
	return 0; /* no mapping of its own to advise */
}
#else
int
bigmem_huge(void)
{
	static int known, huge;
	FILE *fp;
	char line[128];

	if (known)
		return huge;
	known = 1;
	fp = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "re");
	if (fp == NULL)
		return 0;
	if (fgets(line, sizeof(line), fp) != NULL)
		huge = strstr(line, "[always]") != NULL || strstr(line, "[madvise]") != NULL;
	fclose(fp);
	return huge;
}
#endif
