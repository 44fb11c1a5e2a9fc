#include "smap.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"

static uint32_t
smap_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

struct smap_entry *
smap_find(const struct smap *m, const char *key)
{
	uint32_t h;
	size_t i;

	if (m->cap == 0)
		return NULL;
	h = smap_hash(key);
	for (i = h & (m->cap - 1); m->v[i].key != NULL; i = (i + 1) & (m->cap - 1))
		if (m->v[i].hash == h && strcmp(m->v[i].key, key) == 0)
			return &m->v[i];
	return NULL;
}

static void
smap_grow(struct smap *m)
{
	struct smap old = *m;

	m->cap = old.cap ? old.cap * 2 : 64;
	m->v = xcalloc(m->cap, sizeof(*m->v));
	m->n = 0;
	for (size_t i = 0; i < old.cap; i++) {
		if (old.v[i].key != NULL) {
			size_t j = old.v[i].hash & (m->cap - 1);
			while (m->v[j].key != NULL)
				j = (j + 1) & (m->cap - 1);
			m->v[j] = old.v[i];
			m->n++;
		}
	}
	free(old.v);
}

void
smap_put(struct smap *m, const char *key, int64_t val)
{
	struct smap_entry *f = smap_find(m, key);
	uint32_t h;
	size_t i;

	if (f != NULL) {
		f->val = val;
		return;
	}
	if ((m->n + 1) * 4 > m->cap * 3)
		smap_grow(m);
	h = smap_hash(key);
	for (i = h & (m->cap - 1); m->v[i].key != NULL; i = (i + 1) & (m->cap - 1))
		;
	m->v[i].key = xstrdup(key);
	m->v[i].val = val;
	m->v[i].hash = h;
	m->n++;
}

void
smap_free(struct smap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->v[i].key);
	free(m->v);
	memset(m, 0, sizeof(*m));
}
