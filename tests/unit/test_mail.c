/*
 * Unit tests of lib/mail.c: the message is parsed back (headers unfolded,
 * RFC 2047 words and quoted-printable decoded) and checked field by field.
 */
#include "mail.h"
#include "mime.h"

#include <stdlib.h>

#include "t.h"
#include "when.h"

/* ---- decoders, written for the test (independent of the encoders) ---- */

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode quoted-printable with CRLF line ends into LF text. NULL if invalid. */
static char *
qp_decode(const char *s, size_t n)
{
	char *out = malloc(n + 1);
	size_t j = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '=') {
			if (i + 2 < n && s[i + 1] == '\r' && s[i + 2] == '\n') {
				i += 2;
				continue;
			}
			if (i + 2 >= n || hexval(s[i + 1]) < 0 || hexval(s[i + 2]) < 0) {
				free(out);
				return NULL;
			}
			out[j++] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
			i += 2;
		} else if (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n') {
			out[j++] = '\n';
			i++;
		} else {
			out[j++] = s[i];
		}
	}
	out[j] = '\0';
	return out;
}

static int
b64val(int c)
{
	const char *a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = c ? strchr(a, c) : NULL;
	return p ? (int)(p - a) : -1;
}

/* Decode an unfolded header value: RFC 2047 B words joined, other text kept. */
static char *
hdr_decode(const char *v)
{
	struct buf b = {0};
	const char *p = v;
	int prev_word = 0;

	while (*p) {
		if (strncmp(p, "=?UTF-8?B?", 10) == 0) {
			const char *end = strstr(p + 10, "?=");
			unsigned acc = 0;
			int bits = 0;
			for (const char *q = p + 10; q < end; q++) {
				if (*q == '=')
					break;
				acc = (acc << 6) | (unsigned)b64val(*q);
				bits += 6;
				if (bits >= 8) {
					char c = (char)((acc >> (bits - 8)) & 0xff);
					buf_add(&b, &c, 1);
					bits -= 8;
				}
			}
			p = end + 2;
			prev_word = 1;
			continue;
		}
		if (*p == ' ' && prev_word) {
			/* whitespace between two encoded words is dropped */
			const char *q = p;
			while (*q == ' ')
				q++;
			if (strncmp(q, "=?UTF-8?B?", 10) == 0) {
				p = q;
				continue;
			}
		}
		prev_word = 0;
		buf_add(&b, p, 1);
		p++;
	}
	return buf_detach(&b, NULL);
}

/* A parsed message: unfolded headers, and the raw body. */
struct parsed {
	char *names[40], *values[40];
	int n;
	const char *body;
	size_t body_len;
};

static void
parse(const char *msg, size_t len, struct parsed *p)
{
	const char *end = strstr(msg, "\r\n\r\n");
	const char *s = msg;

	memset(p, 0, sizeof(*p));
	CHECK(end != NULL);
	if (end == NULL)
		return;
	while (s < end + 2) {
		const char *eol = strstr(s, "\r\n");
		if (*s == ' ' || *s == '\t') {
			/* continuation: unfold (drop the CRLF) */
			size_t old = strlen(p->values[p->n - 1]);
			p->values[p->n - 1] =
			    realloc(p->values[p->n - 1], old + (size_t)(eol - s) + 1);
			memcpy(p->values[p->n - 1] + old, s, (size_t)(eol - s));
			p->values[p->n - 1][old + (size_t)(eol - s)] = '\0';
		} else {
			const char *colon = memchr(s, ':', (size_t)(eol - s));
			CHECK(colon != NULL);
			if (colon == NULL || p->n == 40)
				break;
			p->names[p->n] = strndup(s, (size_t)(colon - s));
			s = colon + 1;
			while (*s == ' ')
				s++;
			p->values[p->n] = strndup(s, (size_t)(eol - s));
			p->n++;
		}
		s = eol + 2;
	}
	p->body = end + 4;
	p->body_len = len - (size_t)(p->body - msg);
}

static const char *
header(const struct parsed *p, const char *name)
{
	const char *found = NULL;
	int count = 0;

	for (int i = 0; i < p->n; i++)
		if (strcasecmp(p->names[i], name) == 0) {
			found = p->values[i];
			count++;
		}
	return count == 1 ? found : NULL;
}

static void
parsed_free(struct parsed *p)
{
	for (int i = 0; i < p->n; i++) {
		free(p->names[i]);
		free(p->values[i]);
	}
}

