#include "notify.h"

#include <string.h>
#include <time.h>

#include "buf.h"
#include "db.h"
#include "db_batch.h"
#include "lock.h"
#include "log.h"
#include "metrics.h"
#include "night.h"
#include "parse.h"
#include "when.h"

int
notify_parse_ref(const char *s, long long *ref)
{
	long long v;

	if (*s == 'm' || *s == 'M')
		s++;
	if (parse_uint(s, 100000000000LL, &v) < 0 || v == 0)
		return -1;
	*ref = v;
	return 0;
}

static int
run(struct db *db, const struct config *cfg, int64_t now, const struct notify_resend *rs,
    int dry_run, FILE *out, struct morning_stats *st, struct err *e)
{
	struct buf preview = {0};
	struct buf *pv = dry_run ? &preview : NULL;
	struct timespec t0;
	int rc = -1;

	when_mark(&t0);
	if (rs == NULL && !dry_run) {
		/* The morning: composing and sending at once. */
		if (morning_run(db, cfg, now, st, e) < 0)
			goto out;
	} else {
		/* A resend, or a dry run's preview: compose, then send. */
		if (rs != NULL) {
			if (morning_resend(db, cfg, now, rs->ref, rs->family_id, pv, st, e) < 0)
				goto out;
		} else if (morning_compose(db, cfg, now, pv, NULL, st, e) < 0 ||
		           morning_page(db, cfg, now, pv, st, e) < 0) {
			goto out;
		}
		log_debug("composed: %.2f s", when_elapsed(&t0));
		if (morning_send(db, cfg, now, pv, st, e) < 0)
			goto out;
		log_debug("sent: %.2f s", when_elapsed(&t0));
	}
	if (dry_run) {
		if (preview.len > 0)
			fwrite(preview.p, 1, preview.len, out);
		if (rs != NULL)
			fprintf(out,
			        "dry run: would resend %ld message(s), %ld stored message(s) due\n",
			        st->resent, st->due);
		else
			fprintf(out,
			        "dry run: would compose %ld compte-rendu(s) and %ld notice(s) (%ld "
			        "skipped), %ld stored message(s) due\n",
			        st->reports, st->notices, st->skipped, st->due);
		rc = 0;
		goto out;
	}
	if (st->resent > 0)
		log_info("resent %ld message(s)", st->resent);
	log_info("composed %ld compte-rendu(s), %ld notice(s), %ld skipped; sent %ld, "
	         "deferred %ld, failed %ld; %lld pending",
	         st->reports, st->notices, st->skipped, st->sent, st->deferred, st->failed,
	         st->pending);
	rc = morning_outcome(st, e);
out:
	buf_release(&preview);
	return rc;
}

/*
 * A batch whose places its night never wrote (it stopped between its two
 * commits, night.h): written now, under the transmit lock, when no night
 * runs (one that runs writes them; the mail waits for them).
 */
static int
places_again(struct db *db, const struct config *cfg, struct err *e)
{
	struct lock lk = {-1, NULL};
	struct err busy;
	long long batch_id;
	int rc;

	if (db_places_missing(db, &batch_id, e) < 0)
		return -1;
	if (batch_id == 0 || lock_acquire(&lk, cfg->db_path, "transmit", &busy) < 0)
		return 0;
	rc = night_places_again(db, e);
	lock_release(&lk);
	return rc;
}

int
notify_run(const struct config *cfg, int64_t now, const struct notify_resend *rs, int dry_run,
           FILE *out, struct morning_stats *st, struct err *e)
{
	struct db *db = NULL;
	struct lock lk = {-1, NULL};
	struct timespec t0;
	int rc = -1;

	when_mark(&t0);
	memset(st, 0, sizeof(*st));
	if (db_open(&db, cfg->db_path, cfg->busy_timeout_ms, DB_OPEN_EXISTING, e) == 0 &&
	    (dry_run || lock_acquire(&lk, cfg->db_path, "notify", e) == 0) &&
	    db_batch_check_clock(db, now, "this morning's mail", e) == 0 &&
	    (dry_run || places_again(db, cfg, e) == 0))
		rc = run(db, cfg, now, rs, dry_run, out, st, e);
	if (!dry_run)
		rc = metrics_end(db, cfg, "notify", rc, now, &t0, e);
	lock_release(&lk);
	db_close(db);
	return rc;
}
