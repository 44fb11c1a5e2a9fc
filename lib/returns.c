#include "returns.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "db_bounce.h"
#include "imap.h"
#include "lock.h"
#include "log.h"
#include "mime.h"

int
returns_is_first(const char *emails, const char *address)
{
	char *first = NULL;
	int is;

	if (address == NULL || !mime_first_address(emails, &first))
		return 0;
	is = strcasecmp(first, address) == 0;
	free(first);
	return is;
}

/* "message 42 (<id>)" or what the bounce named. */
static void
named(const struct bounce_result *r, char *out, size_t n)
{
	if (r->ref > 0 && r->message_id[0])
		snprintf(out, n, "VERP ref m%lld, Message-ID %s", r->ref, r->message_id);
	else if (r->ref > 0)
		snprintf(out, n, "VERP ref m%lld", r->ref);
	else if (r->message_id[0])
		snprintf(out, n, "Message-ID %s", r->message_id);
	else
		snprintf(out, n, "no VERP address and no returned Message-ID");
}

int
returns_handle(struct db *db, const struct config *cfg, const char *msg, size_t len,
               const char *env_rcpt, int64_t now, int dry, struct returns_outcome *o, struct err *e)
{
	struct bounce_env env = {cfg->return_path, env_rcpt};
	struct db_bounce_new b;
	struct db_bounce_hit hit;
	char name[400];

	memset(o, 0, sizeof(*o));
	bounce_parse(msg, len, &env, &o->r);
	named(&o->r, name, sizeof(name));
	switch (o->r.verdict) {
	case BOUNCE_NOT:
		o->what = RETURNS_NOT_BOUNCE;
		snprintf(o->line, sizeof(o->line), "not a bounce, left alone: %s", o->r.why);
		return 0;
	case BOUNCE_DELAYED:
	case BOUNCE_AUTOREPLY:
		o->what = RETURNS_IGNORED;
		o->handled = 1;
		snprintf(o->line, sizeof(o->line), "%s (%s), nothing recorded: %s",
		         bounce_verdict_name(o->r.verdict), name, o->r.why);
		return 0;
	case BOUNCE_FAILED:
		break;
	}
	memset(&b, 0, sizeof(b));
	b.ref = o->r.ref;
	b.message_id = o->r.message_id;
	b.status = o->r.status;
	b.diagnostic = o->r.diagnostic;
	b.now = now;
	if (b.ref <= 0 && b.message_id[0] == '\0') {
		o->what = RETURNS_UNKNOWN;
		snprintf(o->line, sizeof(o->line), "a bounce (%s %s) naming no message of ours: %s",
		         o->r.status, o->r.recipient[0] ? o->r.recipient : "unknown recipient",
		         name);
		return 0;
	}
	if (db_bounce_record(db, &b, dry, &hit, e) < 0)
		return -1;
	switch (hit.outcome) {
	case DB_BOUNCE_UNKNOWN:
		o->what = RETURNS_UNKNOWN;
		snprintf(o->line, sizeof(o->line), "a bounce (%s) for no known sent message: %s",
		         o->r.status, name);
		break;
	case DB_BOUNCE_ALREADY:
	case DB_BOUNCE_RECORDED:
		o->what = hit.outcome == DB_BOUNCE_ALREADY ? RETURNS_ALREADY : RETURNS_RECORDED;
		o->handled = 1;
		o->undeliverable =
		    hit.count >= cfg->bounce_limit && returns_is_first(hit.emails, hit.address);
		snprintf(
		    o->line, sizeof(o->line), "%smessage %lld to %s (family %s) bounced: %s %s%s%s",
		    dry ? "would record: " : "", hit.message_ref,
		    hit.address ? hit.address : "(none)", hit.family_id ? hit.family_id : "?",
		    o->r.status, o->r.diagnostic,
		    hit.outcome == DB_BOUNCE_ALREADY ? " (already recorded)" : "",
		    o->undeliverable ? "; the family is undeliverable until its address changes"
		                     : "");
		break;
	}
	db_bounce_hit_release(&hit);
	return 0;
}

