/*
 * curlinit.h - libcurl, loaded when first needed, and its global
 * initialisation, once per process, for its three users (the back-office
 * delivery, the smtps:// mail client and the IMAP client of
 * nocturne-bounce --fetch).
 *
 * The tools are not linked with libcurl: it and the 28 libraries it
 * brings (TLS, Kerberos, LDAP, SSH, HTTP/2, IDN...) cost every process 8 ms
 * to load, 2% of a 100k night that has no back office, and most runs of
 * every tool never make a transfer. curlinit() loads libcurl.so.4 with
 * dlopen; lib/curlinit.c defines the curl_* functions the three users call
 * (the declarations of <curl/curl.h>, its type checks included) as calls
 * into it. Nothing may call libcurl before curlinit() has succeeded.
 *
 * curl_global_init is not thread-safe and costly (it loads OpenSSL's
 * configuration): calling it per transfer, and curl_global_cleanup after,
 * redoes that work each time. The cleanup runs at exit.
 */
#ifndef NOCTURNE_CURLINIT_H
#define NOCTURNE_CURLINIT_H

#include "err.h"

/* The library loaded, by its soname (Debian's libcurl4). */
#define CURLINIT_LIBRARY "libcurl.so.4"

/*
 * Load and initialise libcurl if not done yet: 0, or -1 with ERR_INTERNAL
 * ("cannot load libcurl.so.4: ..." when the library is missing).
 */
int curlinit(struct err *e);

#endif
