#include "status.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "atomic.h"
#include "csvout.h"
#include "db_bounce.h"
#include "db_status.h"
#include "export.h"
#include "export_parts.h"
#include "log.h"
#include "page.h"
#include "returns.h"
#include "text.h"
#include "textout.h"
#include "when.h"

#define STATUS_WIDTH 80
#define RECENT_BATCHES 10

static const char *
fmt_datetime(int64_t t, char buf[WHEN_DATETIME_LEN])
{
	when_format_datetime(t, buf);
	return buf;
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
	textout_cell(out, activity_id, 16);
	putc(' ', out);
	textout_cell(out, name, 50);
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

/* "Mail queue: ..." and, when a message waits, its next attempt. */
static void
put_mail_counts(FILE *out, const struct db_status_mail *m, int64_t now)
{
	char at[WHEN_DATETIME_LEN];

	if (m->pending + m->sent + m->failed + m->skipped + m->bounced == 0) {
		fputs("Mail queue: empty\n", out);
	} else {
		fprintf(out, "Mail queue: %lld pending, %lld sent, %lld failed, %lld skipped",
		        m->pending, m->sent, m->failed, m->skipped);
		if (m->bounced > 0)
			fprintf(out, ", %lld bounced", m->bounced);
		putc('\n', out);
	}
	if (m->has_next)
		fprintf(out, "  next attempt: %s%s\n", fmt_datetime(m->next_at, at),
		        m->next_at <= now ? " (due now)" : "");
}

static int
failed_line(const struct db_status_message *m, void *arg)
{
	FILE *out = arg;
	int n;

	n = fprintf(out, "  failed: message %lld (%s, family ", m->ref, m->kind);
	n += textout_put(out, m->family_id, 16);
	n += fprintf(out, ") to ");
	textout_put(out, m->recipient ? m->recipient : "(no address)", STATUS_WIDTH - 1 - n);
	fputs("\n    last reply: ", out);
	textout_put(out, m->reason ? m->reason : "(none)", STATUS_WIDTH - 1 - 16);
	putc('\n', out);
	return 0;
}

/* Counting the families whose current first address bounced at least limit times. */
struct undeliverable_count {
	int limit;
	long long families; /* current first address bounced at least once */
	long long undeliverable;
};

static int
count_family(const struct db_bounce_family *f, void *arg, struct err *e)
{
	struct undeliverable_count *c = arg;

	(void)e;
	if (!returns_is_first(f->emails, f->address))
		return 0;
	c->families++;
	if (f->count >= c->limit)
		c->undeliverable++;
	return 0;
}

/* "Bounces: ..." when any message bounced; m: the mail counts of the same snapshot. */
static int
put_bounces(struct db *db, const struct db_status_mail *m, int limit, FILE *out, struct err *e)
{
	struct undeliverable_count c = {limit, 0, 0};
	long long n = m->bounced;

	if (db_bounce_families(db, count_family, &c, e) < 0)
		return -1;
	if (n == 0 && c.families == 0)
		return 0;
	fprintf(out, "Bounces: %lld bounced message(s), %lld undeliverable family(ies)%s\n", n,
	        c.undeliverable, c.families > 0 ? " (nocturne-status --bounces lists them)" : "");
	return 0;
}

static int
overview(struct db *db, int64_t now, int limit, FILE *out, struct err *e)
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
	put_mail_counts(out, &m, now);
	if (m.failed > 0 && db_status_messages(db, "failed", failed_line, out, e) < 0)
		return -1;
	return put_bounces(db, &m, limit, out, e);
}

typedef int view_fn(struct db *, void *, struct err *);

/* Run view() in one read transaction; places: it reads held (db.h). */
static int
snapshot(struct db *db, int places, struct err *e, view_fn *view, void *arg)
{
	int rc;

	if ((places ? db_begin_read_places(db, e) : db_begin_read(db, e)) < 0)
		return -1;
	rc = view(db, arg, e);
	db_rollback(db);
	return rc;
}

static int
in_snapshot(struct db *db, struct err *e, view_fn *view, void *arg)
{
	return snapshot(db, 0, e, view, arg);
}

/* What the overview, the mail queue and the page are shown with. */
struct view_args {
	int64_t now;
	int limit; /* [bounce] limit */
	FILE *out;
};

static int
overview_view(struct db *db, void *arg, struct err *e)
{
	struct view_args *a = arg;
	return overview(db, a->now, a->limit, a->out, e);
}

