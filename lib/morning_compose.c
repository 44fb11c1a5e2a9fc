/*
 * morning_compose.c - the composing half of the morning run (morning.h):
 * one walk per kind of message over the requests owed one, each family's
 * message composed (mail.c) as the query steps, and stored by chunks.
 *
 * The walk reads a snapshot on a connection of its own; the messages are
 * stored through the caller's connection, [smtp] max_per_session at a
 * time, each chunk one short durable transaction that also marks the
 * requests it covers (so a crash between two chunks composes only the rest
 * again), after which the sender may take them (morning_feed). No write
 * transaction stays open while a message is composed: the sender commits
 * each outcome in between. A batch committed by a night since the snapshot
 * was taken could have changed what the walk read (a waitlisted request
 * accepted since): the chunk is then not stored and the walk starts again
 * from a new snapshot, without the requests already stored.
 */
#include "morning.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "db_batch.h"
#include "db_bounce.h"
#include "db_mail.h"
#include "db_status.h"
#include "french.h"
#include "log.h"
#include "mime.h"
#include "morning_int.h"
#include "page.h"
#include "rules.h"
#include "when.h"

int
morning_zone_minutes(int64_t t)
{
	int32_t day = when_day_of(t);
	int64_t s = t - (int64_t)day * WHEN_DAY_SECS;
	struct tm tm;
	int y, m, d;

	when_ymd_from_day(day, &y, &m, &d);
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_hour = (int)(s / 3600);
	tm.tm_min = (int)(s / 60 % 60);
	tm.tm_sec = (int)(s % 60);
	tm.tm_isdst = -1;
	if (mktime(&tm) == (time_t)-1)
		return 0;
	return (int)(tm.tm_gmtoff / 60);
}

uint64_t
morning_random64(void)
{
	static uint64_t counter;
	uint64_t r = 0;

	if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
		r = ((uint64_t)time(NULL) << 20) ^ ((uint64_t)getpid() << 8);
	return r ^ counter++;
}

static const char *
kind_name(enum mail_kind kind)
{
	return kind == MAIL_NOTICE ? "notice" : "report";
}

/* An activity as the mail shows it, and its open days, read once per run. */
struct act_info {
	long long ref;
	struct db_mail_activity info;
	struct rules_activity a; /* its deadline rule */
	int have_days;           /* days read (only when a deadline is needed) */
	int32_t *days;
	size_t n;
};

/* A message composed and not stored yet (its chunk is not full). */
struct composed {
	struct db_mail_new m; /* pointing into the fields below */
	char *recipient, *subject, *message_id, *content, *reason;
	long long *seqs;
	size_t nseq;
};

/* What composing one kind of message needs, for every family of the walk. */
struct compose_run {
	struct db_mail *q; /* the walk's connection (reads) */
	struct db *w;      /* stores, NULL when previewing */
	struct db_mail *qw;
	const struct morning_feed *feed;
	long long batch; /* the last batch in the walk's snapshot */
	int landed;      /* a batch committed since: walk again */
	struct composed *chunk;
	size_t nchunk, chunk_cap;
	struct db_bounce *bq;
	int bounces; /* the walk's snapshot holds bounces (db_bounce_any) */
	const struct config *cfg;
	int64_t now;
	int zone; /* offset of now from UTC, minutes */
	enum mail_kind kind;
	struct buf *preview;
	struct morning_stats *st;
	/* Read once, kept for both kinds. */
	struct act_info *acts;
	size_t nacts, acts_cap;
	/* Reused from family to family. */
	size_t *order; /* 2 * cap: the items' order, then the children's starts */
	struct mail_item *items;
	long long *seqs;
	size_t cap;
};

/* Activity ref, read on first use. NULL on a database error (e set). */
static struct act_info *
activity_of(struct compose_run *run, long long ref, struct err *e)
{
	struct act_info *d;

	for (size_t i = run->nacts; i > 0; i--)
		if (run->acts[i - 1].ref == ref)
			return &run->acts[i - 1];
	xgrow(&run->acts, &run->acts_cap, run->nacts + 1, sizeof(*run->acts));
	d = &run->acts[run->nacts];
	memset(d, 0, sizeof(*d));
	if (db_mail_activity(run->q, ref, &d->info, e) < 0)
		return NULL;
	d->ref = ref;
	d->a.ref = (int32_t)ref;
	d->a.deadline_days = d->info.deadline_days;
	d->a.deadline_time = d->info.deadline_time;
	d->a.deadline_rule = d->info.deadline_rule;
	d->a.deadline_wday = d->info.deadline_wday;
	run->nacts++;
	return d;
}

