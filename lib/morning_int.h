/*
 * morning_int.h - what the parts of the morning run share
 * (morning_compose.c composes, morning_resend.c composes again a stored
 * message, morning.c sends). Private to them.
 */
#ifndef NOCTURNE_MORNING_INT_H
#define NOCTURNE_MORNING_INT_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "err.h"

/*
 * Parse the [mail] KEY mailbox value into *addr (malloc'ed, caller frees;
 * NULL to only check it). ERR_CONFIG naming the file and key if it is not one.
 */
int morning_mailbox(const struct config *cfg, const char *key, const char *value, char **addr,
                    struct err *e);

/* [mail] from and reply_to must be mailboxes before anything is composed. */
int morning_check_mailboxes(const struct config *cfg, struct err *e);

/* How many messages a chunk holds: stored, loaded, sent in one session. */
size_t morning_chunk(const struct config *cfg);

/* The offset from UTC, in minutes, of the local instant t (naive local time). */
int morning_zone_minutes(int64_t t);

/* A random number for a Message-ID (never the same twice in a process). */
uint64_t morning_random64(void);

#endif
