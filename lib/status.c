#include "status.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "atomic.h"
#include "db_status.h"
#include "export.h"
#include "money.h"
#include "text.h"
#include "when.h"

#define STATUS_WIDTH 80
#define RECENT_BATCHES 10

/* ---- text helpers ------------------------------------------------------ */

/* Columns taken by s on a terminal (UTF-8 code points, no wide characters). */
static int
text_cols(const char *s)
{
	int n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

/*
 * Write s with control characters shown as '?'. With max > 0, at most max
 * columns: a longer text is cut at a character boundary and ends with '~'.
 * Returns the columns written.
 */
static int
put_text(FILE *out, const char *s, int max)
{
	int cols = 0, total;

	if (s == NULL)
		s = "";
	total = text_cols(s);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		int starts = (c & 0xC0) != 0x80;

		if (starts && max > 0 && total > max && cols == max - 1) {
			putc('~', out);
			return cols + 1;
		}
		if (starts)
			cols++;
		putc(text_is_control(c) ? '?' : c, out);
	}
	return cols;
}

/* A cell of exactly width columns: s cut or padded with spaces. */
static void
put_cell(FILE *out, const char *s, int width)
{
	for (int n = put_text(out, s, width); n < width; n++)
		putc(' ', out);
}

static const char *
fmt_datetime(int64_t t, char buf[WHEN_DATETIME_LEN])
{
	when_format_datetime(t, buf);
	return buf;
}

static const char *
fmt_date(int32_t day, char buf[WHEN_DATE_LEN])
{
	when_format_date(day, buf);
	return buf;
}

static const char *
fmt_time(int minutes, char buf[WHEN_TIME_LEN])
{
	when_format_time(minutes, buf);
	return buf;
}

