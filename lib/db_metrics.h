/*
 * db_metrics.h - the SQL behind the metrics file (contract section 10):
 * one read of the figures, and the record of a tool's successful run.
 */
#ifndef NOCTURNE_DB_METRICS_H
#define NOCTURNE_DB_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "err.h"

#define DB_METRICS_TOOLS 8

struct db_metrics {
	/* The newest batch (batch_id 0: none yet). */
	long long batch_id;
	int64_t ran_at, started_at, finished_at;
	long long n_requests, n_accepted, n_waitlisted, n_refused, n_promoted, n_expired,
	    n_cancelled;
	long long n_closed, n_deadline, n_times, n_debtor, n_full, n_duplicate, n_nothing_to_cancel;
	/* Since the first batch. */
	long long batches, decided_accepted, decided_waitlisted, decided_refused, decided_promoted,
	    decided_expired, decided_cancelled;
	long long undelivered;
	/* The mail queue by state. */
	long long mail_pending, mail_sent, mail_failed, mail_skipped, mail_bounced;
	/* Rows of a bounce table, when the database has one (-1: none). */
	long long bounces;
	/* tool_run rows. */
	size_t n_tools;
	struct {
		char tool[32];
		int64_t last_success_at;
		long long duration_ms;
	} tools[DB_METRICS_TOOLS];
};

/* Read every figure in one read transaction. 0 or -1. */
int db_metrics_read(struct db *db, struct db_metrics *m, struct err *e);

/* Record that tool ended well at clock at, after duration_ms. 0 or -1. */
int db_metrics_record_run(struct db *db, const char *tool, int64_t at, long long duration_ms,
                          struct err *e);

#endif