/* Every line ends in CRLF, no bare CR or LF, none over max octets. */
static void
check_lines(const char *s, size_t n, size_t max)
{
	size_t col = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\r') {
			CHECK(i + 1 < n && s[i + 1] == '\n');
			i++;
			col = 0;
			continue;
		}
		CHECK(s[i] != '\n');
		CHECK(s[i] != '\0');
		CHECK((unsigned char)s[i] < 0x80);
		col++;
		if (col > max) {
			printf("  line over %zu octets at byte %zu\n", max, i);
			t_case_failed = 1;
			return;
		}
	}
	CHECK(n >= 2 && s[n - 2] == '\r' && s[n - 1] == '\n');
}

/* The decoded part of a multipart body whose Content-Type starts with type. */
static char *
part(const struct parsed *p, const char *type)
{
	const char *ct = header(p, "Content-Type"), *b, *q;
	char boundary[128], delim[140];
	size_t bl;

	if (ct == NULL || (b = strstr(ct, "boundary=\"")) == NULL)
		return NULL;
	b += 10;
	bl = strcspn(b, "\"");
	snprintf(boundary, sizeof(boundary), "%.*s", (int)bl, b);
	snprintf(delim, sizeof(delim), "\r\n--%s", boundary);
	q = p->body;
	while ((q = strstr(q, boundary)) != NULL) {
		const char *h = q + strlen(boundary) + 2, *hend = strstr(h, "\r\n\r\n"), *end;
		char want[80];
		snprintf(want, sizeof(want), "Content-Type: %s", type);
		if (hend == NULL)
			return NULL;
		end = strstr(hend, delim);
		if (end == NULL)
			return NULL;
		if (strncmp(h, want, strlen(want)) == 0 && (size_t)(hend - h) < 400 &&
		    strstr(h, "Content-Transfer-Encoding: quoted-printable") < hend) {
			return qp_decode(hend + 4, (size_t)(end - hend - 4));
		}
		q = end + 2;
	}
	return NULL;
}

/* ---- tests ---- */

static char *
qp(const char *text)
{
	struct buf b = {0};

	mime_qp_encode(&b, text, strlen(text));
	return buf_detach(&b, NULL);
}

static void
test_qp_vectors(void)
{
	CHECK_STR_FREE(qp("café=1\n"), "caf=C3=A9=3D1\r\n");
	CHECK_STR_FREE(qp("a \nb\t\n"), "a=20\r\nb=09\r\n");
	CHECK_STR_FREE(qp(".\n..x\nFrom me\nFrom\nA. b\n"),
	               "=2E\r\n=2E.x\r\n=46rom me\r\nFrom\r\nA. b\r\n");
	CHECK_STR_FREE(qp("x\r\ny\n"), "x\r\ny\r\n");
	CHECK_STR_FREE(qp("\n\nz\n"), "\r\n\r\nz\r\n");
}

static void
test_qp_long_lines(void)
{
	char text[2000];
	char *s, *d;

	/* 300 'a', then a line of accents, then spaces at a soft break. */
	memset(text, 'a', 300);
	strcpy(text + 300, "\n");
	for (int i = 0; i < 100; i++)
		strcat(text, "é");
	strcat(text, "\n");
	for (int i = 0; i < 37; i++)
		strcat(text, "b ");
	strcat(text, "From x. y\n");
	s = qp(text);
	check_lines(s, strlen(s), 76);
	d = qp_decode(s, strlen(s));
	CHECK(d != NULL);
	CHECK_STR(d, text);
	free(d);
	free(s);
}

static void
test_qp_every_byte(void)
{
	char text[600];
	size_t n = 0;
	char *s, *d;

	for (int i = 1; i < 256; i++) {
		if (i == '\r')
			continue;
		text[n++] = (char)i;
		if (i % 50 == 0)
			text[n++] = ' ';
	}
	text[n++] = '\n';
	text[n] = '\0';
	s = qp(text);
	check_lines(s, strlen(s), 76);
	d = qp_decode(s, strlen(s));
	CHECK(d != NULL && memcmp(d, text, n) == 0);
	free(d);
	free(s);
}

static char *
header_of(const char *name, const char *value, int phrase)
{
	struct buf b = {0};

	mime_header_text(&b, name, value, phrase);
	return buf_detach(&b, NULL);
}

