#include "returns.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "db_bounce.h"
#include "imap.h"
#include "mail.h"

int
returns_is_first(const char *emails, const char *address)
{
	char *first = NULL;
	int is;

	if (address == NULL || !mail_first_address(emails, &first))
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

int
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
