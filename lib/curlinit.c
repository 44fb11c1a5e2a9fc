#include "curlinit.h"

#include <dlfcn.h>
#include <stdarg.h>
#include <stdlib.h>

#include <curl/curl.h>

/* libcurl's functions that nocturne calls, found in the loaded library. */
static struct {
	__typeof__(curl_global_init) *global_init;
	__typeof__(curl_global_cleanup) *global_cleanup;
	__typeof__(curl_easy_init) *easy_init;
	__typeof__(curl_easy_setopt) *easy_setopt;
	__typeof__(curl_easy_perform) *easy_perform;
	__typeof__(curl_easy_getinfo) *easy_getinfo;
	__typeof__(curl_easy_reset) *easy_reset;
	__typeof__(curl_easy_cleanup) *easy_cleanup;
	__typeof__(curl_easy_strerror) *easy_strerror;
	__typeof__(curl_slist_append) *slist_append;
	__typeof__(curl_slist_free_all) *slist_free_all;
	__typeof__(curl_url) *url;
	__typeof__(curl_url_set) *url_set;
	__typeof__(curl_url_get) *url_get;
	__typeof__(curl_url_cleanup) *url_cleanup;
	__typeof__(curl_free) *free;
} fn;

static int curl_ready;

/* Each function's address and where it goes: fn.X is libcurl's curl_X. */
#define FN(x)                                                                                      \
	{                                                                                          \
		"curl_" #x, (void **)&fn.x                                                         \
	}
static const struct {
	const char *name;
	void **slot;
} fns[] = {
    FN(global_init),   FN(global_cleanup), FN(easy_init),      FN(easy_setopt),
    FN(easy_perform),  FN(easy_getinfo),   FN(easy_reset),     FN(easy_cleanup),
    FN(easy_strerror), FN(slist_append),   FN(slist_free_all), FN(url),
    FN(url_set),       FN(url_get),        FN(url_cleanup),    FN(free),
};
#undef FN

static void
curlinit_cleanup(void)
{
	fn.global_cleanup();
}

/* Load the library and every function (never unloaded: 0 or -1). */
static int
load(struct err *e)
{
	static void *lib;
	const char *why;

	if (lib != NULL)
		return 0;
	lib = dlopen(CURLINIT_LIBRARY, RTLD_NOW | RTLD_LOCAL);
	if (lib == NULL) {
		why = dlerror();
		return err_set(e, ERR_INTERNAL, "cannot load %s: %s", CURLINIT_LIBRARY,
		               why != NULL ? why : "unknown error");
	}
	for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
		*fns[i].slot = dlsym(lib, fns[i].name);
		if (*fns[i].slot == NULL) {
			dlclose(lib);
			lib = NULL;
			return err_set(e, ERR_INTERNAL, "cannot load %s: no %s", CURLINIT_LIBRARY,
			               fns[i].name);
		}
	}
	return 0;
}

int
curlinit(struct err *e)
{
	if (curl_ready)
		return 0;
	if (load(e) < 0)
		return -1;
	if (fn.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return err_set(e, ERR_INTERNAL, "cannot initialise libcurl");
	curl_ready = 1;
	atexit(curlinit_cleanup);
	return 0;
}

/*
 * The functions of <curl/curl.h> that nocturne calls (curlinit itself
 * calls the global ones through fn), each a call into the loaded library. The parenthesised names
 * escape curl.h's type-checking macros of the same names.
 */
CURL *(curl_easy_init)(void)
{
	return fn.easy_init();
}

/*
 * The value's type follows from the option's number, as libcurl reads it:
 * a long below CURLOPTTYPE_OBJECTPOINT, a curl_off_t from
 * CURLOPTTYPE_OFF_T to CURLOPTTYPE_BLOB, else a pointer (to an object or
 * a function: one size on the platforms nocturne runs on, as dlsym needs).
 */
CURLcode(curl_easy_setopt)(CURL *curl, CURLoption option, ...)
{
	va_list ap;
	CURLcode rc;

	va_start(ap, option);
	if (option < CURLOPTTYPE_OBJECTPOINT)
		rc = fn.easy_setopt(curl, option, va_arg(ap, long));
	else if (option >= CURLOPTTYPE_OFF_T && option < CURLOPTTYPE_BLOB)
		rc = fn.easy_setopt(curl, option, va_arg(ap, curl_off_t));
	else
		rc = fn.easy_setopt(curl, option, va_arg(ap, void *));
	va_end(ap);
	return rc;
}

CURLcode(curl_easy_perform)(CURL *curl)
{
	return fn.easy_perform(curl);
}

/* Every CURLINFO's value is a pointer to where the answer goes. */
CURLcode(curl_easy_getinfo)(CURL *curl, CURLINFO info, ...)
{
	va_list ap;
	CURLcode rc;

	va_start(ap, info);
	rc = fn.easy_getinfo(curl, info, va_arg(ap, void *));
	va_end(ap);
	return rc;
}

void(curl_easy_reset)(CURL *curl)
{
	fn.easy_reset(curl);
}

void(curl_easy_cleanup)(CURL *curl)
{
	fn.easy_cleanup(curl);
}

const char *(curl_easy_strerror)(CURLcode code)
{
	return fn.easy_strerror(code);
}

struct curl_slist *(curl_slist_append)(struct curl_slist *list, const char *data)
{
	return fn.slist_append(list, data);
}

void(curl_slist_free_all)(struct curl_slist *list)
{
	fn.slist_free_all(list);
}

CURLU *(curl_url)(void)
{
	return fn.url();
}

CURLUcode(curl_url_set)(CURLU *u, CURLUPart what, const char *part, unsigned int flags)
{
	return fn.url_set(u, what, part, flags);
}

CURLUcode(curl_url_get)(CURLU *u, CURLUPart what, char **part, unsigned int flags)
{
	return fn.url_get(u, what, part, flags);
}

void(curl_url_cleanup)(CURLU *u)
{
	fn.url_cleanup(u);
}

void(curl_free)(void *p)
{
	fn.free(p);
}
