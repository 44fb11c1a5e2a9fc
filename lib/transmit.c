#include "transmit.h"

#include <stdlib.h>
#include <time.h>

#include "backoffice.h"
#include "backup.h"
#include "db.h"
#include "db_batch.h"
#include "lock.h"
#include "log.h"
#include "metrics.h"
#include "night.h"
#include "when.h"

/* Dry run: the batches a run would send, oldest first. */
static int
print_waiting(struct db *db, const struct backoffice *bo, FILE *out, struct err *e)
{
	long long *ids;
	size_t n, i;

	if (db_batch_undelivered(db, &ids, &n, e) < 0)
		return -1;
	for (i = 0; i < n; i++)
		fprintf(out, "dry run: would deliver batch %lld to %s\n", ids[i],
		        backoffice_url(bo));
	free(ids);
	return 0;
}

/* No back office configured: say (with -v) if batches from before still wait. */
static void
note_left_waiting(struct db *db)
{
	struct err e;
	long long *ids;
	size_t n;

	err_clear(&e);
	if (db_batch_undelivered(db, &ids, &n, &e) < 0)
		return;
	free(ids);
	if (n > 0)
		log_info("%zu batch%s wait for the back office, but [backoffice] url is empty", n,
		         n == 1 ? "" : "es");
}

/* A delivery failed: a temporary failure holds the batches, others end the run. */
static int
hold(struct err *bo_err, int *held, struct err *e)
{
	if (bo_err->kind != ERR_TEMP) {
		*e = *bo_err;
		return -1;
	}
	*held = 1;
	return 0;
}

/*
 * The run's end when a batch is held: ERR_TEMP saying how many wait; for the
 * night run (not --redeliver) ERR_UNAVAILABLE when the oldest waiting batch
 * is overdue (failing since an earlier night: a person must look, even -q).
 */
static int
held_end(struct db *db, int night, int64_t now, struct err *bo_err, struct err *e)
{
	if (night)
		backoffice_overdue(db, now, bo_err);
	backoffice_note_waiting(db, bo_err);
	*e = *bo_err;
	return -1;
}

/*
 * Tonight's batch: resolve, then commit (or, dry run, show and roll back).
 * A batch stored without its places is stored: places_err says why, for
 * the end of the run, and its delivery goes on.
 */
static int
tonight(struct db *db, const struct config *cfg, int64_t now, const struct transmit_args *a,
        struct backoffice *bo, const struct timespec *t0, long long *batch_id,
        struct err *places_err, struct err *e)
{
	struct night_result res;
	char summary[512], at[WHEN_DATETIME_LEN];
	int rc;

	if (night_resolve(db, cfg, now, &res, e) < 0)
		return -1;
	night_summary(&res.counts, summary, sizeof(summary));
	when_format_datetime(res.ran_at, at);
	if (a->dry_run) {
		rc = bo != NULL ? print_waiting(db, bo, a->out, e) : 0;
		if (rc == 0) {
			fprintf(a->out, "dry run: batch %lld at %s would decide %s\n", res.batch_id,
			        at, summary);
			rc = night_export(db, res.batch_id, a->out, e);
		}
		db_rollback(db);
		night_end(db);
		night_release(&res);
		return rc;
	}
	/* Durable before anyone hears of it (the back office, notify); then
	 * its places. */
	rc = night_store(db, &res, e);
	if (rc < 0)
		return -1;
	if (rc > 0) {
		*places_err = *e;
		err_clear(e);
	}
	log_debug("committed (synced), places %s: %.2f s", rc > 0 ? "not written" : "written",
	          when_elapsed(t0));
	if (res.counts.n_requests >= TRANSMIT_CHECKPOINT_REQUESTS) {
		db_checkpoint(db);
		log_debug("checkpointed: %.2f s", when_elapsed(t0));
	}
	log_info("batch %lld at %s: %s; slots %zu, positions renumbered %zu, %.2f s", res.batch_id,
	         at, summary, res.n_slots, res.n_moved, when_elapsed(t0));
	*batch_id = res.batch_id;
	return 0;
}