/* "LABEL:" padded to the value column, then the formatted value. */
static void field(FILE *out, const char *label, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
field(FILE *out, const char *label, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = fprintf(out, "  %s:", label);
	for (; n < 17; n++)
		putc(' ', out);
	putc(' ', out);
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
}

/* End a view: report a write error on out as ERR_IO. */
static int
view_end(FILE *out, int rc, struct err *e)
{
	if (rc == 0 && (fflush(out) != 0 || ferror(out)))
		rc = err_set(e, ERR_IO, "cannot write: %s", strerror(errno));
	/* A write error on standard output (a closed pipe) says where. */
	if (rc < 0 && out == stdout && e->kind == ERR_IO &&
	    strncmp(e->msg, "cannot write", 12) == 0)
		err_prefix(e, "standard output");
	return rc;
}

/* ---- overview ---------------------------------------------------------- */

static int
pending_activity_row(const char *activity_id, const char *name, long long count, void *arg)
{
	FILE *out = arg;

	fputs("  ", out);
	put_cell(out, activity_id, 16);
	putc(' ', out);
	put_cell(out, name, 50);
	fprintf(out, " %8lld\n", count);
	return 0;
}

static const char *const batch_head_fmt = "  %5s %-19s %5s %5s %5s %5s %5s %5s %5s %s\n";

static int
batch_line(const struct db_status_batch *b, void *arg)
{
	FILE *out = arg;
	char at[WHEN_DATETIME_LEN];

	fprintf(out, "  %5lld %-19s %5lld %5lld %5lld %5lld %5lld %5lld %5lld %s\n", b->batch_id,
	        fmt_datetime(b->ran_at, at), b->n_requests, b->n_accepted, b->n_waitlisted,
	        b->n_refused, b->n_promoted, b->n_expired, b->n_cancelled, b->delivery);
	return 0;
}

static void
put_mail_counts(FILE *out, const struct db_status_mail *m)
{
	if (m->pending + m->sent + m->failed + m->skipped == 0) {
		fputs("Mail queue: empty\n", out);
		return;
	}
	fprintf(out, "Mail queue: %lld pending, %lld sent, %lld failed, %lld skipped\n", m->pending,
	        m->sent, m->failed, m->skipped);
}

static int
failed_line(const struct db_status_message *m, void *arg)
{
	FILE *out = arg;
	int n;

	n = fprintf(out, "  failed: message %lld (%s, family ", m->ref, m->kind);
	n += put_text(out, m->family_id, 16);
	n += fprintf(out, ") to ");
	put_text(out, m->recipient ? m->recipient : "(no address)", STATUS_WIDTH - 1 - n);
	fputs("\n    last reply: ", out);
	put_text(out, m->reason ? m->reason : "(none)", STATUS_WIDTH - 1 - 16);
	putc('\n', out);
	return 0;
}

static int
overview(struct db *db, int64_t now, FILE *out, struct err *e)
{
	struct db_status_pending p;
	struct db_status_mail m;
	char at[WHEN_DATETIME_LEN];
	int n;

	if (db_status_pending(db, &p, e) < 0)
		return -1;
	if (p.count == 0) {
		fputs("Pending requests: none\n", out);
	} else {
		fprintf(out, "Pending requests: %lld, oldest submitted %s\n", p.count,
		        fmt_datetime(p.oldest, at));
		if (db_status_pending_by_activity(db, pending_activity_row, out, e) < 0)
			return -1;
	}

	putc('\n', out);
	fputs("Recent batches (newest first):\n", out);
	fprintf(out, batch_head_fmt, "batch", "ran at", "reqs", "acc", "wait", "ref", "prom", "exp",
	        "canc", "delivery");
	n = db_status_batches(db, 0, RECENT_BATCHES, batch_line, out, e);
	if (n < 0)
		return -1;
	if (n == 0)
		fputs("  (no batch yet)\n", out);

	putc('\n', out);
	if (db_status_mail(db, &m, e) < 0)
		return -1;
	put_mail_counts(out, &m);
	if (m.has_next)
		fprintf(out, "  next attempt: %s%s\n", fmt_datetime(m.next_at, at),
		        m.next_at <= now ? " (due now)" : "");
	if (m.failed > 0 && db_status_messages(db, "failed", failed_line, out, e) < 0)
		return -1;
	return 0;
}

/* Run view() in one read transaction. */
static int
in_snapshot(struct db *db, struct err *e, int (*view)(struct db *, void *, struct err *), void *arg)
{
	int rc;

	if (db_begin_read(db, e) < 0)
		return -1;
	rc = view(db, arg, e);
	db_rollback(db);
	return rc;
}

struct overview_args {
	int64_t now;
	FILE *out;
};

static int
overview_view(struct db *db, void *arg, struct err *e)
{
	struct overview_args *a = arg;
	return overview(db, a->now, a->out, e);
}

int
status_overview(struct db *db, int64_t now, FILE *out, struct err *e)
{
	struct overview_args a = {now, out};
	return view_end(out, in_snapshot(db, e, overview_view, &a), e);
}

/* ---- one batch --------------------------------------------------------- */

static int
batch_detail(const struct db_status_batch *b, void *arg)
{
	FILE *out = arg;
	char at[WHEN_DATETIME_LEN];
	const struct {
		const char *label;
		long long n;
	} reasons[] = {
	    {"closed", b->n_closed},
	    {"deadline", b->n_deadline},
	    {"times", b->n_times},
	    {"debtor", b->n_debtor},
	    {"full", b->n_full},
	    {"duplicate", b->n_duplicate},
	    {"nothing_to_cancel", b->n_nothing_to_cancel},
	};

	fprintf(out, "Batch %lld\n", b->batch_id);
	field(out, "clock", "%s (decided_at of its requests)\n", fmt_datetime(b->ran_at, at));
	field(out, "cutoff", "%s (requests submitted up to then)\n", fmt_datetime(b->ran_at, at));
	field(out, "started", "%s\n", fmt_datetime(b->started_at, at));
	field(out, "finished", "%s (%lld s)\n", fmt_datetime(b->finished_at, at),
	      (long long)(b->finished_at - b->started_at));
	field(out, "requests", "%lld\n", b->n_requests);
	field(out, "accepted", "%lld\n", b->n_accepted);
	field(out, "waitlisted", "%lld\n", b->n_waitlisted);
	field(out, "refused", "%lld\n", b->n_refused);
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
		int n = fprintf(out, "    %s:", reasons[i].label);
		fprintf(out, "%*s%lld\n", n < 18 ? 18 - n : 1, "", reasons[i].n);
	}
	field(out, "promoted", "%lld\n", b->n_promoted);
	field(out, "expired", "%lld\n", b->n_expired);
	field(out, "cancelled", "%lld\n", b->n_cancelled);
	field(out, "back office", "%s\n", b->delivery);
	field(out, "attempts", "%lld\n", b->delivery_attempts);
	if (b->has_delivery_status)
		field(out, "last status", "%lld\n", b->delivery_status);
	else
		field(out, "last status", "-\n");
	field(out, "last error", "%s", "");
	put_text(out, b->delivery_error ? b->delivery_error : "-", 0);
	putc('\n', out);
	field(out, "delivered at", "%s\n",
	      b->has_delivered_at ? fmt_datetime(b->delivered_at, at) : "-");
	return 0;
}

