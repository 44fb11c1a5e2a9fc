/*
 * bigmem.h - large working memory (the external sorts' buffers, runsort.h;
 * SQLite's page pool, db_page_pool in db.h), each in a mapping of its own
 * that the kernel may back with transparent huge pages.
 *
 * A sort's buffer is a few megabytes written once from end to end. Taken
 * from malloc, its first touch costs one page fault per 4 KiB page: on the
 * virtual machines nocturne runs on, 11 us each, 22 ms for 8 MiB, a tenth
 * of a 100k night. In 2 MiB pages it is one fault per 2 MiB (0.6 ms for 8
 * MiB). Where the kernel gives no huge pages (transparent_hugepage set to
 * never), the mapping is an ordinary one, as fast as malloc's. The memory
 * is the same: a full buffer is touched from end to end anyway.
 *
 *   char *p = bigmem_alloc(n);   ...   bigmem_free(p, n);
 *
 * Under AddressSanitizer both are plain malloc and free, so that the
 * buffers keep its bounds checks.
 */
#ifndef NOCTURNE_BIGMEM_H
#define NOCTURNE_BIGMEM_H

#include <stddef.h>

/* n bytes, in a mapping of whole 2 MiB pages when n is at least 1 MiB (a
 * sort's 2 MiB of records is a few bytes short of one); aborts with a
 * message when memory is out, as xmalloc does. */
void *bigmem_alloc(size_t n);

/* Give back what bigmem_alloc(n) returned, with the same n; NULL is nothing. */
void bigmem_free(void *p, size_t n);

/* 1 when the kernel backs bigmem_alloc's mappings with huge pages
 * (transparent_hugepage is "always" or "madvise"), else 0. */
int bigmem_huge(void);

#endif