/*
 * The last moment to ask for (or cancel) day of activity d: the rule the
 * night applies (rules_deadline), with the activity's open days read once.
 */
static int
deadline_of(struct compose_run *run, struct act_info *d, int32_t day, int64_t *at, struct err *e)
{
	struct rules_openings o;

	if (d->a.deadline_rule != RULES_DL_OPEN) { /* only the open rule counts days */
		*at = rules_deadline(&d->a, NULL, day);
		return 0;
	}
	if (!d->have_days) {
		if (db_mail_openings(run->q, d->ref, &d->days, &d->n, e) < 0)
			return -1;
		d->have_days = 1;
	}
	o.days = d->days;
	o.n = d->n;
	*at = rules_deadline(&d->a, &o, day);
	return 0;
}

/* Comparing two children of a family: French order of last, then first name. */
static int
child_before(const struct db_mail_req *a, const struct db_mail_req *b)
{
	const char *al = a->child_last ? a->child_last : "",
	           *bl = b->child_last ? b->child_last : "";
	const char *af = a->child_first ? a->child_first : "";
	const char *bf = b->child_first ? b->child_first : "";
	int c = french_collate(al, strlen(al), bl, strlen(bl));

	if (c == 0)
		c = french_collate(af, strlen(af), bf, strlen(bf));
	return c < 0;
}

/*
 * order[0..n) = the indexes of reqs child by child, children in French
 * order (stable: equal names keep the database's order), each child's
 * requests as read (date, import order). reqs come grouped by child.
 */
static void
child_order(const struct db_mail_req *reqs, size_t n, size_t *order, size_t *starts)
{
	size_t groups = 0, k = 0;

	for (size_t i = 0; i < n; i++)
		if (i == 0 || strcmp(reqs[i].child_id, reqs[i - 1].child_id) != 0)
			starts[groups++] = i;
	/* Insertion sort of the groups: a family has a few children. */
	for (size_t g = 1; g < groups; g++) {
		size_t s = starts[g], h = g;
		while (h > 0 && child_before(&reqs[s], &reqs[starts[h - 1]])) {
			starts[h] = starts[h - 1];
			h--;
		}
		starts[h] = s;
	}
	for (size_t g = 0; g < groups; g++)
		for (size_t i = starts[g];
		     i < n &&
		     (i == starts[g] || strcmp(reqs[i].child_id, reqs[starts[g]].child_id) == 0);
		     i++)
			order[k++] = i;
}

/* The local offset from UTC (minutes) at noon of day: the calendar's times. */
static int
day_zone(int32_t day)
{
	return morning_zone_minutes((int64_t)day * WHEN_DAY_SECS + 12 * 3600);
}

/*
 * 1 when the family's first address has bounced [bounce] limit times: *why
 * says so (malloc'ed); 0 when it has not; -1 on a database error (*why
 * stays NULL).
 */
static int
undeliverable(struct compose_run *run, long long family_ref, const char *address, char **why,
              struct err *e)
{
	struct db_bounce_last last;
	char when[WHEN_DATETIME_LEN];
	struct buf b = {0};

	if (!run->bounces)
		return 0;
	if (db_bounce_of(run->bq, family_ref, address, &last, e) < 0)
		return -1;
	if (last.count < run->cfg->bounce_limit)
		return 0;
	when_format_datetime(last.at, when);
	buf_addf(&b, "undeliverable: %s bounced %lld time(s), last on %s: %s %s", address,
	         last.count, when, last.status, last.diagnostic);
	*why = buf_detach(&b, NULL);
	return 1;
}

/* One more message composed (and stored, unless previewing). */
static void
count(struct morning_stats *st, enum mail_kind kind, int valid)
{
	if (kind == MAIL_NOTICE)
		st->notices++;
	else
		st->reports++;
	if (!valid)
		st->skipped++;
}

static void
composed_release(struct composed *c)
{
	free(c->recipient);
	free(c->subject);
	free(c->message_id);
	free(c->content);
	free(c->reason);
	free(c->seqs);
}

static void
chunk_clear(struct compose_run *run)
{
	for (size_t i = 0; i < run->nchunk; i++)
		composed_release(&run->chunk[i]);
	run->nchunk = 0;
}