int
status_overview(struct db *db, int64_t now, int bounce_limit, FILE *out, struct err *e)
{
	struct view_args a = {now, bounce_limit, out};
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
	textout_field(out, "clock", "%s (decided_at of its requests)\n",
	              fmt_datetime(b->ran_at, at));
	textout_field(out, "cutoff", "%s (requests submitted up to then)\n",
	              fmt_datetime(b->ran_at, at));
	textout_field(out, "started", "%s\n", fmt_datetime(b->started_at, at));
	textout_field(out, "finished", "%s (%lld s)\n", fmt_datetime(b->finished_at, at),
	              (long long)(b->finished_at - b->started_at));
	textout_field(out, "requests", "%lld\n", b->n_requests);
	textout_field(out, "accepted", "%lld\n", b->n_accepted);
	textout_field(out, "waitlisted", "%lld\n", b->n_waitlisted);
	textout_field(out, "refused", "%lld\n", b->n_refused);
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
		int n = fprintf(out, "    %s:", reasons[i].label);
		fprintf(out, "%*s%lld\n", n < 18 ? 18 - n : 1, "", reasons[i].n);
	}
	textout_field(out, "promoted", "%lld\n", b->n_promoted);
	textout_field(out, "expired", "%lld\n", b->n_expired);
	textout_field(out, "cancelled", "%lld\n", b->n_cancelled);
	textout_field(out, "back office", "%s\n", b->delivery);
	textout_field(out, "attempts", "%lld\n", b->delivery_attempts);
	if (b->has_delivery_status)
		textout_field(out, "last status", "%lld\n", b->delivery_status);
	else
		textout_field(out, "last status", "-\n");
	textout_field(out, "last error", "%s", "");
	textout_put(out, b->delivery_error ? b->delivery_error : "-", 0);
	putc('\n', out);
	textout_field(out, "delivered at", "%s\n",
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

void
status_put_bounce(FILE *out, const struct db_status_message *m)
{
	char at[WHEN_DATETIME_LEN];

	if (m->bounce_status == NULL)
		return;
	fprintf(out, "    bounced %s: %s ", fmt_datetime(m->bounced_at, at), m->bounce_status);
	textout_put(out, m->bounce_diagnostic ? m->bounce_diagnostic : "", 0);
	putc('\n', out);
}

static int
mail_line(const struct db_status_message *m, void *arg)
{
	struct view_args *a = arg;
	char at[WHEN_DATETIME_LEN];

	fprintf(a->out, "%5lld %-6s ", m->ref, m->kind);
	textout_cell(a->out, m->family_id, 12);
	fprintf(a->out, " %-7s %5lld %-19s ", m->state, m->attempts,
	        strcmp(m->state, "pending") == 0 ? fmt_datetime(m->next_at, at) : "-");
	textout_put(a->out, m->recipient ? m->recipient : "(no address)", 0);
	putc('\n', a->out);
	if (m->reason != NULL && m->bounce_status == NULL) {
		fputs("      ", a->out);
		textout_put(a->out, m->reason, 0);
		putc('\n', a->out);
	}
	status_put_bounce(a->out, m);
	return 0;
}

static int
mail_view(struct db *db, void *arg, struct err *e)
{
	struct view_args *a = arg;
	struct db_status_mail m;

	if (db_status_mail(db, &m, e) < 0)
		return -1;
	put_mail_counts(a->out, &m, a->now);
	if (put_bounces(db, &m, a->limit, a->out, e) < 0)
		return -1;
	if (m.pending + m.failed + m.skipped + m.bounced == 0)
		return 0;
	fprintf(a->out, "\n%5s %-6s %-12s %-7s %5s %-19s %s\n", "id", "kind", "family", "state",
	        "tries", "next try", "recipient");
	return db_status_messages(db, NULL, mail_line, a, e) < 0 ? -1 : 0;
}

int
status_mail(struct db *db, int64_t now, int bounce_limit, FILE *out, struct err *e)
{
	struct view_args a = {now, bounce_limit, out};
	return view_end(out, in_snapshot(db, e, mail_view, &a), e);
}

/* ---- export ------------------------------------------------------------ */

struct export_args {
	long long batch_id;
	enum export_mode mode;
	FILE *out;
	struct db *twin; /* NULL, or db's twin (db.h) for a second reader */
};

static int
export_view(struct db *db, void *arg, struct err *e)
{
	struct export_args *a = arg;
	struct db_status_export *x;
	struct csvout w;
	int known, rc;

	if (a->batch_id > 0) {
		known = db_status_batch_exists(db, a->batch_id, e);
		if (known < 0)
			return -1;
		if (!known)
			return err_set(e, ERR_DATA, "batch %lld: no such batch", a->batch_id);
	}
	if (export_begin(&w, a->out, a->mode) < 0)
		return err_set(e, ERR_IO, "cannot write: %s", strerror(errno));
	/* db's snapshot is taken by now (its first read): the twin joins it
	 * in export_parts. */
	if (db_status_export_open(db, a->batch_id, &x, e) < 0)
		return -1;
	rc = export_parts(x, db, a->twin, a->out, a->mode, e);
	db_status_export_close(x);
	if (rc > 0)
		log_debug("export: read by %d thread%s", rc, rc > 1 ? "s" : "");
	return rc < 0 ? -1 : 0;
}

static int
export_with(struct db *db, struct db *twin, long long batch_id, int raw, FILE *out, struct err *e)
{
	struct export_args a = {batch_id, raw ? EXPORT_RAW : EXPORT_SAFE, out, twin};

	return view_end(out, in_snapshot(db, e, export_view, &a), e);
}

int
status_export(struct db *db, long long batch_id, int raw, FILE *out, struct err *e)
{
	struct db *twin = db_twin_open(db, "export");
	int rc = export_with(db, twin, batch_id, raw, out, e);

	db_close(twin);
	return rc;
}

/* Write path atomically (atomic.h) with view(db, fp, arg). */
static int
write_atomically(struct db *db, const char *path, int background,
                 int (*view)(struct db *, FILE *, void *, struct err *), void *arg, struct err *e)
{
	struct atomic_file a;
	struct stat st;
	int rc;

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
	/* background: a thread of its own writes the file, while this one
	 * reads and formats: the kernel's copy of a million-row export into
	 * the page cache (78 MB, a third of its time) then runs beside them.
	 * An export read by two threads writes each part from the thread
	 * that made it, while the other makes the next (export_parts.h): a
	 * third busy thread on two cores would only slow them. */
	if (background && atomic_background(&a, e) < 0) {
		atomic_abort(&a);
		return -1;
	}
	if (view(db, a.fp, arg, e) < 0) {
		if (e->kind == ERR_IO && strncmp(e->msg, "cannot write:", 13) == 0)
			err_prefix(e, "%s", path);
		atomic_abort(&a);
		return -1;
	}
	rc = atomic_commit(&a, e);
	return rc;
}

struct export_file {
	struct db *twin;
	long long batch_id;
	int raw;
};

static int
export_to(struct db *db, FILE *fp, void *arg, struct err *e)
{
	const struct export_file *a = arg;

	return export_with(db, a->twin, a->batch_id, a->raw, fp, e);
}

int
status_export_file(struct db *db, long long batch_id, int raw, const char *path, struct err *e)
{
	struct export_file a = {db_twin_open(db, "export"), batch_id, raw};
	int rc = write_atomically(db, path, a.twin == NULL, export_to, &a, e);

	db_close(a.twin);
	return rc;
}

/* ---- bounces (contract section 8) --------------------------------------- */

struct bounces_args {
	struct csvout w;
	int failed;
};

static int
bounce_row(const struct db_bounce_family *f, void *arg, struct err *e)
{
	struct bounces_args *a = arg;
	char at[WHEN_DATETIME_LEN];
	int rc = 0;

	if (!returns_is_first(f->emails, f->address))
		return 0; /* an address the family no longer has */
	when_format_datetime(f->at, at);
	rc |= csvout_field(&a->w, f->family_id);
	rc |= csvout_field(&a->w, f->name);
	rc |= csvout_field(&a->w, f->address);
	rc |= csvout_field(&a->w, at);
	rc |= csvout_field(&a->w, f->status);
	rc |= csvout_field(&a->w, f->diagnostic);
	rc |= csvout_end_row(&a->w);
	if (rc != 0)
		return err_set(e, ERR_IO, "cannot write the bounces: %s", strerror(errno));
	return 0;
}

static int
bounces_view(struct db *db, void *arg, struct err *e)
{
	static const char *const cols[] = {"family_id",  "name",   "address",
	                                   "bounced_at", "status", "diagnostic"};
	struct bounces_args *a = arg;
	int rc = 0;

	for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
		rc |= csvout_field(&a->w, cols[i]);
	rc |= csvout_end_row(&a->w);
	if (rc != 0)
		return err_set(e, ERR_IO, "cannot write the bounces: %s", strerror(errno));
	return db_bounce_families(db, bounce_row, a, e);
}

int
status_bounces(struct db *db, FILE *out, struct err *e)
{
	struct bounces_args a;

	memset(&a, 0, sizeof(a));
	csvout_init(&a.w, out, ';', CSVOUT_SAFE);
	return view_end(out, in_snapshot(db, e, bounces_view, &a), e);
}

static int
bounces_to(struct db *db, FILE *fp, void *arg, struct err *e)
{
	(void)arg;
	return status_bounces(db, fp, e);
}

int
status_bounces_file(struct db *db, const char *path, struct err *e)
{
	return write_atomically(db, path, 1, bounces_to, NULL, e);
}

/* ---- the service's morning page (contract section 9) -------------------- */

static int
html_view(struct db *db, void *arg, struct err *e)
{
	struct view_args *a = arg;
	return page_write(db, a->now, a->limit, a->out, e);
}

int
status_html(struct db *db, int64_t now, int bounce_limit, FILE *out, struct err *e)
{
	struct view_args a = {now, bounce_limit, out};
	return view_end(out, snapshot(db, 1, e, html_view, &a), e); /* the slots' places */
}

static int
html_to(struct db *db, FILE *fp, void *arg, struct err *e)
{
	const struct view_args *a = arg;
	return status_html(db, a->now, a->limit, fp, e);
}

int
status_html_file(struct db *db, int64_t now, int bounce_limit, const char *path, struct err *e)
{
	struct view_args a = {now, bounce_limit, NULL};
	return write_atomically(db, path, 1, html_to, &a, e);
}
