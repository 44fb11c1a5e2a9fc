#include "night.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "db_batch.h"
#include "db_night.h"
#include "export.h"
#include "log.h"
#include "when.h"

/* Everything one batch holds in memory; released by night_free(). */
struct night {
	struct db_night *h;
	struct rules_batch rb;
	long long batch_id;
	struct rules_activity *acts;
	size_t nacts;
	struct rules_openings *open_days; /* parallel to acts (n = 0 unless rule open) */
	int32_t *days;                    /* the days those point into */
	int32_t *debtors;
	size_t ndebtors;
	int64_t cutoff;
	struct rules_req next; /* the next pending request read (when has_next) */
	int has_next;
	size_t npend;          /* pending requests read */
	struct rules_req *cur; /* one slot's pending requests */
	size_t ncur, cur_cap;
	struct db_night_slot *wl;
	size_t nwl;
	struct rules_req *ex; /* one slot's stored reservations */
	size_t nex, ex_cap;
	uint8_t *was; /* their states before the batch (ex[i].state, before resolving) */
	size_t was_cap;
	struct rules_req **ptrs;
	size_t ptrs_cap;
	struct rules_work work;
	struct night_result *res;
	struct timespec t0; /* start, for -vv timings */
};

static void
night_free(struct night *n)
{
	db_night_close(n->h);
	free(n->acts);
	free(n->open_days);
	free(n->days);
	free(n->debtors);
	free(n->cur);
	free(n->wl);
	free(n->ex);
	free(n->was);
	free(n->ptrs);
	rules_work_release(&n->work);
}

static int
cmp_i32(const void *pa, const void *pb)
{
	int32_t a = *(const int32_t *)pa, b = *(const int32_t *)pb;

	return (a > b) - (a < b);
}

static int
cmp_act(const void *key, const void *elem)
{
	int32_t a = *(const int32_t *)key, b = ((const struct rules_activity *)elem)->ref;

	return (a > b) - (a < b);
}

/* Compare slot keys (activity, day). */
static int
slot_cmp(int32_t a1, int32_t d1, int32_t a2, int32_t d2)
{
	if (a1 != a2)
		return a1 < a2 ? -1 : 1;
	return (d1 > d2) - (d1 < d2);
}

/*
 * Hand the slot's events to the database and empty the list. The implied
 * ones (most of them: a request accepted, nothing else) are left to the
 * decision rows (db_event.h, event_log).
 */
static int
flush_events(struct night *n, struct err *e)
{
	for (size_t i = 0; i < n->work.nevents; i++)
		if (!n->work.events[i].implied && db_night_event(n->h, &n->work.events[i], e) < 0)
			return -1;
	n->work.nevents = 0;
	return 0;
}

/*
 * Resolve one slot: its pending requests n->cur[0..ncur) and its stored
 * list, and record what changed.
 */
static int
resolve_slot(struct night *n, int32_t activity, int32_t day, struct err *e)
{
	const struct rules_activity *a;
	struct rules_slot s;
	int has_cap, cap;
	size_t i, total;

	a = n->nacts == 0 ? NULL : bsearch(&activity, n->acts, n->nacts, sizeof(*n->acts), cmp_act);
	if (a == NULL)
		return err_set(e, ERR_INTERNAL, "request for unknown activity ref %d",
		               (int)activity);
	if (db_night_opening(n->h, activity, day, &s.open, &has_cap, &cap, e) < 0)
		return -1;
	if (db_night_slot_reservations(n->h, activity, day, &n->ex, &n->nex, &n->ex_cap, e) < 0)
		return -1;
	xgrow(&n->was, &n->was_cap, n->nex, sizeof(*n->was));
	for (i = 0; i < n->nex; i++)
		n->was[i] = n->ex[i].state;
	s.act = a;
	s.open_days = &n->open_days[a - n->acts];
	s.day = day;
	s.capacity = rules_capacity(a, has_cap, cap);

	total = n->nex + n->ncur;
	xgrow(&n->ptrs, &n->ptrs_cap, total, sizeof(*n->ptrs));
	for (i = 0; i < n->nex; i++)
		n->ptrs[i] = &n->ex[i];
	for (i = 0; i < n->ncur; i++) {
		struct rules_req *r = &n->cur[i];
		if (n->rb.refuse_debtor && r->action == RULES_RESERVE && n->ndebtors > 0 &&
		    bsearch(&r->child, n->debtors, n->ndebtors, sizeof(*n->debtors), cmp_i32))
			r->flags |= RULES_F_DEBTOR;
		n->ptrs[n->nex + i] = r;
	}
	rules_resolve_slot(&n->work, &s, &n->rb, n->ptrs, total, &n->res->counts);
	if (flush_events(n, e) < 0)
		return -1;

	for (i = 0; i < n->ncur; i++)
		if (db_night_write(n->h, &n->cur[i], RULES_PENDING, e) < 0)
			return -1;
	for (i = 0; i < n->nex; i++) {
		if (db_night_write(n->h, &n->ex[i], n->was[i], e) < 0)
			return -1;
		if ((n->ex[i].flags & (RULES_F_CHANGED | RULES_F_MOVED)) == RULES_F_MOVED)
			n->res->n_moved++;
	}
	n->res->n_slots++;
	return 0;
}

