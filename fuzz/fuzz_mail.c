/*
 * fuzz_mail - the mail composer (lib/mail.h) with hostile data: family and
 * child names, activity names, signature, reply-to, addresses. Whatever the
 * data, the message must be CRLF only (no bare CR or LF), every line at most
 * 998 octets, the header 7-bit with each header field exactly where the
 * composer put it: From, To (iff an address), Subject, Date, Message-ID,
 * MIME-Version, Content-Type, Auto-Submitted once each, no other field name
 * coming from data (no Bcc:), continuation lines starting with a space or
 * tab. mime_header_text alone: one field, folded, 7-bit, CRLF-terminated.
 *
 * Input: byte 0 = options, then NUL-separated strings: to_name, to_addr,
 * child_name, activity, signature, reply_to, emails list, child 2 name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fuzz_util.h"
#include "mail.h"
#include "mime.h"
#include "french.h"
#include "when.h"

#include <openssl/evp.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* CRLF only, lines <= 998 octets; returns the offset of the body. */
static size_t
check_lines(const char *m, size_t len)
{
	size_t start = 0, body = 0;

	for (size_t i = 0; i < len; i++) {
		FUZZ_ASSERT(m[i] != '\0');
		if (m[i] == '\r')
			FUZZ_ASSERT(i + 1 < len && m[i + 1] == '\n');
		if (m[i] == '\n') {
			FUZZ_ASSERT(i > 0 && m[i - 1] == '\r');
			FUZZ_ASSERT(i - 1 - start <= 998);
			if (body == 0 && i - 1 == start)
				body = i + 1;
			start = i + 1;
		}
	}
	FUZZ_ASSERT(start == len); /* ends with CRLF */
	return body;
}

static const char *const fields[] = {"from",         "to",           "subject",
				     "date",         "message-id",   "mime-version",
				     "content-type", "auto-submitted", "reply-to",
				     "content-transfer-encoding", "x-auto-response-suppress",
				     "x-nocturne-kind", "content-language"};
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

static void
check_header(const char *m, size_t hlen, int want_to, int want_reply_to)
{
	int seen[NFIELDS] = {0};
	size_t i = 0;

	while (i < hlen) {
		const char *eol = memchr(m + i, '\r', hlen - i);
		size_t n = (size_t)(eol - (m + i));

		FUZZ_ASSERT(eol != NULL);
		for (size_t k = 0; k < n; k++)
			FUZZ_ASSERT((unsigned char)m[i + k] < 0x80);
		if (n > 0 && m[i] != ' ' && m[i] != '\t') {
			const char *colon = memchr(m + i, ':', n);
			size_t f;

			FUZZ_ASSERT(colon != NULL);
			for (f = 0; f < NFIELDS; f++)
				if ((size_t)(colon - (m + i)) == strlen(fields[f]) &&
				    strncasecmp(m + i, fields[f], strlen(fields[f])) == 0)
					break;
			FUZZ_ASSERT(f < NFIELDS); /* no header field from data */
			seen[f]++;
		}
		i += n + 2;
	}
	/* content-type may also appear in MIME parts: only the top level is here */
	for (size_t f = 0; f < 8; f++)
		FUZZ_ASSERT(seen[f] == (f == 1 ? want_to : 1));
	FUZZ_ASSERT(seen[8] == want_reply_to);
	FUZZ_ASSERT(seen[12] == 1); /* Content-Language */
}