static void
check_header(const char *name, const char *value, int phrase, const char *decoded)
{
	char *h = header_of(name, value, phrase);
	struct parsed p;
	struct buf msg = {0};

	check_lines(h, strlen(h), 78);
	buf_adds(&msg, h);
	buf_adds(&msg, "\r\nbody\r\n");
	parse(msg.p, msg.len, &p);
	CHECK_INT(p.n, 1);
	if (p.n == 1) {
		CHECK_STR(p.names[0], name);
		CHECK_STR_FREE(hdr_decode(p.values[0]), decoded);
	}
	parsed_free(&p);
	buf_release(&msg);
	free(h);
}

static void
test_headers(void)
{
	char *h;
	char long_ascii[400], long_utf8[600];

	CHECK_STR_FREE(header_of("Subject", "Hello world", 0), "Subject: Hello world\r\n");
	h = header_of("Subject", "Compte-rendu du vendredi 06 décembre 2019", 0);
	CHECK(strncmp(h, "Subject: =?UTF-8?B?", 19) == 0);
	free(h);
	check_header("Subject", "Compte-rendu du vendredi 06 décembre 2019", 0,
	             "Compte-rendu du vendredi 06 décembre 2019");
	check_header("Subject", "looks =?like?= a word", 0, "looks =?like?= a word");
	/* Display names: atext kept, specials and accents encoded. */
	CHECK_STR_FREE(header_of("To", "Famille Dupont", 1), "To: Famille Dupont\r\n");
	check_header("To", "Dupont, Jean \"le grand\"", 1, "Dupont, Jean \"le grand\"");
	check_header("To", "Zoé Ñandú", 1, "Zoé Ñandú");
	/* Folding of long values, ASCII and not. */
	long_ascii[0] = '\0';
	for (int i = 0; i < 40; i++)
		strcat(long_ascii, "mot ");
	strcat(long_ascii, "fin");
	check_header("Subject", long_ascii, 0, long_ascii);
	long_utf8[0] = '\0';
	for (int i = 0; i < 60; i++)
		strcat(long_utf8, "été ");
	strcat(long_utf8, "fin");
	check_header("Subject", long_utf8, 0, long_utf8);
}

static void
test_header_injection(void)
{
	static const char *const attempts[] = {
	    "Bonjour\r\nBcc: victim@example.org",
	    "Bonjour\nBcc: victim@example.org",
	    "Bonjour\rBcc: victim@example.org",
	    "\r\n\r\nbody injection",
	    "tab\there",
	};

	for (size_t i = 0; i < sizeof(attempts) / sizeof(attempts[0]); i++) {
		for (int phrase = 0; phrase < 2; phrase++) {
			char *h = header_of("Subject", attempts[i], phrase);
			const char *crlf = strstr(h, "\r\n");
			/* The only CRLF not followed by a space is the last one. */
			while (crlf != NULL && crlf[2] == ' ')
				crlf = strstr(crlf + 2, "\r\n");
			CHECK(crlf != NULL && crlf[2] == '\0');
			CHECK(strstr(h, "\nBcc") == NULL && strstr(h, "\rBcc") == NULL);
			CHECK(strchr(h, '\t') == NULL);
			check_lines(h, strlen(h), 78);
			free(h);
		}
	}
}