/*
 * The first chunk is [smtp] max_per_session messages, so that sending
 * starts soon; each next one twice the last, up to CHUNK_MAX (or
 * max_per_session when larger). Marking a chunk's requests rewrites their
 * pages of the request table, scattered: on a morning that reports most
 * of the table, small chunks would rewrite each page many times.
 */
#define CHUNK_MAX 1024

static void
chunk_grow(struct compose_run *run)
{
	size_t cap = run->chunk_cap * 2, max = morning_chunk(run->cfg);

	if (max < CHUNK_MAX)
		max = CHUNK_MAX;
	if (cap > max)
		cap = max;
	if (cap > run->chunk_cap) {
		run->chunk = xrealloc(run->chunk, cap * sizeof(*run->chunk));
		run->chunk_cap = cap;
	}
}

/*
 * Store the composed messages and mark the requests they cover, in one
 * durable transaction (stored for good before any of it is sent: a power
 * cut must not lose a message a family received, nor the record that it
 * was due), then tell the sender. Nothing is stored when a batch landed
 * since the walk's snapshot: run->landed, and -1 with e clear.
 */
static int
store_chunk(struct compose_run *run, struct err *e)
{
	long long after, last, ref;
	int64_t ran_at;

	if (run->nchunk == 0)
		return 0;
	if (db_begin(run->w, e) < 0 || db_batch_last(run->w, &last, &ran_at, e) < 0)
		goto fail;
	if (last != run->batch) {
		log_info("batch %lld was committed while the mail was composed: composing again "
		         "from it",
		         last);
		run->landed = 1;
		run->st->landed++;
		err_clear(e);
		goto fail;
	}
	if (db_mail_last_ref(run->qw, &after, e) < 0)
		goto fail;
	for (size_t i = 0; i < run->nchunk; i++)
		if (db_mail_store(run->qw, &run->chunk[i].m, run->chunk[i].seqs, run->chunk[i].nseq,
		                  &ref, e) < 0)
			goto fail;
	if (db_mail_mark(run->qw, run->kind == MAIL_NOTICE ? DB_MAIL_TO_NOTIFY : DB_MAIL_TO_REPORT,
	                 after, e) < 0 ||
	    db_commit_durable(run->w, e) < 0)
		goto fail;
	for (size_t i = 0; i < run->nchunk; i++)
		count(run->st, run->kind, strcmp(run->chunk[i].m.state, "skipped") != 0);
	chunk_clear(run);
	chunk_grow(run);
	if (run->feed != NULL)
		run->feed->stored(run->feed->ctx);
	return 0;
fail:
	db_rollback(run->w);
	chunk_clear(run);
	return -1;
}

