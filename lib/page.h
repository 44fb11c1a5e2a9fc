/*
 * page.h - the service's morning report (contract section 9): one
 * self-contained HTML page of the last batch and its slots.
 *
 * No external resource and no script: the charts are HTML tables with
 * inline CSS (webmails keep those, and strip SVG, <style> blocks and
 * scripts), the layout one column of fixed-layout tables that wraps long
 * names, so it reads on a 360-pixel phone as on a desktop. Outcomes are
 * written in words and numbers, never in colour alone; full days say
 * "complet". Every value that comes from the data is HTML-escaped.
 */
#ifndef NOCTURNE_PAGE_H
#define NOCTURNE_PAGE_H

#include <stdint.h>
#include <stdio.h>

#include "buf.h"
#include "db.h"
#include "db_status.h"
#include "err.h"

/*
 * What needs a person after the night, the first thing the page and its
 * mail say: batches the back office has not taken (the oldest named),
 * messages given up, families whose first address bounced bounce_limit
 * times, messages not sent for want of a valid address.
 */
struct page_attention {
	long long undelivered, oldest_undelivered;
	long long failed, unreachable, no_address;
	struct db_status_mail mail; /* the mail queue they come from */
};

/* Fill *t from db (in the caller's read transaction, if any). */
int page_attention_read(struct db *db, int bounce_limit, struct page_attention *t, struct err *e);

/*
 * One line of French into out, without a final newline: "À traiter : le
 * lot 3 n'est pas livré au back office ; 1 famille injoignable par
 * courriel." or "Rien à traiter : ...".
 */
void page_attention_line(const struct page_attention *t, struct buf *out);

/*
 * Write the page to out, reading db in the caller's read transaction:
 * what needs a person (page_attention_line) first, then the last batch's outcomes and refusal
 * reasons, each activity's days of that batch (places taken against capacity, waiting list), the
 * mail queue, the bounces and the undeliverable families (first address bounced bounce_limit
 * times), the back office's delivery of the last batches. now dates the page. Errors: the
 * database's; ERR_IO when out fails.
 */
int page_write(struct db *db, int64_t now, int bounce_limit, FILE *out, struct err *e);

#endif
