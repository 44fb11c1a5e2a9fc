#include "metrics.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "atomic.h"
#include "log.h"
#include "when.h"

/* nocturne's local instants (see when.h) as Unix time, for Prometheus. */
static long long
unix_time(int64_t instant)
{
	int64_t day = instant / WHEN_DAY_SECS, rest = instant % WHEN_DAY_SECS;
	struct tm tm;
	int y, mo, d;

	if (rest < 0) {
		rest += WHEN_DAY_SECS;
		day--;
	}
	when_ymd_from_day((int32_t)day, &y, &mo, &d);
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = (int)(rest / 3600);
	tm.tm_min = (int)(rest / 60 % 60);
	tm.tm_sec = (int)(rest % 60);
	tm.tm_isdst = -1;
	return (long long)mktime(&tm);
}

static void
head(FILE *fp, const char *name, const char *type, const char *help)
{
	fprintf(fp, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Write m in the Prometheus text format (0.0.4) to fp. 0, or -1 if fp failed. */
static int
metrics_format(const struct db_metrics *m, FILE *fp)
{
	const char *states[] = {"accepted", "waitlisted", "refused",
	                        "promoted", "expired",    "cancelled"};
	const long long last[] = {m->n_accepted, m->n_waitlisted, m->n_refused,
	                          m->n_promoted, m->n_expired,    m->n_cancelled};
	const long long total[] = {m->decided_accepted, m->decided_waitlisted,
	                           m->decided_refused,  m->decided_promoted,
	                           m->decided_expired,  m->decided_cancelled};
	const char *reasons[] = {"closed",    "deadline",         "times", "debtor", "full",
	                         "duplicate", "nothing_to_cancel"};
	const long long why[] = {m->n_closed,           m->n_deadline, m->n_times,
	                         m->n_debtor,           m->n_full,     m->n_duplicate,
	                         m->n_nothing_to_cancel};
	size_t i;

	if (m->batch_id > 0) {
		head(fp, "nocturne_last_batch_number", "gauge", "Number of the newest batch.");
		fprintf(fp, "nocturne_last_batch_number %lld\n", m->batch_id);
		head(fp, "nocturne_last_batch_timestamp_seconds", "gauge",
		     "Clock of the newest batch (its decided_at), Unix time.");
		fprintf(fp, "nocturne_last_batch_timestamp_seconds %lld\n", unix_time(m->ran_at));
		head(fp, "nocturne_last_batch_duration_seconds", "gauge",
		     "How long the newest batch took to resolve and store.");
		fprintf(fp, "nocturne_last_batch_duration_seconds %lld\n",
		        (long long)(m->finished_at - m->started_at));
		head(fp, "nocturne_last_batch_requests_read", "gauge",
		     "Pending requests the newest batch read and decided.");
		fprintf(fp, "nocturne_last_batch_requests_read %lld\n", m->n_requests);
		head(fp, "nocturne_last_batch_requests", "gauge",
		     "Requests the newest batch decided or changed, by state.");
		for (i = 0; i < sizeof(states) / sizeof(states[0]); i++)
			fprintf(fp, "nocturne_last_batch_requests{state=\"%s\"} %lld\n", states[i],
			        last[i]);
		head(fp, "nocturne_last_batch_refused_requests", "gauge",
		     "Requests the newest batch refused, by reason.");
		for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
			fprintf(fp, "nocturne_last_batch_refused_requests{reason=\"%s\"} %lld\n",
			        reasons[i], why[i]);
	}
	head(fp, "nocturne_batches_total", "counter", "Batches stored in this database.");
	fprintf(fp, "nocturne_batches_total %lld\n", m->batches);
	head(fp, "nocturne_decisions_total", "counter",
	     "Decisions of every batch of this database, by state.");
	for (i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		fprintf(fp, "nocturne_decisions_total{state=\"%s\"} %lld\n", states[i], total[i]);
	head(fp, "nocturne_batches_undelivered", "gauge", "Batches waiting for the back office.");
	fprintf(fp, "nocturne_batches_undelivered %lld\n", m->undelivered);
	head(fp, "nocturne_mail_messages", "gauge", "Messages in the mail queue, by state.");
	fprintf(fp,
	        "nocturne_mail_messages{state=\"pending\"} %lld\n"
	        "nocturne_mail_messages{state=\"sent\"} %lld\n"
	        "nocturne_mail_messages{state=\"failed\"} %lld\n"
	        "nocturne_mail_messages{state=\"skipped\"} %lld\n"
	        "nocturne_mail_messages{state=\"bounced\"} %lld\n",
	        m->mail_pending, m->mail_sent, m->mail_failed, m->mail_skipped, m->mail_bounced);
	head(fp, "nocturne_bounces", "gauge", "Hard bounces recorded (nocturne-bounce).");
	fprintf(fp, "nocturne_bounces %lld\n", m->bounces);
	if (m->n_tools > 0) {
		head(fp, "nocturne_last_success_timestamp_seconds", "gauge",
		     "When each tool last ended well (its clock), Unix time.");
		for (i = 0; i < m->n_tools; i++)
			fprintf(fp, "nocturne_last_success_timestamp_seconds{tool=\"%s\"} %lld\n",
			        m->tools[i].tool, unix_time(m->tools[i].last_success_at));
		head(fp, "nocturne_last_success_duration_seconds", "gauge",
		     "How long each tool's last successful run took.");
		for (i = 0; i < m->n_tools; i++)
			fprintf(fp, "nocturne_last_success_duration_seconds{tool=\"%s\"} %.3f\n",
			        m->tools[i].tool, (double)m->tools[i].duration_ms / 1000.0);
	}
	return ferror(fp) ? -1 : 0;
}

/*
 * The end of a run of tool ("import", "transmit", "redeliver", "notify")
 * at clock now, after seconds: when cfg->metrics_file is set, record the
 * run if it succeeded, then rewrite the file. Nothing when it is not set.
 * 0, or -1 (ERR_IO for the file, or the database's error).
 */
static int
metrics_after_run(struct db *db, const struct config *cfg, const char *tool, int succeeded,
                  int64_t now, double seconds, struct err *e)
{
	struct db_metrics m;
	struct atomic_file a;
	const char *path = cfg->metrics_file;

	if (db == NULL || path == NULL || path[0] == '\0')
		return 0;
	if (succeeded &&
	    db_metrics_record_run(db, tool, now, (long long)(seconds * 1000.0 + 0.5), e) < 0)
		return -1;
	if (db_metrics_read(db, &m, e) < 0)
		return -1;
	if (atomic_open(&a, path, 0644, e) < 0)
		return err_prefix(e, "[log] metrics_file");
	/* Counts only, no personal data: node_exporter (another user) reads it,
	 * whatever the tools' umask 027 would make of it. */
	if (fchmod(fileno(a.fp), 0644) != 0 || metrics_format(&m, a.fp) < 0) {
		err_set(e, ERR_IO, "[log] metrics_file %s: cannot write: %s", a.tmp,
		        strerror(errno));
		atomic_abort(&a);
		return -1;
	}
	if (atomic_commit(&a, e) < 0)
		return err_prefix(e, "[log] metrics_file");
	return 0;
}

int
metrics_end(struct db *db, const struct config *cfg, const char *tool, int rc, int64_t now,
            const struct timespec *t0, struct err *e)
{
	struct err me;

	err_clear(&me);
	if (metrics_after_run(db, cfg, tool, rc == 0, now, when_elapsed(t0), &me) == 0)
		return rc;
	if (rc == 0) {
		*e = me;
		return -1;
	}
	/* The run's own error is the one its exit status tells; this one is said too. */
	log_error("%s", me.msg);
	return rc;
}
