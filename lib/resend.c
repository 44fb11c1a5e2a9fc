#include "resend.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const replaced[] = {"To", "Date", "Message-ID", "References", "In-Reply-To"};

/* 1 when the field starting at line[0..n) is one resend writes anew. */
static int
is_replaced(const char *line, size_t n)
{
	for (size_t i = 0; i < sizeof(replaced) / sizeof(replaced[0]); i++) {
		size_t k = strlen(replaced[i]);
		if (n > k && line[k] == ':' && strncasecmp(line, replaced[i], k) == 0)
			return 1;
	}
	return 0;
}

int
resend_rewrite(const char *content, size_t len, const struct resend_head *h, struct buf *out)
{
	const char *end = memmem(content, len, "\r\n\r\n", 4);
	char date[MIME_DATE_LEN];
	char *orig, *id;
	size_t i = 0, hlen;
	int drop = 0;

	if (end == NULL)
		return -1;
	end += 2; /* the header's last CRLF included */
	hlen = (size_t)(end - content);
	mime_date(h->date, h->zone_minutes, date);
	buf_addf(out, "Date: %s\r\n", date);
	id = mime_clean(h->message_id);
	orig = mime_clean(h->original);
	buf_addf(out, "Message-ID: %s\r\n", id);
	if (orig[0] != '\0')
		buf_addf(out, "References: %s\r\n", orig);
	free(id);
	free(orig);
	mime_header_mailbox(out, "To", h->to_name ? h->to_name : "", h->to_addr);
	while (i < hlen) {
		const char *lf = memchr(content + i, '\n', hlen - i);
		size_t n = lf ? (size_t)(lf - (content + i)) + 1 : hlen - i;
		const char *line = content + i;

		if (line[0] != ' ' && line[0] != '\t')
			drop = is_replaced(line, n);
		if (!drop)
			buf_add(out, line, n);
		i += n;
	}
	buf_add(out, end, len - hlen);
	return 0;
}
