/*
 * smtp_send - test driver for lib/smtp.c.
 *
 *   smtp_send [options] RCPT=FILE...
 *     Sends each FILE (an .eml with CRLF line ends) to RCPT through one
 *     smtp_send() call and prints one line per callback, as it comes:
 *       "N RCPT sent|temporary|permanent CODE TEXT"   (N counts from 0)
 *     then "rc=0", or "rc=-1 exit=EX ERRMSG". Exit status: 0, or
 *     err_exitcode() of the error.
 *   smtp_send [options] -N COUNT FILE
 *     Benchmark: sends FILE COUNT times (to bench-I@example.org) in chunks
 *     of -m messages per session; prints "COUNT sent, S seconds, R msg/s".
 *
 * Options: -H host (localhost) -p port -t none|starttls|tls (none)
 *   -C ca_file -u user -P password -T timeout_s (10) -f envelope_from
 *   (nocturne@example.org) -s K: the callback returns -1 at the K-th
 *   callback (1-based) -m max per session (bench; 200) -v (repeat: more log)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "log.h"
#include "smtp.h"

struct drv {
	int seen;
	int stop_at;
	int quiet;
	size_t sent, other;
	struct smtp_message *base;
	struct err *e;
};

static const char *
result_name(enum smtp_result r)
{
	switch (r) {
	case SMTP_RESULT_SENT:
		return "sent";
	case SMTP_RESULT_TEMPORARY:
		return "temporary";
	case SMTP_RESULT_PERMANENT:
		return "permanent";
	}
	return "?";
}

static int
on_result(void *ctx, const struct smtp_message *m, enum smtp_result r, int code, const char *text)
{
	struct drv *d = ctx;

	d->seen++;
	if (r == SMTP_RESULT_SENT)
		d->sent++;
	else
		d->other++;
	if (!d->quiet) {
		printf("%d %s %s %d %s\n", (int)(intptr_t)m->user, m->recipient, result_name(r),
		       code, text);
		fflush(stdout);
	}
	if (d->stop_at > 0 && d->seen >= d->stop_at) {
		err_set(d->e, ERR_TEMP, "stopped by the driver after %d callbacks", d->seen);
		return -1;
	}
	return 0;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0, got;

	if (f == NULL) {
		fprintf(stderr, "smtp_send: %s: %s\n", path, strerror(errno));
		exit(66);
	}
	do {
		xgrow(&buf, &cap, n + 65536, 1);
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (got > 0);
	fclose(f);
	*len = n;
	return buf;
}

static int
usage(void)
{
	fprintf(stderr, "usage: smtp_send [-H host] [-p port] [-t none|starttls|tls] [-C ca] "
	                "[-u user] [-P pass] [-T s] [-f from] [-s K] [-v] RCPT=FILE...\n"
	                "       smtp_send [options] [-m per_session] -N COUNT FILE\n");
	return 64;
}

static int
bench(struct smtp_options *o, const char *file, long count, long per, struct drv *d, struct err *e)
{
	size_t len;
	char *content = slurp(file, &len);
	struct smtp_message *msgs = xcalloc((size_t)per, sizeof(*msgs));
	char(*rcpt)[64] = xcalloc((size_t)per, sizeof(*rcpt));
	struct timespec t0, t1;
	long done = 0;
	int rc = 0;

	d->quiet = 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (done < count && rc == 0) {
		long k = count - done < per ? count - done : per;
		for (long i = 0; i < k; i++) {
			snprintf(rcpt[i], sizeof(rcpt[i]), "bench-%ld@example.org", done + i);
			msgs[i].recipient = rcpt[i];
			msgs[i].content = content;
			msgs[i].length = len;
			msgs[i].user = (void *)(intptr_t)(done + i);
		}
		rc = smtp_send(o, msgs, (size_t)k, on_result, d, e);
		done += k;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (rc == 0)
		printf("%zu sent, %zu not, %.3f seconds, %.0f msg/s\n", d->sent, d->other, s,
		       (double)d->sent / s);
	free(rcpt);
	free(msgs);
	free(content);
	return rc;
}

int
main(int argc, char **argv)
{
	struct smtp_options o = {.host = "localhost",
	                         .tls = TLS_NONE,
	                         .timeout_s = 10,
	                         .envelope_from = "nocturne@example.org"};
	struct drv d = {0};
	struct err e;
	long count = 0, per = 200;
	int c, verbose = LOG_LEVEL_WARN, rc;

	err_clear(&e);
	d.e = &e;
	while ((c = getopt(argc, argv, "H:p:t:C:u:P:T:f:s:m:N:v")) != -1) {
		switch (c) {
		case 'H':
			o.host = optarg;
			break;
		case 'p':
			o.port = atoi(optarg);
			break;
		case 't':
			if (strcmp(optarg, "none") == 0)
				o.tls = TLS_NONE;
			else if (strcmp(optarg, "starttls") == 0)
				o.tls = TLS_STARTTLS;
			else if (strcmp(optarg, "tls") == 0)
				o.tls = TLS_IMPLICIT;
			else
				return usage();
			break;
		case 'C':
			o.ca_file = optarg;
			break;
		case 'u':
			o.user = optarg;
			break;
		case 'P':
			o.password = optarg;
			break;
		case 'T':
			o.timeout_s = atoi(optarg);
			break;
		case 'f':
			o.envelope_from = optarg;
			break;
		case 's':
			d.stop_at = atoi(optarg);
			break;
		case 'm':
			per = atol(optarg);
			break;
		case 'N':
			count = atol(optarg);
			break;
		case 'v':
			verbose++;
			break;
		default:
			return usage();
		}
	}
	log_init("smtp_send", verbose);
	if (count > 0) {
		if (optind + 1 != argc || per < 1)
			return usage();
		rc = bench(&o, argv[optind], count, per, &d, &e);
	} else {
		int nm = argc - optind;
		struct smtp_message *msgs;
		if (nm < 1)
			return usage();
		msgs = xcalloc((size_t)nm, sizeof(*msgs));
		for (int i = 0; i < nm; i++) {
			char *arg = argv[optind + i], *eq = strchr(arg, '=');
			if (eq == NULL) {
				free(msgs);
				return usage();
			}
			*eq = '\0';
			msgs[i].recipient = arg;
			msgs[i].content = slurp(eq + 1, &msgs[i].length);
			msgs[i].user = (void *)(intptr_t)i;
		}
		rc = smtp_send(&o, msgs, (size_t)nm, on_result, &d, &e);
		for (int i = 0; i < nm; i++)
			free((char *)msgs[i].content);
		free(msgs);
	}
	if (rc == 0) {
		printf("rc=0\n");
		return fflush(stdout) == 0 ? 0 : 74;
	}
	printf("rc=-1 exit=%d %s\n", err_exitcode(e.kind), e.msg);
	fflush(stdout);
	return err_exitcode(e.kind);
}
