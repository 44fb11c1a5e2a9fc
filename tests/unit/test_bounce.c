/*
 * test_bounce - the bounce reader (lib/bounce.c) and its MIME reader
 * (lib/mime_read.c) over fixtures written from the formats' documentation
 * (tests/fixtures/bounce/, one file per format) and hostile input.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bounce.h"
#include "mime_read.h"
#include "t.h"

static const struct bounce_env env = {"Portail <bounces@mairie.example>", NULL};

static char *
slurp(const char *name, size_t *len)
{
	const char *top = getenv("NOCTURNE_TOP");
	char path[1024];
	FILE *f;
	char *p;
	long n;

	snprintf(path, sizeof(path), "%s/tests/fixtures/bounce/%s", top ? top : ".", name);
	f = fopen(path, "rb");
	if (f == NULL) {
		printf("  cannot open %s\n", path);
		return NULL;
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	p = malloc((size_t)n + 1);
	*len = fread(p, 1, (size_t)n, f);
	p[*len] = '\0';
	fclose(f);
	return p;
}

struct expect {
	const char *file;
	enum bounce_verdict verdict;
	long long ref;
	const char *message_id;
	const char *status;
	const char *recipient;
	const char *diag_has;
	const char *format;
};

static const struct expect fixtures[] = {
    {"postfix.eml", BOUNCE_FAILED, 42, "<20261202041200.report.7.00000000deadbeef@mairie.example>",
     "5.1.1", "dupont.famille@example.net", "User unknown in virtual mailbox table", "rfc3464"},
    {"exim.eml", BOUNCE_FAILED, 43, "<20261202040000.notice.9.0000000012345678@mairie.example>",
     "5.0.0", "martin@example.org", "550 5.2.1 The email account", "rfc3464"},
    {"sendmail.eml", BOUNCE_FAILED, 44,
     "<20261202040000.report.11.00000000cafe0001@mairie.example>", "5.1.1", "bernard@example.com",
     "User unknown", "rfc3464"},
    {"qmail.eml", BOUNCE_FAILED, 45, "<20261202041959.report.12.00000000cafe0002@mairie.example>",
     "5.1.1", "petit@qmail.example.net", "Sorry, no mailbox here by that name. (#5.1.1)", "qmail"},
    {"microsoft.eml", BOUNCE_FAILED, 46,
     "<20261202042959.report.13.00000000cafe0003@mairie.example>", "5.1.10", "leroy@contoso.com",
     "RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup", "rfc3464"},
    {"gmail.eml", BOUNCE_FAILED, 47, "<20261202044000.notice.14.00000000cafe0004@mairie.example>",
     "5.1.1", "durand.inconnu@gmail.com", "550-5.1.1 The email account that you tried to reach",
     "rfc3464"},
    {"vacation.eml", BOUNCE_AUTOREPLY, 48, "", "", "", "", "auto-reply"},
    {"delay.eml", BOUNCE_DELAYED, 49, "<20261202041208.report.16.00000000cafe0006@mairie.example>",
     "4.4.1", "roux@example.com", "Connection timed out", "rfc3464"},
    /* no VERP (sent before return_path was set): the quoted Message-ID names it */
    {"webmail.eml", BOUNCE_FAILED, 0, "<20261202045000.report.17.00000000cafe0007@mairie.example>",
     "5.0.0", "", "550 User unknown", "text"},
    {"nofinal.eml", BOUNCE_FAILED, 51, "", "5.7.1", "", "550 5.7.1 Rejected by policy", "rfc3464"},
};

static void
check_fixture(const struct expect *x, const char *p, size_t len)
{
	struct bounce_result r;

	bounce_parse(p, len, &env, &r);
	if (r.verdict != x->verdict)
		printf("  %s: verdict %s (%s)\n", x->file, bounce_verdict_name(r.verdict), r.why);
	CHECK_INT(r.verdict, x->verdict);
	CHECK_INT(r.ref, x->ref);
	CHECK_STR(r.message_id, x->message_id);
	CHECK_STR(r.status, x->status);
	CHECK_STR(r.recipient, x->recipient);
	CHECK_STR(r.format, x->format);
	if (strstr(r.diagnostic, x->diag_has) == NULL) {
		printf("  %s: diagnostic '%s' lacks '%s'\n", x->file, r.diagnostic, x->diag_has);
		t_case_failed = 1;
	}
}