static void
test_addresses(void)
{
	char *first, *name, *addr;

	CHECK(mime_addr_valid("marie.dupont@example.org", 0));
	CHECK(mime_addr_valid("a+tag@sub.example.co.uk", 0));
	CHECK(mime_addr_valid("x@localhost", 1));
	CHECK(!mime_addr_valid("x@localhost", 0));
	CHECK(!mime_addr_valid("pas-une-adresse", 0));
	CHECK(!mime_addr_valid("a@b@example.org", 0));
	CHECK(!mime_addr_valid(".a@example.org", 0));
	CHECK(!mime_addr_valid("a..b@example.org", 0));
	CHECK(!mime_addr_valid("a.@example.org", 0));
	CHECK(!mime_addr_valid("a@-example.org", 0));
	CHECK(!mime_addr_valid("a@example..org", 0));
	CHECK(!mime_addr_valid("a b@example.org", 0));
	CHECK(!mime_addr_valid("a@example.org\r\nBcc: x@y.org", 0));
	CHECK(!mime_addr_valid("a@example.org>", 0));
	CHECK(!mime_addr_valid("é@example.org", 0));
	CHECK(!mime_addr_valid("@example.org", 0));
	CHECK(!mime_addr_valid("a@", 0));
	CHECK(!mime_addr_valid("", 0));

	CHECK_INT(mime_first_address(" a@example.org ; b@example.org", &first), 1);
	CHECK_STR(first, "a@example.org");
	free(first);
	CHECK_INT(mime_first_address("a@example.org", &first), 1);
	CHECK_STR(first, "a@example.org");
	free(first);
	CHECK_INT(mime_first_address(" ; b@example.org", &first), 0);
	CHECK(first == NULL);
	CHECK_INT(mime_first_address("", &first), 0);
	CHECK_INT(mime_first_address(NULL, &first), 0);

	CHECK_INT(mime_parse_mailbox("Portail Famille <no-reply@mairie.example>", &name, &addr), 0);
	CHECK_STR(name, "Portail Famille");
	CHECK_STR(addr, "no-reply@mairie.example");
	free(name);
	free(addr);
	CHECK_INT(mime_parse_mailbox("\"Mairie, service \\\"Enfance\\\"\" <e@m.fr>", &name, &addr),
	          0);
	CHECK_STR(name, "Mairie, service \"Enfance\"");
	CHECK_STR(addr, "e@m.fr");
	free(name);
	free(addr);
	CHECK_INT(mime_parse_mailbox("no-reply@localhost", &name, &addr), 0);
	CHECK_STR(name, "");
	CHECK_STR(addr, "no-reply@localhost");
	free(name);
	free(addr);
	CHECK_INT(mime_parse_mailbox("Nobody <>", &name, &addr), -1);
	CHECK_INT(mime_parse_mailbox("Nobody <a@b.org", &name, &addr), -1);
	CHECK_INT(mime_parse_mailbox("x <a@b.org> y", &name, &addr), -1);
	CHECK_INT(mime_parse_mailbox("just words", &name, &addr), -1);
}

static void
test_date_and_id(void)
{
	char buf[MIME_DATE_LEN];
	int64_t t;

	when_parse_datetime("2019-12-06 07:05:09", &t);
	mime_date(t, 60, buf);
	CHECK_STR(buf, "Fri, 06 Dec 2019 07:05:09 +0100");
	when_parse_datetime("2020-07-14 23:59:00", &t);
	mime_date(t, 120, buf);
	CHECK_STR(buf, "Tue, 14 Jul 2020 23:59:00 +0200");
	mime_date(t, -330, buf);
	CHECK_STR(buf, "Tue, 14 Jul 2020 23:59:00 -0530");
	mime_date(t, 0, buf);
	CHECK_STR(buf, "Tue, 14 Jul 2020 23:59:00 +0000");

	CHECK_STR_FREE(
	    mail_message_id(MAIL_NOTICE, 42, t, 0xabcdefULL, "Portail <no-reply@mairie.example>"),
	    "<20200714235900.notice.42.0000000000abcdef@mairie.example>");
	CHECK_STR_FREE(mail_message_id(MAIL_REPORT, 1, t, 1, "broken"),
	               "<20200714235900.report.1.0000000000000001@localhost>");
}

static long long item_seq;

static int64_t
at(const char *s)
{
	int64_t t = 0;

	when_parse_datetime(s, &t);
	return t;
}

static struct mail_item
item(const char *key, const char *child, const char *activity, const char *date, const char *action,
     int arrival, int departure, const char *state, const char *reason, int position)
{
	struct mail_item it;
	int32_t day = 0;

	when_parse_date(date, &day);
	memset(&it, 0, sizeof(it));
	it.child_key = key;
	it.child_name = child;
	it.activity = activity;
	it.day = day;
	it.action = action;
	it.arrival = arrival;
	it.departure = departure;
	it.state = state;
	it.reason = reason;
	it.position = position;
	it.waitlisted = strcmp(state, "waitlisted") == 0;
	it.now_state = state;
	it.child_first = "";
	it.hours_from = it.hours_to = -1;
	it.deadline = MAIL_NO_DEADLINE;
	it.undone_arrival = it.undone_departure = -1;
	it.seq = ++item_seq;
	return it;
}

static void
head(struct mail_head *h, const char *to_name, const char *to_addr)
{
	memset(h, 0, sizeof(*h));
	h->from = "Portail Famille <no-reply@mairie.example>";
	h->reply_to = "";
	h->to_name = to_name;
	h->to_addr = to_addr;
	h->signature = "";
	when_parse_datetime("2019-12-06 07:00:00", &h->date);
	h->zone_minutes = 60;
	h->message_id = "<20191206070000.report.1.0123456789abcdef@mairie.example>";
}