/* What --fetch did. */
struct returns_fetch_stats {
	size_t messages; /* in the mailbox */
	size_t handled;  /* deleted or moved (with dry: would be) */
	size_t left;
};

/* Called with each message's outcome (for the log); uid: its IMAP UID. */
typedef void (*returns_fetch_fn)(void *ctx, unsigned long uid, const struct returns_outcome *o);

/*
 * --fetch: read every message of the [bounce] url mailbox (imap.h), handle
 * each (returns_handle) and, unless dry, delete the handled ones or move
 * them to [bounce] done_folder; the others stay. fn (may be NULL) hears of
 * each. ERR_CONFIG: no url, a bad password file; the IMAP errors of
 * imap.h, except that a failure after some messages were handled is
 * ERR_TEMP (they are recorded; the rest waits).
 */
static int
returns_fetch(struct db *db, const struct config *cfg, int64_t now, int dry, returns_fetch_fn fn,
              void *ctx, struct returns_fetch_stats *st, struct err *e)
{
	struct imap_options io;
	struct imap *s = NULL;
	unsigned long *uids = NULL;
	char *password = NULL;
	int rc = -1;

	memset(st, 0, sizeof(*st));
	if (cfg->bounce_url[0] == '\0')
		return err_set(e, ERR_CONFIG, "%s: [bounce] url is not set: --fetch has no mailbox",
		               cfg->source);
	if (cfg->bounce_password_file[0] != '\0' &&
	    config_read_secret(cfg->bounce_password_file, "[bounce] password_file", &password, e) <
	        0)
		return -1;
	memset(&io, 0, sizeof(io));
	io.url = cfg->bounce_url;
	io.user = cfg->bounce_user;
	io.password = password;
	io.ca_file = cfg->bounce_ca_file;
	io.timeout_s = cfg->bounce_timeout;
	io.done_folder = cfg->bounce_done_folder;
	io.max_message = BOUNCE_INPUT_MAX;
	if (imap_open(&s, &io, e) < 0 || imap_list(s, &uids, &st->messages, e) < 0)
		goto done;
	for (size_t i = 0; i < st->messages; i++) {
		struct returns_outcome o;
		char *msg = NULL;
		size_t len;
		int cut, hrc;

		if (imap_fetch(s, uids[i], &msg, &len, &cut, e) < 0)
			goto done;
		hrc = returns_handle(db, cfg, msg, len, NULL, now, dry, &o, e);
		free(msg);
		if (hrc < 0)
			goto done;
		if (fn != NULL)
			fn(ctx, uids[i], &o);
		if (!o.handled) {
			st->left++;
			continue;
		}
		st->handled++;
		if (!dry && imap_done(s, uids[i], e) < 0)
			goto done;
	}
	if (imap_flush(s, e) < 0)
		goto done;
	rc = 0;
done:
	/* work done before a failure is kept; what is left waits for the next run */
	if (rc < 0 && st->handled > 0 && e->kind == ERR_UNAVAILABLE)
		e->kind = ERR_TEMP;
	free(uids);
	imap_close(s);
	if (password != NULL) {
		explicit_bzero(password, strlen(password));
		free(password);
	}
	return rc;
}

/* Read at most BOUNCE_INPUT_MAX bytes of f, then drain the rest (the MTA writes it all). */
static int
read_all(FILE *f, const char *name, char **out, size_t *len, int *cut, struct err *e)
{
	size_t cap = 1 << 16, n = 0;
	char *p = xmalloc(cap + 1), sink[65536];

	*cut = 0;
	for (;;) {
		size_t got;
		if (n == cap && cap < BOUNCE_INPUT_MAX) {
			cap = cap * 2 > BOUNCE_INPUT_MAX ? BOUNCE_INPUT_MAX : cap * 2;
			p = xrealloc(p, cap + 1);
		}
		if (n < cap) {
			got = fread(p + n, 1, cap - n, f);
			n += got;
		} else {
			got = fread(sink, 1, sizeof(sink), f);
			if (got > 0)
				*cut = 1;
		}
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		free(p);
		return err_set(e, ERR_IO, "%s: cannot read: %s", name, strerror(errno));
	}
	p[n] = '\0';
	*out = p;
	*len = n;
	return 0;
}