/*
 * The open days of the activities whose deadline rule counts them, read
 * once: open_days[i] points into one array of days, sorted, for acts[i].
 */
static int
load_open_days(struct night *n, struct err *e)
{
	struct db_night_slot *od;
	size_t nod, i, k = 0;

	n->open_days = xcalloc(n->nacts ? n->nacts : 1, sizeof(*n->open_days));
	if (db_night_open_days(n->h, &od, &nod, e) < 0)
		return -1;
	n->days = xmalloc((nod ? nod : 1) * sizeof(*n->days));
	for (i = 0; i < nod; i++)
		n->days[i] = od[i].day;
	for (i = 0; i < n->nacts; i++) {
		while (k < nod && od[k].activity < n->acts[i].ref)
			k++;
		n->open_days[i].days = n->days + k;
		while (k < nod && od[k].activity == n->acts[i].ref)
			k++;
		n->open_days[i].n = (size_t)(n->days + k - n->open_days[i].days);
	}
	free(od);
	return 0;
}

static int
read_next(struct night *n, struct err *e)
{
	int rc = db_night_pending_next(n->h, n->cutoff, &n->next, e);

	if (rc < 0)
		return -1;
	n->has_next = rc;
	n->npend += (size_t)rc;
	return 0;
}

/*
 * Every slot with pending requests or a waiting list, in (activity, day)
 * order: the pending requests stream in that order, a slot at a time.
 */
static int
resolve_all(struct night *n, struct err *e)
{
	size_t w = 0;

	if (read_next(n, e) < 0)
		return -1;
	while (n->has_next || w < n->nwl) {
		int32_t act, day;
		int c;

		if (n->has_next && w < n->nwl)
			c = slot_cmp(n->next.activity, n->next.day, n->wl[w].activity,
			             n->wl[w].day);
		else
			c = n->has_next ? -1 : 1;
		act = c <= 0 ? n->next.activity : n->wl[w].activity;
		day = c <= 0 ? n->next.day : n->wl[w].day;
		if (c >= 0)
			w++;
		n->ncur = 0;
		while (n->has_next && n->next.activity == act && n->next.day == day) {
			xgrow(&n->cur, &n->cur_cap, n->ncur + 1, sizeof(*n->cur));
			n->cur[n->ncur++] = n->next;
			if (read_next(n, e) < 0)
				return -1;
		}
		if (resolve_slot(n, act, day, e) < 0)
			return -1;
	}
	return 0;
}

int
night_resolve(struct db *db, const struct config *cfg, int64_t now, struct night_result *res,
              struct err *e)
{
	struct night n;
	struct timespec write_t0;
	struct db *twin;
	int64_t started = when_now();
	memset(&n, 0, sizeof(n));
	when_mark(&n.t0);
	memset(res, 0, sizeof(*res));
	rules_work_init(&n.work);
	n.res = res;
	n.rb.day = when_day_of(now);
	n.cutoff = now;
	n.rb.refuse_debtor = cfg->refuse_debtor;
	n.rb.expire_waitlist = cfg->expire_waitlist;
	res->ran_at = now;

	/*
	 * Read and resolve in a read transaction (a snapshot), recording the
	 * changes in an external sort; only then take the write lock to apply
	 * them. The portal's inserts wait for the write phase alone, not for
	 * the whole night. Nothing can invalidate the snapshot meanwhile: the
	 * transmit lock keeps other batches out, and no other writer changes a
	 * request's state (notify's bookkeeping is merged by the UPDATE itself).
	 * Requests inserted after the snapshot stay pending for the next night.
	 */
	/* The second reader of the pending requests looks before the snapshot
	 * is taken (db_night_pending.c). */
	twin = db_twin_open(db, "pending requests");
	if (db_begin_read(db, e) < 0) {
		db_close(twin);
		return -1;
	}
	if (db_night_open(db, &n.h, e) < 0) {
		db_close(twin);
		goto fail;
	}
	db_night_twin(n.h, twin);
	if (db_night_activities(n.h, &n.acts, &n.nacts, e) < 0 || load_open_days(&n, e) < 0)
		goto fail;
	if (cfg->refuse_debtor && db_night_debtors(n.h, &n.debtors, &n.ndebtors, e) < 0)
		goto fail;
	if (db_night_pending_from(n.h, e) < 0 ||
	    db_night_waitlist_slots(n.h, &n.wl, &n.nwl, e) < 0 || resolve_all(&n, e) < 0)
		goto fail;
	log_debug("read %zu pending requests, %zu waiting lists, resolved %zu slots: %.2f s",
	          n.npend, n.nwl, res->n_slots, when_elapsed(&n.t0));
	if (db_night_sort(n.h, e) < 0 || db_commit(db, e) < 0)
		goto fail;
	log_debug("changes recorded: %.2f s", when_elapsed(&n.t0));

