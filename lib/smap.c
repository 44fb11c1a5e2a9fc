/*
 * smap.c - a string -> integer hash map (smap.h).
 */
#include "smap.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"

/* FNV-1a of s; its length in *len. */
static uint32_t
smap_hash(const char *s, size_t *len)
{
	const char *p = s;
	uint32_t h = 2166136261u;

	for (; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	*len = (size_t)(p - s);
	return h;
}

static const char *
entry_key(const struct smap_entry *x)
{
	return x->size <= SMAP_INLINE ? x->key.in : x->key.out;
}

/* The slot of key (hash h, length len): its entry, or the free slot that ends its probe. */
static struct smap_entry *
slot(const struct smap *m, const char *key, uint32_t h, size_t len)
{
	size_t i;

	for (i = h & (m->cap - 1); m->v[i].size != 0; i = (i + 1) & (m->cap - 1)) {
		const struct smap_entry *x = &m->v[i];

		if (x->hash == h && x->size == len + 1 && memcmp(entry_key(x), key, len) == 0)
			break;
	}
	return &m->v[i];
}

struct smap_entry *
smap_find(const struct smap *m, const char *key)
{
	struct smap_entry *x;
	size_t len;
	uint32_t h;

	if (m->cap == 0)
		return NULL;
	h = smap_hash(key, &len);
	x = slot(m, key, h, len);
	return x->size != 0 ? x : NULL;
}

static struct smap_entry *
table(size_t cap)
{
	/* 64 is a multiple of the entry's size, and so the table's size is. */
	struct smap_entry *v = aligned_alloc(64, cap * sizeof(*v));

	if (v == NULL)
		oom(cap * sizeof(*v));
	memset(v, 0, cap * sizeof(*v));
	return v;
}

static void
smap_grow(struct smap *m)
{
	struct smap old = *m;

	m->cap = old.cap ? old.cap * 2 : 64;
	m->v = table(m->cap);
	for (size_t i = 0; i < old.cap; i++) {
		if (old.v[i].size != 0) {
			size_t j = old.v[i].hash & (m->cap - 1);

			while (m->v[j].size != 0)
				j = (j + 1) & (m->cap - 1);
			m->v[j] = old.v[i]; /* a longer key's memory moves with it */
		}
	}
	free(old.v);
}

void
smap_put(struct smap *m, const char *key, int64_t val)
{
	struct smap_entry *x;
	size_t len;
	uint32_t h;

	h = smap_hash(key, &len);
	x = m->cap > 0 ? slot(m, key, h, len) : NULL;
	if (x != NULL && x->size != 0) { /* replaced */
		x->val = val;
		return;
	}
	if ((m->n + 1) * 4 > m->cap * 3) {
		smap_grow(m);
		x = slot(m, key, h, len);
	}
	if (len >= UINT32_MAX) /* no CSV field is that long: memory is short first */
		oom(len);
	x->hash = h;
	x->size = (uint32_t)(len + 1);
	if (x->size <= SMAP_INLINE)
		memcpy(x->key.in, key, len + 1);
	else
		x->key.out = xstrdup(key);
	x->val = val;
	m->n++;
}

void
smap_free(struct smap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		if (m->v[i].size > SMAP_INLINE)
			free(m->v[i].key.out);
	free(m->v);
	m->v = NULL;
	m->cap = m->n = 0;
}