static void
test_report(void)
{
	struct mail_item items[] = {
	    item("C1", "Léa Dupont", "Accueil du soir", "2019-12-06", "reserve", 990, 1080,
	         "accepted", NULL, 0),
	    item("C1", "Léa Dupont", "Cantine", "2019-12-09", "reserve", -1, -1, "waitlisted", NULL,
	         2),
	    item("C2", "Hugo Dupont", "Mercredi <loisirs> & \"co\"", "2019-12-04", "cancel", -1, -1,
	         "refused", "nothing_to_cancel", 0),
	    item("C2", "Hugo Dupont", "Cantine", "2019-12-10", "reserve", -1, -1, "expired", NULL,
	         0),
	    item("C2", "Hugo Dupont", "Cantine", "2019-12-11", "reserve", 480, -1, "cancelled",
	         NULL, 0),
	};
	struct mail_head h;
	struct mail_out out, again;
	struct parsed p;
	struct err e;
	char *text, *html;

	items[0].child_first = items[1].child_first = "Léa";
	items[2].child_first = items[3].child_first = items[4].child_first = "Hugo";
	items[4].now_state = "cancelled";
	items[1].deadline = at("2019-12-08 10:00:00");
	head(&h, "Famille Dupont", "marie.dupont@example.org");
	CHECK_INT(mail_compose(MAIL_REPORT, &h, items, 5, &out, &e), 0);
	check_lines(out.content, out.length, 78);
	CHECK_STR(out.subject,
	          "Portail Famille : compte-rendu du vendredi 06 décembre 2019 pour Léa et Hugo");
	parse(out.content, out.length, &p);
	CHECK_STR(header(&p, "Date"), "Fri, 06 Dec 2019 07:00:00 +0100");
	CHECK_STR(header(&p, "From"), "Portail Famille <no-reply@mairie.example>");
	CHECK_STR(header(&p, "To"), "Famille Dupont <marie.dupont@example.org>");
	CHECK(header(&p, "Reply-To") == NULL);
	CHECK_STR_FREE(hdr_decode(header(&p, "Subject") ? header(&p, "Subject") : ""), out.subject);
	CHECK_STR(header(&p, "Message-ID"),
	          "<20191206070000.report.1.0123456789abcdef@mairie.example>");
	CHECK_STR(header(&p, "MIME-Version"), "1.0");
	CHECK_STR(header(&p, "Content-Language"), "fr");
	CHECK_STR(header(&p, "Auto-Submitted"), "auto-generated");
	CHECK_STR(header(&p, "X-Nocturne-Kind"), "report");
	CHECK(header(&p, "Content-Type") != NULL &&
	      strncmp(header(&p, "Content-Type"), "multipart/alternative;", 22) == 0);

	text = part(&p, "text/plain; charset=UTF-8");
	html = part(&p, "text/html; charset=UTF-8");
	CHECK(text != NULL);
	CHECK(html != NULL);
	if (text != NULL) {
		CHECK_STR(text, out.text);
		CHECK(strstr(text, "Bonjour,\n\nEn résumé : 2 acceptées, 1 en liste d'attente, "
		                   "1 refusée, 1 non retenue.\n") == text);
		/* Each child's requests not accepted first, then the accepted ones. */
		CHECK(strstr(text,
		             "Léa Dupont\n"
		             "  - lundi 09 décembre 2019 : Cantine\n"
		             "    Réservation — En liste d'attente (position 2)\n"
		             "    Annulation possible sur le portail jusqu'au dimanche 08 décembre "
		             "2019 à 10h00.\n"
		             "  - vendredi 06 décembre 2019 : Accueil du soir (arrivée 16h30, "
		             "départ 18h00)\n"
		             "    Réservation — Acceptée\n\n"
		             "Hugo Dupont\n"
		             "  - mercredi 04 décembre 2019 : Mercredi <loisirs> & \"co\"\n"
		             "    Annulation — Refusée : aucune réservation à annuler\n"
		             "  - mardi 10 décembre 2019 : Cantine\n"
		             "    Réservation — Non retenue : liste d'attente close\n"
		             "  - mercredi 11 décembre 2019 : Cantine (arrivée 08h00)\n"
		             "    Réservation — Acceptée\n") != NULL);
		CHECK(strstr(text, "Pour la demande en liste d'attente, nous vous écrirons si "
		                   "une place se libère.") != NULL);
		CHECK(strstr(text, "averti") == NULL);
		CHECK(strstr(text, "Cordialement,\n\nLe Portail Famille\n") != NULL);
	}
	if (html != NULL) {
		CHECK(strstr(html, "Mercredi &lt;loisirs&gt; &amp; &quot;co&quot;") != NULL);
		CHECK(strstr(html, "<loisirs>") == NULL);
		CHECK(strstr(html, ">Léa Dupont</h2>") != NULL);
		CHECK(strstr(html, ">Hugo Dupont</h2>") != NULL);
		CHECK(strstr(html, "<strong>En liste d&#39;attente (position 2)</strong>") != NULL);
		CHECK(strstr(html, "name=\"viewport\"") != NULL);
		CHECK(strstr(html, "width:") == NULL); /* no fixed width */
		CHECK(strstr(html, "<table") == NULL);
	}
	free(text);
	free(html);
	parsed_free(&p);

	/* Same input, same bytes (a retry sends what was stored). */
	CHECK_INT(mail_compose(MAIL_REPORT, &h, items, 5, &again, &e), 0);
	CHECK(again.length == out.length && memcmp(again.content, out.content, out.length) == 0);
	mail_out_release(&again);
	mail_out_release(&out);

	/* No waitlisted request: no reminder; one outcome, singular. */
	CHECK_INT(mail_compose(MAIL_REPORT, &h, items, 1, &out, &e), 0);
	CHECK(strstr(out.text, "liste d'attente") == NULL);
	CHECK(strstr(out.text, "En résumé : 1 acceptée.\n") != NULL);
	CHECK(strstr(out.text, "en tête de liste") == NULL);
	mail_out_release(&out);
}

