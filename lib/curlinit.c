#include "curlinit.h"

#include <stdlib.h>

#include <curl/curl.h>

static int curl_ready;

static void
curlinit_cleanup(void)
{
	curl_global_cleanup();
}

int
curlinit(struct err *e)
{
	if (curl_ready)
		return 0;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return err_set(e, ERR_INTERNAL, "cannot initialise libcurl");
	curl_ready = 1;
	atexit(curlinit_cleanup);
	return 0;
}
