/*
 * nocturne-notify - compose and send the morning mail (contract section 6),
 * or resend a stored message to a family's new address (section 8).
 * The work is lib/notify.c's notify_run().
 */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "notify.h"
#include "opts.h"
#include "tool.h"

static int
check_ref(const char *s)
{
	long long ref;

	return notify_parse_ref(s, &ref);
}

int
main(int argc, char **argv)
{
	const char *ref_text = NULL, *family_id = NULL;
	const struct tool_option own[] = {
	    {"resend", "REF",
	     "compose stored message REF (m123 or 123) again, as a new\nmessage to the family's "
	     "current first address, and send",
	     NULL, &ref_text, check_ref, "expected a message reference (m123 or 123)"},
	    {"resend-family", "ID", "the same for family ID's last compte-rendu and notice", NULL,
	     &family_id, NULL, NULL},
	    {NULL, NULL, NULL, NULL, NULL, NULL, NULL},
	};
	const struct tool t = {
	    "nocturne-notify",
	    "nocturne-notify [options]\n",
	    "Compose the compte-rendus and waitlist-acceptance notices owed to families,\n"
	    "then send the messages that are due ([mail] transport: smtp or file).\n",
	    NULL,
	    "print what would be composed and sent; change nothing",
	    own,
	    "exit: 0 done, 64 usage, 69 a message given up (5xx, max_attempts) or the\n"
	    "      mail server unreachable and nothing delivered, 70 internal error,\n"
	    "      74 I/O error, 75 locked or messages deferred to a later run (silent\n"
	    "      with -q); also a lock held for over 12 hours (a stuck run: said even\n"
	    "      with -q), 78 configuration error\n",
	};
	struct notify_resend rs = {0, NULL};
	struct morning_stats st;
	struct opts o;
	struct config cfg;
	struct err e;
	int64_t now;
	int first, rc;

	rc = tool_parse(&t, argc, argv, &o, &first);
	if (rc != TOOL_CONTINUE)
		return rc;
	if (first < argc)
		return tool_usage_error("unexpected argument '%s'", argv[first]);
	if (ref_text != NULL && family_id != NULL)
		return tool_usage_error("--resend and --resend-family go one at a time");
	if (ref_text != NULL)
		notify_parse_ref(ref_text, &rs.ref);
	rs.family_id = family_id;

	err_clear(&e);
	memset(&cfg, 0, sizeof(cfg)); /* opts_setup fills it */
	if (opts_setup(&o, t.name, &cfg, &now, &e) < 0 ||
	    notify_run(&cfg, now, ref_text != NULL || family_id != NULL ? &rs : NULL, o.dry_run,
	               stdout, &st, &e) < 0)
		rc = tool_finish(tool_fail(&e));
	else
		rc = tool_finish(0);
	config_release(&cfg);
	return rc;
}