/* The log line of one message, at the level its outcome deserves. */
static void
report(const struct returns_outcome *r, const char *where, int quiet_unhandled)
{
	if (r->what == RETURNS_RECORDED || r->what == RETURNS_ALREADY ||
	    r->what == RETURNS_IGNORED || quiet_unhandled)
		log_info("%s%s", where, r->line);
	else
		log_warn("%s%s", where, r->line);
}

/* Pipe mode: one message from file (NULL or "-": standard input). Every
 * failure to reach the database is temporary: the MTA retries. */
static int
pipe_mode(const struct config *cfg, int64_t now, const char *file, const char *rcpt, int dry,
          FILE *out, struct err *e)
{
	struct returns_outcome r;
	struct db *db = NULL;
	char *msg = NULL;
	size_t len = 0;
	int cut = 0, rc = -1;
	FILE *f = stdin;

	if (file != NULL && strcmp(file, "-") != 0) {
		f = fopen(file, "rb");
		if (f == NULL)
			return err_set(e, errno == ENOENT ? ERR_NOINPUT : ERR_IO, "%s: %s", file,
			               strerror(errno));
	}
	rc = read_all(f, file ? file : "standard input", &msg, &len, &cut, e);
	if (f != stdin)
		fclose(f);
	if (rc < 0)
		return -1;
	if (db_open(&db, cfg->db_path, cfg->busy_timeout_ms, DB_OPEN_EXISTING, e) < 0 ||
	    returns_handle(db, cfg, msg, len, rcpt, now, dry, &r, e) < 0) {
		if (e->kind != ERR_CONFIG && e->kind != ERR_USAGE)
			e->kind = ERR_TEMP;
		rc = -1;
		goto done;
	}
	report(&r, cut ? "(over 16 MiB, the rest dropped) " : "", 0);
	if (dry)
		fprintf(out, "%s: %s\n", bounce_verdict_name(r.r.verdict), r.line);
	rc = 0;
done:
	db_close(db);
	free(msg);
	return rc;
}

/* The log line (and in a dry run the line on out) of one message of the mailbox. */
struct fetched {
	int dry;
	FILE *out;
};

static void
on_fetched(void *ctx, unsigned long uid, const struct returns_outcome *r)
{
	const struct fetched *fc = ctx;
	char where[64];

	snprintf(where, sizeof(where), "UID %lu: ", uid);
	report(r, where, 1);
	if (fc->dry)
		fprintf(fc->out, "UID %lu: %s: %s\n", uid, bounce_verdict_name(r->r.verdict),
		        r->line);
}

static int
fetch_mode(const struct config *cfg, int64_t now, int dry, FILE *out, struct err *e)
{
	struct returns_fetch_stats st;
	struct fetched fc = {dry, out};
	struct db *db = NULL;
	struct lock lk = {-1, NULL};
	int rc = -1;

	if (db_open(&db, cfg->db_path, cfg->busy_timeout_ms, DB_OPEN_EXISTING, e) == 0 &&
	    (dry || lock_acquire(&lk, cfg->db_path, "bounce", e) == 0) &&
	    returns_fetch(db, cfg, now, dry, on_fetched, &fc, &st, e) == 0) {
		log_info("%zu message(s) in the mailbox: %zu handled%s, %zu left", st.messages,
		         st.handled, dry ? " (dry run: none removed)" : "", st.left);
		rc = 0;
	}
	lock_release(&lk);
	db_close(db);
	return rc;
}

int
returns_run(const struct config *cfg, int64_t now, const struct returns_run_opts *ro, FILE *out,
            struct err *e)
{
	if (ro->fetch)
		return fetch_mode(cfg, now, ro->dry_run, out, e);
	return pipe_mode(cfg, now, ro->file, ro->env_rcpt, ro->dry_run, out, e);
}