	/*
	 * The write phase: the batch row, the changes, the counts. Every
	 * reference it writes is the night's own (the requests it read, the
	 * batch it makes): SQLite's foreign keys are off until night_end
	 * (their deferred check looked each one up again: x0.95 the time of a
	 * million-request night without it). So are the CHECKs: every state,
	 * reason and event kind it writes is a name of rules.h (the events'
	 * inserts took x2.5 the time with them, the requests' update x1.07).
	 */
	if (db_foreign_keys(db, 0, e) < 0 || db_checks(db, 0, e) < 0 || db_begin(db, e) < 0)
		goto fail;
	when_mark(&write_t0);
	if (db_night_new_batch(n.h, now, started, cfg->bo_url && cfg->bo_url[0], &n.batch_id, e) <
	        0 ||
	    db_night_apply(n.h, n.batch_id, e) < 0 ||
	    db_night_finish_batch(n.h, n.batch_id, &res->counts, when_now(),
	                          db_night_next_from(n.h), e) < 0)
		goto fail;
	res->batch_id = n.batch_id;
	res->write_secs = when_elapsed(&write_t0);
	if (db_night_has_places(n.h)) {
		res->places = n.h; /* its sorted places, for night_store */
		n.h = NULL;
	}
	log_debug("written: %.2f s", when_elapsed(&n.t0));
	night_free(&n);
	return 0;
fail:
	db_rollback(db);
	night_end(db);
	night_free(&n);
	return -1;
}

int
night_places_again(struct db *db, struct err *e)
{
	long long batch_id;

	if (db_night_places_again(db, &batch_id, e) < 0)
		return -1;
	if (batch_id > 0)
		log_info("the slots' places (held) made again from the requests: the night of"
		         " batch %lld stopped before it wrote them",
		         batch_id);
	return 0;
}

/* A write phase this long makes night_store wait before the places. */
#define NIGHT_YIELD_AFTER 0.25
#define NIGHT_YIELD 0.1

int
night_store(struct db *db, struct night_result *res, struct err *e)
{
	struct timespec t0;
	double gap;
	int rc;

	when_mark(&t0);
	rc = db_commit_durable(db, e);
	if (rc < 0)
		db_rollback(db);
	night_end(db);
	if (rc < 0 || res->places == NULL) {
		night_release(res);
		return rc;
	}
	log_debug("batch %lld committed (synced) in %.2f s; its places next", res->batch_id,
	          when_elapsed(&t0));
	gap = when_elapsed(&t0);
	if (res->write_secs >= NIGHT_YIELD_AFTER && gap < NIGHT_YIELD)
		usleep((useconds_t)((NIGHT_YIELD - gap) * 1e6));
	rc = db_begin(db, e);
	if (rc == 0 && db_night_apply_places(res->places, res->batch_id, e) < 0) {
		db_rollback(db);
		rc = -1;
	}
	if (rc == 0)
		rc = db_commit(db, e);
	night_release(res);
	if (rc < 0) {
		err_prefix(e,
		           "batch %lld is stored, but not its slots' places (the next"
		           " nocturne-transmit writes them)",
		           res->batch_id);
		return 1;
	}
	return 0;
}

void
night_release(struct night_result *res)
{
	db_night_close(res->places);
	res->places = NULL;
}

void
night_end(struct db *db)
{
	struct err ignored;

	db_foreign_keys(db, 1, &ignored);
	db_checks(db, 1, &ignored);
}

int
night_export(struct db *db, long long batch_id, FILE *fp, struct err *e)
{
	struct db_batch_rows *rows;
	struct export_row row;
	struct csvout w;
	int rc;

	if (export_begin(&w, fp, EXPORT_SAFE) < 0)
		return err_set(e, ERR_IO, "cannot write the decisions");
	if (db_batch_rows_open(db, batch_id, &rows, e) < 0)
		return -1;
	while ((rc = db_batch_rows_next(rows, &row, e)) > 0) {
		if (export_row(&w, &row) < 0) {
			rc = err_set(e, ERR_IO, "cannot write the decisions of batch %lld",
			             batch_id);
			break;
		}
	}
	db_batch_rows_close(rows);
	return rc < 0 ? -1 : 0;
}

void
night_summary(const struct rules_counts *c, char *buf, size_t size)
{
	size_t len;
	int first = 1;

	snprintf(buf, size, "%ld requests: %ld accepted, %ld waitlisted, %ld refused",
	         c->n_requests, c->n_accepted, c->n_waitlisted, c->n_refused);
	for (int r = RULES_CLOSED; r < RULES_NREASONS; r++) {
		if (c->n_reason[r] == 0)
			continue;
		len = strlen(buf);
		snprintf(buf + len, size - len, "%s%s %ld", first ? " (" : ", ",
		         rules_reason_name(r), c->n_reason[r]);
		first = 0;
	}
	len = strlen(buf);
	snprintf(buf + len, size - len, "%s, %ld promoted, %ld expired, %ld cancelled",
	         first ? "" : ")", c->n_promoted, c->n_expired, c->n_cancelled);
}