static void
test_fixtures(void)
{
	for (size_t i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
		size_t len;
		char *p = slurp(fixtures[i].file, &len);
		CHECK(p != NULL);
		if (p == NULL)
			continue;
		check_fixture(&fixtures[i], p, len);
		free(p);
	}
}

/* The same fixtures with CRLF line ends, as IMAP serves them. */
static void
test_fixtures_crlf(void)
{
	for (size_t i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
		size_t len, n = 0;
		char *p = slurp(fixtures[i].file, &len), *q;
		if (p == NULL) {
			CHECK(p != NULL);
			continue;
		}
		q = malloc(2 * len + 1);
		for (size_t k = 0; k < len; k++) {
			if (p[k] == '\n')
				q[n++] = '\r';
			q[n++] = p[k];
		}
		check_fixture(&fixtures[i], q, n);
		free(p);
		free(q);
	}
}

/* Without a return_path, the VERP address means nothing; the Message-ID still names it. */
static void
test_no_return_path(void)
{
	struct bounce_env none = {NULL, NULL};
	struct bounce_result r;
	size_t len;
	char *p = slurp("postfix.eml", &len);

	bounce_parse(p, len, &none, &r);
	CHECK_INT(r.verdict, BOUNCE_FAILED);
	CHECK_INT(r.ref, 0);
	CHECK_STR(r.message_id, "<20261202041200.report.7.00000000deadbeef@mairie.example>");
	free(p);
}

/* The envelope recipient from the MTA wins over the header fields. */
static void
test_env_recipient(void)
{
	struct bounce_env e2 = {"bounces@mairie.example", "bounces+m777@MAIRIE.example"};
	struct bounce_result r;
	size_t len;
	char *p = slurp("nofinal.eml", &len);

	bounce_parse(p, len, &e2, &r);
	CHECK_INT(r.ref, 777);
	free(p);
}

static void
test_verp(void)
{
	const char *rp = "bounces@mairie.example";

	CHECK_INT(bounce_verp_ref("bounces+m123@mairie.example", rp), 123);
	CHECK_INT(bounce_verp_ref("<bounces+m9@Mairie.Example>", rp), 9);
	CHECK_INT(bounce_verp_ref("X <bounces+m5@mairie.example>", "P <bounces@mairie.example>"),
	          5);
	CHECK_INT(bounce_verp_ref("bounces@mairie.example", rp), 0);
	CHECK_INT(bounce_verp_ref("bounces+x5@mairie.example", rp), 0);
	CHECK_INT(bounce_verp_ref("bounces+m@mairie.example", rp), 0);
	CHECK_INT(bounce_verp_ref("bounces+m12a@mairie.example", rp), 0);
	CHECK_INT(bounce_verp_ref("other+m12@mairie.example", rp), 0);
	CHECK_INT(bounce_verp_ref("bounces+m12@other.example", rp), 0);
	CHECK_INT(bounce_verp_ref("Bounces+m12@mairie.example", rp), 0); /* local part exact */
	CHECK_INT(bounce_verp_ref("bounces+m99999999999999999999@mairie.example", rp), 0);
	CHECK_INT(bounce_verp_ref(NULL, rp), 0);
	CHECK_INT(bounce_verp_ref("bounces+m1@mairie.example", ""), 0);
}

