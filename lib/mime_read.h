/*
 * mime_read.h - a small, bounded reader of Internet messages (RFC 5322
 * headers, RFC 2045/2046 MIME structure): what nocturne-bounce needs to
 * take a delivery report apart, and nothing more.
 *
 * Pure: bytes in, structures out, no I/O. Every input gives a result:
 * malformed syntax is read the way mail readers do (a header line without a
 * colon ends the header, a multipart without its closing delimiter ends at
 * the end of the data), and every dimension is bounded so that hostile
 * input costs a known amount: at most MIME_FIELDS_MAX fields per header
 * (the rest are skipped), values cut at MIME_VALUE_MAX bytes, nesting at
 * MIME_DEPTH_MAX levels, MIME_PARTS_MAX leaf parts per message, decoded
 * bodies cut at the caller's limit. Nothing points into freed memory: the
 * parts and fields point into the caller's buffer, which must outlive them,
 * except the unfolded field values, which are copies owned by the
 * structures.
 */
#ifndef NOCTURNE_MIME_READ_H
#define NOCTURNE_MIME_READ_H

#include <stddef.h>

#define MIME_FIELDS_MAX 256
#define MIME_VALUE_MAX 4096
#define MIME_DEPTH_MAX 8
#define MIME_PARTS_MAX 64

/* One header field: name as written, value unfolded (CR/LF removed), trimmed. */
struct mime_field {
	char *name;
	char *value;
};

struct mime_header {
	size_t n;
	struct mime_field *f;
};

/*
 * Parse the header block at p[0..len): fields up to the first empty line
 * (CRLF or LF), a line that is not a field, or the end. An mbox "From "
 * line first (as Postfix's local(8) adds) is skipped when skip_from is set.
 * *body gets the offset where the body starts (len when there is none).
 * Fills h (free with mime_header_release). Never fails.
 */
void mime_header_parse(const char *p, size_t len, int skip_from, struct mime_header *h,
                       size_t *body);
void mime_header_release(struct mime_header *h);

/* The value of the first field called name (case-insensitive), or NULL. */
const char *mime_header_get(const struct mime_header *h, const char *name);

/* A Content-Type, lowercased; empty strings when absent. */
struct mime_type {
	char type[32];     /* "multipart" */
	char subtype[64];  /* "report" */
	char boundary[72]; /* as written (RFC 2046: at most 70 characters) */
	char charset[32];
	char report_type[32];
};

/*
 * Parse a Content-Type value (NULL or unparsable: text/plain, RFC 2045's
 * default). Parameters in any order, quoted or not; unknown ones ignored.
 */
void mime_type_parse(const char *value, struct mime_type *t);

/*
 * Decode body[0..len) by its Content-Transfer-Encoding (cte: NULL, 7bit,
 * 8bit, binary: copied; quoted-printable; base64, ignoring characters
 * outside the alphabet). At most max bytes are produced (the rest is
 * dropped); the result is NUL-terminated, its length in *out_len. Caller
 * frees. Never fails.
 */
char *mime_decode(const char *body, size_t len, const char *cte, size_t max, size_t *out_len);

/* One leaf part of a message, in document order. */
struct mime_part {
	int depth;                 /* 0: the message itself is the leaf */
	struct mime_type type;     /* its Content-Type */
	struct mime_header header; /* its own header */
	const char *body;          /* raw (still encoded) body, into the message */
	size_t len;
};

struct mime_message {
	struct mime_header header; /* the top-level header */
	struct mime_type type;     /* its Content-Type */
	size_t nparts;
	struct mime_part parts[MIME_PARTS_MAX];
	int truncated; /* 1 when a limit (depth, parts) cut the structure */
};

/*
 * Read the message p[0..len) (an mbox "From " line first is skipped): its
 * header, and its leaf parts, descending into multiparts up to
 * MIME_DEPTH_MAX (a deeper multipart is kept as one leaf). message/rfc822
 * and text/rfc822-headers parts are leaves: their body is the returned
 * message. Free with mime_message_release. Never fails.
 */
void mime_message_read(const char *p, size_t len, struct mime_message *m);
void mime_message_release(struct mime_message *m);

#endif
