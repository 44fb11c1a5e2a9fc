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

static const char *const event_names[RULES_NEVENTS] = {
    "", "accepted", "waitlisted", "refused", "promoted", "cancelled", "expired",
};

static const char *const times_fail_names[] = {"", "no_arrival", "arrival", "departure", "order"};

static const char *const full_why_names[] = {"", "no_list", "list_full"};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* The index of s in names[first..n), or -1 (also for NULL). */
static int
name_index(const char *const *names, size_t first, size_t n, const char *s)
{
	for (size_t i = first; s != NULL && i < n; i++)
		if (strcmp(s, names[i]) == 0)
			return (int)i;
	return -1;
}

const char *
rules_event_name(enum rules_event_kind k)
{
	return (unsigned)k < RULES_NEVENTS ? event_names[k] : "?";
}

int
rules_event_parse(const char *s)
{
	return name_index(event_names, 1, NELEM(event_names), s);
}

const char *
rules_times_fail_name(enum rules_times_fail f)
{
	return (unsigned)f < NELEM(times_fail_names) ? times_fail_names[f] : "?";
}

int
rules_times_fail_parse(const char *s)
{
	int i = name_index(times_fail_names, 1, NELEM(times_fail_names), s);
	return i < 0 ? RULES_TIMES_OK : i;
}

const char *
rules_full_why_name(enum rules_full_why w)
{
	return (unsigned)w < NELEM(full_why_names) ? full_why_names[w] : "?";
}

int
rules_full_why_parse(const char *s)
{
	int i = name_index(full_why_names, 1, NELEM(full_why_names), s);
	return i < 0 ? 0 : i;
}

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
	return name_index(state_names, 0, RULES_NSTATES, s);
}

int
rules_reason_parse(const char *s)
{
	return name_index(reason_names, 1, RULES_NREASONS, s);
}

int
rules_capacity(const struct rules_activity *a, int has_open_cap, int open_cap)
{
	return has_open_cap ? open_cap : a->capacity;
}

enum rules_times_fail
rules_times_check(const struct rules_activity *a, const struct rules_req *r)
{
	if (a->hours_from == RULES_NO_TIME)
		return RULES_TIMES_OK;
	if (r->arrival == RULES_NO_TIME)
		return RULES_TIMES_NO_ARRIVAL;
	if (r->arrival < a->hours_from || r->arrival > a->hours_to)
		return RULES_TIMES_ARRIVAL;
	if (r->departure == RULES_NO_TIME)
		return RULES_TIMES_OK;
	if (r->departure < a->hours_from || r->departure > a->hours_to)
		return RULES_TIMES_DEPARTURE;
	if (r->departure <= r->arrival)
		return RULES_TIMES_ORDER;
	return RULES_TIMES_OK;
}

enum rules_reason
rules_validate(const struct rules_slot *s, const struct rules_batch *b, const struct rules_req *r)
{
	if (!s->open)
		return RULES_CLOSED;
	if (!rules_on_time(s->act, s->open_days, r->day, r->submitted_at))
		return RULES_DEADLINE;
	if (r->action != RULES_RESERVE)
		return RULES_OK;
	if (rules_times_check(s->act, r) != RULES_TIMES_OK)
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
	free(w->events);
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
	struct rules_work *w;
	int32_t cause; /* seq of the cancellation whose freed place is being promoted */
	struct entry *table;
	size_t mask;
	struct rules_req **queue; /* [0, na): stored list; [na, nb): added tonight */
	size_t ha, na, nb;        /* ha: the head's index */
	long held;                /* places taken */
	long wl_len;              /* requests in the list */
	int promote;              /* promotion allowed in this slot tonight */
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

/* Append an event about r (the other facts zero). */
static struct rules_event *
emit(struct slot_state *st, enum rules_event_kind kind, const struct rules_req *r)
{
	struct rules_work *w = st->w;
	struct rules_event *ev;

	xgrow(&w->events, &w->events_cap, w->nevents + 1, sizeof(*w->events));
	ev = &w->events[w->nevents++];
	memset(ev, 0, sizeof(*ev));
	ev->kind = (uint8_t)kind;
	ev->seq = r->seq;
	ev->req = r;
	return ev;
}

/* r's position in the list as it stands (r waitlisted). */
static int32_t
list_position(const struct slot_state *st, const struct rules_req *r)
{
	int32_t k = 0;

	for (size_t i = st->ha; i < st->nb; i++) {
		if (st->queue[i]->state == RULES_WAITLISTED)
			k++;
		if (st->queue[i] == r)
			return k;
	}
	return 0;
}

static int
place_free(const struct slot_state *st)
{
	if (!st->s->open)
		return 0;
	return st->s->capacity < 0 || st->held < st->s->capacity;
}

/*
 * The head of the list (NULL when empty), skipping requests that left it:
 * the stored list first, in its stored order, then tonight's arrivals in the
 * order they joined. A request reaching a later batch never jumps ahead of
 * one already waiting, whatever its submitted_at.
 */
static struct rules_req *
head(struct slot_state *st)
{
	while (st->ha < st->nb && st->queue[st->ha]->state != RULES_WAITLISTED)
		st->ha++;
	return st->ha < st->nb ? st->queue[st->ha] : NULL;
}

/* The stored list's order: stored position, then import order. */
static int
cmp_position(const void *pa, const void *pb)
{
	const struct rules_req *a = *(struct rules_req *const *)pa;
	const struct rules_req *b = *(struct rules_req *const *)pb;
	uint32_t x = (uint32_t)a->position - 1, y = (uint32_t)b->position - 1; /* 0 last */

	if (x != y)
		return x < y ? -1 : 1;
	return (a->seq > b->seq) - (a->seq < b->seq);
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
		emit(st, RULES_EV_PROMOTED, h)->other = st->cause;
		h->state = RULES_ACCEPTED;
		h->flags |= RULES_F_CHANGED | RULES_F_PROMOTED;
		st->wl_len--;
		st->held++;
		st->c->n_promoted++;
	}
}