static void
test_mime_basics(void)
{
	struct mime_type t;
	size_t n;
	char *d;

	mime_type_parse(
	    "Multipart/Report; report-type=\"delivery-status\";\t boundary=\"a b\\\"c\"", &t);
	CHECK_STR(t.type, "multipart");
	CHECK_STR(t.subtype, "report");
	CHECK_STR(t.report_type, "delivery-status");
	CHECK_STR(t.boundary, "a b\"c");
	mime_type_parse("(comment) text/plain (x); charset=UTF-8", &t);
	CHECK_STR(t.type, "text");
	CHECK_STR(t.charset, "utf-8");
	mime_type_parse("garbage", &t);
	CHECK_STR(t.subtype, "plain");
	mime_type_parse(NULL, &t);
	CHECK_STR(t.type, "text");

	CHECK_STR_FREE(
	    mime_decode("caf=C3=A9 =\r\nlong=3D=\nend=", 26, "Quoted-Printable", 100, &n),
	    "café long=end");
	d = mime_decode("Ym91bmNl\r\nZA==", 14, "base64", 100, &n);
	CHECK_STR(d, "bounced");
	CHECK_INT(n, 7);
	free(d);
	CHECK_STR_FREE(mime_decode("abcdef", 6, NULL, 3, &n), "abc");

	struct mime_header h;
	size_t body;
	const char *msg = "From someone  Wed Dec  2\nSubject: a\n  b\nX: 1\n\nbody";
	mime_header_parse(msg, strlen(msg), 1, &h, &body);
	CHECK_INT(h.n, 2);
	CHECK_STR(mime_header_get(&h, "subject"), "a  b");
	CHECK_STR(msg + body, "body");
	mime_header_release(&h);
}

/* Whatever the input: a verdict, a reason, no crash (ASan runs this too). */
/*
 * Write at p + n a multipart/report whose delivery-status part holds the
 * fields dsn, then a 100,000-byte value ('z'), and the closing boundary.
 * Returns the new length (p has room for it).
 */
static size_t
long_diagnostic(char *p, size_t n, const char *dsn)
{
	n += (size_t)sprintf(p + n,
	                     "Content-Type: multipart/report; boundary=b\n\n"
	                     "--b\nContent-Type: message/delivery-status\n\n%s",
	                     dsn);
	memset(p + n, 'z', 100000);
	n += 100000;
	n += (size_t)sprintf(p + n, "\n--b--\n");
	return n;
}