static int
run(struct db *db, const struct config *cfg, int64_t now, const struct transmit_args *a,
    struct backoffice *bo, const struct timespec *t0, struct err *e)
{
	struct err bo_err, places_err;
	long long batch_id = 0;
	int held = 0, sent = 0;

	err_clear(&bo_err);
	err_clear(&places_err);
	if (bo != NULL && !a->dry_run &&
	    backoffice_deliver_pending(bo, db, now, &sent, &bo_err) < 0 &&
	    hold(&bo_err, &held, e) < 0)
		return -1;
	if (a->redeliver) {
		if (a->dry_run)
			return print_waiting(db, bo, a->out, e);
		if (held)
			return held_end(db, 0, now, &bo_err, e);
		log_info("%d batch%s delivered to %s", sent, sent == 1 ? "" : "es",
		         backoffice_url(bo));
		return 0;
	}
	if (tonight(db, cfg, now, a, bo, t0, &batch_id, &places_err, e) < 0)
		return -1;
	if (a->dry_run)
		return 0;

	/* Tonight's batch, committed: sent unless an older one is still held. */
	if (bo != NULL && !held && backoffice_deliver(bo, db, batch_id, now, &bo_err) < 0 &&
	    hold(&bo_err, &held, e) < 0)
		return -1;
	if (held)
		return held_end(db, 1, now, &bo_err, e);
	if (bo == NULL)
		note_left_waiting(db);
	if (places_err.kind != ERR_NONE) { /* the batch is stored and sent */
		*e = places_err;
		return -1;
	}
	return 0;
}

/* A dry run's check that every batch's places are written (schema 16). */
static int
places_written(struct db *db, struct err *e)
{
	long long batch_id;

	if (db_places_missing(db, &batch_id, e) < 0)
		return -1;
	if (batch_id > 0)
		return err_set(e, ERR_TEMP,
		               "%s: the slots' places of batch %lld are not written (its night"
		               " stopped before it wrote them): a dry run cannot resolve without"
		               " them; nocturne-transmit without --dry-run writes them",
		               db_path(db), batch_id);
	return 0;
}

int
transmit_run(const struct config *cfg, int64_t now, const struct transmit_args *a, struct err *e)
{
	struct backoffice *bo = NULL;
	struct lock lk = {-1, NULL};
	struct db *db = NULL;
	struct timespec t0;
	int rc = -1;

	when_mark(&t0);
	if (db_open(&db, cfg->db_path, cfg->busy_timeout_ms, DB_OPEN_EXISTING, e) < 0 ||
	    lock_acquire(&lk, cfg->db_path, "transmit", e) < 0 ||
	    db_batch_check_clock(db, now, a->redeliver ? "the deliveries" : "tonight's batch", e) <
	        0)
		goto out;
	/* Before anything is written: a backup that fails stops the night (74). */
	if (!a->dry_run && !a->redeliver && cfg->backup_dir[0] != '\0' &&
	    backup_take(db, cfg->backup_dir, cfg->backup_keep, now, NULL, e) < 0)
		goto out;
	/* A batch whose places a stopped night never wrote: written now (a
	 * dry run writes nothing, and would resolve from them: refused). */
	if (a->dry_run ? !a->redeliver && places_written(db, e) < 0 : night_places_again(db, e) < 0)
		goto out;
	if (backoffice_enabled(cfg)) {
		if (backoffice_open(&bo, cfg, e) < 0)
			goto out;
	} else if (a->redeliver) {
		/* A town without a back office has nothing to redeliver: done. */
		if (a->dry_run)
			fprintf(a->out, "dry run: no back office ([backoffice] url is empty): "
			                "nothing to deliver\n");
		else
			note_left_waiting(db);
		rc = 0;
		goto out;
	}
	rc = run(db, cfg, now, a, bo, &t0, e);
out:
	if (!a->dry_run)
		rc = metrics_end(db, cfg, a->redeliver ? "redeliver" : "transmit", rc, now, &t0, e);
	backoffice_free(bo);
	db_close(db);
	lock_release(&lk);
	return rc;
}