struct batch_args {
	long long batch_id;
	FILE *out;
};

static int
batch_view(struct db *db, void *arg, struct err *e)
{
	struct batch_args *a = arg;
	int n = db_status_batches(db, a->batch_id, 1, batch_detail, a->out, e);

	if (n == 0)
		return err_set(e, ERR_DATA, "batch %lld: no such batch", a->batch_id);
	return n < 0 ? -1 : 0;
}

int
status_batch(struct db *db, long long batch_id, FILE *out, struct err *e)
{
	struct batch_args a = {batch_id, out};

	if (batch_id <= 0)
		return err_set(e, ERR_DATA, "batch %lld: no such batch", batch_id);
	return view_end(out, in_snapshot(db, e, batch_view, &a), e);
}

/* ---- the mail queue ---------------------------------------------------- */

struct mail_args {
	int64_t now;
	FILE *out;
};

static int
mail_line(const struct db_status_message *m, void *arg)
{
	struct mail_args *a = arg;
	char at[WHEN_DATETIME_LEN];

	fprintf(a->out, "%5lld %-6s ", m->ref, m->kind);
	put_cell(a->out, m->family_id, 12);
	fprintf(a->out, " %-7s %5lld %-19s ", m->state, m->attempts,
	        strcmp(m->state, "pending") == 0 ? fmt_datetime(m->next_at, at) : "-");
	put_text(a->out, m->recipient ? m->recipient : "(no address)", 0);
	putc('\n', a->out);
	if (m->reason != NULL) {
		fputs("      ", a->out);
		put_text(a->out, m->reason, 0);
		putc('\n', a->out);
	}
	return 0;
}

static int
mail_view(struct db *db, void *arg, struct err *e)
{
	struct mail_args *a = arg;
	struct db_status_mail m;
	char at[WHEN_DATETIME_LEN];

	if (db_status_mail(db, &m, e) < 0)
		return -1;
	put_mail_counts(a->out, &m);
	if (m.has_next)
		fprintf(a->out, "  next attempt: %s%s\n", fmt_datetime(m.next_at, at),
		        m.next_at <= a->now ? " (due now)" : "");
	if (m.pending + m.failed + m.skipped == 0)
		return 0;
	fprintf(a->out, "\n%5s %-6s %-12s %-7s %5s %-19s %s\n", "id", "kind", "family", "state",
	        "tries", "next try", "recipient");
	return db_status_messages(db, NULL, mail_line, a, e) < 0 ? -1 : 0;
}

int
status_mail(struct db *db, int64_t now, FILE *out, struct err *e)
{
	struct mail_args a = {now, out};
	return view_end(out, in_snapshot(db, e, mail_view, &a), e);
}

/* ---- one request ------------------------------------------------------- */

static void
put_money(FILE *out, long long cents)
{
	char m[MONEY_LEN];

	fprintf(out, "%s €", money_format(m, sizeof(m), cents));
}

static const char *
plural(long long n)
{
	return n == 1 ? "" : "s";
}

static void
explain_deadline(FILE *out, const struct db_status_request *r)
{
	char sub[WHEN_DATETIME_LEN], dd[WHEN_DATE_LEN], dt[WHEN_TIME_LEN];
	int32_t dday = r->day - (int32_t)r->deadline_days;
	int64_t limit = (int64_t)dday * WHEN_DAY_SECS + (int64_t)r->deadline_time * 60;

	fmt_datetime(r->submitted_at, sub);
	fmt_date(dday, dd);
	fmt_time(r->deadline_time, dt);
	if (r->submitted_at >= limit)
		fprintf(out, "refused: submitted %s, after the deadline %s %s", sub, dd, dt);
	else
		fprintf(out,
		        "refused: submitted %s, before the activity's current deadline %s %s "
		        "(its settings changed since)",
		        sub, dd, dt);
	if (r->deadline_days == 0)
		fprintf(out, " (the same day at %s)", dt);
	else
		fprintf(out, " (%lld day%s before at %s)", r->deadline_days,
		        plural(r->deadline_days), dt);
}