static void
test_notice(void)
{
	struct mail_item items[] = {
	    item("C1", "Léa Dupont", "Cantine", "2019-12-09", "reserve", -1, -1, "accepted", NULL,
	         0),
	    item("C1", "Léa Dupont", "Cantine", "2019-12-05", "reserve", -1, -1, "accepted", NULL,
	         0),
	};
	struct mail_head h;
	struct mail_out out;
	struct parsed p;
	struct err e;

	items[0].child_first = items[1].child_first = "Léa";
	items[0].deadline = at("2019-12-08 10:00:00");
	items[1].deadline = at("2019-12-04 10:00:00"); /* before composition: too late */
	head(&h, "Famille Dupont", "marie.dupont@example.org");
	h.reply_to = "Service Enfance <enfance@mairie.example>";
	h.signature = "Service Enfance\\nMairie de Nocturne";
	CHECK_INT(mail_compose(MAIL_NOTICE, &h, items, 1, &out, &e), 0);
	check_lines(out.content, out.length, 78);
	parse(out.content, out.length, &p);
	CHECK_STR(header(&p, "Reply-To"), "Service Enfance <enfance@mairie.example>");
	CHECK_STR(header(&p, "X-Nocturne-Kind"), "notice");
	CHECK_STR(header(&p, "Auto-Submitted"), "auto-generated");
	CHECK_STR(header(&p, "Content-Language"), "fr");
	CHECK_STR(header(&p, "To"), "Famille Dupont <marie.dupont@example.org>");
	CHECK_STR(header(&p, "Message-ID"),
	          "<20191206070000.report.1.0123456789abcdef@mairie.example>");
	CHECK_STR_FREE(hdr_decode(header(&p, "Subject") ? header(&p, "Subject") : ""),
	               "Place obtenue pour Léa : lundi 09 décembre 2019, Cantine");
	CHECK(strstr(out.text, "En résumé : 1 place obtenue.\n") != NULL);
	CHECK(strstr(out.text, "une place s'est libérée. Votre demande suivante, qui était en "
	                       "liste d'attente, est maintenant acceptée :\n\nLéa Dupont\n"
	                       "  - lundi 09 décembre 2019 : Cantine\n"
	                       "    Annulation possible sur le portail jusqu'au dimanche 08 "
	                       "décembre 2019 à 10h00.\n\n") != NULL);
	CHECK(strstr(out.text, "Réservation —") == NULL);
	CHECK(strstr(out.text, "Si vous ne souhaitez plus cette place, annulez-la") != NULL);
	CHECK(strstr(out.text, "Cordialement,\n\nService Enfance\nMairie de Nocturne\n") != NULL);
	parsed_free(&p);
	mail_out_release(&out);

	/* Two places: plural; the subject names the earliest date. */
	CHECK_INT(mail_compose(MAIL_NOTICE, &h, items, 2, &out, &e), 0);
	CHECK_STR(out.subject,
	          "Place obtenue pour Léa : jeudi 05 décembre 2019, Cantine (et 1 autre place)");
	CHECK(strstr(out.text, "En résumé : 2 places obtenues.\n") != NULL);
	CHECK(strstr(out.text, "des places se sont libérées. Les demandes suivantes") != NULL);
	CHECK(strstr(out.text, "une place s'est libérée") == NULL);
	CHECK(strstr(out.text, "    Trop tard pour annuler en ligne (c'était possible jusqu'au "
	                       "mercredi 04 décembre 2019 à 10h00).\n") != NULL);
	CHECK(strstr(out.text, "Si vous ne souhaitez plus l'une de ces places") != NULL);
	mail_out_release(&out);
}

