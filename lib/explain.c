#include "explain.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "db_event.h"
#include "db_request.h"
#include "db_status.h"
#include "explain_rule.h"
#include "rules.h"
#include "status.h"
#include "textout.h"
#include "when.h"

#define WIDTH 80

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
event_line(FILE *out, const struct db_request *r, const struct db_event *ev)
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
	const struct db_request *r;
	const struct explain_rule_events *l;
};

/* A batch's decision: its events when recorded, else the decision itself. */
static int
history_line(const struct db_request_decision *d, void *arg)
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
put_capacity(FILE *out, const struct db_request *r)
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
put_head(FILE *out, const struct db_request *r)
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
	if (r->has_arrival) {
		when_format_time(r->arrival, t);
		fprintf(out, ", arrival %s", t);
	}
	if (r->has_departure) {
		when_format_time(r->departure, t);
		fprintf(out, ", departure %s", t);
	}
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
request_body(struct db *db, const struct db_request *r, FILE *out, struct err *e)
{
	struct list_ctx lc = {out, 0};
	struct explain_rule_events l = {0};
	struct history_ctx hc = {out, r, &l};
	int n, recorded = 0, rc = -1;

	if (r->batch_id > 0 && (recorded = db_event_recorded(db, r->batch_id, e)) < 0)
		return -1;
	if (explain_rule_events_read(db, r->seq, 0, &l, e) < 0)
		goto out;
	put_head(out, r);
	textout_field(out, "rule", "%s", "");
	if (explain_rule_put(db, out, r, &l, recorded, e) < 0)
		goto out;
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
			if (db_request_waitlist(db, r->activity_ref, r->day, waitlist_id, &lc, e) <
			    0)
				goto out;
		}
		putc('\n', out);
	}

	fputs("History:\n", out);
	n = db_request_decisions(db, r->seq, history_line, &hc, e);
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
	explain_rule_events_release(&l);
	return rc;
}

int
explain_request(struct db *db, const char *request_id, FILE *out, struct err *e)
{
	struct db_request r;
	int rc;

	if (db_begin_read_places(db, e) < 0) /* the slot's places: db_request.c */
		return -1;
	rc = db_request_read(db, request_id, &r, e);
	if (rc == 0)
		rc = err_set(e, ERR_DATA, "request '%s': no such request", request_id);
	else if (rc > 0)
		rc = request_body(db, &r, out, e);
	db_request_release(&r);
	db_rollback(db);
	if (rc == 0 && (fflush(out) != 0 || ferror(out))) {
		rc = err_set(e, ERR_IO, "cannot write: %s", strerror(errno));
		/* A write error on standard output (a closed pipe) says where. */
		if (out == stdout)
			err_prefix(e, "standard output");
	}
	return rc;
}
