/*
 * imap.h - the bounce mailbox over IMAP (libcurl), for nocturne-bounce
 * --fetch (contract section 8).
 *
 * One session per run on one curl handle, so the connection and the login
 * are reused for every command: list the messages (UID SEARCH UNDELETED),
 * fetch each by UID, then for each handled one either flag it \Deleted or
 * copy it to the done folder and flag it, and EXPUNGE at the end. The
 * password never goes in clear: imaps:// is implicit TLS, imap:// requires
 * STARTTLS. The server's certificate is verified (ca_file: a private CA).
 *
 * Errors: a URL that is not imap(s) or cannot be parsed, or a bad ca_file,
 * is ERR_CONFIG; a server that cannot be reached, refuses the login or
 * presents a certificate that does not verify is ERR_UNAVAILABLE; a
 * failure after the session started is ERR_TEMP (a later run goes on).
 */
#ifndef NOCTURNE_IMAP_H
#define NOCTURNE_IMAP_H

#include <stddef.h>

#include "err.h"

struct imap_options {
	const char *url; /* imaps://host[:port]/MAILBOX (INBOX when none) */
	const char *user;
	const char *password;
	const char *ca_file;     /* "" or NULL: the system's CAs */
	int timeout_s;           /* per command */
	const char *done_folder; /* "" or NULL: delete handled messages */
	size_t max_message;      /* bytes kept of one message (the rest dropped) */
};

struct imap;

/* Connect, log in, select the mailbox. Free with imap_close. */
int imap_open(struct imap **out, const struct imap_options *o, struct err *e);
void imap_close(struct imap *s);

/* The UIDs of the messages not flagged \Deleted, ascending; *uids malloc'ed (caller frees). */
int imap_list(struct imap *s, unsigned long **uids, size_t *n, struct err *e);

/*
 * Fetch message uid: *msg malloc'ed (caller frees), NUL-terminated, *len
 * bytes (at most max_message; *cut set when more was dropped).
 */
int imap_fetch(struct imap *s, unsigned long uid, char **msg, size_t *len, int *cut, struct err *e);

/* Done with uid: copied to the done folder when set, then flagged \Deleted. */
int imap_done(struct imap *s, unsigned long uid, struct err *e);

/* EXPUNGE the flagged messages. */
int imap_expunge(struct imap *s, struct err *e);

#endif
