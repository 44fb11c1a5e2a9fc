/*
 * resend.h - the same message again (contract section 8: nocturne-notify
 * --resend): a stored message's bytes with a new Date, Message-ID and To,
 * and References naming the original, so the family's mail reader shows it
 * as the same compte-rendu sent again, and the service can tell them apart.
 *
 * Pure: bytes in, bytes out. Only nocturne's own stored messages are given
 * to it (CRLF, a header then an empty line): every header field is kept in
 * its order except To, Date, Message-ID, References and In-Reply-To, which
 * are written anew first; the body is not touched.
 */
#ifndef NOCTURNE_RESEND_H
#define NOCTURNE_RESEND_H

#include <stddef.h>
#include <stdint.h>

#include "mail.h"

struct resend_head {
	const char *to_name;    /* the family's name, may be "" */
	const char *to_addr;    /* a valid address */
	const char *message_id; /* the new "<...>" */
	const char *original;   /* the original's "<...>" */
	int64_t date;           /* local instant */
	int zone_minutes;
};

/*
 * Append to out the message content[0..len) with h's header fields.
 * Returns 0, or -1 when content has no header/body separator (then out is
 * unchanged).
 */
int resend_rewrite(const char *content, size_t len, const struct resend_head *h, struct buf *out);

#endif
