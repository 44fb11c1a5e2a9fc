#include "outbox.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic.h"

int
outbox_prepare(const char *dir, struct err *e)
{
	struct stat st;

	if (dir == NULL || dir[0] == '\0')
		return err_set(e, ERR_CONFIG, "no directory given");
	if (mkdir(dir, 0750) != 0 && errno != EEXIST)
		return err_set(e, ERR_IO, "%s: cannot create mail directory: %s", dir,
		               strerror(errno));
	if (stat(dir, &st) != 0)
		return err_set(e, ERR_IO, "%s: %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return err_set(e, ERR_IO, "%s: mail directory is not a directory", dir);
	return 0;
}

int
outbox_write(const char *dir, const char *name, const char *content, size_t len, char **path,
             struct err *e)
{
	size_t n = strlen(dir) + strlen(name) + 8;
	char *final = xmalloc(n), *safe = xstrdup(name);
	int rc;

	for (char *p = safe; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-'))
			*p = '_';
	if (safe[0] == '.')
		safe[0] = '_';
	snprintf(final, n, "%s/%s.eml", dir, safe);
	free(safe);
	rc = atomic_write(final, content, len, 0640, e);
	if (rc == 0 && path != NULL) {
		*path = final;
		final = NULL;
	}
	free(final);
	return rc;
}