static void
test_act_on_it(void)
{
	struct mail_item items[] = {
	    item("C7", "Léa Martin", "Cantine", "2019-12-09", "reserve", -1, -1, "accepted", NULL,
	         0),
	    item("C8", "Léa Martin", "Cantine", "2019-12-09", "reserve", 450, -1, "refused",
	         "times", 0),
	    item("C8", "Léa Martin", "Cantine", "2019-12-10", "reserve", -1, -1, "refused",
	         "duplicate", 0),
	    item("C8", "Léa Martin", "Cantine", "2019-12-11", "reserve", -1, -1, "refused", "full",
	         0),
	    item("C8", "Léa Martin", "Cantine", "2019-12-12", "cancel", -1, -1, "accepted", NULL,
	         0),
	};
	struct mail_head h;
	struct mail_out out;
	struct err e;

	for (int i = 0; i < 5; i++) {
		items[i].structure = "École Jules Ferry";
		items[i].hours_from = 11 * 60 + 30;
		items[i].hours_to = 13 * 60 + 30;
		items[i].waitlist = 4;
		items[i].child_first = "Léa";
	}
	items[2].holder_state = "accepted";
	items[2].holder_submitted = at("2019-12-01 09:15:00");
	items[4].undoes = 99;
	items[4].undone_was_accepted = 1;
	head(&h, "Famille Martin", "martin@example.org");
	h.portal_url = "https://portail.example/famille?x=1&y=2";
	h.contact = "Service Enfance, 01 23 45 67 89 (9h-17h)";
	h.calendar = 1;
	CHECK_INT(mail_compose(MAIL_REPORT, &h, items, 5, &out, &e), 0);
	check_lines(out.content, out.length, 78);
	/* Twins told apart, in the text and in HTML. */
	CHECK(strstr(out.text, "\nLéa Martin (fiche C7)\n") != NULL);
	CHECK(strstr(out.text, "\nLéa Martin (fiche C8)\n") != NULL);
	CHECK(strstr(out.html, ">Léa Martin (fiche C8)</h2>") != NULL);
	CHECK(strstr(out.text, "  - lundi 09 décembre 2019 : Cantine, École Jules Ferry (arrivée "
	                       "07h30)\n    Réservation — Refusée : horaires incompatibles\n"
	                       "    Horaires de l'activité : de 11h30 à 13h30.\n") != NULL);
	CHECK(strstr(out.text, "Refusée : déjà demandée\n    La demande précédente pour ce jour "
	                       "(envoyée le dimanche 01 décembre 2019 à 09h15) est acceptée : "
	                       "c'est elle qui compte.\n") != NULL);
	CHECK(strstr(out.text, "Refusée : activité complète\n    Toutes les places étaient "
	                       "prises et la liste d'attente (4 places) était complète "
	                       "aussi.\n") != NULL);
	CHECK(strstr(out.text, "\nPour réserver ou annuler : "
	                       "https://portail.example/famille?x=1&y=2\n") != NULL);
	CHECK(strstr(out.html, "<a href=\"https://portail.example/famille?x=1&amp;y=2\">") != NULL);
	CHECK(strstr(out.text, "\nPour nous joindre : Service Enfance, 01 23 45 67 89 "
	                       "(9h-17h)\n") != NULL);
	CHECK(strstr(out.html, "Pour nous joindre : Service Enfance") != NULL);
	/* The calendar: mixed, with the alternative inside and the attachment. */
	CHECK(strstr(out.content, "\r\nContent-Type: multipart/mixed;\r\n boundary=") != NULL);
	CHECK(strstr(out.content, "Content-Type: text/calendar; charset=UTF-8; method=PUBLISH;") !=
	      NULL);
	CHECK(strstr(out.content,
	             "Content-Disposition: attachment; filename=\"reservations.ics\"") != NULL);
	mail_out_release(&out);

	/* Without the calendar, or with nothing to put in it: no attachment. */
	h.calendar = 0;
	CHECK_INT(mail_compose(MAIL_REPORT, &h, items, 5, &out, &e), 0);
	CHECK(strstr(out.content, "text/calendar") == NULL);
	CHECK(strstr(out.content, "multipart/mixed") == NULL);
	mail_out_release(&out);
	h.calendar = 1;
	CHECK_INT(mail_compose(MAIL_REPORT, &h, items + 1, 3, &out, &e), 0);
	CHECK(strstr(out.content, "text/calendar") == NULL);
	/* Only one child here: no need to tell twins apart. */
	CHECK(strstr(out.text, "(fiche") == NULL);
	mail_out_release(&out);
}