static void
explain_times(FILE *out, const struct db_status_request *r)
{
	char a[WHEN_TIME_LEN], b[WHEN_TIME_LEN], from[WHEN_TIME_LEN], to[WHEN_TIME_LEN];

	if (!r->has_hours) {
		fputs("refused: the times did not fit the activity's hours (it has no hours now)",
		      out);
		return;
	}
	fmt_time(r->hours_from, from);
	fmt_time(r->hours_to, to);
	if (!r->has_arrival) {
		fprintf(out, "refused: no arrival time, and the activity's hours are %s-%s", from,
		        to);
	} else if (r->arrival < r->hours_from || r->arrival > r->hours_to) {
		fprintf(out, "refused: arrival %s is outside the activity's hours %s-%s",
		        fmt_time(r->arrival, a), from, to);
	} else if (r->has_departure &&
	           (r->departure < r->hours_from || r->departure > r->hours_to)) {
		fprintf(out, "refused: departure %s is outside the activity's hours %s-%s",
		        fmt_time(r->departure, b), from, to);
	} else if (r->has_departure && r->departure <= r->arrival) {
		fprintf(out, "refused: departure %s is not after arrival %s",
		        fmt_time(r->departure, b), fmt_time(r->arrival, a));
	} else {
		fprintf(out,
		        "refused: the times did not fit the activity's hours (now %s-%s: its "
		        "settings changed since)",
		        from, to);
	}
}

static void
explain_refused(FILE *out, const struct db_status_request *r)
{
	const char *why = r->reason ? r->reason : "";
	char d[WHEN_DATE_LEN];

	if (strcmp(why, "closed") == 0) {
		fprintf(out, "refused: the activity was not open on %s (no opening that day)",
		        fmt_date(r->day, d));
		if (r->open)
			fputs("; it has an opening now, imported since", out);
	} else if (strcmp(why, "deadline") == 0) {
		explain_deadline(out, r);
	} else if (strcmp(why, "times") == 0) {
		explain_times(out, r);
	} else if (strcmp(why, "debtor") == 0) {
		fputs("refused: the family's balance was below zero (balance now ", out);
		put_money(out, r->balance_cents);
		fputs(")", out);
	} else if (strcmp(why, "full") == 0) {
		fputs("refused: no place was free", out);
		if (r->waitlist == 0)
			fputs(" and the activity has no waiting list", out);
		else if (r->waitlist > 0)
			fprintf(out, " and the waiting list was full (at most %lld)", r->waitlist);
	} else if (strcmp(why, "duplicate") == 0) {
		fputs("refused: the child already held a place or was on the waiting list for this "
		      "slot",
		      out);
		if (r->holder_id) {
			fputs(" (request ", out);
			put_text(out, r->holder_id, 0);
			fputs(")", out);
		}
	} else if (strcmp(why, "nothing_to_cancel") == 0) {
		fputs("refused: the child held no place and was not on the waiting list for this "
		      "slot",
		      out);
	} else {
		fprintf(out, "refused (%s)", why);
	}
}

