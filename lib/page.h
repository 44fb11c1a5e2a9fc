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

#include "db.h"
#include "err.h"

/*
 * Write the page to out, reading db in the caller's read transaction:
 * the last batch's outcomes and refusal reasons, each activity's days of
 * that batch (places taken against capacity, waiting list), the mail
 * queue, the bounces and the undeliverable families (first address bounced
 * bounce_limit times), the back office's delivery of the last batches. now
 * dates the page. Errors: the database's; ERR_IO when out fails.
 */
int page_write(struct db *db, int64_t now, int bounce_limit, FILE *out, struct err *e);

#endif