static void
test_injection_in_message(void)
{
	struct mail_item items[] = {
	    item("C1", "X\nSubject: pwned", "Cantine\r\n.\r\nQUIT", "2019-12-09", "reserve", -1, -1,
	         "accepted", NULL, 0),
	};
	struct mail_head h;
	struct mail_out out;
	struct parsed p;
	struct err e;

	head(&h, "Evil\r\nBcc: victim@example.org", "evil@example.org");
	CHECK_INT(mail_compose(MAIL_REPORT, &h, items, 1, &out, &e), 0);
	check_lines(out.content, out.length, 78);
	parse(out.content, out.length, &p);
	CHECK(header(&p, "Bcc") == NULL);
	CHECK(header(&p, "Subject") != NULL); /* exactly one */
	CHECK(header(&p, "To") != NULL && strstr(header(&p, "To"), "<evil@example.org>") != NULL);
	CHECK(strstr(out.content, "\r\n.\r\n") == NULL);
	CHECK(strstr(out.text, "X Subject: pwned\n") != NULL);
	parsed_free(&p);
	mail_out_release(&out);

	/* An invalid recipient gets no To header at all. */
	head(&h, "Famille", "a@b.org\r\nBcc: victim@example.org");
	CHECK_INT(mail_compose(MAIL_REPORT, &h, items, 1, &out, &e), 0);
	parse(out.content, out.length, &p);
	CHECK(header(&p, "To") == NULL);
	CHECK(strstr(out.content, "victim") == NULL);
	parsed_free(&p);
	mail_out_release(&out);
}

static void
test_bad_from(void)
{
	struct mail_head h;
	struct mail_out out;
	struct err e;

	head(&h, NULL, "a@b.org");
	h.from = "Portail Famille";
	err_clear(&e);
	CHECK_INT(mail_compose(MAIL_REPORT, &h, NULL, 0, &out, &e), -1);
	CHECK_INT(e.kind, ERR_CONFIG);
	CHECK(strstr(e.msg, "[mail] from") != NULL);
	head(&h, NULL, "a@b.org");
	h.reply_to = "nope";
	CHECK_INT(mail_compose(MAIL_REPORT, &h, NULL, 0, &out, &e), -1);
	CHECK_INT(e.kind, ERR_CONFIG);
}

static void
test_clean(void)
{
	CHECK_STR_FREE(mime_clean("  a\r\nb\tc\x7f  "), "a  b c");
	CHECK_STR_FREE(mime_clean("ok \xff\xc3 é \xe2\x82"), "ok ?? é ??");
	CHECK_STR_FREE(mime_clean("\xc0\xaf\xed\xa0\x80"), "?????");
	CHECK_STR_FREE(mime_clean(NULL), "");
}

int
main(void)
{
	T_RUN(test_qp_vectors);
	T_RUN(test_qp_long_lines);
	T_RUN(test_qp_every_byte);
	T_RUN(test_headers);
	T_RUN(test_header_injection);
	T_RUN(test_addresses);
	T_RUN(test_date_and_id);
	T_RUN(test_report);
	T_RUN(test_notice);
	T_RUN(test_act_on_it);
	T_RUN(test_injection_in_message);
	T_RUN(test_bad_from);
	T_RUN(test_clean);
	return t_status();
}