static void
explain(FILE *out, const struct db_status_request *r)
{
	char d[WHEN_DATE_LEN];

	if (strcmp(r->state, "pending") == 0) {
		fputs("pending (Non transmise): the next batch will decide it", out);
	} else if (strcmp(r->state, "refused") == 0) {
		explain_refused(out, r);
	} else if (strcmp(r->state, "waitlisted") == 0) {
		fprintf(out,
		        "waitlisted, position %lld of %lld (position 1 gets the next free place)",
		        r->position, r->waiting);
	} else if (strcmp(r->state, "expired") == 0) {
		fprintf(out,
		        "expired in batch %lld: still on the waiting list when its date %s had "
		        "passed",
		        r->batch_id, fmt_date(r->day, d));
	} else if (strcmp(r->state, "cancelled") == 0) {
		fprintf(out, "cancelled in batch %lld", r->batch_id);
		if (r->undone_by) {
			fputs(" by cancellation request ", out);
			put_text(out, r->undone_by, 0);
		}
		if (r->prev_state)
			fprintf(out, "; it was %s before", r->prev_state);
	} else if (strcmp(r->action, "cancel") == 0) {
		fprintf(out, "accepted in batch %lld", r->batch_id);
		if (r->undoes_id) {
			fputs(": cancels reservation ", out);
			put_text(out, r->undoes_id, 0);
			if (r->undoes_prev && strcmp(r->undoes_prev, "accepted") == 0)
				fputs(", which held a place; the place was freed", out);
			else if (r->undoes_prev && strcmp(r->undoes_prev, "waitlisted") == 0)
				fputs(", which was on the waiting list; it left the list", out);
		}
	} else if (r->was_waitlisted || r->notice > 0) {
		fprintf(out, "accepted in batch %lld after promotion from the waiting list",
		        r->batch_id);
	} else {
		fprintf(out, "accepted in batch %lld: a place was free and nobody was waiting",
		        r->batch_id);
	}
	putc('\n', out);
}

struct list_ctx {
	FILE *out;
	int col; /* current column */
};

static int
waitlist_id(const char *request_id, long long position, void *arg)
{
	struct list_ctx *c = arg;
	int w = text_cols(request_id);

	(void)position;
	if (c->col + 1 + w > STATUS_WIDTH - 1 && c->col > 20) {
		fprintf(c->out, "\n%17s", "");
		c->col = 17;
	}
	putc(' ', c->out);
	c->col += 1 + put_text(c->out, request_id, STATUS_WIDTH - 20);
	return 0;
}

static int
decision_line(const struct db_status_decision *d, void *arg)
{
	FILE *out = arg;
	char at[WHEN_DATETIME_LEN];

	fprintf(out, "  batch %lld at %s: %s", d->batch_id, fmt_datetime(d->ran_at, at), d->state);
	if (d->reason)
		fprintf(out, " (%s)", d->reason);
	if (d->has_position && strcmp(d->state, "waitlisted") == 0)
		fprintf(out, ", position %lld", d->position);
	putc('\n', out);
	return 0;
}

static int
message_line(const struct db_status_message *m, void *arg)
{
	FILE *out = arg;
	char at[WHEN_DATETIME_LEN];

	fprintf(out, "  message %lld: %s, %s", m->ref, m->kind, m->state);
	if (m->has_sent_at)
		fprintf(out, " %s", fmt_datetime(m->sent_at, at));
	if (m->recipient) {
		fputs(", to ", out);
		put_text(out, m->recipient, 0);
	}
	if (m->reason && strcmp(m->state, "sent") != 0) {
		fputs(" (", out);
		put_text(out, m->reason, 0);
		putc(')', out);
	}
	putc('\n', out);
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

static int
request_body(struct db *db, const struct db_status_request *r, FILE *out, struct err *e)
{
	char at[WHEN_DATETIME_LEN], d[WHEN_DATE_LEN], t[WHEN_TIME_LEN];
	struct list_ctx lc = {out, 0};
	int n;

	fputs("Request ", out);
	put_text(out, r->request_id, 0);
	fprintf(out, " (import order %lld)\n", r->seq);
	field(out, "child", "%s", "");
	put_text(out, r->child_id, 0);
	putc(' ', out);
	put_text(out, r->child_first, 0);
	putc(' ', out);
	put_text(out, r->child_last, 0);
	fputs(", family ", out);
	put_text(out, r->family_id, 0);
	putc(' ', out);
	put_text(out, r->family_name, 0);
	fputs(" (balance ", out);
	put_money(out, r->balance_cents);
	fputs(")\n", out);
	field(out, "activity", "%s", "");
	put_text(out, r->activity_id, 0);
	putc(' ', out);
	put_text(out, r->activity_name, 0);
	putc('\n', out);
	field(out, "date", "%s\n", fmt_date(r->day, d));
	field(out, "action", "%s", r->action);
	if (r->has_arrival)
		fprintf(out, ", arrival %s", fmt_time(r->arrival, t));
	if (r->has_departure)
		fprintf(out, ", departure %s", fmt_time(r->departure, t));
	putc('\n', out);
	field(out, "submitted", "%s\n", fmt_datetime(r->submitted_at, at));
	field(out, "state", "%s", r->state);
	if (r->reason)
		fprintf(out, " (%s)", r->reason);
	if (r->has_position)
		fprintf(out, ", position %lld", r->position);
	if (r->batch_id > 0)
		fprintf(out, ", batch %lld at %s", r->batch_id, fmt_datetime(r->ran_at, at));
	putc('\n', out);
	field(out, "rule", "%s", "");
	explain(out, r);

	field(out, "capacity", "%s", "");
	put_capacity(out, r);
	field(out, "places taken", "%lld\n", r->places_taken);
	field(out, "waiting list", "%s", "");
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
				return -1;
		}
		putc('\n', out);
	}

	fputs("History:\n", out);
	n = db_status_decisions(db, r->seq, decision_line, out, e);
	if (n < 0)
		return -1;
	if (n == 0)
		fputs("  (no batch has decided it)\n", out);
	fputs("Messages:\n", out);
	n = db_status_request_messages(db, r->seq, message_line, out, e);
	if (n < 0)
		return -1;
	if (n == 0)
		fputs("  (none)\n", out);
	return 0;
}