/* The calendar attachment, decoded, holds only nocturne's own properties. */
static void
check_calendar(const char *m, size_t len)
{
	static const char mark[] = "filename=\"reservations.ics\"\r\n"
				   "Content-Transfer-Encoding: base64\r\n\r\n";
	static const char *const props[] = {"BEGIN:", "END:", "VERSION:", "PRODID:", "CALSCALE:",
					    "METHOD:", "UID:", "DTSTAMP:", "DTSTART", "DTEND",
					    "SEQUENCE:", "STATUS:", "TRANSP:", "SUMMARY:",
					    "LOCATION:", "DESCRIPTION:"};
	const char *p = memmem(m, len, mark, sizeof(mark) - 1), *end;
	unsigned char *ics;
	size_t n = 0, col = 0;

	if (p == NULL)
		return;
	p += sizeof(mark) - 1;
	end = memmem(p, len - (size_t)(p - m), "\r\n\r\n", 4);
	FUZZ_ASSERT(end != NULL);
	ics = malloc((size_t)(end - p) + 4);
	while (p < end) {
		const char *eol = memmem(p, (size_t)(end - p) + 2, "\r\n", 2);
		int k = EVP_DecodeBlock(ics + n, (const unsigned char *)p, (int)(eol - p));
		FUZZ_ASSERT(k >= 0 && (eol - p) % 4 == 0);
		n += (size_t)k;
		if (eol > p && eol[-1] == '=')
			n -= eol[-2] == '=' ? 2 : 1;
		p = eol + 2;
	}
	for (size_t i = 0; i < n; i++) {
		if (ics[i] == '\r') {
			FUZZ_ASSERT(i + 1 < n && ics[i + 1] == '\n');
			FUZZ_ASSERT(col <= 75);
			i++;
			col = 0;
			if (i + 1 < n && ics[i + 1] != ' ') {
				size_t k;
				for (k = 0; k < sizeof(props) / sizeof(props[0]); k++)
					if (n - i - 1 >= strlen(props[k]) &&
					    memcmp(ics + i + 1, props[k], strlen(props[k])) == 0)
						break;
				FUZZ_ASSERT(k < sizeof(props) / sizeof(props[0]));
			}
			continue;
		}
		FUZZ_ASSERT(ics[i] >= 0x20 && ics[i] != 0x7f);
		col++;
	}
	FUZZ_ASSERT(n >= 2 && ics[n - 2] == '\r' && ics[n - 1] == '\n');
	free(ics);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s[12] = {"", "", "", "", "", "", "", "", "", "", "", ""};
	char *text, *addr = NULL, *first = NULL, *nm = NULL, *ad = NULL, *id;
	struct mail_item items[3];
	struct mail_head h;
	struct mail_out out;
	struct buf b = {0};
	struct err e;
	size_t pos = 0, hlen;
	int opt, rc;

	if (size < 1)
		return 0;
	opt = data[0];
	text = fuzz_cstr(data + 1, size - 1);
	for (int i = 0; i < 12 && pos <= size - 1; i++) {
		s[i] = text + pos;
		pos += strlen(text + pos) + 1;
	}

	/* the small parsers: no crash, consistent answers */
	if (mime_first_address(s[6], &first)) {
		FUZZ_ASSERT(first != NULL && first[0] != '\0');
		FUZZ_ASSERT(strchr(first, ';') == NULL);
	}
	if (mime_parse_mailbox(s[1], &nm, &ad) == 0) {
		FUZZ_ASSERT(mime_addr_valid(ad, 1));
		free(nm);
		free(ad);
	}
	if (mime_addr_valid(s[1], 0)) {
		FUZZ_ASSERT(strlen(s[1]) <= 254);
		addr = strdup(s[1]);
	} else if (first != NULL && mime_addr_valid(first, 0)) {
		addr = strdup(first);
	}
	free(first);

	/* VERP: an address, or nothing */
	{
		char *v = mime_verp(s[1], opt);
		if (v != NULL) {
			FUZZ_ASSERT(mime_addr_valid(v, 1));
			FUZZ_ASSERT(strstr(v, "+m") != NULL);
		}
		free(v);
	}
	/* French collation: antisymmetric, only identical strings equal */
	{
		int ab = french_collate(s[2], strlen(s[2]), s[7], strlen(s[7]));
		int ba = french_collate(s[7], strlen(s[7]), s[2], strlen(s[2]));
		FUZZ_ASSERT((ab > 0) == (ba < 0) && (ab == 0) == (ba == 0));
		FUZZ_ASSERT((ab == 0) == (strcmp(s[2], s[7]) == 0));
	}

	/* one header field on its own */
	mime_header_text(&b, "Subject", s[0], opt & 1);
	{
		size_t len = 0;
		char *hdr = buf_detach(&b, &len);

		FUZZ_ASSERT(check_lines(hdr, len) == 0);
		FUZZ_ASSERT(strncmp(hdr, "Subject:", 8) == 0);
		for (size_t k = 0; k < len; k++) {
			FUZZ_ASSERT((unsigned char)hdr[k] < 0x80);
			if (k > 0 && hdr[k - 1] == '\n')
				FUZZ_ASSERT(hdr[k] == ' ' || hdr[k] == '\t');
		}
		free(hdr);
	}
	buf_release(&b);

	memset(items, 0, sizeof(items));
	for (int i = 0; i < 3; i++) {
		static const char *const states[] = {"accepted", "waitlisted", "refused", "expired",
		                                     "cancelled"};
		static const char *const reasons[] = {
		    "full",   "closed",    "deadline",         "times",
		    "debtor", "duplicate", "nothing_to_cancel"};

		items[i].child_key = i == 2 ? "C2" : "C1";
		items[i].child_name = i == 2 ? s[7] : s[2];
		items[i].activity = s[3];
		items[i].day = when_day_from_ymd(2019, 12, 2) + ((opt >> 2) & 7) * 31 + i;
		items[i].action = (opt >> i) & 1 ? "cancel" : "reserve";
		items[i].arrival = (opt & 32) ? 7 * 60 + i : -1;
		items[i].departure = (opt & 64) ? 18 * 60 : -1;
		items[i].state = states[(opt + i) % 5];
		items[i].reason =
		    strcmp(items[i].state, "refused") == 0 ? reasons[(opt >> 3) % 7] : NULL;
		items[i].position = strcmp(items[i].state, "waitlisted") == 0 ? i + 1 : 0;
		items[i].waitlisted = items[i].position > 0;
		items[i].seq = 100 + i;
		items[i].child_first = s[11];
		items[i].structure = s[8];
		items[i].now_state = items[i].state;
		items[i].hours_from = (opt & 8) ? 7 * 60 : -1;
		items[i].hours_to = (opt & 8) ? 19 * 60 : -1;
		items[i].waitlist = (opt >> 1) % 4 - 1;
		items[i].deadline = (opt & 4) ? MAIL_NO_DEADLINE
					      : (int64_t)items[i].day * 86400 - 86400 * (opt % 3);
		items[i].submitted_at = (int64_t)items[i].day * 86400 - 3600;
		items[i].holder_state = (opt & 1) ? "waitlisted" : "accepted";
		items[i].holder_position = 2;
		items[i].undoes = (opt & 16) ? 7 : 0;
		items[i].undone_was_accepted = 1;
		items[i].undone_arrival = items[i].undone_departure = -1;
		items[i].zone_minutes = 60;
	}
	id = mail_message_id((opt & 128) ? MAIL_NOTICE : MAIL_REPORT, 42,
	                     (int64_t)when_day_from_ymd(2019, 11, 30) * 86400 + 7 * 3600,
	                     0x1234abcdULL, "Portail Famille <no-reply@mairie.example>");
	memset(&h, 0, sizeof(h));
	h.from = "Portail Famille <no-reply@mairie.example>";
	h.reply_to = (opt & 2) ? s[5] : "";
	h.to_name = s[0];
	h.to_addr = addr;
	h.signature = s[4];
	h.date = (int64_t)when_day_from_ymd(2019, 11, 30) * 86400 + 7 * 3600;
	h.zone_minutes = 60;
	h.message_id = id;
	h.portal_url = s[9];
	h.contact = s[10];
	h.calendar = (opt & 1) != 0;
	memset(&out, 0, sizeof(out));
	err_clear(&e);
	rc = mail_compose((opt & 128) ? MAIL_NOTICE : MAIL_REPORT, &h, items,
	                  1 + (size_t)((opt >> 4) % 3), &out, &e);
	if (rc == 0) {
		FUZZ_ASSERT(out.content != NULL && out.length == strlen(out.content));
		hlen = check_lines(out.content, out.length);
		FUZZ_ASSERT(hlen > 0);
		check_header(out.content, hlen - 2, addr != NULL,
			     h.reply_to && h.reply_to[0] ? 1 : 0);
		check_calendar(out.content, out.length);
		/* the body is 7-bit too (quoted-printable / base64) */
		for (size_t k = hlen; k < out.length; k++)
			FUZZ_ASSERT((unsigned char)out.content[k] < 0x80);
		FUZZ_ASSERT(out.subject != NULL && strchr(out.subject, '\n') == NULL &&
		            strchr(out.subject, '\r') == NULL);
	} else {
		/* only a bad reply_to can make it fail here */
		FUZZ_ASSERT(e.kind == ERR_CONFIG && h.reply_to[0] != '\0');
	}
	mail_out_release(&out);
	free(id);
	free(addr);
	free(text);
	return 0;
}
