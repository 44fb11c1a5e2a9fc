/* bigmem: large buffers in mappings of whole 2 MiB pages, small ones from malloc. */
#include "bigmem.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "t.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#else
#define UNDER_ASAN 0
#endif

#define MIB ((size_t)1 << 20)

/* The mapping of /proc/self/maps that starts at p: its length, or 0. */
static size_t
mapping_at(const void *p)
{
	FILE *fp = fopen("/proc/self/maps", "r");
	char line[512];
	size_t len = 0;

	if (fp == NULL)
		return 0;
	while (fgets(line, sizeof(line), fp) != NULL) {
		unsigned long lo, hi;

		if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 && lo == (uintptr_t)p) {
			len = hi - lo;
			break;
		}
	}
	fclose(fp);
	return len;
}

/*
 * The smaps entry of the mapping that starts at p: its AnonHugePages in KiB
 * into *kib and whether its VmFlags has "hg" (MADV_HUGEPAGE given) into
 * *advised; -1 when there is no such mapping.
 */
static int
smaps_at(const void *p, long *kib, int *advised)
{
	FILE *fp = fopen("/proc/self/smaps", "r");
	char line[512];
	int in = 0, found = -1;

	*kib = -1;
	*advised = 0;
	if (fp == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp) != NULL) {
		unsigned long lo, hi;
		char *sp = strchr(line, ' '), *dash = strchr(line, '-');

		if (dash != NULL && sp != NULL && dash < sp && sscanf(line, "%lx-%lx", &lo, &hi) == 2) {
			if (in)
				break;
			in = lo == (uintptr_t)p;
			if (in)
				found = 0;
		} else if (in && strncmp(line, "AnonHugePages:", 14) == 0) {
			*kib = strtol(line + 14, NULL, 10);
		} else if (in && strncmp(line, "VmFlags:", 8) == 0) {
			*advised = strstr(line, " hg") != NULL;
		}
	}
	fclose(fp);
	return found;
}

static void
fill_and_check(char *p, size_t n)
{
	for (size_t i = 0; i < n; i += 4096)
		p[i] = (char)(i / 4096);
	p[n - 1] = 'z';
	for (size_t i = 0; i < n; i += 4096)
		CHECK(p[i] == (char)(i / 4096));
	CHECK(p[n - 1] == 'z');
}

static void
test_small_from_malloc(void)
{
	char *p = bigmem_alloc(100);

	CHECK(p != NULL);
	fill_and_check(p, 100);
	if (!UNDER_ASAN)
		CHECK_INT(mapping_at(p), 0); /* inside malloc's heap, not a mapping of its own */
	bigmem_free(p, 100);
	bigmem_free(NULL, 100);
}

static void
test_large_mapped(void)
{
	/* A sort's 2 MiB of 40-byte records, 32 bytes short of 2 MiB; 3 MiB; 4 MiB. */
	size_t sizes[] = {2 * MIB / 40 * 40, 3 * MIB, 4 * MIB};

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t n = sizes[i], whole = (n + 2 * MIB - 1) / (2 * MIB) * (2 * MIB);
		char *p = bigmem_alloc(n);

		fill_and_check(p, n);
		if (!UNDER_ASAN) {
			CHECK_INT((uintptr_t)p % (2 * MIB), 0);
			/* The alignment's extra huge page is given back, head and tail. */
			CHECK_INT(mapping_at(p), whole);
		}
		bigmem_free(p, n);
		if (!UNDER_ASAN)
			CHECK_INT(mapping_at(p), 0);
	}
}

/*
 * Where the kernel offers them, the mapping is advised huge (VmFlags hg: the
 * assertion) and is backed by huge pages once touched (unless the kernel
 * has no free one: said, not failed).
 */
static void
test_huge_pages(void)
{
	char *p = bigmem_alloc(4 * MIB);
	long kib;
	int advised;

	fill_and_check(p, 4 * MIB);
	CHECK_INT(smaps_at(p, &kib, &advised), 0);
	CHECK_INT(advised, 1);
	if (kib == 0)
		printf("  note: the kernel gave no huge page (memory fragmented)\n");
	else
		CHECK_INT(kib, 4096);
	bigmem_free(p, 4 * MIB);
}

int
main(void)
{
	T_RUN(test_small_from_malloc);
	T_RUN(test_large_mapped);
	if (UNDER_ASAN)
		printf("SKIP: test_huge_pages: plain malloc under AddressSanitizer\n");
	else if (!bigmem_huge())
		printf("SKIP: test_huge_pages: transparent huge pages are off on this machine\n");
	else
		T_RUN(test_huge_pages);
	return t_status();
}
