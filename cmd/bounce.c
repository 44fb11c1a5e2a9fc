/*
 * nocturne-bounce - record the bounces of sent mail (contract section 8):
 * one message from the MTA's pipe (FILE or stdin), or every message of the
 * bounce mailbox over IMAP (--fetch).
 *
 * Pipe mode never makes the MTA bounce a bounce: a message that is not a
 * bounce, or a bounce of no message of ours, exits 0 with a log line; a
 * database that is busy or cannot be opened exits 75, so the MTA keeps the
 * message and tries again. It takes no lock (the MTA may run several at
 * once; each bounce is one short write transaction). --fetch holds the
 * "bounce" lock for its run, like nocturne-transmit and nocturne-notify.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "bounce.h"
#include "db.h"
#include "lock.h"
#include "log.h"
#include "opts.h"
#include "returns.h"
#include "tool.h"

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

/* In pipe mode every failure to reach the database is temporary: the MTA
 * retries (tool_fail keeps the quiet rule: under -q a 75 prints nothing). */
static int
pipe_fail(struct err *e)
{
	if (e->kind != ERR_CONFIG && e->kind != ERR_USAGE)
		e->kind = ERR_TEMP;
	return tool_fail(e);
}

static int
pipe_mode(const struct opts *o, const struct config *cfg, int64_t now, const char *file)
{
	const char *rcpt = getenv("ORIGINAL_RECIPIENT");
	struct returns_outcome r;
	struct db *db = NULL;
	struct err e;
	char *msg = NULL;
	size_t len = 0;
	int cut = 0, code;
	FILE *f = stdin;

	err_clear(&e);
	if (rcpt == NULL || rcpt[0] == '\0')
		rcpt = getenv("RECIPIENT");
	if (file != NULL && strcmp(file, "-") != 0) {
		f = fopen(file, "rb");
		if (f == NULL) {
			err_set(&e, errno == ENOENT ? ERR_NOINPUT : ERR_IO, "%s: %s", file,
			        strerror(errno));
			return tool_fail(&e);
		}
	}
	code = read_all(f, file ? file : "standard input", &msg, &len, &cut, &e);
	if (f != stdin)
		fclose(f);
	if (code < 0)
		return tool_fail(&e);
	if (db_open(&db, cfg->db_path, cfg->busy_timeout_ms, DB_OPEN_EXISTING, &e) < 0 ||
	    returns_handle(db, cfg, msg, len, rcpt, now, o->dry_run, &r, &e) < 0) {
		code = pipe_fail(&e);
		goto done;
	}
	report(&r, cut ? "(over 16 MiB, the rest dropped) " : "", 0);
	if (o->dry_run)
		printf("%s: %s\n", bounce_verdict_name(r.r.verdict), r.line);
	code = tool_finish(0);
done:
	db_close(db);
	free(msg);
	return code;
}

/* The log line (and with -n the stdout line) of one message of the mailbox. */
static void
on_fetched(void *ctx, unsigned long uid, const struct returns_outcome *r)
{
	const struct opts *o = ctx;
	char where[64];

	snprintf(where, sizeof(where), "UID %lu: ", uid);
	report(r, where, 1);
	if (o->dry_run)
		printf("UID %lu: %s: %s\n", uid, bounce_verdict_name(r->r.verdict), r->line);
}

static int
fetch_mode(const struct opts *o, const struct config *cfg, int64_t now)
{
	struct returns_fetch_stats st;
	struct db *db = NULL;
	struct lock lk = {-1, NULL};
	struct err e;
	int code;

	err_clear(&e);
	if (db_open(&db, cfg->db_path, cfg->busy_timeout_ms, DB_OPEN_EXISTING, &e) < 0 ||
	    (!o->dry_run && lock_acquire(&lk, cfg->db_path, "bounce", &e) < 0) ||
	    returns_fetch(db, cfg, now, o->dry_run, on_fetched, (void *)o, &st, &e) < 0) {
		code = tool_fail(&e);
	} else {
		log_info("%zu message(s) in the mailbox: %zu handled%s, %zu left", st.messages,
		         st.handled, o->dry_run ? " (dry run: none removed)" : "", st.left);
		code = tool_finish(0);
	}
	lock_release(&lk);
	db_close(db);
	return code;
}

int
main(int argc, char **argv)
{
	int fetch = 0, first, code;
	const struct tool_option own[] = {
	    {"fetch", NULL,
	     "read the mailbox of [bounce] url; handled messages are\ndeleted (or moved to "
	     "[bounce] done_folder)",
	     &fetch, NULL, NULL, NULL},
	    {NULL, NULL, NULL, NULL, NULL, NULL, NULL},
	};
	const struct tool t = {
	    "nocturne-bounce",
	    "nocturne-bounce [options] [FILE|-]   one returned message (an MTA pipe)\n"
	    "       nocturne-bounce [options] --fetch    the [bounce] mailbox over IMAP\n",
	    "Record the hard bounces of sent mail: the message becomes 'bounced', and a\n"
	    "family whose first address bounced [bounce] limit times gets no more mail\n"
	    "until an import gives it another address. The envelope recipient\n"
	    "($ORIGINAL_RECIPIENT, else $RECIPIENT, as Postfix's local(8) sets them)\n"
	    "names the message when [mail] return_path is set (VERP).\n",
	    NULL,
	    "say what would be recorded; change nothing",
	    own,
	    "exit: 0 done (also: not a bounce, unknown message), 64 usage, 66 FILE\n"
	    "      missing, 69 IMAP server unreachable or login refused, 74 I/O error,\n"
	    "      75 database busy or unavailable, locked, or mailbox work left for a\n"
	    "      later run (silent with -q), 78 configuration error\n",
	};
	struct opts o;
	struct config cfg;
	struct err e;
	int64_t now;

	code = tool_parse(&t, argc, argv, &o, &first);
	if (code != TOOL_CONTINUE)
		return code;
	if (first + 1 < argc || (fetch && first < argc))
		return tool_usage_error("unexpected argument '%s'",
		                        argv[fetch ? first : first + 1]);
	err_clear(&e);
	memset(&cfg, 0, sizeof(cfg)); /* opts_setup fills it */
	if (opts_setup(&o, t.name, &cfg, &now, &e) < 0) {
		config_release(&cfg);
		return tool_fail(&e);
	}
	code = fetch ? fetch_mode(&o, &cfg, now)
	             : pipe_mode(&o, &cfg, now, first < argc ? argv[first] : NULL);
	config_release(&cfg);
	return code;
}
