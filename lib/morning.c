#include "morning.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "db_bounce.h"
#include "db_mail.h"
#include "db_status.h"
#include "page.h"
#include "db_resend.h"
#include "outbox.h"
#include "resend.h"
#include "smtp.h"
#include "when.h"

/* The offset from UTC, in minutes, of the local instant t (naive local time). */
static int
zone_minutes(int64_t t)
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

static uint64_t
random64(void)
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

/* What composing one kind of message needs, for every family of the walk. */
struct compose_run {
	struct db_mail *q;
	struct db_bounce *bq;
	const struct config *cfg;
	int64_t now;
	int zone; /* offset of now from UTC, minutes */
	enum mail_kind kind;
	struct buf *preview;
	struct morning_stats *st;
	/* Reused from family to family. */
	struct mail_item *items;
	long long *seqs;
	size_t cap;
};

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
	struct db_mail_new m;
	int valid = 0, rc = -1;
	long long ref;

	if (n > run->cap) {
		run->items = xrealloc(run->items, n * sizeof(*run->items));
		run->seqs = xrealloc(run->seqs, n * sizeof(*run->seqs));
		run->cap = n;
	}
	items = run->items;
	seqs = run->seqs;
	memset(items, 0, n * sizeof(*items));
	for (size_t i = 0; i < n; i++) {
		items[i].child_key = reqs[i].child_id;
		items[i].child_name = reqs[i].child_name;
		items[i].activity = reqs[i].activity;
		items[i].day = reqs[i].day;
		items[i].action = reqs[i].action;
		items[i].arrival = reqs[i].arrival;
		items[i].departure = reqs[i].departure;
		items[i].state = kind == MAIL_NOTICE ? "accepted" : reqs[i].shown_state;
		items[i].reason = reqs[i].reason;
		items[i].position = reqs[i].shown_position;
		items[i].waitlisted = strcmp(reqs[i].state, "waitlisted") == 0;
		seqs[i] = reqs[i].seq;
	}
	if (mail_first_address(reqs[0].emails, &first)) {
		recipient = mail_clean(first);
		valid = mail_addr_valid(first, 0) && strcmp(first, recipient) == 0;
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

	msgid = mail_message_id(kind, reqs[0].family_ref, run->now, random64(), cfg->from);
	memset(&h, 0, sizeof(h));
	h.from = cfg->from;
	h.reply_to = cfg->reply_to;
	h.to_name = reqs[0].family_name;
	h.to_addr = valid ? recipient : NULL;
	h.signature = cfg->signature;
	h.date = run->now;
	h.zone_minutes = run->zone;
	h.message_id = msgid;
	if (mail_compose(kind, &h, items, n, &out, e) < 0)
		goto done;

	if (kind == MAIL_NOTICE)
		st->notices++;
	else
		st->reports++;
	if (!valid)
		st->skipped++;

	if (run->preview != NULL) {
		struct buf *preview = run->preview;
		char *fam = mail_clean(reqs[0].family_id), *name = mail_clean(reqs[0].family_name);
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

	memset(&m, 0, sizeof(m));
	m.kind = kind_name(kind);
	m.family_ref = reqs[0].family_ref;
	m.recipient = recipient;
	m.subject = out.subject;
	m.message_id = msgid;
	m.content = out.content;
	m.length = out.length;
	m.state = valid ? "pending" : "skipped";
	m.reason = why;
	m.now = run->now;
	rc = db_mail_store(run->q, &m, seqs, n, &ref, e);
done:
	mail_out_release(&out);
	free(first);
	free(recipient);
	free(msgid);
	free(why);
	return rc;
}

/* Compose every family's message of run->kind as the requests are read. */
static int
compose_kind(struct compose_run *run, enum mail_kind kind, struct err *e)
{
	run->kind = kind;
	return db_mail_requests(run->q, kind == MAIL_NOTICE ? DB_MAIL_TO_NOTIFY : DB_MAIL_TO_REPORT,
	                        compose_family, run, e);
}

/*
 * Parse the [mail] KEY mailbox value into *addr (malloc'ed, caller frees;
 * NULL to only check it). ERR_CONFIG naming the file and key if it is not one.
 */
static int
config_mailbox(const struct config *cfg, const char *key, const char *value, char **addr,
               struct err *e)
{
	char *name, *a;

	if (mail_parse_mailbox(value, &name, &a) < 0)
		return err_set(e, ERR_CONFIG, "%s: [mail] %s '%s' is not a valid mailbox",
		               cfg->source, key, value);
	free(name);
	if (addr != NULL)
		*addr = a;
	else
		free(a);
	return 0;
}

/* [mail] from and reply_to must be mailboxes before anything is composed. */
static int
check_mailboxes(const struct config *cfg, struct err *e)
{
	if (config_mailbox(cfg, "from", cfg->from, NULL, e) < 0)
		return -1;
	if (cfg->reply_to[0] != '\0' && config_mailbox(cfg, "reply_to", cfg->reply_to, NULL, e) < 0)
		return -1;
	return 0;
}

static int
last_batch(const struct db_status_batch *b, void *arg)
{
	*(struct db_status_batch *)arg = *b;
	((struct db_status_batch *)arg)->delivery = NULL;
	((struct db_status_batch *)arg)->delivery_error = NULL;
	return 0;
}

/* The service's page of the last batch, once per batch, to [report] to. */
static int
compose_page(struct compose_run *run, struct db *db, struct err *e)
{
	const struct config *cfg = run->cfg;
	struct db_status_batch b;
	struct db_status_mail mq;
	struct buf msg = {0}, text = {0}, subject = {0};
	char *to_name = NULL, *to_addr = NULL, *from_name = NULL, *from_addr = NULL;
	char *html = NULL, *msgid = NULL, date[MAIL_DATE_LEN], when[WHEN_DATETIME_LEN];
	size_t hlen = 0;
	FILE *f;
	int rc = -1, have;
	long long ref;

	if (cfg->report_to[0] == '\0')
		return 0;
	if (mail_parse_mailbox(cfg->report_to, &to_name, &to_addr) < 0)
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
	if (db_status_mail(db, &mq, e) < 0)
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
	buf_addf(&text,
	         "Lot %lld du %s : %lld demande(s) traitée(s), %lld acceptée(s), %lld en liste "
	         "d'attente, %lld refusée(s).\n"
	         "Courriels : %lld envoyé(s), %lld en attente, %lld échoué(s), %lld non "
	         "envoyé(s), %lld revenu(s) en erreur.\n\n"
	         "Le détail (motifs de refus, places par jour, familles injoignables, "
	         "livraison au back office) est dans la partie HTML de ce message.\n",
	         b.batch_id, when, b.n_requests, b.n_accepted, b.n_waitlisted, b.n_refused, mq.sent,
	         mq.pending, mq.failed, mq.skipped, mq.bounced);
	msgid = mail_message_id(MAIL_REPORT, b.batch_id, run->now, random64(), cfg->from);
	if (mail_parse_mailbox(cfg->from, &from_name, &from_addr) < 0) {
		err_set(e, ERR_CONFIG, "%s: [mail] from '%s' is not a valid mailbox", cfg->source,
		        cfg->from);
		goto done;
	}
	mail_date(run->now, run->zone, date);
	buf_addf(&msg, "Date: %s\r\n", date);
	mail_header_mailbox(&msg, "From", from_name, from_addr);
	mail_header_mailbox(&msg, "To", to_name, to_addr);
	mail_header_text(&msg, "Subject", subject.p, 0);
	buf_addf(&msg,
	         "Message-ID: %s\r\nMIME-Version: 1.0\r\nAuto-Submitted: auto-generated\r\n"
	         "X-Nocturne-Kind: page\r\n"
	         "Content-Type: multipart/alternative;\r\n boundary=\"=_nocturne_page\"\r\n\r\n"
	         "--=_nocturne_page\r\nContent-Type: text/plain; charset=UTF-8\r\n"
	         "Content-Transfer-Encoding: quoted-printable\r\n\r\n",
	         msgid);
	mail_qp_encode(&msg, text.p, text.len);
	buf_adds(&msg, "\r\n--=_nocturne_page\r\nContent-Type: text/html; charset=UTF-8\r\n"
	               "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
	mail_qp_encode(&msg, html, hlen);
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

int
morning_compose(struct db *db, const struct config *cfg, int64_t now, struct buf *preview,
                struct morning_stats *st, struct err *e)
{
	struct compose_run run;
	int rc = -1;

	if (check_mailboxes(cfg, e) < 0)
		return -1;
	memset(&run, 0, sizeof(run));
	run.cfg = cfg;
	run.now = now;
	run.zone = zone_minutes(now);
	run.preview = preview;
	run.st = st;
	if ((preview ? db_begin_read(db, e) : db_begin(db, e)) < 0)
		return -1;
	run.q = db_mail_open(db);
	run.bq = db_bounce_open(db);
	if (compose_kind(&run, MAIL_REPORT, e) < 0 || compose_kind(&run, MAIL_NOTICE, e) < 0 ||
	    compose_page(&run, db, e) < 0)
		goto done;
	/* Stored for good before any of it is sent (a power cut must not
	 * lose a message a family received, nor the record that it was due). */
	if (preview == NULL && db_commit_durable(db, e) < 0)
		goto done;
	rc = 0;
done:
	db_mail_close(run.q);
	db_bounce_close(run.bq);
	db_rollback(db);
	free(run.items);
	free(run.seqs);
	return rc;
}

/* The family's current first address for a resend, or ERR_DATA saying why there is none. */
static int
resend_address(struct db *db, const struct config *cfg, const struct db_resend_msg *m, char **addr,
               struct err *e)
{
	struct db_bounce *bq;
	struct db_bounce_last last;
	char *first = NULL;
	int rc;

	*addr = NULL;
	if (!mail_first_address(m->emails, &first) || !mail_addr_valid(first, 0)) {
		free(first);
		return err_set(e, ERR_DATA, "family %s: no valid first address to send to",
		               m->family_id);
	}
	bq = db_bounce_open(db);
	rc = db_bounce_of(bq, m->family_ref, first, &last, e);
	db_bounce_close(bq);
	if (rc == 0 && last.count >= cfg->bounce_limit) {
		rc = err_set(e, ERR_DATA,
		             "family %s: its first address %s bounced %lld time(s) (last: %s %s); "
		             "import its new address first",
		             m->family_id, first, last.count, last.status, last.diagnostic);
	}
	if (rc < 0) {
		free(first);
		return -1;
	}
	*addr = first;
	return 0;
}

int
morning_resend(struct db *db, const struct config *cfg, int64_t now, long long ref,
               const char *family_id, struct buf *preview, struct morning_stats *st, struct err *e)
{
	struct db_resend_msg *msgs = NULL;
	struct db_mail *q = NULL;
	char *addr = NULL;
	size_t n = 0;
	int rc = -1;

	if (check_mailboxes(cfg, e) < 0)
		return -1;
	if ((preview ? db_begin_read(db, e) : db_begin(db, e)) < 0)
		return -1;
	if (db_resend_find(db, ref, family_id, &msgs, &n, e) < 0 ||
	    resend_address(db, cfg, &msgs[0], &addr, e) < 0)
		goto done;
	q = db_mail_open(db);
	for (size_t i = 0; i < n; i++) {
		const struct db_resend_msg *m = &msgs[i];
		enum mail_kind kind = strcmp(m->kind, "notice") == 0 ? MAIL_NOTICE : MAIL_REPORT;
		char *msgid = mail_message_id(kind, m->family_ref, now, random64(), cfg->from);
		struct resend_head h = {m->family_name, addr, msgid,
		                        m->message_id,  now,  zone_minutes(now)};
		struct buf out = {0};
		struct db_mail_new nm;
		long long newref;
		int src;

		if (resend_rewrite(m->content, m->length, &h, &out) < 0) {
			err_set(e, ERR_INTERNAL, "message %lld: stored content has no header",
			        m->ref);
			free(msgid);
			goto done;
		}
		st->resent++;
		if (preview != NULL) {
			buf_addf(preview, "=== would resend message %lld (%s) to %s as %s\n",
			         m->ref, m->kind, addr, msgid);
			buf_release(&out);
			free(msgid);
			continue;
		}
		memset(&nm, 0, sizeof(nm));
		nm.kind = m->kind;
		nm.family_ref = m->family_ref;
		nm.recipient = addr;
		nm.subject = m->subject;
		nm.message_id = msgid;
		nm.content = out.p;
		nm.length = out.len;
		nm.state = "pending";
		nm.now = now;
		src = db_mail_store(q, &nm, m->seqs, m->nseqs, &newref, e);
		buf_release(&out);
		free(msgid);
		if (src < 0)
			goto done;
	}
	/* Stored for good before they are sent, as morning_compose's. */
	if (preview == NULL && db_commit_durable(db, e) < 0)
		goto done;
	rc = 0;
done:
	db_mail_close(q);
	db_rollback(db);
	for (size_t i = 0; i < n; i++)
		db_resend_release(&msgs[i]);
	free(msgs);
	free(addr);
	return rc;
}

/* The file name of a stored message: its Message-ID without the brackets. */
static char *
file_name(const struct db_mail_msg *m)
{
	const char *id = m->message_id ? m->message_id : "message";
	size_t n;
	char *s;

	if (*id == '<')
		id++;
	n = strcspn(id, ">");
	s = xmalloc(n + 1);
	memcpy(s, id, n);
	s[n] = '\0';
	return s;
}

/* Messages are loaded by chunks of [smtp] max_per_session, never all at once. */
static size_t
chunk_size(const struct config *cfg)
{
	return cfg->smtp_max_per_session > 0 ? (size_t)cfg->smtp_max_per_session : 1;
}

static int
send_file(struct db_mail *q, const struct config *cfg, int64_t now, const long long *refs, size_t n,
          struct morning_stats *st, struct err *e)
{
	size_t chunk = chunk_size(cfg);
	struct db_mail_msg *msgs;
	int rc = 0;

	if (outbox_prepare(cfg->mail_dir, e) < 0)
		return err_prefix(e, "%s: [mail] directory", cfg->source);
	msgs = xcalloc(chunk, sizeof(*msgs));
	for (size_t i = 0; i < n && rc == 0; i += chunk) {
		size_t k = n - i < chunk ? n - i : chunk;

		if (db_mail_load_many(q, refs + i, k, msgs, e) < 0) {
			rc = -1;
			break;
		}
		for (size_t j = 0; j < k; j++) {
			struct db_mail_msg *m = &msgs[j];
			struct buf why = {0};
			char *name, *path = NULL;

			if (rc == 0) {
				name = file_name(m);
				rc = outbox_write(cfg->mail_dir, name, m->content, m->length, &path,
				                  e);
				if (rc == 0) {
					buf_addf(&why, "written to %s", path);
					rc =
					    db_mail_sent(q, m->ref, m->attempts + 1, now, why.p, e);
				}
				if (rc == 0)
					st->sent++;
				buf_release(&why);
				free(path);
				free(name);
			}
			db_mail_msg_release(m);
		}
	}
	free(msgs);
	return rc;
}

/* Seconds before the next attempt after attempts failures: delay * 2^(attempts-1). */
static int64_t
backoff(int delay, int attempts)
{
	int64_t d = delay > 0 ? delay : 0;

	for (int i = 1; i < attempts && d < ((int64_t)1 << 40); i++)
		d *= 2;
	return d;
}

struct morning_delivery {
	struct db_mail *q;
	const struct config *cfg;
	int64_t now;
	struct morning_stats *st;
	int db_failed;
	struct err db_err;
};

/* Record one message's outcome, committed at once (no transaction is open). */
static int
record(struct morning_delivery *run, struct db_mail_msg *m, enum smtp_result r, const char *text)
{
	int attempts = m->attempts + 1;
	int rc;

	if (r == SMTP_RESULT_SENT) {
		rc = db_mail_sent(run->q, m->ref, attempts, run->now, text, &run->db_err);
		if (rc == 0)
			run->st->sent++;
	} else if (r == SMTP_RESULT_TEMPORARY && attempts < run->cfg->max_attempts) {
		rc = db_mail_defer(run->q, m->ref, attempts,
		                   run->now + backoff(run->cfg->retry_delay, attempts), run->now,
		                   text, &run->db_err);
		if (rc == 0)
			run->st->deferred++;
	} else {
		/* permanent, or temporary with no attempt left */
		rc = db_mail_fail(run->q, m->ref, attempts, run->now, text, &run->db_err);
		if (rc == 0 && run->st->failed++ == 0)
			snprintf(run->st->failed_msg, sizeof(run->st->failed_msg), "<%s>%s: %s",
			         m->recipient ? m->recipient : "",
			         r == SMTP_RESULT_PERMANENT ? "" : " (out of attempts)", text);
	}
	if (rc == 0)
		m->attempts = attempts;
	return rc;
}

/* smtp_send's callback: text already holds the server's code and reply. */
static int
on_result(void *ctx, const struct smtp_message *sm, enum smtp_result r, int code, const char *text)
{
	struct morning_delivery *run = ctx;

	(void)code;
	if (record(run, sm->user, r, text != NULL && text[0] != '\0' ? text : "no reply") < 0) {
		run->db_failed = 1;
		return -1;
	}
	return 0;
}

static int
send_smtp(struct db_mail *q, const struct config *cfg, int64_t now, const long long *refs, size_t n,
          struct morning_stats *st, struct err *e)
{
	struct morning_delivery run = {q, cfg, now, st, 0, {ERR_NONE, ""}};
	struct smtp_options o;
	char *password = NULL, *from_addr = NULL;
	size_t chunk = chunk_size(cfg);
	int rc = -1;

	if (config_mailbox(cfg, "from", cfg->from, &from_addr, e) < 0)
		return -1;
	/* A CA bundle that cannot be read: 78 before any connection, with every
	 * TLS mode, and no message loses an attempt. */
	if (config_check_file(cfg, "[smtp] ca_file", cfg->smtp_ca_file, e) < 0)
		goto done;
	if (cfg->smtp_user[0] != '\0') {
		if (cfg->smtp_password_file[0] == '\0') {
			err_set(e, ERR_CONFIG, "%s: [smtp] user is set but password_file is empty",
			        cfg->source);
			goto done;
		}
		if (config_read_secret(cfg->smtp_password_file, "[smtp] password_file", &password,
		                       e) < 0) {
			err_prefix(e, "%s", cfg->source);
			goto done;
		}
	}
	memset(&o, 0, sizeof(o));
	o.host = cfg->smtp_host;
	o.port = cfg->smtp_port;
	o.tls = cfg->smtp_tls;
	o.ca_file = cfg->smtp_ca_file;
	o.user = cfg->smtp_user;
	o.password = password;
	o.timeout_s = cfg->smtp_timeout;
	o.envelope_from = from_addr;

	for (size_t i = 0; i < n; i += chunk) {
		size_t k = n - i < chunk ? n - i : chunk, loaded = 0, queued = 0;
		struct db_mail_msg *msgs = xcalloc(k, sizeof(*msgs));
		struct smtp_message *sm = xcalloc(k, sizeof(*sm));
		struct err se;
		int stop = 0, src;

		if (db_mail_load_many(q, refs + i, k, msgs, e) < 0)
			stop = -1;
		else
			loaded = k;
		for (size_t j = 0; j < loaded && stop == 0; j++) {
			struct db_mail_msg *m = &msgs[j];
			if (m->recipient == NULL || !mail_addr_valid(m->recipient, 0)) {
				/* Never sent elsewhere: a stored pending message without a
				 * valid recipient can only fail. */
				if (record(&run, m, SMTP_RESULT_PERMANENT, "no valid recipient") <
				    0) {
					*e = run.db_err;
					stop = -1;
				}
				continue;
			}
			sm[queued].recipient = m->recipient;
			sm[queued].content = m->content;
			sm[queued].length = m->length;
			sm[queued].user = m;
			queued++;
		}
		if (stop == 0 && queued > 0) {
			err_clear(&se);
			src = smtp_send(&o, sm, queued, on_result, &run, &se);
			if (src < 0 && run.db_failed) {
				*e = run.db_err;
				stop = -1;
			} else if (src < 0 && se.kind != ERR_UNAVAILABLE) {
				/* Configuration (ca_file, host) or a composition bug: no
				 * message was tried, so none loses an attempt. */
				*e = se;
				stop = -1;
			} else if (src < 0) {
				/* Nothing could be attempted: one temporary attempt each. */
				st->unreachable = 1;
				snprintf(st->unreachable_msg, sizeof(st->unreachable_msg), "%s",
				         se.msg);
				for (size_t j = 0; j < queued && stop == 0; j++)
					if (record(&run, sm[j].user, SMTP_RESULT_TEMPORARY,
					           se.msg) < 0) {
						*e = run.db_err;
						stop = -1;
					}
				if (stop == 0)
					stop = 1;
			}
		}
		for (size_t j = 0; j < loaded; j++)
			db_mail_msg_release(&msgs[j]);
		free(msgs);
		free(sm);
		if (stop < 0)
			goto done;
		if (stop > 0)
			break;
	}
	rc = 0;
done:
	if (password != NULL) {
		explicit_bzero(password, strlen(password));
		free(password);
	}
	free(from_addr);
	return rc;
}

int
morning_send(struct db *db, const struct config *cfg, int64_t now, struct buf *preview,
             struct morning_stats *st, struct err *e)
{
	struct db_mail *q = db_mail_open(db);
	long long *refs = NULL;
	size_t n;
	int rc = -1;

	if (db_mail_due(q, now, &refs, &n, e) < 0)
		goto done;
	st->due = (long)n;
	if (preview != NULL) {
		for (size_t i = 0; i < n; i++) {
			struct db_mail_msg m;
			if (db_mail_load(q, refs[i], &m, e) < 0)
				goto done;
			buf_addf(preview, "=== would send stored %s message %lld to %s: %s\n",
			         m.kind, m.ref, m.recipient ? m.recipient : "(none)", m.subject);
			db_mail_msg_release(&m);
		}
		rc = 0;
		goto done;
	}
	if (n == 0)
		rc = 0;
	else if (cfg->transport == TRANSPORT_SMTP)
		rc = send_smtp(q, cfg, now, refs, n, st, e);
	else
		rc = send_file(q, cfg, now, refs, n, st, e);
	if (rc == 0)
		rc = db_mail_pending(q, &st->pending, &st->next_at, e);
done:
	free(refs);
	db_mail_close(q);
	return rc;
}

int
morning_outcome(const struct morning_stats *st, struct err *e)
{
	char when[WHEN_DATETIME_LEN], later[128] = "";

	if (st->pending > 0) {
		when_format_datetime(st->next_at, when);
		snprintf(later, sizeof(later), "; %lld message(s) deferred, next attempt at %s",
		         st->pending, when);
	}
	if (st->failed > 0)
		return err_set(e, ERR_UNAVAILABLE,
		               "%ld message(s) given up, marked failed (nocturne-status --mail "
		               "lists them): first %s%s",
		               st->failed, st->failed_msg, later);
	if (st->unreachable && st->sent == 0)
		return err_set(e, ERR_UNAVAILABLE, "%s; nothing delivered, %lld message(s) pending",
		               st->unreachable_msg, st->pending);
	if (st->pending > 0)
		return err_set(e, ERR_TEMP, "%s%s", st->unreachable ? st->unreachable_msg : "",
		               later + (st->unreachable ? 0 : 2));
	return 0;
}
