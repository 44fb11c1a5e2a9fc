/*
 * morning_resend.c - morning_resend() (morning.h): a stored message
 * composed again for the family's current first address, with a new
 * Message-ID, and stored pending for the sending half (morning.c).
 */
#include "morning.h"

#include <stdlib.h>
#include <string.h>

#include "db_bounce.h"
#include "db_mail.h"
#include "db_resend.h"
#include "mail.h"
#include "mime.h"
#include "morning_int.h"
#include "resend.h"

/* The family's current first address for a resend, or ERR_DATA saying why there is none. */
static int
resend_address(struct db *db, const struct config *cfg, const struct db_resend_msg *m, char **addr,
               struct err *e)
{
	struct db_bounce *bq;
	struct db_bounce_last last;
	char *first = NULL;
	int rc;

	*addr = NULL;
	if (!mime_first_address(m->emails, &first) || !mime_addr_valid(first, 0)) {
		free(first);
		return err_set(e, ERR_DATA, "family %s: no valid first address to send to",
		               m->family_id);
	}
	bq = db_bounce_open(db);
	rc = db_bounce_of(bq, m->family_ref, first, &last, e);
	db_bounce_close(bq);
	if (rc == 0 && last.count >= cfg->bounce_limit) {
		rc = err_set(e, ERR_DATA,
		             "family %s: its first address %s bounced %lld time(s) (last: %s %s); "
		             "import its new address first",
		             m->family_id, first, last.count, last.status, last.diagnostic);
	}
	if (rc < 0) {
		free(first);
		return -1;
	}
	*addr = first;
	return 0;
}

int
morning_resend(struct db *db, const struct config *cfg, int64_t now, long long ref,
               const char *family_id, struct buf *preview, struct morning_stats *st, struct err *e)
{
	struct db_resend_msg *msgs = NULL;
	struct db_mail *q = NULL;
	char *addr = NULL;
	size_t n = 0;
	int rc = -1;

	if (morning_check_mailboxes(cfg, e) < 0)
		return -1;
	if ((preview ? db_begin_read(db, e) : db_begin(db, e)) < 0)
		return -1;
	if (db_resend_find(db, ref, family_id, &msgs, &n, e) < 0 ||
	    resend_address(db, cfg, &msgs[0], &addr, e) < 0)
		goto done;
	q = db_mail_open(db);
	for (size_t i = 0; i < n; i++) {
		const struct db_resend_msg *m = &msgs[i];
		enum mail_kind kind = strcmp(m->kind, "notice") == 0 ? MAIL_NOTICE : MAIL_REPORT;
		char *msgid =
		    mail_message_id(kind, m->family_ref, now, morning_random64(), cfg->from);
		struct resend_head h = {m->family_name, addr, msgid,
		                        m->message_id,  now,  morning_zone_minutes(now)};
		struct buf out = {0};
		struct db_mail_new nm;
		long long newref;
		int src;

		if (resend_rewrite(m->content, m->length, &h, &out) < 0) {
			err_set(e, ERR_INTERNAL, "message %lld: stored content has no header",
			        m->ref);
			free(msgid);
			goto done;
		}
		st->resent++;
		if (preview != NULL) {
			buf_addf(preview, "=== would resend message %lld (%s) to %s as %s\n",
			         m->ref, m->kind, addr, msgid);
			buf_release(&out);
			free(msgid);
			continue;
		}
		memset(&nm, 0, sizeof(nm));
		nm.kind = m->kind;
		nm.family_ref = m->family_ref;
		nm.recipient = addr;
		nm.subject = m->subject;
		nm.message_id = msgid;
		nm.content = out.p;
		nm.length = out.len;
		nm.state = "pending";
		nm.now = now;
		src = db_mail_store(q, &nm, m->seqs, m->nseqs, &newref, e);
		buf_release(&out);
		free(msgid);
		if (src < 0)
			goto done;
	}
	/* Stored for good before they are sent, as morning_compose's. */
	if (preview == NULL && db_commit_durable(db, e) < 0)
		goto done;
	rc = 0;
done:
	db_mail_close(q);
	db_rollback(db);
	for (size_t i = 0; i < n; i++)
		db_resend_release(&msgs[i]);
	free(msgs);
	free(addr);
	return rc;
}