/* Compose (and store, unless previewing) one family's message: db_mail_family_fn. */
static int
compose_family(void *ctx, const struct db_mail_req *reqs, size_t n, struct err *e)
{
	struct compose_run *run = ctx;
	enum mail_kind kind = run->kind;
	const struct config *cfg = run->cfg;
	struct morning_stats *st = run->st;
	struct mail_item *items;
	long long *seqs;
	char *first = NULL, *recipient = NULL, *msgid = NULL, *why = NULL;
	struct mail_head h;
	struct mail_out out = {0};
	struct composed *c;
	int valid = 0, rc = -1;

	if (n > run->cap) {
		run->items = xrealloc(run->items, n * sizeof(*run->items));
		run->seqs = xrealloc(run->seqs, n * sizeof(*run->seqs));
		run->order = xrealloc(run->order, 2 * n * sizeof(*run->order));
		run->cap = n;
	}
	items = run->items;
	seqs = run->seqs;
	memset(items, 0, n * sizeof(*items));
	child_order(reqs, n, run->order, run->order + n);
	for (size_t i = 0; i < n; i++) {
		const struct db_mail_req *r = &reqs[run->order[i]];
		struct mail_item *it = &items[i];
		struct act_info *act = activity_of(run, r->activity_ref, e);

		if (act == NULL)
			return -1;

		it->seq = r->seq;
		it->child_key = r->child_id;
		it->child_name = r->child_name;
		it->child_first = r->child_first;
		it->activity = r->activity;
		it->structure = act->info.structure;
		it->hours_from = act->info.hours_from;
		it->hours_to = act->info.hours_to;
		it->waitlist = act->info.waitlist;
		it->day = r->day;
		it->action = r->action;
		it->arrival = r->arrival;
		it->departure = r->departure;
		it->state = kind == MAIL_NOTICE ? "accepted" : r->shown_state;
		it->now_state = r->state;
		it->reason = r->reason;
		it->position = r->shown_position;
		it->waitlisted = strcmp(r->state, "waitlisted") == 0;
		it->submitted_at = r->submitted_at;
		it->deadline = MAIL_NO_DEADLINE;
		/* Only the lines that show a deadline pay for it. */
		if ((kind == MAIL_NOTICE || it->waitlisted ||
		     (r->reason != NULL && strcmp(r->reason, "deadline") == 0)) &&
		    deadline_of(run, act, r->day, &it->deadline, e) < 0)
			return -1;
		it->holder_state = r->holder_state;
		it->holder_position = r->holder_position;
		it->holder_submitted = r->holder_submitted;
		it->undoes = r->undoes;
		it->undone_was_accepted =
		    r->undone_state != NULL && strcmp(r->undone_state, "accepted") == 0;
		it->undone_arrival = r->undone_arrival;
		it->undone_departure = r->undone_departure;
		it->zone_minutes = cfg->calendar ? day_zone(r->day) : 0;
		seqs[i] = r->seq;
	}
	if (mime_first_address(reqs[0].emails, &first)) {
		recipient = mime_clean(first);
		valid = mime_addr_valid(first, 0) && strcmp(first, recipient) == 0;
		if (!valid) {
			struct buf b = {0};
			buf_addf(&b, "invalid address '%s'", recipient);
			why = buf_detach(&b, NULL);
		}
	} else {
		why = xstrdup("no e-mail address");
	}
	if (valid && undeliverable(run, reqs[0].family_ref, recipient, &why, e) != 0) {
		if (why == NULL)
			goto done; /* a database error */
		valid = 0;
	}

	msgid = mail_message_id(kind, reqs[0].family_ref, run->now, morning_random64(), cfg->from);
	memset(&h, 0, sizeof(h));
	h.from = cfg->from;
	h.reply_to = cfg->reply_to;
	h.to_name = reqs[0].family_name;
	h.to_addr = valid ? recipient : NULL;
	h.signature = cfg->signature;
	h.portal_url = cfg->portal_url;
	h.contact = cfg->contact;
	h.calendar = cfg->calendar;
	h.date = run->now;
	h.zone_minutes = run->zone;
	h.message_id = msgid;
	if (mail_compose(kind, &h, items, n, &out, e) < 0)
		goto done;

	if (run->preview != NULL) {
		struct buf *preview = run->preview;
		char *fam = mime_clean(reqs[0].family_id), *name = mime_clean(reqs[0].family_name);

		count(st, kind, valid);
		buf_addf(preview, "=== %s for family %s (%s) ", kind_name(kind), fam, name);
		if (valid)
			buf_addf(preview, "to %s\nSubject: %s\n\n%s\n", recipient, out.subject,
			         out.text);
		else
			buf_addf(preview, "skipped: %s\n\n", why);
		free(fam);
		free(name);
		rc = 0;
		goto done;
	}

	c = &run->chunk[run->nchunk++];
	memset(c, 0, sizeof(*c));
	c->recipient = recipient;
	c->subject = out.subject;
	c->message_id = msgid;
	c->content = out.content;
	c->reason = why;
	c->seqs = xmalloc(n * sizeof(*c->seqs));
	memcpy(c->seqs, seqs, n * sizeof(*c->seqs));
	c->nseq = n;
	recipient = msgid = why = out.subject = out.content = NULL;
	c->m.kind = kind_name(kind);
	c->m.family_ref = reqs[0].family_ref;
	c->m.recipient = c->recipient;
	c->m.subject = c->subject;
	c->m.message_id = c->message_id;
	c->m.content = c->content;
	c->m.length = out.length;
	c->m.state = valid ? "pending" : "skipped";
	c->m.reason = c->reason;
	c->m.now = run->now;
	rc = run->nchunk < run->chunk_cap ? 0 : store_chunk(run, e);
done:
	mail_out_release(&out);
	free(first);
	free(recipient);
	free(msgid);
	free(why);
	return rc;
}

/*
 * Compose every family's message of kind as the requests are read from a
 * snapshot on rd; again from a new one while a batch lands meanwhile.
 */
