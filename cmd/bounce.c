/*
 * nocturne-bounce - record the bounces of sent mail (contract section 8):
 * one message from the MTA's pipe (FILE or stdin), or every message of the
 * bounce mailbox over IMAP (--fetch). The work is lib/returns.c's
 * returns_run().
 *
 * Pipe mode never makes the MTA bounce a bounce: a message that is not a
 * bounce, or a bounce of no message of ours, exits 0 with a log line; a
 * database that is busy or cannot be opened exits 75, so the MTA keeps the
 * message and tries again. It takes no lock (the MTA may run several at
 * once; each bounce is one short write transaction). --fetch holds the
 * "bounce" lock for its run, like nocturne-transmit and nocturne-notify.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opts.h"
#include "returns.h"
#include "tool.h"

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
	struct returns_run_opts ro;
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
	memset(&ro, 0, sizeof(ro));
	ro.fetch = fetch;
	ro.file = first < argc ? argv[first] : NULL;
	ro.env_rcpt = getenv("ORIGINAL_RECIPIENT");
	if (ro.env_rcpt == NULL || ro.env_rcpt[0] == '\0')
		ro.env_rcpt = getenv("RECIPIENT");
	ro.dry_run = o.dry_run;

	err_clear(&e);
	memset(&cfg, 0, sizeof(cfg)); /* opts_setup fills it */
	if (opts_setup(&o, t.name, &cfg, &now, &e) < 0)
		code = tool_fail(&e);
	else if (returns_run(&cfg, now, &ro, stdout, &e) < 0)
		code = tool_finish(tool_fail(&e));
	else
		code = tool_finish(0);
	config_release(&cfg);
	return code;
}
