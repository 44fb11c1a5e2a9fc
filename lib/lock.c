#include "lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "owner.h"
#include "when.h"

/*
 * The lock, without waiting for a run that holds it; a reader's probe
 * (lock_running) holds it for microseconds: tried again for 20 ms.
 */
static int
take(int fd)
{
	for (int tries = 0;; tries++) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return 0;
		if (errno != EWOULDBLOCK || tries == 10)
			return -1;
		usleep(2000);
	}
}

int
lock_running(const char *db_path, const char *name)
{
	size_t n = strlen(db_path) + strlen(name) + 16;
	char *path = xmalloc(n);
	int fd, rc;

	snprintf(path, n, "%s.%s.lock", db_path, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	free(path);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	if (flock(fd, LOCK_SH | LOCK_NB) == 0)
		rc = 0; /* closing lets it go */
	else
		rc = errno == EWOULDBLOCK ? 1 : -1;
	close(fd);
	return rc;
}

int
lock_acquire(struct lock *l, const char *db_path, const char *name, struct err *e)
{
	size_t n = strlen(db_path) + strlen(name) + 16;
	char holder[256], stamp[WHEN_DATETIME_LEN];
	struct stat st;
	ssize_t got;
	int len;

	l->fd = -1;
	l->path = xmalloc(n);
	snprintf(l->path, n, "%s.%s.lock", db_path, name);
	l->fd = open(l->path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
	if (l->fd < 0) {
		if (errno != EACCES || owner_check_writable(l->path, "lock file", e) == 0)
			err_set(e, ERR_IO, "%s: cannot create lock file: %s", l->path,
			        strerror(errno));
		goto fail;
	}
	owner_follow(l->fd, db_path);
	if (take(l->fd) < 0) {
		if (errno != EWOULDBLOCK) {
			err_set(e, ERR_IO, "%s: cannot lock: %s", l->path, strerror(errno));
			goto fail;
		}
		/* The holder writes its line just after locking: give it 50 ms. */
		for (int tries = 0; tries < 10; tries++) {
			got = pread(l->fd, holder, sizeof(holder) - 1, 0);
			holder[got > 0 ? got : 0] = '\0';
			if (strchr(holder, '\n') != NULL)
				break;
			usleep(5000);
		}
		holder[strcspn(holder, "\n")] = '\0';
		/* The holder rewrote the file when it took the lock: its age is the
		 * time the lock has been held. */
		if (fstat(l->fd, &st) == 0 && time(NULL) - st.st_mtime > LOCK_STUCK_SECS) {
			err_set(e, ERR_STUCK,
			        "nocturne-%s has held its lock for %lld hours (%s; lock %s): "
			        "that run is stuck; look at that process",
			        name, (long long)(time(NULL) - st.st_mtime) / 3600,
			        holder[0] ? holder : "holder unknown", l->path);
			goto fail;
		}
		err_set(e, ERR_TEMP, "another nocturne-%s is running (%s; lock %s)", name,
		        holder[0] ? holder : "holder unknown", l->path);
		goto fail;
	}
	when_format_datetime(when_now(), stamp);
	len = snprintf(holder, sizeof(holder), "pid %ld, started %s\n", (long)getpid(), stamp);
	/* Write, then cut: the file is never empty once it held a line. */
	if (pwrite(l->fd, holder, (size_t)len, 0) != len || ftruncate(l->fd, len) < 0) {
		err_set(e, ERR_IO, "%s: cannot write lock file: %s", l->path, strerror(errno));
		goto fail;
	}
	return 0;
fail:
	lock_release(l);
	return -1;
}

void
lock_release(struct lock *l)
{
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
	free(l->path);
	l->path = NULL;
}
