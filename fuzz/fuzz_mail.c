/*
 * fuzz_mail - the mail composer (lib/mail.h) with hostile data: family and
 * child names, activity names, signature, reply-to, addresses. Whatever the
 * data, the message must be CRLF only (no bare CR or LF), every line at most
 * 998 octets, the header 7-bit with each header field exactly where the
 * composer put it: From, To (iff an address), Subject, Date, Message-ID,
 * MIME-Version, Content-Type, Auto-Submitted once each, no other field name
 * coming from data (no Bcc:), continuation lines starting with a space or
 * tab. mail_header_text alone: one field, folded, 7-bit, CRLF-terminated.
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
#include "when.h"

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

static const char *const fields[] = {"from",
                                     "to",
                                     "subject",
                                     "date",
                                     "message-id",
                                     "mime-version",
                                     "content-type",
                                     "auto-submitted",
                                     "reply-to",
                                     "content-transfer-encoding",
                                     "x-auto-response-suppress",
                                     "x-nocturne-kind"};
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
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s[8] = {"", "", "", "", "", "", "", ""};
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
	for (int i = 0; i < 8 && pos <= size - 1; i++) {
		s[i] = text + pos;
		pos += strlen(text + pos) + 1;
	}

	/* the small parsers: no crash, consistent answers */
	if (mail_first_address(s[6], &first)) {
		FUZZ_ASSERT(first != NULL && first[0] != '\0');
		FUZZ_ASSERT(strchr(first, ';') == NULL);
	}
	if (mail_parse_mailbox(s[1], &nm, &ad) == 0) {
		FUZZ_ASSERT(mail_addr_valid(ad, 1));
		free(nm);
		free(ad);
	}
	if (mail_addr_valid(s[1], 0)) {
		FUZZ_ASSERT(strlen(s[1]) <= 254);
		addr = strdup(s[1]);
	} else if (first != NULL && mail_addr_valid(first, 0)) {
		addr = strdup(first);
	}
	free(first);

	/* one header field on its own */
	mail_header_text(&b, "Subject", s[0], opt & 1);
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
