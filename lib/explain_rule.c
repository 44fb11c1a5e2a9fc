#include "explain_rule.h"

#include <stdlib.h>
#include <string.h>

#include "french.h"
#include "rules.h"
#include "textout.h"
#include "when.h"

/* ---- the request's recorded events ----------------------------------- */

static int
collect(const struct db_event *ev, void *arg)
{
	struct explain_rule_events *l = arg;
	struct db_event *c;

	xgrow(&l->v, &l->cap, l->n + 1, sizeof(*l->v));
	c = &l->v[l->n++];
	*c = *ev;
	c->other_id = ev->other_id ? xstrdup(ev->other_id) : NULL;
	return 0;
}

void
explain_rule_events_release(struct explain_rule_events *l)
{
	for (size_t i = 0; i < l->n; i++)
		free((char *)l->v[i].other_id);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

int
explain_rule_events_read(struct db *db, long long seq, long long batch_id,
                         struct explain_rule_events *l, struct err *e)
{
	return db_event_list(db, seq, batch_id, collect, l, e) < 0 ? -1 : 0;
}

/* The last event of kind in batch (0: any batch), or NULL. */
static const struct db_event *
find(const struct explain_rule_events *l, long long batch, int kind)
{
	for (size_t i = l->n; i-- > 0;)
		if (l->v[i].kind == kind && (batch == 0 || l->v[i].batch_id == batch))
			return &l->v[i];
	return NULL;
}

/* The first event of kind (any batch), or NULL. */
static const struct db_event *
find_first(const struct explain_rule_events *l, int kind)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].kind == kind)
			return &l->v[i];
	return NULL;
}

/* ---- words ------------------------------------------------------------- */

static const char *
hhmm(int minutes, char buf[WHEN_TIME_LEN])
{
	when_format_time(minutes, buf);
	return buf;
}

/* The activity's rules as they are now (for the deadline and the hours). */
static void
activity_now(const struct db_request *r, struct rules_activity *a, struct rules_openings *o)
{
	memset(a, 0, sizeof(*a));
	a->deadline_days = (int)r->deadline_days;
	a->deadline_time = r->deadline_time;
	a->deadline_rule = r->deadline_rule;
	a->deadline_wday = r->deadline_wday;
	a->hours_from = r->has_hours ? r->hours_from : RULES_NO_TIME;
	a->hours_to = r->has_hours ? r->hours_to : RULES_NO_TIME;
	o->days = r->open_days;
	o->n = r->n_open_days;
}

/* "la veille ouvrée (vendredi 06 décembre 2019) à 11 h 00" by the current rule. */
static void
deadline_words(const struct db_request *r, char *buf, size_t n)
{
	struct rules_activity a;
	struct rules_openings o;

	activity_now(r, &a, &o);
	french_deadline(a.deadline_rule, a.deadline_days, a.deadline_wday,
	                rules_deadline_day(&a, &o, r->day), a.deadline_time, buf, n);
}

static void
deadline_recorded(FILE *out, const struct db_request *r, const struct db_event *ev)
{
	struct rules_activity a;
	struct rules_openings o;
	char sub[WHEN_DATETIME_LEN], words[160], d[FRENCH_DATE_LEN], t[FRENCH_TIME_LEN];
	int64_t now_limit;

	activity_now(r, &a, &o);
	now_limit = rules_deadline(&a, &o, r->day);
	when_format_datetime(r->submitted_at, sub);
	fprintf(out, "refused: submitted %s, %s: ", sub,
	        r->submitted_at == ev->deadline ? "at the deadline (on time means before it)"
	                                        : "after the deadline");
	deadline_words(r, words, sizeof(words));
	if (now_limit == ev->deadline) {
		fputs(words, out);
	} else {
		french_date(when_day_of(ev->deadline), d);
		french_time(
		    (int)((ev->deadline - (int64_t)when_day_of(ev->deadline) * WHEN_DAY_SECS) / 60),
		    t);
		fprintf(out, "%s à %s (the activity's deadline has changed since: now %s)", d, t,
		        words);
	}
}

