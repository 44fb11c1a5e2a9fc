/*
 * nocturne-transmit - the nightly transmission: one batch resolving every
 * pending request against capacities and waiting lists (contract section 4),
 * delivered to the back office (section 7). The policy is lib/transmit.c's.
 */
#include <malloc.h>
#include <stdio.h>

#include "config.h"
#include "db.h"
#include "opts.h"
#include "tool.h"
#include "transmit.h"

static int
run(const struct opts *o, const struct config *cfg, int64_t now, void *arg, struct err *e)
{
	struct transmit_args *a = arg;

	a->dry_run = o->dry_run;
	return transmit_run(cfg, now, a, e);
}

int
main(int argc, char **argv)
{
	struct transmit_args a = {0, 0, stdout};
	const struct tool_option own[] = {
	    {"redeliver", NULL,
	     "only send the batches still waiting for the back\noffice, oldest first (no new "
	     "batch)",
	     &a.redeliver, NULL, NULL, NULL},
	    {NULL, NULL, NULL, NULL, NULL, NULL, NULL},
	};
	const struct tool t = {
	    "nocturne-transmit",
	    "nocturne-transmit [options]\n",
	    "Resolve every pending request submitted up to now in one batch, then\n"
	    "send it to the back office ([backoffice] url), after any batch still\n"
	    "waiting for it.\n",
	    NULL,
	    "print the batch it would make (summary, then its\ndecisions as CSV) and change "
	    "nothing",
	    own,
	    "exit: 0 done (also --redeliver without a back office), 64 usage,\n"
	    "      66 no database, 69 a batch older than 12 hours still undelivered\n"
	    "         (night run only), 70 internal error, 74 I/O error,\n"
	    "      75 another run holds the lock, the database stayed busy, or a\n"
	    "         back-office delivery failed (the next run sends it again;\n"
	    "         silent with -q); also a lock held for over 12 hours (a stuck\n"
	    "         run: said even with -q), 78 configuration error\n",
	};
	/*
	 * qsort's scratch for each of the night's sort buffers (lib/runsort.c)
	 * is a few megabytes: from the heap and kept there, not mapped and
	 * unmapped each time, a page is faulted in once rather than once per
	 * buffer: the 100k night x0.96 (16 pairs), the 1M night the same, 0.3
	 * MiB more. The buffers themselves are in huge pages (lib/bigmem.h),
	 * and so are SQLite's pages (db_page_pool).
	 */
	mallopt(M_MMAP_THRESHOLD, 64 << 20);
	mallopt(M_TRIM_THRESHOLD, 128 << 20);
	db_page_pool(DB_PAGE_POOL_KIB);
	return tool_run(&t, argc, argv, run, &a);
}
