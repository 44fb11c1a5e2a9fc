/*
 * nocturne-notify - compose and send the morning mail (contract section 6).
 * The work is lib/notify.c's notify_run().
 */
#include <stdio.h>

#include "config.h"
#include "notify.h"
#include "opts.h"
#include "tool.h"

static int
run(const struct opts *o, const struct config *cfg, int64_t now, void *arg, struct err *e)
{
	struct morning_stats st;

	(void)arg;
	return notify_run(cfg, now, o->dry_run, stdout, &st, e);
}

int
main(int argc, char **argv)
{
	const struct tool t = {
	    "nocturne-notify",
	    "nocturne-notify [options]\n",
	    "Compose the compte-rendus and waitlist-acceptance notices owed to families,\n"
	    "then send the messages that are due ([mail] transport: smtp or file).\n",
	    NULL,
	    "print what would be composed and sent; change nothing",
	    NULL,
	    "exit: 0 done, 64 usage, 69 a message given up (5xx, max_attempts) or the\n"
	    "      mail server unreachable and nothing delivered, 70 lock held for over\n"
	    "      12 hours, 74 I/O error, 75 locked or messages deferred to a later run\n"
	    "      (silent with -q), 78 configuration error\n",
	};
	return tool_run(&t, argc, argv, run, NULL);
}
