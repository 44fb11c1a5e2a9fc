/*
 * db_resend.h - what nocturne-notify --resend needs to find: a stored
 * message, or a family's last compte-rendu and notice, with the family's
 * current address and the requests the message covered.
 */
#ifndef NOCTURNE_DB_RESEND_H
#define NOCTURNE_DB_RESEND_H

#include <stddef.h>

#include "db.h"
#include "err.h"

/* One message to send again, and its family as it is now. Release with db_resend_release. */
struct db_resend_msg {
	long long ref, family_ref;
	char *kind, *subject, *message_id;
	char *family_id, *family_name, *emails;
	char *content;
	size_t length;
	long long *seqs; /* the requests it covered */
	size_t nseqs;
};

/*
 * Message ref (ref > 0), or else the last compte-rendu and the last notice
 * of the family family_id (in that order; either may be missing), into
 * *out (malloc'ed array of *n, each to release, then free the array).
 * Unknown message or family, or a family without any message: ERR_DATA.
 */
int db_resend_find(struct db *db, long long ref, const char *family_id, struct db_resend_msg **out,
                   size_t *n, struct err *e);
void db_resend_release(struct db_resend_msg *m);

#endif