static void
test_hostile(void)
{
	struct bounce_result r;
	size_t big = 50u << 20;
	char *p;

	bounce_parse("", 0, &env, &r);
	CHECK_INT(r.verdict, BOUNCE_NOT);
	CHECK_STR(r.why, "empty message");
	bounce_parse("\n", 1, &env, &r);
	CHECK_INT(r.verdict, BOUNCE_NOT);

	/* random bytes */
	srand(42);
	p = malloc(1 << 20);
	for (int round = 0; round < 20; round++) {
		for (size_t i = 0; i < (1u << 20); i++)
			p[i] = (char)(rand() & 0xff);
		bounce_parse(p, 1u << 20, &env, &r);
		CHECK(r.why[0] != '\0');
	}
	free(p);

	/* 50 MB: the first 16 MiB are read, it says so, and it is fast */
	p = malloc(big);
	memset(p, 'a', big);
	memcpy(p, "Subject: big\n\n", 14);
	for (size_t i = 100; i < big; i += 77)
		p[i] = '\n';
	clock_t c0 = clock();
	bounce_parse(p, big, &env, &r);
	CHECK_INT(r.verdict, BOUNCE_NOT);
	CHECK(strstr(r.why, "16 MiB") != NULL);
	CHECK((double)(clock() - c0) / CLOCKS_PER_SEC < 5.0);
	free(p);

	/* 100 KB header lines, and a header of 10,000 fields */
	{
		size_t n = 0, cap = 4u << 20;
		p = malloc(cap);
		n += (size_t)sprintf(p + n, "Subject: ");
		memset(p + n, 'x', 100000);
		n += 100000;
		n += (size_t)sprintf(p + n, "\nX-Long: ");
		for (int i = 0; i < 100000; i++)
			p[n++] = i % 50 == 49 ? '\n' : (i % 50 == 0 && i ? ' ' : 'y');
		for (int i = 0; i < 10000; i++)
			n += (size_t)sprintf(p + n, "\nX-F%d: v", i);
		p[n++] = '\n';
		n = long_diagnostic(p, n, "Action: failed\nStatus: 5.1.1\nDiagnostic-Code: ");
		bounce_parse(p, n, &env, &r);
		/* the Content-Type comes after the 256th field: the message is a plain text */
		CHECK_INT(r.verdict, BOUNCE_NOT);
		CHECK(strlen(r.diagnostic) < sizeof(r.diagnostic));
		free(p);
	}
	/* a long Diagnostic-Code is cut to one bounded line */
	{
		size_t n = 0;
		p = malloc(1 << 20);
		n = long_diagnostic(p, n,
		                    "Reporting-MTA: dns; x\n\nAction: failed\nStatus: 5.1.1\n"
		                    "Diagnostic-Code: smtp; ");
		bounce_parse(p, n, &env, &r);
		CHECK_INT(r.verdict, BOUNCE_FAILED);
		CHECK_INT(strlen(r.diagnostic), sizeof(r.diagnostic) - 1);
		free(p);
	}
	/* a MIME bomb: 10,000 nested multiparts, then 100,000 siblings */
	{
		size_t n = 0, cap = 16u << 20;
		p = malloc(cap);
		for (int i = 0; i < 10000; i++)
			n += (size_t)sprintf(
			    p + n, "Content-Type: multipart/mixed; boundary=\"b%d\"\n\n--b%d\n", i,
			    i);
		n += (size_t)sprintf(p + n, "Content-Type: message/delivery-status\n\n"
		                            "Action: failed\nStatus: 5.1.1\n");
		c0 = clock();
		bounce_parse(p, n, &env, &r);
		CHECK(strstr(r.why, "limits") != NULL);
		n = (size_t)sprintf(p, "Content-Type: multipart/mixed; boundary=s\n\n");
		for (int i = 0; i < 100000; i++)
			n += (size_t)sprintf(p + n, "--s\nContent-Type: text/plain\n\nx\n");
		bounce_parse(p, n, &env, &r);
		CHECK(strstr(r.why, "limits") != NULL);
		CHECK((double)(clock() - c0) / CLOCKS_PER_SEC < 5.0);
		free(p);
	}
	/* a report of success is not a bounce */
	{
		const char *ok = "Content-Type: multipart/report; report-type=delivery-status; "
		                 "boundary=b\n\n--b\nContent-Type: message/delivery-status\n\n"
		                 "Reporting-MTA: dns; x\n\nFinal-Recipient: rfc822; a@b.c\n"
		                 "Action: delivered\nStatus: 2.0.0\n--b--\n";
		bounce_parse(ok, strlen(ok), &env, &r);
		CHECK_INT(r.verdict, BOUNCE_NOT);
	}
	/* failed with a class 4 status (gave up after the queue lifetime): not permanent */
	{
		const char *t4 = "Content-Type: multipart/report; boundary=b\n\n--b\n"
		                 "Content-Type: message/delivery-status\n\nAction: failed\n"
		                 "Status: 4.4.7\n--b--\n";
		bounce_parse(t4, strlen(t4), &env, &r);
		CHECK_INT(r.verdict, BOUNCE_DELAYED);
		CHECK_STR(r.status, "4.4.7");
	}
	/* an ordinary reply is nothing */
	{
		const char *hi = "From: parent@example.fr\nSubject: Re: Compte-rendu\n\nMerci, "
		                 "mais la réservation could not be delivered?\n";
		bounce_parse(hi, strlen(hi), &env, &r);
		CHECK_INT(r.verdict, BOUNCE_NOT);
	}
}

int
main(void)
{
	T_RUN(test_fixtures);
	T_RUN(test_fixtures_crlf);
	T_RUN(test_no_return_path);
	T_RUN(test_env_recipient);
	T_RUN(test_verp);
	T_RUN(test_mime_basics);
	T_RUN(test_hostile);
	return t_status();
}