/* Before the record: the current rule, said as such. */
static void
deadline_unrecorded(FILE *out, const struct db_request *r)
{
	struct rules_activity a;
	struct rules_openings o;
	char sub[WHEN_DATETIME_LEN], words[160];
	int64_t limit;

	activity_now(r, &a, &o);
	limit = rules_deadline(&a, &o, r->day);
	deadline_words(r, words, sizeof(words));
	when_format_datetime(r->submitted_at, sub);
	if (r->submitted_at > limit)
		fprintf(out, "refused: submitted %s, after the deadline: %s", sub, words);
	else if (r->submitted_at == limit)
		fprintf(out, "refused: submitted %s, at the deadline (on time means before it): %s",
		        sub, words);
	else
		fprintf(out,
		        "refused: submitted %s, before the activity's current deadline: %s "
		        "(its settings changed since)",
		        sub, words);
}

/*
 * The hours check that failed, from the facts: recorded (the hours applied,
 * said "then") or recomputed by rules.c on the current hours.
 */
static void
times_words(FILE *out, const struct db_request *r, enum rules_times_fail f, int from, int to,
            int recorded)
{
	char a[WHEN_TIME_LEN], b[WHEN_TIME_LEN], h1[WHEN_TIME_LEN], h2[WHEN_TIME_LEN];
	const char *then = recorded ? "then " : "";

	hhmm(from, h1);
	hhmm(to, h2);
	switch (f) {
	case RULES_TIMES_NO_ARRIVAL:
		fprintf(out, "refused: no arrival time, and the activity's hours %s %s-%s",
		        recorded ? "were" : "are", h1, h2);
		break;
	case RULES_TIMES_ARRIVAL:
		fprintf(out, "refused: arrival %s is outside the activity's hours %s%s-%s",
		        hhmm(r->arrival, a), then, h1, h2);
		break;
	case RULES_TIMES_DEPARTURE:
		fprintf(out, "refused: departure %s is outside the activity's hours %s%s-%s",
		        hhmm(r->departure, b), then, h1, h2);
		break;
	case RULES_TIMES_ORDER:
		fprintf(out, "refused: departure %s is not after arrival %s", hhmm(r->departure, b),
		        hhmm(r->arrival, a));
		break;
	default:
		fprintf(out,
		        "refused: the times did not fit the activity's hours (now %s-%s: its "
		        "settings changed since)",
		        h1, h2);
	}
}

static void
times_unrecorded(FILE *out, const struct db_request *r)
{
	struct rules_activity a;
	struct rules_openings o;
	struct rules_req q;

	if (!r->has_hours) {
		fputs("refused: the times did not fit the activity's hours (it has no hours now)",
		      out);
		return;
	}
	activity_now(r, &a, &o);
	memset(&q, 0, sizeof(q));
	q.arrival = (int16_t)(r->has_arrival ? r->arrival : RULES_NO_TIME);
	q.departure = (int16_t)(r->has_departure ? r->departure : RULES_NO_TIME);
	times_words(out, r, rules_times_check(&a, &q), r->hours_from, r->hours_to, 0);
}

/* The reasons whose words do not depend on the record. */
static int
refused_common(FILE *out, const struct db_request *r, const char *why)
{
	char d[WHEN_DATE_LEN];

	if (strcmp(why, "closed") == 0) {
		when_format_date(r->day, d);
		fprintf(out, "refused: the activity was not open on %s (no opening that day)", d);
		if (r->open)
			fputs("; it has an opening now, imported since", out);
	} else if (strcmp(why, "debtor") == 0) {
		fputs("refused: the family's balance was below zero (balance now ", out);
		textout_money(out, r->balance_cents);
		fputs(")", out);
	} else if (strcmp(why, "nothing_to_cancel") == 0) {
		fputs("refused: the child held no place and was not on the waiting list for this "
		      "slot",
		      out);
	} else {
		return 0;
	}
	return 1;
}

/* A duplicate's refusal; holder: the request that held the slot, if known. */
static void
duplicate_words(FILE *out, const char *holder)
{
	fputs("refused: the child already held a place or was on the waiting list for this slot",
	      out);
	if (holder != NULL) {
		fputs(" (request ", out);
		textout_put(out, holder, 0);
		fputs(")", out);
	}
}