struct request_args {
	const char *request_id;
	FILE *out;
};

static int
request_view(struct db *db, void *arg, struct err *e)
{
	struct request_args *a = arg;
	struct db_status_request r;
	int rc;

	rc = db_status_request(db, a->request_id, &r, e);
	if (rc == 0)
		rc = err_set(e, ERR_DATA, "request '%s': no such request", a->request_id);
	else if (rc > 0)
		rc = request_body(db, &r, a->out, e);
	db_status_request_release(&r);
	return rc;
}

int
status_request(struct db *db, const char *request_id, FILE *out, struct err *e)
{
	struct request_args a = {request_id, out};
	return view_end(out, in_snapshot(db, e, request_view, &a), e);
}

/* ---- export ------------------------------------------------------------ */

struct export_args {
	long long batch_id;
	FILE *out;
	struct csvout w;
	struct err *e;
};

static int
export_one(const struct export_row *row, void *arg)
{
	struct export_args *a = arg;

	if (export_row(&a->w, row) < 0)
		return err_set(a->e, ERR_IO, "cannot write: %s", strerror(errno));
	return 0;
}

static int
export_view(struct db *db, void *arg, struct err *e)
{
	struct export_args *a = arg;
	int known;

	if (a->batch_id > 0) {
		known = db_status_batch_exists(db, a->batch_id, e);
		if (known < 0)
			return -1;
		if (!known)
			return err_set(e, ERR_DATA, "batch %lld: no such batch", a->batch_id);
	}
	if (export_begin(&a->w, a->out) < 0)
		return err_set(e, ERR_IO, "cannot write: %s", strerror(errno));
	return db_status_export(db, a->batch_id, export_one, a, e) < 0 ? -1 : 0;
}

int
status_export(struct db *db, long long batch_id, FILE *out, struct err *e)
{
	struct export_args a;

	memset(&a, 0, sizeof(a));
	a.batch_id = batch_id;
	a.out = out;
	a.e = e;
	return view_end(out, in_snapshot(db, e, export_view, &a), e);
}

int
status_export_file(struct db *db, long long batch_id, const char *path, struct err *e)
{
	struct atomic_file a;
	struct stat st;

	if (*path == '\0')
		return err_set(e, ERR_USAGE, "empty export file name");
	/* Only a regular file is replaced: never a device, a directory or a
	 * symbolic link (which is not followed either: name its target). */
	if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return err_set(e, ERR_IO, "%s: exists and is not a regular file (%s): refused",
		               path,
		               S_ISLNK(st.st_mode)   ? "a symbolic link"
		               : S_ISDIR(st.st_mode) ? "a directory"
		                                     : "a device, pipe or socket");
	if (atomic_open(&a, path, 0666, e) < 0)
		return -1;
	if (status_export(db, batch_id, a.fp, e) < 0) {
		if (e->kind == ERR_IO && strncmp(e->msg, "cannot write:", 13) == 0)
			err_prefix(e, "%s", path);
		atomic_abort(&a);
		return -1;
	}
	return atomic_commit(&a, e);
}
