#include "rules.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "when.h"

static const char *const state_names[RULES_NSTATES] = {
    "pending", "accepted", "waitlisted", "refused", "expired", "cancelled",
};

static const char *const reason_names[RULES_NREASONS] = {
    "", "closed", "deadline", "times", "debtor", "full", "duplicate", "nothing_to_cancel",
};

const char *
rules_state_name(enum rules_state s)
{
	return (unsigned)s < RULES_NSTATES ? state_names[s] : "?";
}

const char *
rules_reason_name(enum rules_reason r)
{
	return (unsigned)r < RULES_NREASONS ? reason_names[r] : "?";
}

int
rules_state_parse(const char *s)
{
	for (int i = 0; i < RULES_NSTATES; i++)
		if (strcmp(s, state_names[i]) == 0)
			return i;
	return -1;
}

int
rules_reason_parse(const char *s)
{
	for (int i = 1; i < RULES_NREASONS; i++)
		if (strcmp(s, reason_names[i]) == 0)
			return i;
	return -1;
}

int
rules_capacity(const struct rules_activity *a, int has_open_cap, int open_cap)
{
	return has_open_cap ? open_cap : a->capacity;
}

int64_t
rules_deadline(const struct rules_activity *a, const struct rules_openings *o, int32_t day)
{
	(void)o;
	return ((int64_t)day - a->deadline_days) * WHEN_DAY_SECS + (int64_t)a->deadline_time * 60;
}

int
rules_on_time(const struct rules_activity *a, int32_t day, int64_t submitted_at)
{
	return submitted_at < rules_deadline(a, NULL, day);
}

static int
times_ok(const struct rules_activity *a, const struct rules_req *r)
{
	if (a->hours_from == RULES_NO_TIME)
		return 1;
	if (r->arrival == RULES_NO_TIME || r->arrival < a->hours_from || r->arrival > a->hours_to)
		return 0;
	if (r->departure == RULES_NO_TIME)
		return 1;
	return r->departure >= a->hours_from && r->departure <= a->hours_to &&
	       r->departure > r->arrival;
}

enum rules_reason
rules_validate(const struct rules_slot *s, const struct rules_batch *b, const struct rules_req *r)
{
	if (!s->open)
		return RULES_CLOSED;
	if (!rules_on_time(s->act, r->day, r->submitted_at))
		return RULES_DEADLINE;
	if (r->action != RULES_RESERVE)
		return RULES_OK;
	if (!times_ok(s->act, r))
		return RULES_TIMES;
	if (b->refuse_debtor && (r->flags & RULES_F_DEBTOR))
		return RULES_DEBTOR;
	return RULES_OK;
}

int
rules_may_promote(const struct rules_slot *s, const struct rules_batch *b)
{
	return (int64_t)s->day - b->day >= s->act->promote_days;
}

int
rules_cmp_time(const void *pa, const void *pb)
{
	const struct rules_req *a = *(struct rules_req *const *)pa;
	const struct rules_req *b = *(struct rules_req *const *)pb;

	if (a->submitted_at != b->submitted_at)
		return a->submitted_at < b->submitted_at ? -1 : 1;
	return (a->seq > b->seq) - (a->seq < b->seq);
}

void
rules_work_init(struct rules_work *w)
{
	memset(w, 0, sizeof(*w));
}

void
rules_work_release(struct rules_work *w)
{
	free(w->table);
	free(w->queue);
	rules_work_init(w);
}

/*
 * The slot's children: child -> the reservation that holds a place or waits
 * in the list for it (NULL once it is cancelled). Open addressing, linear
 * probing; keys are never removed during one slot.
 */
struct entry {
	struct rules_req *r;
	int32_t child;
	int32_t used;
};

struct slot_state {
	const struct rules_slot *s;
	const struct rules_batch *b;
	struct rules_counts *c;
	struct entry *table;
	size_t mask;
	struct rules_req **queue; /* [0, na): stored list; [na, nb): added tonight */
	size_t ha, na, hb, nb;
	long held;   /* places taken */
	long wl_len; /* requests in the list */
	int promote; /* promotion allowed in this slot tonight */
};

static struct entry *
lookup(struct slot_state *st, int32_t child)
{
	size_t i = ((uint32_t)child * 2654435761u) & st->mask;

	while (st->table[i].used && st->table[i].child != child)
		i = (i + 1) & st->mask;
	return &st->table[i];
}

static void
put(struct slot_state *st, int32_t child, struct rules_req *r)
{
	struct entry *en = lookup(st, child);

	en->used = 1;
	en->child = child;
	en->r = r;
}

static struct rules_req *
get(struct slot_state *st, int32_t child)
{
	return lookup(st, child)->r;
}

static int
place_free(const struct slot_state *st)
{
	if (!st->s->open)
		return 0;
	return st->s->capacity < 0 || st->held < st->s->capacity;
}

/* The head of the list (NULL when empty), skipping requests that left it. */
static struct rules_req *
head(struct slot_state *st)
{
	struct rules_req *a = NULL, *b = NULL;

	while (st->ha < st->na && st->queue[st->ha]->state != RULES_WAITLISTED)
		st->ha++;
	while (st->hb < st->nb && st->queue[st->hb]->state != RULES_WAITLISTED)
		st->hb++;
	if (st->ha < st->na)
		a = st->queue[st->ha];
	if (st->hb < st->nb)
		b = st->queue[st->hb];
	if (a == NULL)
		return b;
	if (b == NULL)
		return a;
	return rules_cmp_time(&a, &b) <= 0 ? a : b;
}

