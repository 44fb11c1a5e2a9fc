/*
 * curlinit.h - libcurl's global initialisation, once per process, for its
 * three users (the back-office delivery, the smtps:// mail client and the
 * IMAP client of nocturne-bounce --fetch).
 * curl_global_init is not thread-safe and costly (it loads OpenSSL's
 * configuration): calling it per transfer, and curl_global_cleanup after,
 * redoes that work each time. The cleanup runs at exit.
 */
#ifndef NOCTURNE_CURLINIT_H
#define NOCTURNE_CURLINIT_H

#include "err.h"

/* Initialise libcurl if not done yet: 0, or -1 with ERR_INTERNAL. */
int curlinit(struct err *e);

#endif