static void
refused_recorded(FILE *out, const struct db_request *r, const struct db_event *ev)
{
	const char *why = r->reason ? r->reason : "";

	if (refused_common(out, r, why))
		return;
	switch (ev->reason) {
	case RULES_DEADLINE:
		deadline_recorded(out, r, ev);
		break;
	case RULES_TIMES:
		times_words(out, r, ev->detail, ev->hours_from, ev->hours_to, 1);
		break;
	case RULES_FULL:
		fputs("refused: no place was free", out);
		if (ev->detail == RULES_FULL_NO_LIST)
			fputs(" and the activity had no waiting list", out);
		else
			fprintf(out, " and the waiting list was full (at most %lld)", ev->position);
		break;
	case RULES_DUPLICATE:
		duplicate_words(out, ev->other_id);
		break;
	default:
		fprintf(out, "refused (%s)", why);
	}
}

static void
refused_unrecorded(FILE *out, const struct db_request *r)
{
	const char *why = r->reason ? r->reason : "";

	if (refused_common(out, r, why))
		return;
	if (strcmp(why, "deadline") == 0) {
		deadline_unrecorded(out, r);
	} else if (strcmp(why, "times") == 0) {
		times_unrecorded(out, r);
	} else if (strcmp(why, "full") == 0) {
		fputs("refused: no place was free", out);
		if (r->waitlist == 0)
			fputs(" (the activity has no waiting list now)", out);
		else if (r->waitlist > 0)
			fprintf(out, " (the waiting list holds at most %lld now)", r->waitlist);
	} else if (strcmp(why, "duplicate") == 0) {
		duplicate_words(out, r->holder_id);
	} else {
		fprintf(out, "refused (%s)", why);
	}
}

static void
waitlisted_words(FILE *out, const struct db_request *r)
{
	fprintf(out, "waitlisted, position %lld of %lld (position 1 gets the next free place)",
	        r->position, r->waiting);
}

/* " (it joined the list in batch A at position q)" when it did. */
static void
joined(FILE *out, const struct explain_rule_events *l, long long batch)
{
	const struct db_event *w = find_first(l, RULES_EV_WAITLISTED);

	if (w == NULL)
		return;
	if (w->batch_id == batch)
		fprintf(out, " (it joined the list that same night at position %lld)", w->position);
	else
		fprintf(out, " (it joined the list in batch %lld at position %lld)", w->batch_id,
		        w->position);
}

/* An accepted cancellation: what became of the reservation it undid. */
static int
cancel_recorded(struct db *db, FILE *out, const struct db_request *r, const struct db_event *ev,
                struct err *e)
{
	struct explain_rule_events u = {0};
	const struct db_event *c;

	fprintf(out, "accepted in batch %lld", r->batch_id);
	if (ev->other_id == NULL)
		return 0;
	fputs(": cancels reservation ", out);
	textout_put(out, ev->other_id, 0);
	if (explain_rule_events_read(db, ev->other, r->batch_id, &u, e) < 0) {
		explain_rule_events_release(&u);
		return -1;
	}
	c = find(&u, r->batch_id, RULES_EV_CANCELLED);
	if (c != NULL && c->prev == RULES_ACCEPTED) {
		fputs(", which held a place", out);
		if (find(&u, r->batch_id, RULES_EV_PROMOTED) != NULL)
			fputs(" (promoted from the waiting list earlier that night)", out);
		fputs("; the place was freed", out);
	} else if (c != NULL && c->prev == RULES_WAITLISTED) {
		fprintf(out, ", which was on the waiting list (position %lld); it left the list",
		        c->position);
	}
	explain_rule_events_release(&u);
	return 0;
}