static int
compose_kind(struct compose_run *run, struct db *rd, enum mail_kind kind, struct err *e)
{
	enum db_mail_select which = kind == MAIL_NOTICE ? DB_MAIL_TO_NOTIFY : DB_MAIL_TO_REPORT;
	int64_t ran_at;
	int rc;

	run->kind = kind;
	do {
		run->landed = 0;
		/* A duplicate's line names the request holding the day (held). */
		if (db_begin_read_places(rd, e) < 0)
			return -1;
		rc = db_batch_last(rd, &run->batch, &ran_at, e);
		if (rc == 0)
			rc = db_bounce_any(run->bq, &run->bounces, e);
		if (rc == 0)
			rc = db_mail_requests(run->q, which, compose_family, run, e);
		if (rc == 0 && run->w != NULL)
			rc = store_chunk(run, e);
		db_rollback(rd); /* the snapshot: nothing to commit */
		chunk_clear(run);
	} while (rc < 0 && run->landed);
	return rc;
}

static int
last_batch(const struct db_status_batch *b, void *arg)
{
	*(struct db_status_batch *)arg = *b;
	((struct db_status_batch *)arg)->delivery = NULL;
	((struct db_status_batch *)arg)->delivery_error = NULL;
	return 0;
}

/* The service's page of the last batch, once per batch, to [report] to (set). */
static int
compose_page(struct compose_run *run, struct db *db, struct err *e)
{
	const struct config *cfg = run->cfg;
	struct db_status_batch b;
	struct page_attention att;
	struct buf msg = {0}, text = {0}, subject = {0};
	char *to_name = NULL, *to_addr = NULL, *from_name = NULL, *from_addr = NULL;
	char *html = NULL, *msgid = NULL, date[MIME_DATE_LEN], when[WHEN_DATETIME_LEN];
	size_t hlen = 0;
	FILE *f;
	int rc = -1, have;
	long long ref;

	if (mime_parse_mailbox(cfg->report_to, &to_name, &to_addr) < 0)
		return err_set(e, ERR_CONFIG, "%s: [report] to '%s' is not a valid mailbox",
		               cfg->source, cfg->report_to);
	memset(&b, 0, sizeof(b));
	if (db_status_batches(db, 0, 1, last_batch, &b, e) < 0 ||
	    (have = db_mail_page_exists(run->q, b.batch_id, e)) < 0)
		goto done;
	if (b.batch_id == 0 || have) {
		rc = 0;
		goto done;
	}
	if (page_attention_read(db, cfg->bounce_limit, &att, e) < 0)
		goto done;
	f = open_memstream(&html, &hlen);
	if (f == NULL) {
		err_set(e, ERR_INTERNAL, "cannot allocate the page");
		goto done;
	}
	rc = page_write(db, run->now, cfg->bounce_limit, f, e);
	if (fclose(f) != 0 && rc == 0)
		rc = err_set(e, ERR_INTERNAL, "cannot write the page");
	if (rc < 0)
		goto done;
	rc = -1;
	when_format_datetime(b.ran_at, when);
	if (cfg->report_subject[0] != '\0')
		buf_adds(&subject, cfg->report_subject);
	else
		buf_addf(&subject, "Portail Famille : la nuit du lot %lld", b.batch_id);
	page_attention_line(&att, &text); /* what needs a person, first */
	buf_addf(&text,
	         "\n\nLot %lld du %s : %lld demande(s) traitée(s), %lld acceptée(s), %lld en liste "
	         "d'attente, %lld refusée(s).\n"
	         "Courriels : %lld envoyé(s), %lld en attente, %lld échoué(s), %lld non "
	         "envoyé(s), %lld revenu(s) en erreur.\n\n"
	         "Le détail (motifs de refus, places par jour, familles injoignables, "
	         "livraison au back office) est dans la partie HTML de ce message.\n",
	         b.batch_id, when, b.n_requests, b.n_accepted, b.n_waitlisted, b.n_refused,
	         att.mail.sent, att.mail.pending, att.mail.failed, att.mail.skipped,
	         att.mail.bounced);
	msgid = mail_message_id(MAIL_REPORT, b.batch_id, run->now, morning_random64(), cfg->from);
	if (mime_parse_mailbox(cfg->from, &from_name, &from_addr) < 0) {
		err_set(e, ERR_CONFIG, "%s: [mail] from '%s' is not a valid mailbox", cfg->source,
		        cfg->from);
		goto done;
	}
	mime_date(run->now, run->zone, date);
	buf_addf(&msg, "Date: %s\r\n", date);
	mime_header_mailbox(&msg, "From", from_name, from_addr);
	mime_header_mailbox(&msg, "To", to_name, to_addr);
	mime_header_text(&msg, "Subject", subject.p, 0);
	buf_addf(&msg,
	         "Message-ID: %s\r\nMIME-Version: 1.0\r\nAuto-Submitted: auto-generated\r\n"
	         "X-Nocturne-Kind: page\r\n"
	         "Content-Type: multipart/alternative;\r\n boundary=\"=_nocturne_page\"\r\n\r\n"
	         "--=_nocturne_page\r\nContent-Type: text/plain; charset=UTF-8\r\n"
	         "Content-Transfer-Encoding: quoted-printable\r\n\r\n",
	         msgid);
	mime_qp_encode(&msg, text.p, text.len);
	buf_adds(&msg, "\r\n--=_nocturne_page\r\nContent-Type: text/html; charset=UTF-8\r\n"
	               "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
	mime_qp_encode(&msg, html, hlen);
	buf_adds(&msg, "\r\n--=_nocturne_page--\r\n");
	run->st->pages++;
	if (run->preview != NULL) {
		buf_addf(run->preview,
		         "=== the service's page of batch %lld to %s\nSubject: %s\n\n%s\n",
		         b.batch_id, to_addr, subject.p, text.p);
		rc = 0;
		goto done;
	}
	{
		struct db_mail_new m;
		memset(&m, 0, sizeof(m));
		m.kind = "page";
		m.batch_id = b.batch_id;
		m.recipient = to_addr;
		m.subject = subject.p;
		m.message_id = msgid;
		m.content = msg.p;
		m.length = msg.len;
		m.state = "pending";
		m.now = run->now;
		rc = db_mail_store(run->q, &m, NULL, 0, &ref, e);
	}
done:
	free(to_name);
	free(to_addr);
	free(from_name);
	free(from_addr);
	free(html);
	free(msgid);
	buf_release(&msg);
	buf_release(&text);
	buf_release(&subject);
	return rc;
}

static void
run_init(struct compose_run *run, const struct config *cfg, int64_t now, struct buf *preview,
         struct morning_stats *st)
{
	memset(run, 0, sizeof(*run));
	run->cfg = cfg;
	run->now = now;
	run->zone = morning_zone_minutes(now);
	run->preview = preview;
	run->st = st;
}

int
morning_compose(struct db *db, const struct config *cfg, int64_t now, struct buf *preview,
                const struct morning_feed *feed, struct morning_stats *st, struct err *e)
{
	struct compose_run run;
	struct db *rd = db;
	int rc = -1;

	if (morning_check_mailboxes(cfg, e) < 0)
		return -1;
	run_init(&run, cfg, now, preview, st);
	run.feed = feed;
	if (preview == NULL) {
		if (db_open_sibling(db, &rd, 0, e) < 0)
			return -1;
		run.w = db;
		run.qw = db_mail_open(db);
		run.chunk_cap = morning_chunk(cfg);
		run.chunk = xcalloc(run.chunk_cap, sizeof(*run.chunk));
	}
	run.q = db_mail_open(rd);
	run.bq = db_bounce_open(rd);
	if (compose_kind(&run, rd, MAIL_REPORT, e) < 0 ||
	    compose_kind(&run, rd, MAIL_NOTICE, e) < 0)
		goto done;
	rc = 0;
done:
	db_mail_close(run.q);
	db_mail_close(run.qw);
	db_bounce_close(run.bq);
	if (rd != db)
		db_close(rd);
	free(run.chunk);
	free(run.items);
	free(run.seqs);
	for (size_t i = 0; i < run.nacts; i++) {
		free(run.acts[i].days);
		free(run.acts[i].info.structure);
	}
	free(run.acts);
	free(run.order);
	return rc;
}

int
morning_page(struct db *db, const struct config *cfg, int64_t now, struct buf *preview,
             struct morning_stats *st, struct err *e)
{
	struct compose_run run;
	int rc;

	if (cfg->report_to[0] == '\0')
		return 0;
	run_init(&run, cfg, now, preview, st);
	/* The page counts the batch's slots' places (held). */
	if ((preview ? db_begin_read_places(db, e) : db_begin_places(db, e)) < 0)
		return -1;
	run.q = db_mail_open(db);
	rc = compose_page(&run, db, e);
	if (rc == 0 && preview == NULL)
		rc = db_commit_durable(db, e);
	db_mail_close(run.q);
	db_rollback(db);
	return rc;
}
