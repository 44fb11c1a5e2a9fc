/*
 * export_parts.h - the decisions export (export.h) read by two threads.
 *
 * A million-row export is SQLite reading rows and the format making their
 * text, one row after the other, on one core. Here the rows are read in
 * parts of import order (EXPORT_PART requests each): the calling thread
 * takes the even parts through db, a second thread the odd ones through a
 * twin of db (db.h: a second connection proven to read db's snapshot).
 * Each thread makes a part's text in memory; the parts are written to out
 * in order, each by the thread that made it, while the other makes its
 * next one. The bytes are those of one thread reading every row: the same
 * rows, the same order, the same format.
 *
 *   export_begin(&w, out, mode);            the header row
 *   db_status_export_open(db, batch, &x, e);
 *   export_parts(x, db, twin, out, mode, e); twin: db_twin_open'ed (or NULL)
 *                                           before db's read transaction
 *   db_status_export_close(x);
 *
 * Without a twin, with a twin that could not join db's snapshot (a commit
 * came between), with fewer than two parts or when no thread can be had,
 * one thread reads every row. Returns the threads that read (1 or 2), or
 * -1: ERR_IO "cannot write: ..." for a write to out that failed, else the
 * reading's error.
 */
#ifndef NOCTURNE_EXPORT_PARTS_H
#define NOCTURNE_EXPORT_PARTS_H

#include <stdio.h>

#include "db.h"
#include "db_status.h"
#include "err.h"
#include "export.h"

/* Requests per part: about 1.3 MB of text each in memory, two at a time. */
#define EXPORT_PART 16384

int export_parts(const struct db_status_export *x, struct db *db, struct db *twin, FILE *out,
                 enum export_mode mode, struct err *e);

#endif
