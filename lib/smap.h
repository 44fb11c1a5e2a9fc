/*
 * smap.h - a string -> integer hash map (open addressing, FNV-1a), for the
 * ids an import looks up row after row. Keys are copied. Leaf: libc (and
 * err.h's allocation helpers, which abort on out-of-memory).
 *
 * A zeroed struct smap is an empty map; free it with smap_free().
 */
#ifndef NOCTURNE_SMAP_H
#define NOCTURNE_SMAP_H

#include <stddef.h>
#include <stdint.h>

struct smap_entry {
	char *key;
	int64_t val;
	uint32_t hash;
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
