/*
 * imap.h - the bounce mailbox over IMAP (libcurl), for nocturne-bounce
 * --fetch (contract section 8).
 *
 * One session per run, the connection and the login reused from command
 * to command (a new handle every 500 commands: see imap.c): list the
 * messages (UID SEARCH UNDELETED), fetch each by UID, and for the handled
 * ones, by sets of 100, copy them to the done folder (when set), flag them
 * \Deleted and EXPUNGE. The
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
	int timeout_s;           /* per command (the strings of o must outlive the session) */
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

/*
 * Done with uid: it is copied to the done folder (when set), flagged
 * \Deleted and expunged with the others, by sets of 100 (three commands
 * for 100 messages, not three per message), and at imap_flush.
 */
int imap_done(struct imap *s, unsigned long uid, struct err *e);

/* Copy, flag and expunge the messages imap_done was given since the last time. */
int imap_flush(struct imap *s, struct err *e);

#endif
