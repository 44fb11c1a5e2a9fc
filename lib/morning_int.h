/*
 * morning_int.h - what the two halves of the morning run share
 * (morning_compose.c composes, morning.c sends). Private to them.
 */
#ifndef NOCTURNE_MORNING_INT_H
#define NOCTURNE_MORNING_INT_H

#include "config.h"
#include "err.h"

/*
 * Parse the [mail] KEY mailbox value into *addr (malloc'ed, caller frees;
 * NULL to only check it). ERR_CONFIG naming the file and key if it is not one.
 */
int morning_mailbox(const struct config *cfg, const char *key, const char *value, char **addr,
                    struct err *e);

#endif
