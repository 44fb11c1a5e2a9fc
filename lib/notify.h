/*
 * notify.h - the whole of nocturne-notify behind one call: under the notify
 * lock (not taken by a dry run), refuse a clock behind the newest batch
 * (db_batch_check_clock), compose the morning's messages (or resend stored
 * ones: --resend, --resend-family) and send those due (morning.h), judge
 * the run, and (not a dry run) rewrite [log] metrics_file (metrics_end).
 */
#ifndef NOCTURNE_NOTIFY_H
#define NOCTURNE_NOTIFY_H

#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "err.h"
#include "morning.h"

/* What to resend instead of composing: message ref (> 0), or family_id's. */
struct notify_resend {
	long long ref;
	const char *family_id;
};

/*
 * A message reference as the VERP address writes it, "m123", or "123":
 * 0 and *ref (>= 1), or -1 (*ref untouched).
 */
int notify_parse_ref(const char *s, long long *ref);

/*
 * Run nocturne-notify at clock now with cfg (cfg->db_path must exist).
 * With rs non-NULL, instead of composing what is owed, compose again the
 * stored message rs->ref, or rs->family_id's last compte-rendu and notice,
 * to the family's current first address (morning_resend), then send.
 * With dry_run nothing is stored or sent: what would be composed and sent
 * is described on out, then one counts line. *st is filled. 0 when nothing
 * is left pending (or after a dry run); -1 with e set otherwise: ERR_TEMP
 * for a lock held or messages deferred, ERR_UNAVAILABLE when a message was
 * given up or the server was unreachable and nothing was delivered
 * (morning_outcome), or the failing module's error.
 */
int notify_run(const struct config *cfg, int64_t now, const struct notify_resend *rs, int dry_run,
               FILE *out, struct morning_stats *st, struct err *e);

#endif