/* Promote heads while a place is free, the list waits and the day allows it. */
static void
promote(struct slot_state *st)
{
	struct rules_req *h;

	while (st->promote && st->wl_len > 0 && place_free(st)) {
		h = head(st);
		if (h == NULL)
			break;
		h->state = RULES_ACCEPTED;
		h->flags |= RULES_F_CHANGED | RULES_F_PROMOTED;
		st->wl_len--;
		st->held++;
		st->c->n_promoted++;
	}
}

static void
refuse(struct slot_state *st, struct rules_req *r, enum rules_reason why)
{
	r->state = RULES_REFUSED;
	r->reason = (uint8_t)why;
	st->c->n_refused++;
	st->c->n_reason[why]++;
}

static void
reserve(struct slot_state *st, struct rules_req *r)
{
	int wl = st->s->act->waitlist;

	if (get(st, r->child) != NULL) {
		refuse(st, r, RULES_DUPLICATE);
	} else if (place_free(st) && st->wl_len == 0) {
		r->state = RULES_ACCEPTED;
		st->held++;
		st->c->n_accepted++;
		put(st, r->child, r);
	} else if (wl != 0 && (wl < 0 || st->wl_len < wl)) {
		r->state = RULES_WAITLISTED;
		st->queue[st->nb++] = r;
		st->wl_len++;
		st->c->n_waitlisted++;
		put(st, r->child, r);
	} else {
		refuse(st, r, RULES_FULL);
	}
}

static void
cancel(struct slot_state *st, struct rules_req *r)
{
	struct rules_req *cur = get(st, r->child);

	if (cur == NULL) {
		refuse(st, r, RULES_NOTHING_TO_CANCEL);
		return;
	}
	r->state = RULES_ACCEPTED;
	r->undoes = cur->seq;
	st->c->n_accepted++;
	if (cur->state == RULES_ACCEPTED)
		st->held--;
	else
		st->wl_len--;
	cur->state = RULES_CANCELLED;
	cur->flags |= RULES_F_CHANGED | RULES_F_CANCELLED;
	st->c->n_cancelled++;
	put(st, r->child, NULL);
	promote(st);
}

void
rules_resolve_slot(struct rules_work *w, const struct rules_slot *s, const struct rules_batch *b,
                   struct rules_req **reqs, size_t n, struct rules_counts *c)
{
	struct slot_state st;
	size_t cap = 16, i;
	int32_t k;

	if (n > 1)
		qsort(reqs, n, sizeof(*reqs), rules_cmp_time);
	while (cap < 2 * n)
		cap *= 2;
	if (w->table_cap < cap) {
		free(w->table);
		w->table = xmalloc(cap * sizeof(struct entry));
		w->table_cap = cap;
	}
	if (w->queue_cap < n) {
		free(w->queue);
		w->queue = xmalloc((n ? n : 1) * sizeof(*w->queue));
		w->queue_cap = n;
	}
	memset(w->table, 0, cap * sizeof(struct entry));
	memset(&st, 0, sizeof(st));
	st.s = s;
	st.b = b;
	st.c = c;
	st.table = w->table;
	st.mask = cap - 1;
	st.queue = w->queue;
	st.promote = s->open && rules_may_promote(s, b);

	/* The slot as it stands: places held, the list in order. */
	for (i = 0; i < n; i++) {
		struct rules_req *r = reqs[i];
		if (r->state == RULES_ACCEPTED) {
			st.held++;
			put(&st, r->child, r);
		} else if (r->state == RULES_WAITLISTED) {
			st.queue[st.na++] = r;
			st.wl_len++;
			put(&st, r->child, r);
		}
	}
	st.hb = st.nb = st.na;

	/* 1. Free places go to the list first. */
	promote(&st);

	/* 2. The batch's requests, in order. */
	for (i = 0; i < n; i++) {
		struct rules_req *r = reqs[i];
		enum rules_reason why;

		if (r->state != RULES_PENDING)
			continue;
		r->flags |= RULES_F_CHANGED;
		c->n_requests++;
		why = rules_validate(s, b, r);
		if (why != RULES_OK)
			refuse(&st, r, why);
		else if (r->action == RULES_RESERVE)
			reserve(&st, r);
		else
			cancel(&st, r);
	}

	/* 3. The list of a day gone by is closed. */
	if (b->expire_waitlist && s->day < b->day) {
		for (i = 0; i < n; i++) {
			if (reqs[i]->state == RULES_WAITLISTED) {
				reqs[i]->state = RULES_EXPIRED;
				reqs[i]->flags |= RULES_F_CHANGED | RULES_F_EXPIRED;
				c->n_expired++;
			}
		}
	}

	/* Positions 1..n of the list, in (submitted_at, seq) order. */
	for (i = 0, k = 0; i < n; i++) {
		struct rules_req *r = reqs[i];
		if (r->state == RULES_WAITLISTED) {
			k++;
			if (r->position != k) {
				r->position = k;
				if (!(r->flags & RULES_F_CHANGED))
					r->flags |= RULES_F_MOVED;
			}
		} else {
			r->position = 0;
		}
	}
}
