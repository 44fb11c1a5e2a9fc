#include "outbox.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int
outbox_write(const char *dir, const char *name, const char *content, size_t len, char **path,
             struct err *e)
{
	size_t n = strlen(dir) + strlen(name) + 64;
	char *final = xmalloc(n), *tmp = xmalloc(n), *safe = xstrdup(name);
	int fd = -1, dfd, rc = -1;

	for (char *p = safe; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-'))
			*p = '_';
	if (safe[0] == '.')
		safe[0] = '_';
	snprintf(final, n, "%s/%s.eml", dir, safe);
	snprintf(tmp, n, "%s/.%s.%ld.tmp", dir, safe, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0) {
		err_set(e, ERR_IO, "%s: cannot create: %s", tmp, strerror(errno));
		goto done;
	}
	if (write_all(fd, content, len) < 0 || fsync(fd) < 0) {
		err_set(e, ERR_IO, "%s: cannot write: %s", tmp, strerror(errno));
		goto done;
	}
	if (close(fd) < 0) {
		fd = -1;
		err_set(e, ERR_IO, "%s: cannot write: %s", tmp, strerror(errno));
		goto done;
	}
	fd = -1;
	if (rename(tmp, final) < 0) {
		err_set(e, ERR_IO, "%s: cannot rename into place: %s", final, strerror(errno));
		goto done;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		if (fsync(dfd) < 0) {
			err_set(e, ERR_IO, "%s: cannot sync directory: %s", dir, strerror(errno));
			close(dfd);
			goto done;
		}
		close(dfd);
	}
	rc = 0;
	if (path != NULL) {
		*path = final;
		final = NULL;
	}
done:
	if (fd >= 0)
		close(fd);
	if (rc < 0)
		unlink(tmp);
	free(final);
	free(tmp);
	free(safe);
	return rc;
}
