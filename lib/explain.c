#include "explain.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "db_event.h"
#include "db_status.h"
#include "french.h"
#include "rules.h"
#include "status.h"
#include "textout.h"
#include "when.h"

#define WIDTH 80

/* ---- the request's recorded events ----------------------------------- */

struct evs {
	struct db_event *v;
	size_t n, cap;
};

static int
collect(const struct db_event *ev, void *arg)
{
	struct evs *l = arg;
	struct db_event *c;

	xgrow(&l->v, &l->cap, l->n + 1, sizeof(*l->v));
	c = &l->v[l->n++];
	*c = *ev;
	c->other_id = ev->other_id ? xstrdup(ev->other_id) : NULL;
	return 0;
}

static void
evs_release(struct evs *l)
{
	for (size_t i = 0; i < l->n; i++)
		free((char *)l->v[i].other_id);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* The last event of kind in batch (0: any batch), or NULL. */
static const struct db_event *
find(const struct evs *l, long long batch, int kind)
{
	for (size_t i = l->n; i-- > 0;)
		if (l->v[i].kind == kind && (batch == 0 || l->v[i].batch_id == batch))
			return &l->v[i];
	return NULL;
}

/* The first event of kind (any batch), or NULL. */
static const struct db_event *
find_first(const struct evs *l, int kind)
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
activity_now(const struct db_status_request *r, struct rules_activity *a, struct rules_openings *o)
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
deadline_words(const struct db_status_request *r, char *buf, size_t n)
{
	struct rules_activity a;
	struct rules_openings o;

	activity_now(r, &a, &o);
	french_deadline(a.deadline_rule, a.deadline_days, a.deadline_wday,
	                rules_deadline_day(&a, &o, r->day), a.deadline_time, buf, n);
}

static void
deadline_recorded(FILE *out, const struct db_status_request *r, const struct db_event *ev)
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
	if (now_limit == ev->deadline) {
		deadline_words(r, words, sizeof(words));
		fputs(words, out);
	} else {
		french_date(when_day_of(ev->deadline), d);
		french_time(
		    (int)((ev->deadline - (int64_t)when_day_of(ev->deadline) * WHEN_DAY_SECS) / 60),
		    t);
		deadline_words(r, words, sizeof(words));
		fprintf(out, "%s à %s (the activity's deadline has changed since: now %s)", d, t,
		        words);
	}
}

/* Before the record: the current rule, said as such. */
static void
deadline_unrecorded(FILE *out, const struct db_status_request *r)
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
times_words(FILE *out, const struct db_status_request *r, enum rules_times_fail f, int from, int to,
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
times_unrecorded(FILE *out, const struct db_status_request *r)
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
refused_common(FILE *out, const struct db_status_request *r, const char *why)
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

static void
refused_recorded(FILE *out, const struct db_status_request *r, const struct db_event *ev)
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
		fputs("refused: the child already held a place or was on the waiting list for this "
		      "slot",
		      out);
		if (ev->other_id) {
			fputs(" (request ", out);
			textout_put(out, ev->other_id, 0);
			fputs(")", out);
		}
		break;
	default:
		fprintf(out, "refused (%s)", why);
	}
}

static void
refused_unrecorded(FILE *out, const struct db_status_request *r)
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
		fputs("refused: the child already held a place or was on the waiting list for this "
		      "slot",
		      out);
		if (r->holder_id) {
			fputs(" (request ", out);
			textout_put(out, r->holder_id, 0);
			fputs(")", out);
		}
	} else {
		fprintf(out, "refused (%s)", why);
	}
}