/* Refuse r for why, recording the facts of the refusal. */
static struct rules_event *
refuse(struct slot_state *st, struct rules_req *r, enum rules_reason why)
{
	const struct rules_activity *a = st->s->act;
	struct rules_event *ev = emit(st, RULES_EV_REFUSED, r);

	ev->reason = (uint8_t)why;
	if (why == RULES_DEADLINE) {
		ev->deadline = rules_deadline(a, st->s->open_days, r->day);
	} else if (why == RULES_TIMES) {
		ev->detail = (uint8_t)rules_times_check(a, r);
		ev->hours_from = (int16_t)a->hours_from;
		ev->hours_to = (int16_t)a->hours_to;
	}
	r->state = RULES_REFUSED;
	r->reason = (uint8_t)why;
	st->c->n_refused++;
	st->c->n_reason[why]++;
	return ev;
}

static void
reserve(struct slot_state *st, struct rules_req *r)
{
	int wl = st->s->act->waitlist;

	struct rules_req *holder = get(st, r->child);
	struct rules_event *ev;

	if (holder != NULL) {
		refuse(st, r, RULES_DUPLICATE)->other = holder->seq;
	} else if (place_free(st) && st->wl_len == 0) {
		emit(st, RULES_EV_ACCEPTED, r);
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
		emit(st, RULES_EV_WAITLISTED, r)->position = (int32_t)st->wl_len;
	} else {
		ev = refuse(st, r, RULES_FULL);
		ev->detail = wl == 0 ? RULES_FULL_NO_LIST : RULES_FULL_LIST_FULL;
		ev->position = wl > 0 ? wl : 0;
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
	struct rules_event *ev;

	emit(st, RULES_EV_ACCEPTED, r)->other = cur->seq;
	r->state = RULES_ACCEPTED;
	r->undoes = cur->seq;
	st->c->n_accepted++;
	ev = emit(st, RULES_EV_CANCELLED, cur);
	ev->other = r->seq;
	ev->prev = cur->state;
	if (cur->state == RULES_ACCEPTED) {
		st->held--;
	} else {
		ev->position = list_position(st, cur);
		st->wl_len--;
	}
	cur->state = RULES_CANCELLED;
	cur->flags |= RULES_F_CHANGED | RULES_F_CANCELLED;
	st->c->n_cancelled++;
	put(st, r->child, NULL);
	st->cause = r->seq;
	promote(st);
	st->cause = 0;
}

void
rules_resolve_slot(struct rules_work *w, const struct rules_slot *s, const struct rules_batch *b,
                   struct rules_req **reqs, size_t n, struct rules_counts *c)
{
	struct slot_state st;
	size_t cap = 16, i, first_event = w->nevents;
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
	st.w = w;
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
	if (st.na > 1)
		qsort(st.queue, st.na, sizeof(*st.queue), cmp_position);
	st.nb = st.na;

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
		for (i = 0, k = 0; i < st.nb; i++) {
			struct rules_req *r = st.queue[i];
			if (r->state == RULES_WAITLISTED) {
				emit(&st, RULES_EV_EXPIRED, r)->position = ++k;
				r->state = RULES_EXPIRED;
				r->flags |= RULES_F_CHANGED | RULES_F_EXPIRED;
				c->n_expired++;
			}
		}
	}

	/* The events the decisions say all of (rules_event.implied). */
	for (i = first_event; i < w->nevents; i++) {
		struct rules_event *ev = &w->events[i];
		if (ev->kind == RULES_EV_ACCEPTED)
			ev->implied = ev->req->state == RULES_ACCEPTED;
		else if (ev->kind == RULES_EV_REFUSED)
			ev->implied = ev->reason == RULES_CLOSED || ev->reason == RULES_DEBTOR ||
			              ev->reason == RULES_NOTHING_TO_CANCEL;
	}

	/* Positions 1..n of the list, in the order requests joined it. */
	for (i = 0; i < n; i++)
		if (reqs[i]->state != RULES_WAITLISTED)
			reqs[i]->position = 0;
	for (i = 0, k = 0; i < st.nb; i++) {
		struct rules_req *r = st.queue[i];
		if (r->state != RULES_WAITLISTED)
			continue;
		k++;
		if (r->position != k) {
			r->position = k;
			if (!(r->flags & RULES_F_CHANGED))
				r->flags |= RULES_F_MOVED;
		}
	}
}
