/*
 * smap.h - a string -> integer hash map (open addressing, FNV-1a), for the
 * ids an import looks up row after row. Keys are copied: one of up to
 * SMAP_INLINE - 1 bytes (a child's or an activity's id) into its entry, so
 * that a lookup reads one cache line of the table and nothing else; a
 * longer one into memory of its own. Leaf: libc (and err.h's allocation
 * helpers, which abort on out-of-memory).
 *
 * A zeroed struct smap is an empty map; free it with smap_free().
 */
#ifndef NOCTURNE_SMAP_H
#define NOCTURNE_SMAP_H

#include <stddef.h>
#include <stdint.h>

#define SMAP_INLINE 16

/* 32 bytes, and the table aligned to a cache line: two entries per line. */
struct smap_entry {
	int64_t val;
	uint32_t hash;
	uint32_t size; /* the key's length + 1; 0: a free slot */
	union {
		char in[SMAP_INLINE]; /* size <= SMAP_INLINE */
		char *out;            /* a longer key */
	} key;
};

struct smap {
	struct smap_entry *v;
	size_t cap, n;
};

/* The entry for key, or NULL. It stays valid until the next smap_put(). */
struct smap_entry *smap_find(const struct smap *m, const char *key);

/* Set key to val (insert or replace). */
void smap_put(struct smap *m, const char *key, int64_t val);

/* Free every key and the table; m is empty again. */
void smap_free(struct smap *m);

#endif