static int
rule_recorded(struct db *db, FILE *out, const struct db_request *r,
              const struct explain_rule_events *l, struct err *e)
{
	const struct db_event *ev;
	char d[WHEN_DATE_LEN];
	long long b = r->batch_id;

	if (strcmp(r->state, "refused") == 0 && (ev = find(l, b, RULES_EV_REFUSED)) != NULL) {
		refused_recorded(out, r, ev);
	} else if (strcmp(r->state, "waitlisted") == 0) {
		waitlisted_words(out, r);
		joined(out, l, 0);
	} else if (strcmp(r->state, "expired") == 0 &&
	           (ev = find(l, b, RULES_EV_EXPIRED)) != NULL) {
		when_format_date(r->day, d);
		fprintf(out,
		        "expired in batch %lld: still on the waiting list (position %lld) when its "
		        "date %s had passed",
		        b, ev->position, d);
	} else if (strcmp(r->state, "cancelled") == 0 &&
	           (ev = find(l, b, RULES_EV_CANCELLED)) != NULL) {
		fprintf(out, "cancelled in batch %lld", b);
		if (ev->other_id) {
			fputs(" by cancellation request ", out);
			textout_put(out, ev->other_id, 0);
		}
		if (ev->prev == RULES_WAITLISTED)
			fprintf(out, "; it was on the waiting list (position %lld)", ev->position);
		else if (find(l, b, RULES_EV_PROMOTED) != NULL)
			fputs(
			    "; it held a place, promoted from the waiting list earlier that night",
			    out);
		else
			fputs("; it held a place", out);
	} else if (strcmp(r->state, "accepted") == 0 && strcmp(r->action, "cancel") == 0 &&
	           (ev = find(l, b, RULES_EV_ACCEPTED)) != NULL) {
		return cancel_recorded(db, out, r, ev, e);
	} else if (strcmp(r->state, "accepted") == 0 &&
	           (ev = find(l, b, RULES_EV_PROMOTED)) != NULL) {
		fprintf(out, "accepted in batch %lld after promotion from the waiting list", b);
		if (ev->other_id) {
			fputs(", into the place freed by cancellation request ", out);
			textout_put(out, ev->other_id, 0);
		} else {
			fputs(", a place being free when the night took up the slot", out);
		}
		joined(out, l, b);
	} else if (strcmp(r->state, "accepted") == 0 && find(l, b, RULES_EV_ACCEPTED) != NULL) {
		fprintf(out, "accepted in batch %lld: a place was free and nobody was waiting", b);
	} else {
		fprintf(out, "%s in batch %lld", r->state, b);
	}
	return 0;
}

/* A batch made before the events were recorded: its decisions, said with care. */
static void
rule_unrecorded(FILE *out, const struct db_request *r)
{
	char d[WHEN_DATE_LEN];

	if (strcmp(r->state, "refused") == 0) {
		refused_unrecorded(out, r);
	} else if (strcmp(r->state, "waitlisted") == 0) {
		waitlisted_words(out, r);
	} else if (strcmp(r->state, "expired") == 0) {
		when_format_date(r->day, d);
		fprintf(out,
		        "expired in batch %lld: still on the waiting list when its date %s had "
		        "passed",
		        r->batch_id, d);
	} else if (strcmp(r->state, "cancelled") == 0) {
		fprintf(out, "cancelled in batch %lld", r->batch_id);
		if (r->undone_by) {
			fputs(" by cancellation request ", out);
			textout_put(out, r->undone_by, 0);
		}
		if (r->prev_state)
			fprintf(out, "; it was %s before", r->prev_state);
	} else if (strcmp(r->action, "cancel") == 0) {
		fprintf(out, "accepted in batch %lld", r->batch_id);
		if (r->undoes_id) {
			fputs(": cancels reservation ", out);
			textout_put(out, r->undoes_id, 0);
			if (r->undoes_prev && strcmp(r->undoes_prev, "accepted") == 0)
				fputs(", which held a place; the place was freed", out);
			else if (r->undoes_prev && strcmp(r->undoes_prev, "waitlisted") == 0)
				fputs(", which was on the waiting list when that night began", out);
		}
	} else if (r->was_waitlisted || r->notice > 0) {
		fprintf(out, "accepted in batch %lld after promotion from the waiting list",
		        r->batch_id);
	} else {
		/* Waitlisted and promoted within that night would look the same. */
		fprintf(out,
		        "accepted in batch %lld (a batch from before nocturne recorded the night's "
		        "events: whether it waited on the list that night is not known)",
		        r->batch_id);
	}
}

int
explain_rule_put(struct db *db, FILE *out, const struct db_request *r,
                 const struct explain_rule_events *l, int recorded, struct err *e)
{
	if (strcmp(r->state, "pending") == 0)
		fputs("pending (Non transmise): the next batch will decide it", out);
	else if (recorded)
		return rule_recorded(db, out, r, l, e);
	else
		rule_unrecorded(out, r);
	return 0;
}
