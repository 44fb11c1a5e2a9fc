#include "morning.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_mail.h"
#include "log.h"
#include "mime.h"
#include "morning_int.h"
#include "outbox.h"
#include "smtp.h"
#include "when.h"

/*
 * Parse the [mail] KEY mailbox value into *addr (malloc'ed, caller frees;
 * NULL to only check it). ERR_CONFIG naming the file and key if it is not one.
 */
int
morning_mailbox(const struct config *cfg, const char *key, const char *value, char **addr,
                struct err *e)
{
	char *name, *a;

	if (mime_parse_mailbox(value, &name, &a) < 0)
		return err_set(e, ERR_CONFIG, "%s: [mail] %s '%s' is not a valid mailbox",
		               cfg->source, key, value);
	free(name);
	if (addr != NULL)
		*addr = a;
	else
		free(a);
	return 0;
}

int
morning_check_mailboxes(const struct config *cfg, struct err *e)
{
	if (morning_mailbox(cfg, "from", cfg->from, NULL, e) < 0)
		return -1;
	if (cfg->reply_to[0] != '\0' &&
	    morning_mailbox(cfg, "reply_to", cfg->reply_to, NULL, e) < 0)
		return -1;
	return 0;
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

/* Messages are stored and loaded by chunks of [smtp] max_per_session, never all at once. */
size_t
morning_chunk(const struct config *cfg)
{
	return cfg->smtp_max_per_session > 0 ? (size_t)cfg->smtp_max_per_session : 1;
}

static int
send_file(struct db_mail *q, const struct config *cfg, int64_t now, const long long *refs, size_t n,
          struct morning_stats *st, struct err *e)
{
	size_t chunk = morning_chunk(cfg);
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

/*
 * Each outcome is committed as it happens (contract section 6: "a crash can
 * repeat at most the one message in flight"): one short write transaction
 * (BEGIN IMMEDIATE, the UPDATE, COMMIT) opened only once the outcome is
 * known, so no write lock is held while the server is waited for. A crash
 * (or a power cut) before that commit leaves the message pending: the next
 * run sends it again (same Message-ID), never lost. Committing outcomes in
 * groups was measured (docs/smtp.md): 32 a transaction saved about a fifth
 * of the sending time, but a crash would then repeat up to 32 messages,
 * which the contract does not allow.
 */
struct morning_delivery {
	struct db *db;
	struct db_mail *q;
	const struct config *cfg;
	int64_t now;
	struct morning_stats *st;
	int db_failed;
	struct err db_err;
};

/* One outcome's UPDATE, inside its transaction. */
static int
apply(struct morning_delivery *run, const struct db_mail_msg *m, enum smtp_result r, int attempts,
      const char *text)
{
	if (r == SMTP_RESULT_SENT)
		return db_mail_sent(run->q, m->ref, attempts, run->now, text, &run->db_err);
	if (r == SMTP_RESULT_TEMPORARY && attempts < run->cfg->max_attempts)
		return db_mail_defer(run->q, m->ref, attempts,
		                     run->now + backoff(run->cfg->retry_delay, attempts), run->now,
		                     text, &run->db_err);
	/* permanent, or temporary with no attempt left */
	return db_mail_fail(run->q, m->ref, attempts, run->now, text, &run->db_err);
}

/*
 * Commit one message's outcome in its own transaction, then count it. On a
 * database error nothing is recorded (rolled back): the message stays
 * pending, as after a crash.
 */
static int
record(struct morning_delivery *run, struct db_mail_msg *m, enum smtp_result r, const char *text)
{
	int attempts = m->attempts + 1;

	if (db_begin(run->db, &run->db_err) < 0)
		return -1;
	if (apply(run, m, r, attempts, text) < 0) {
		db_rollback(run->db);
		return -1;
	}
	if (db_commit(run->db, &run->db_err) < 0)
		return -1;
	m->attempts = attempts;
	if (r == SMTP_RESULT_SENT)
		run->st->sent++;
	else if (r == SMTP_RESULT_TEMPORARY && attempts < run->cfg->max_attempts)
		run->st->deferred++;
	else if (run->st->failed++ == 0)
		snprintf(run->st->failed_msg, sizeof(run->st->failed_msg), "<%.256s>%s: %.700s",
		         m->recipient ? m->recipient : "",
		         r == SMTP_RESULT_PERMANENT ? "" : " (out of attempts)", text);
	return 0;
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
send_smtp(struct db *db, struct db_mail *q, const struct config *cfg, int64_t now,
          const long long *refs, size_t n, struct morning_stats *st, struct err *e)
{
	struct morning_delivery *run = xcalloc(1, sizeof(*run));
	struct smtp_options o;
	char *password = NULL, *from_addr = NULL;
	size_t chunk = morning_chunk(cfg);
	int rc = -1;

	run->db = db;
	run->q = q;
	run->cfg = cfg;
	run->now = now;
	run->st = st;
	if (morning_mailbox(cfg, "from", cfg->from, &from_addr, e) < 0)
		goto done;
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
	smtp_options_from(&o, cfg, password, from_addr);

	for (size_t i = 0; i < n; i += chunk) {
		size_t k = n - i < chunk ? n - i : chunk, loaded = 0, queued = 0;
		struct db_mail_msg *msgs = xcalloc(k, sizeof(*msgs));
		struct smtp_message *sm = xcalloc(k, sizeof(*sm));
		char **verp = xcalloc(k, sizeof(*verp));
		struct err se;
		int stop = 0, src;

		if (db_mail_load_many(q, refs + i, k, msgs, e) < 0)
			stop = -1;
		else
			loaded = k;
		for (size_t j = 0; j < loaded && stop == 0; j++) {
			struct db_mail_msg *m = &msgs[j];
			if (m->recipient == NULL || !mime_addr_valid(m->recipient, 0)) {
				/* Never sent elsewhere: a stored pending message without a
				 * valid recipient can only fail. */
				if (record(run, m, SMTP_RESULT_PERMANENT, "no valid recipient") < 0)
					stop = -1;
				continue;
			}
			sm[queued].recipient = m->recipient;
			if (cfg->return_path[0] != '\0') {
				/* VERP: bounces+m123@domain names the message bounced. */
				verp[queued] = mime_verp(cfg->return_path, m->ref);
				sm[queued].envelope_from = verp[queued];
			}
			sm[queued].content = m->content;
			sm[queued].length = m->length;
			sm[queued].user = m;
			queued++;
		}
		/* Mark them handed over before they are (one commit per session). */
		if (stop == 0 && queued > 0) {
			if (db_begin(db, &run->db_err) < 0)
				stop = -1;
			for (size_t j = 0; j < queued && stop == 0; j++)
				if (db_mail_sending(q, ((struct db_mail_msg *)sm[j].user)->ref,
				                    &run->db_err) < 0) {
					db_rollback(db);
					stop = -1;
				}
			if (stop == 0 && db_commit(db, &run->db_err) < 0)
				stop = -1;
		}
		if (stop == 0 && queued > 0) {
			err_clear(&se);
			src = smtp_send(&o, sm, queued, on_result, run, &se);
			if (src < 0 && run->db_failed) {
				stop = -1;
			} else if (src < 0 && se.kind != ERR_UNAVAILABLE) {
				/* Configuration (ca_file, host) or a composition bug: no
				 * message was tried, so none loses an attempt. */
				*e = se;
				stop = -2;
			} else if (src < 0) {
				/* Nothing could be attempted: one temporary attempt each. */
				st->unreachable = 1;
				snprintf(st->unreachable_msg, sizeof(st->unreachable_msg), "%s",
				         se.msg);
				for (size_t j = 0; j < queued && stop == 0; j++)
					if (record(run, sm[j].user, SMTP_RESULT_TEMPORARY, se.msg) <
					    0)
						stop = -1;
				if (stop == 0)
					stop = 1;
			}
		}
		if (stop == -1)
			*e = run->db_err;
		for (size_t j = 0; j < loaded; j++)
			db_mail_msg_release(&msgs[j]);
		for (size_t j = 0; j < k; j++)
			free(verp[j]);
		free(verp);
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
	free(run);
	return rc;
}

/*
 * Send the messages due at now with a ref above *after (the highest one a
 * round of this run already had), and raise *after to the highest of them.
 */
static int
send_round(struct db *db, struct db_mail *q, const struct config *cfg, int64_t now,
           long long *after, struct morning_stats *st, struct err *e)
{
	long long *refs = NULL;
	size_t n;
	int rc = 0;

	if (db_mail_due(q, now, *after, &refs, &n, e) < 0)
		return -1;
	st->due += (long)n;
	for (size_t i = 0; i < n; i++)
		if (refs[i] > *after)
			*after = refs[i];
	if (n > 0 && cfg->transport == TRANSPORT_SMTP)
		rc = send_smtp(db, q, cfg, now, refs, n, st, e);
	else if (n > 0)
		rc = send_file(q, cfg, now, refs, n, st, e);
	free(refs);
	return rc;
}

int
morning_send(struct db *db, const struct config *cfg, int64_t now, struct buf *preview,
             struct morning_stats *st, struct err *e)
{
	struct db_mail *q = db_mail_open(db);
	long long *refs = NULL, after = 0;
	size_t n;
	int rc = -1;

	if (preview == NULL) {
		if (send_round(db, q, cfg, now, &after, st, e) == 0)
			rc = db_mail_pending(q, &st->pending, &st->next_at, e);
		goto done;
	}
	if (db_mail_due(q, now, 0, &refs, &n, e) < 0)
		goto done;
	st->due = (long)n;
	for (size_t i = 0; i < n; i++) {
		struct db_mail_msg m;
		if (db_mail_load(q, refs[i], &m, e) < 0)
			goto done;
		buf_addf(preview, "=== would send stored %s message %lld to %s: %s\n", m.kind,
		         m.ref, m.recipient ? m.recipient : "(none)", m.subject);
		db_mail_msg_release(&m);
	}
	rc = 0;
done:
	free(refs);
	db_mail_close(q);
	return rc;
}

/*
 * The sending thread of morning_run: a round of sending each time the
 * composer has stored a chunk (and one at once, for the messages earlier
 * runs left due), until the composer is done and a last round found the
 * rest. It stops at the first local failure, or when the server could not
 * be reached: what it did not send stays pending for a later run.
 */
struct sender {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	unsigned long stored; /* chunks the composer stored */
	int composed;         /* the composer is done */
	struct db *db;        /* the sender's own connection */
	const struct config *cfg;
	int64_t now;
	struct morning_stats *st;
	long long after; /* the highest ref a round had */
	int stopped;
	int rc;
	struct err e;
};

static void
sender_feed(void *ctx)
{
	struct sender *s = ctx;

	pthread_mutex_lock(&s->mu);
	s->stored++;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

static void *
sender_main(void *arg)
{
	struct sender *s = arg;
	struct db_mail *q = db_mail_open(s->db);
	unsigned long seen = 0;
	int first = 1, last = 0;

	while (!last && !s->stopped) {
		pthread_mutex_lock(&s->mu);
		while (!first && !s->composed && s->stored == seen)
			pthread_cond_wait(&s->cv, &s->mu);
		first = 0;
		seen = s->stored;
		last = s->composed;
		pthread_mutex_unlock(&s->mu);
		if (send_round(s->db, q, s->cfg, s->now, &s->after, s->st, &s->e) < 0) {
			s->rc = -1;
			s->stopped = 1;
		} else if (s->st->unreachable) {
			s->stopped = 1;
		}
	}
	db_mail_close(q);
	return NULL;
}

int
morning_run(struct db *db, const struct config *cfg, int64_t now, struct morning_stats *st,
            struct err *e)
{
	struct sender s;
	struct morning_feed feed = {sender_feed, &s};
	struct db_mail *q;
	struct timespec t0;
	pthread_t t;
	int rc, threaded;

	if (morning_check_mailboxes(cfg, e) < 0)
		return -1;
	memset(&s, 0, sizeof(s));
	pthread_mutex_init(&s.mu, NULL);
	pthread_cond_init(&s.cv, NULL);
	s.cfg = cfg;
	s.now = now;
	s.st = st;
	err_clear(&s.e);
	when_mark(&t0);
	/* The sender reads each message once: a small cache. */
	rc = db_open_sibling(db, &s.db, 2048, e);
	if (rc == 0) {
		db_hold_checkpoints(db, 1);
		db_hold_checkpoints(s.db, 1);
	}
	threaded = rc == 0 && pthread_create(&t, NULL, sender_main, &s) == 0;
	if (rc == 0)
		rc = morning_compose(db, cfg, now, NULL, threaded ? &feed : NULL, st, e);
	log_debug("composed and stored: %.2f s", when_elapsed(&t0));
	pthread_mutex_lock(&s.mu);
	s.composed = 1;
	pthread_cond_signal(&s.cv);
	pthread_mutex_unlock(&s.mu);
	/*
	 * Copy the composer's log back while the sender still sends, rather
	 * than all of it in db_hold_checkpoints(db, 0) after the last message
	 * (the morning x0.95-0.97 wall, 10 pairs each time).
	 */
	if (threaded && rc == 0)
		db_checkpoint_passive(db);
	if (threaded)
		pthread_join(t, NULL);
	else if (s.db != NULL)
		sender_main(&s); /* no thread: send after composing */
	log_debug("sent: %.2f s", when_elapsed(&t0));
	db_close(s.db);
	db_hold_checkpoints(db, 0);
	pthread_cond_destroy(&s.cv);
	pthread_mutex_destroy(&s.mu);
	if (rc == 0 && s.rc < 0) {
		*e = s.e;
		rc = -1;
	}
	/* The service's page says how this morning's mail went: after it. */
	if (rc == 0)
		rc = morning_page(db, cfg, now, NULL, st, e);
	q = db_mail_open(db);
	if (rc == 0 && !s.stopped)
		rc = send_round(db, q, cfg, now, &s.after, st, e);
	if (rc == 0)
		rc = db_mail_pending(q, &st->pending, &st->next_at, e);
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
