#include "owner.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *
owner_name(unsigned uid, char *buf, unsigned size)
{
	struct passwd pw, *res = NULL;
	char tmp[1024];

	if (getpwuid_r((uid_t)uid, &pw, tmp, sizeof(tmp), &res) == 0 && res != NULL)
		snprintf(buf, size, "%s", res->pw_name);
	else
		snprintf(buf, size, "uid %u", uid);
	return buf;
}

/* The one line for a file of owner uid that the running user cannot write. */
static int
not_ours(const char *path, const char *what, unsigned uid, struct err *e)
{
	char owner[128], me[128];

	owner_name(uid, owner, sizeof(owner));
	owner_name((unsigned)geteuid(), me, sizeof(me));
	return err_set(e, ERR_IO,
	               "%s: %s owned by %s, which this run (as %s) cannot write: run the tools "
	               "as %s (runuser -u %s -- nocturne-...), or chown it to %s",
	               path, what, owner, me, owner, owner, me);
}

int
owner_check_writable(const char *path, const char *what, struct err *e)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return 0;
	if (access(path, W_OK) == 0 || errno != EACCES)
		return 0;
	return not_ours(path, what, (unsigned)st.st_uid, e);
}

int
owner_check_dir(const char *path, struct err *e)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	struct stat st;
	int rc = 0;

	if (slash == NULL)
		dir = xstrdup(".");
	else if (slash == path)
		dir = xstrdup("/");
	else {
		dir = xstrdup(path);
		dir[slash - path] = '\0';
	}
	if (stat(dir, &st) == 0 && access(dir, W_OK | X_OK) != 0 && errno == EACCES)
		rc = not_ours(dir, "directory", (unsigned)st.st_uid, e);
	free(dir);
	return rc;
}

void
owner_follow(int fd, const char *like)
{
	struct stat st;

	if (geteuid() != 0 || fd < 0 || stat(like, &st) != 0 || st.st_uid == 0)
		return;
	if (fchown(fd, st.st_uid, st.st_gid) != 0) {
		/* Not fatal: the message of the next run will name the owner. */
	}
}
