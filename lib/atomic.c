#include "atomic.h"

#include "bgwrite.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void
release(struct atomic_file *a)
{
	free(a->path);
	free(a->tmp);
	a->fp = a->plain = NULL;
	a->path = a->tmp = NULL;
}

int
atomic_open(struct atomic_file *a, const char *path, mode_t mode, struct err *e)
{
	const char *slash = strrchr(path, '/');
	int dirlen = slash ? (int)(slash - path + 1) : 0;
	const char *base = slash ? slash + 1 : path;
	size_t n = strlen(path) + 64;
	int fd = -1;

	memset(a, 0, sizeof(*a));
	if (*path == '\0' || *base == '\0')
		return err_set(e, ERR_USAGE, "'%s': not a file name", path);
	a->path = xstrdup(path);
	a->tmp = xmalloc(n);
	for (int i = 0; i < 100; i++) {
		snprintf(a->tmp, n, "%.*s.%s.%ld.%d.tmp", dirlen, path, base, (long)getpid(), i);
		fd = open(a->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
		if (fd >= 0 || errno != EEXIST)
			break;
	}
	if (fd < 0) {
		err_set(e, ERR_IO, "%s: cannot create: %s", a->tmp, strerror(errno));
		release(a);
		return -1;
	}
	a->fp = fdopen(fd, "w");
	if (a->fp == NULL) {
		err_set(e, ERR_IO, "%s: cannot create: %s", a->tmp, strerror(errno));
		close(fd);
		unlink(a->tmp);
		release(a);
		return -1;
	}
	return 0;
}

int
atomic_background(struct atomic_file *a, struct err *e)
{
	FILE *bg;

	if (a->fp == NULL || a->plain != NULL)
		return err_set(e, ERR_INTERNAL, "atomic_background without atomic_open");
	bg = bgwrite_open(fileno(a->fp));
	if (bg == NULL)
		return err_set(e, ERR_IO, "%s: cannot start its writer: %s", a->tmp,
		               strerror(errno));
	a->plain = a->fp;
	a->fp = bg;
	return 0;
}

/*
 * Close the background writer's FILE, if any (it writes what is left and
 * waits for it): then a->fp is the file's own again. 0, or -1 with errno.
 */
static int
end_background(struct atomic_file *a)
{
	int rc;

	if (a->plain == NULL)
		return 0;
	rc = fclose(a->fp);
	a->fp = a->plain;
	a->plain = NULL;
	return rc == 0 ? 0 : -1;
}

/* fsync the directory holding path (a missing one cannot be opened: skip). */
static int
sync_dir(const char *path, struct err *e)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash == NULL ? xstrdup(".") : xstrdup(path);
	int fd, rc = 0;

	if (slash != NULL)
		dir[slash == path ? 1 : slash - path] = '\0';
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		if (fsync(fd) < 0)
			rc = err_set(e, ERR_IO, "%s: cannot sync directory: %s", dir,
			             strerror(errno));
		close(fd);
	}
	free(dir);
	return rc;
}

int
atomic_commit(struct atomic_file *a, struct err *e)
{
	int rc = 0, err = 0;

	if (a->fp == NULL)
		return err_set(e, ERR_INTERNAL, "atomic_commit without atomic_open");
	if (fflush(a->fp) != 0 || ferror(a->fp))
		err = errno != 0 ? errno : EIO;
	/* A background writer's own errno says best why a write failed. */
	if (end_background(a) != 0)
		err = errno;
	if (err == 0 && fsync(fileno(a->fp)) != 0)
		err = errno;
	if (err != 0)
		rc = err_set(e, ERR_IO, "%s: cannot write: %s", a->path, strerror(err));
	if (fclose(a->fp) != 0 && rc == 0)
		rc = err_set(e, ERR_IO, "%s: cannot write: %s", a->path, strerror(errno));
	a->fp = NULL;
	if (rc == 0 && rename(a->tmp, a->path) != 0)
		rc = err_set(e, ERR_IO, "%s: cannot rename into place: %s", a->path,
		             strerror(errno));
	if (rc != 0)
		unlink(a->tmp);
	else
		rc = sync_dir(a->path, e);
	release(a);
	return rc;
}

void
atomic_abort(struct atomic_file *a)
{
	if (a->fp != NULL) {
		end_background(a);
		fclose(a->fp);
		unlink(a->tmp);
	}
	release(a);
}

int
atomic_write(const char *path, const char *content, size_t len, mode_t mode, struct err *e)
{
	struct atomic_file a;

	if (atomic_open(&a, path, mode, e) < 0)
		return -1;
	if (len > 0 && fwrite(content, 1, len, a.fp) != len) {
		err_set(e, ERR_IO, "%s: cannot write: %s", path, strerror(errno));
		atomic_abort(&a);
		return -1;
	}
	return atomic_commit(&a, e);
}