/* " (it joined the list in batch A at position q)" when it did. */
static void
joined(FILE *out, const struct evs *l, long long batch)
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
cancel_recorded(struct db *db, FILE *out, const struct db_status_request *r,
                const struct db_event *ev, struct err *e)
{
	struct evs u = {0};
	const struct db_event *c;

	fprintf(out, "accepted in batch %lld", r->batch_id);
	if (ev->other_id == NULL)
		return 0;
	fputs(": cancels reservation ", out);
	textout_put(out, ev->other_id, 0);
	if (db_event_list(db, ev->other, r->batch_id, collect, &u, e) < 0) {
		evs_release(&u);
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
	evs_release(&u);
	return 0;
}

static int
rule_recorded(struct db *db, FILE *out, const struct db_status_request *r, const struct evs *l,
              struct err *e)
{
	const struct db_event *ev;
	char d[WHEN_DATE_LEN];
	long long b = r->batch_id;

	if (strcmp(r->state, "refused") == 0 && (ev = find(l, b, RULES_EV_REFUSED)) != NULL) {
		refused_recorded(out, r, ev);
	} else if (strcmp(r->state, "waitlisted") == 0) {
		fprintf(out,
		        "waitlisted, position %lld of %lld (position 1 gets the next free place)",
		        r->position, r->waiting);
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
rule_unrecorded(FILE *out, const struct db_status_request *r)
{
	char d[WHEN_DATE_LEN];

	if (strcmp(r->state, "refused") == 0) {
		refused_unrecorded(out, r);
	} else if (strcmp(r->state, "waitlisted") == 0) {
		fprintf(out,
		        "waitlisted, position %lld of %lld (position 1 gets the next free place)",
		        r->position, r->waiting);
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

/* ---- the view ---------------------------------------------------------- */

struct list_ctx {
	FILE *out;
	int col; /* current column */
};

static int
waitlist_id(const char *request_id, long long position, void *arg)
{
	struct list_ctx *c = arg;
	int w = textout_cols(request_id);

	(void)position;
	if (c->col + 1 + w > WIDTH - 1 && c->col > 20) {
		fprintf(c->out, "\n%17s", "");
		c->col = 17;
	}
	putc(' ', c->out);
	c->col += 1 + textout_put(c->out, request_id, WIDTH - 20);
	return 0;
}

/* One history line of a recorded event. */
static void
event_line(FILE *out, const struct db_status_request *r, const struct db_event *ev)
{
	char at[WHEN_DATETIME_LEN];

	when_format_datetime(ev->ran_at, at);
	fprintf(out, "  batch %lld at %s: %s", ev->batch_id, at, rules_event_name(ev->kind));
	switch (ev->kind) {
	case RULES_EV_ACCEPTED:
		if (ev->other_id && strcmp(r->action, "cancel") == 0) {
			fputs(", cancels ", out);
			textout_put(out, ev->other_id, 0);
		}
		break;
	case RULES_EV_WAITLISTED:
	case RULES_EV_EXPIRED:
		fprintf(out, ", position %lld", ev->position);
		break;
	case RULES_EV_REFUSED:
		fprintf(out, " (%s)", rules_reason_name(ev->reason));
		if (ev->reason == RULES_DUPLICATE && ev->other_id) {
			fputs(", held by ", out);
			textout_put(out, ev->other_id, 0);
		} else if (ev->reason == RULES_DEADLINE && ev->has_deadline) {
			when_format_datetime(ev->deadline, at);
			fprintf(out, ", deadline %.16s", at);
		}
		break;
	case RULES_EV_PROMOTED:
		fputs(" from the waiting list", out);
		if (ev->other_id) {
			fputs(", place freed by ", out);
			textout_put(out, ev->other_id, 0);
		}
		break;
	case RULES_EV_CANCELLED:
		if (ev->other_id) {
			fputs(" by ", out);
			textout_put(out, ev->other_id, 0);
		}
		if (ev->prev == RULES_WAITLISTED)
			fprintf(out, ", left the list at position %lld", ev->position);
		break;
	default:
		break;
	}
	putc('\n', out);
}

struct history_ctx {
	FILE *out;
	const struct db_status_request *r;
	const struct evs *l;
};

/* A batch's decision: its events when recorded, else the decision itself. */
static int
history_line(const struct db_status_decision *d, void *arg)
{
	struct history_ctx *h = arg;
	char at[WHEN_DATETIME_LEN];
	int any = 0;

	for (size_t i = 0; i < h->l->n; i++) {
		if (h->l->v[i].batch_id == d->batch_id) {
			event_line(h->out, h->r, &h->l->v[i]);
			any = 1;
		}
	}
	if (any)
		return 0;
	when_format_datetime(d->ran_at, at);
	fprintf(h->out, "  batch %lld at %s: %s", d->batch_id, at, d->state);
	if (d->reason)
		fprintf(h->out, " (%s)", d->reason);
	if (d->has_position && strcmp(d->state, "waitlisted") == 0)
		fprintf(h->out, ", position %lld", d->position);
	putc('\n', h->out);
	return 0;
}

static int
message_line(const struct db_status_message *m, void *arg)
{
	FILE *out = arg;
	char at[WHEN_DATETIME_LEN];

	fprintf(out, "  message %lld: %s, %s", m->ref, m->kind, m->state);
	if (m->has_sent_at) {
		when_format_datetime(m->sent_at, at);
		fprintf(out, "%s %s", strcmp(m->state, "bounced") == 0 ? ", sent" : "", at);
	}
	if (m->recipient) {
		fputs(", to ", out);
		textout_put(out, m->recipient, 0);
	}
	if (m->reason && strcmp(m->state, "sent") != 0 && strcmp(m->state, "bounced") != 0) {
		fputs(" (", out);
		textout_put(out, m->reason, 0);
		putc(')', out);
	}
	putc('\n', out);
	status_put_bounce(out, m);
	return 0;
}

static void
put_capacity(FILE *out, const struct db_status_request *r)
{
	if (!r->open)
		fputs("none: the activity is closed that day (no opening)\n", out);
	else if (r->has_opening_capacity)
		fprintf(out, "%lld (the opening's)\n", r->opening_capacity);
	else if (r->has_capacity)
		fprintf(out, "%lld (the activity's)\n", r->capacity);
	else
		fputs("unlimited\n", out);
}

static void
put_head(FILE *out, const struct db_status_request *r)
{
	char at[WHEN_DATETIME_LEN], d[WHEN_DATE_LEN], t[WHEN_TIME_LEN];

	fputs("Request ", out);
	textout_put(out, r->request_id, 0);
	fprintf(out, " (import order %lld)\n", r->seq);
	textout_field(out, "child", "%s", "");
	textout_put(out, r->child_id, 0);
	putc(' ', out);
	textout_put(out, r->child_first, 0);
	putc(' ', out);
	textout_put(out, r->child_last, 0);
	fputs(", family ", out);
	textout_put(out, r->family_id, 0);
	putc(' ', out);
	textout_put(out, r->family_name, 0);
	fputs(" (balance ", out);
	textout_money(out, r->balance_cents);
	fputs(")\n", out);
	textout_field(out, "activity", "%s", "");
	textout_put(out, r->activity_id, 0);
	putc(' ', out);
	textout_put(out, r->activity_name, 0);
	putc('\n', out);
	when_format_date(r->day, d);
	textout_field(out, "date", "%s\n", d);
	textout_field(out, "action", "%s", r->action);
	if (r->has_arrival)
		fprintf(out, ", arrival %s", hhmm(r->arrival, t));
	if (r->has_departure)
		fprintf(out, ", departure %s", hhmm(r->departure, t));
	putc('\n', out);
	when_format_datetime(r->submitted_at, at);
	textout_field(out, "submitted", "%s\n", at);
	textout_field(out, "state", "%s", r->state);
	if (r->reason)
		fprintf(out, " (%s)", r->reason);
	if (r->has_position)
		fprintf(out, ", position %lld", r->position);
	if (r->batch_id > 0) {
		when_format_datetime(r->ran_at, at);
		fprintf(out, ", batch %lld at %s", r->batch_id, at);
	}
	putc('\n', out);
}

static int
request_body(struct db *db, const struct db_status_request *r, FILE *out, struct err *e)
{
	struct list_ctx lc = {out, 0};
	struct evs l = {0};
	struct history_ctx hc = {out, r, &l};
	int n, recorded = 0, rc = -1;

	if (r->batch_id > 0 && (recorded = db_event_recorded(db, r->batch_id, e)) < 0)
		return -1;
	if (db_event_list(db, r->seq, 0, collect, &l, e) < 0)
		goto out;
	put_head(out, r);
	textout_field(out, "rule", "%s", "");
	if (strcmp(r->state, "pending") == 0)
		fputs("pending (Non transmise): the next batch will decide it", out);
	else if (recorded && rule_recorded(db, out, r, &l, e) < 0)
		goto out;
	else if (!recorded)
		rule_unrecorded(out, r);
	putc('\n', out);

	textout_field(out, "capacity", "%s", "");
	put_capacity(out, r);
	textout_field(out, "places taken", "%lld\n", r->places_taken);
	textout_field(out, "waiting list", "%s", "");
	if (r->waitlist == 0 && r->waiting == 0) {
		fputs("none (the activity has no waiting list)\n", out);
	} else {
		if (r->waiting > 0)
			lc.col = 18 + fprintf(out, "%lld waiting", r->waiting);
		else
			lc.col = 18 + fprintf(out, "empty");
		if (r->waitlist > 0)
			lc.col += fprintf(out, " (at most %lld)", r->waitlist);
		else if (r->waitlist < 0)
			lc.col += fprintf(out, " (no limit)");
		if (r->waiting > 0) {
			putc(':', out);
			lc.col++;
			if (db_status_waitlist(db, r->activity_ref, r->day, waitlist_id, &lc, e) <
			    0)
				goto out;
		}
		putc('\n', out);
	}

	fputs("History:\n", out);
	n = db_status_decisions(db, r->seq, history_line, &hc, e);
	if (n < 0)
		goto out;
	if (n == 0)
		fputs("  (no batch has decided it)\n", out);
	fputs("Messages:\n", out);
	n = db_status_request_messages(db, r->seq, message_line, out, e);
	if (n < 0)
		goto out;
	if (n == 0)
		fputs("  (none)\n", out);
	rc = 0;
out:
	evs_release(&l);
	return rc;
}

int
explain_request(struct db *db, const char *request_id, FILE *out, struct err *e)
{
	struct db_status_request r;
	int rc;

	if (db_begin_read(db, e) < 0)
		return -1;
	rc = db_status_request(db, request_id, &r, e);
	if (rc == 0)
		rc = err_set(e, ERR_DATA, "request '%s': no such request", request_id);
	else if (rc > 0)
		rc = request_body(db, &r, out, e);
	db_status_request_release(&r);
	db_rollback(db);
	if (rc == 0 && (fflush(out) != 0 || ferror(out))) {
		rc = err_set(e, ERR_IO, "cannot write: %s", strerror(errno));
		/* A write error on standard output (a closed pipe) says where. */
		if (out == stdout)
			err_prefix(e, "standard output");
	}
	return rc;
}
