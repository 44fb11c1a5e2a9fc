/*
 * export_parts.c - the export read by two threads (export_parts.h): parts
 * by turns, each made in memory, written in order.
 */
#include "export_parts.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "csvout.h"

struct parts {
	const struct db_status_export *x;
	FILE *out;
	enum export_mode mode;
	long long first;  /* seq of part 0's first request */
	long long nparts; /* parts 0 .. nparts - 1 */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	long long turn; /* the part written next */
	int failed;     /* a thread failed: the other stops at its next part */
};

/* One thread's share: parts next, next + 2, ... */
struct share {
	struct parts *p;
	struct db *conn;
	long long next;
	struct buf text; /* the part being made */
	FILE *fp;        /* fopencookie onto text */
	struct csvout w;
	struct err e;
};

static ssize_t
text_write(void *cookie, const char *data, size_t n)
{
	buf_add(cookie, data, n);
	return (ssize_t)n;
}

static int
row(const struct export_row *r, void *arg)
{
	struct share *s = arg;

	if (export_row(&s->w, r) < 0)
		return err_set(&s->e, ERR_INTERNAL, "export: cannot make a row's text");
	return 0;
}

/* Wait for part k's turn: 1, or 0 when the other thread has failed. */
static int
wait_turn(struct parts *p, long long k)
{
	int go;

	pthread_mutex_lock(&p->mu);
	while (p->turn != k && !p->failed)
		pthread_cond_wait(&p->cv, &p->mu);
	go = !p->failed;
	pthread_mutex_unlock(&p->mu);
	return go;
}

/* Part k is written (ok) or cannot be: the turn passes, or the export stops. */
static void
pass_turn(struct parts *p, int ok)
{
	pthread_mutex_lock(&p->mu);
	if (ok)
		p->turn++;
	else
		p->failed = 1;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

static int
make_parts(struct share *s)
{
	struct parts *p = s->p;

	for (; s->next < p->nparts; s->next += 2) {
		long long from = p->first + s->next * EXPORT_PART;
		int ok;

		s->text.len = 0;
		if (db_status_export_part(p->x, s->conn, from, from + EXPORT_PART, row, s, &s->e) <
		        0 ||
		    fflush(s->fp) != 0) {
			if (s->e.kind == ERR_NONE)
				err_set(&s->e, ERR_INTERNAL, "export: cannot make a part's text");
			pass_turn(p, 0);
			return -1;
		}
		if (!wait_turn(p, s->next))
			return -1; /* the other thread's failure is the export's */
		ok = s->text.len == 0 || fwrite(s->text.p, 1, s->text.len, p->out) == s->text.len;
		if (!ok)
			err_set(&s->e, ERR_IO, "cannot write: %s", strerror(errno));
		pass_turn(p, ok);
		if (!ok)
			return -1;
	}
	return 0;
}

static void *
second(void *arg)
{
	make_parts(arg);
	return NULL;
}

static int
share_init(struct share *s, struct parts *p, struct db *conn, long long next)
{
	static const cookie_io_functions_t io = {.write = text_write};

	memset(s, 0, sizeof(*s));
	s->p = p;
	s->conn = conn;
	s->next = next;
	err_clear(&s->e);
	s->fp = fopencookie(&s->text, "w", io);
	if (s->fp == NULL)
		return -1;
	export_init(&s->w, s->fp, p->mode);
	return 0;
}

static void
share_release(struct share *s)
{
	if (s->fp != NULL)
		fclose(s->fp);
	buf_release(&s->text);
}

/* Every row by the calling thread, straight to out. */
struct alone {
	struct csvout w;
	struct err *e;
};

static int
alone_row(const struct export_row *r, void *arg)
{
	struct alone *a = arg;

	if (export_row(&a->w, r) < 0)
		return err_set(a->e, ERR_IO, "cannot write: %s", strerror(errno));
	return 0;
}

static int
export_alone(const struct db_status_export *x, struct db *db, FILE *out, enum export_mode mode,
             struct err *e)
{
	struct alone a = {.e = e};
	long long first, last;

	export_init(&a.w, out, mode);
	db_status_export_span(x, &first, &last);
	return db_status_export_part(x, db, first, last + 1, alone_row, &a, e) < 0 ? -1 : 1;
}

int
export_parts(const struct db_status_export *x, struct db *db, struct db *twin, FILE *out,
             enum export_mode mode, struct err *e)
{
	struct parts p = {.x = x, .out = out, .mode = mode};
	struct share mine, other;
	pthread_t th;
	long long last;
	int joined, rc;

	db_status_export_span(x, &p.first, &last);
	p.nparts = last < p.first ? 0 : (last - p.first) / EXPORT_PART + 1;
	if (twin == NULL || p.nparts < 2 || sysconf(_SC_NPROCESSORS_ONLN) < 2)
		return export_alone(x, db, out, mode, e);
	joined = db_twin_join(twin, e);
	if (joined < 0)
		return -1;
	if (joined == 0)
		return export_alone(x, db, out, mode, e);
	if (share_init(&mine, &p, db, 0) < 0 || share_init(&other, &p, twin, 1) < 0) {
		share_release(&mine);
		db_rollback(twin);
		return err_set(e, ERR_INTERNAL, "export: cannot make a part's stream");
	}
	pthread_mutex_init(&p.mu, NULL);
	pthread_cond_init(&p.cv, NULL);
	if (pthread_create(&th, NULL, second, &other) != 0) {
		/* No second thread: nothing is written yet; one reader. */
		share_release(&other);
		share_release(&mine);
		db_rollback(twin);
		pthread_cond_destroy(&p.cv);
		pthread_mutex_destroy(&p.mu);
		return export_alone(x, db, out, mode, e);
	}
	rc = make_parts(&mine);
	pthread_join(th, NULL);
	db_rollback(twin);
	if (mine.e.kind == ERR_NONE && other.e.kind != ERR_NONE) {
		mine.e = other.e;
		rc = -1;
	}
	share_release(&other);
	if (rc < 0 || mine.e.kind != ERR_NONE) {
		*e = mine.e;
		rc = -1;
	} else {
		rc = 2;
	}
	share_release(&mine);
	pthread_cond_destroy(&p.cv);
	pthread_mutex_destroy(&p.mu);
	return rc;
}
