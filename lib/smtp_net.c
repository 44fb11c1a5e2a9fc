/*
 * smtp_net.c - the sockets under the libESMTP client: libESMTP's connect()
 * has no timeout, so the server is first reached here with one (and the
 * address that answered handed to libESMTP); libESMTP does not say which
 * socket it opened, so it is found here (for TCP_NODELAY and to cut a
 * session short).
 */
#include "smtp_int.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/* ------------------------------------------------------------- connecting */

/* Non-blocking connect to one address, waiting at most timeout_s.
 * Returns 0 (connected: the socket in *keep, or closed again when keep is
 * NULL) or an errno value. */
static int
smtp_try_connect(const struct addrinfo *ai, int timeout_s, int *keep)
{
	struct pollfd pfd;
	int fd, rc, soerr = 0;
	socklen_t len = sizeof(soerr);

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
	if (fd < 0)
		return errno;
	rc = connect(fd, ai->ai_addr, ai->ai_addrlen);
	if (rc < 0 && errno != EINPROGRESS) {
		soerr = errno;
		close(fd);
		return soerr;
	}
	if (rc < 0) {
		pfd.fd = fd;
		pfd.events = POLLOUT;
		pfd.revents = 0;
		do
			rc = poll(&pfd, 1, timeout_s * 1000);
		while (rc < 0 && errno == EINTR);
		if (rc == 0) {
			close(fd);
			return ETIMEDOUT;
		}
		if (rc < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
			soerr = errno;
	}
	if (soerr == 0 && keep != NULL)
		*keep = fd;
	else
		close(fd);
	return soerr;
}

/*
 * Resolve host and find an address that accepts a TCP connection within the
 * timeout. Fills r->peer and server ("addr:port" for libESMTP); keeps the
 * connected socket in *fd unless fd is NULL.
 */
int
smtp_reach(struct smtp_run *r, char *server, size_t cap, int *fd, struct err *e)
{
	struct addrinfo hints, *res = NULL, *ai;
	char port[16], num[INET6_ADDRSTRLEN];
	int gai, last = 0;

	snprintf(port, sizeof(port), "%d", smtp_port(r->o));
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	gai = getaddrinfo(r->o->host, port, &hints, &res);
	if (gai != 0)
		return err_set(e, ERR_UNAVAILABLE, "smtp %s: cannot resolve host: %s", r->where,
		               gai_strerror(gai));
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		last = smtp_try_connect(ai, r->timeout_s, fd);
		if (last == 0)
			break;
	}
	if (ai == NULL) {
		freeaddrinfo(res);
		if (last == ETIMEDOUT)
			return err_set(e, ERR_UNAVAILABLE,
			               "smtp %s: cannot connect: no answer within %d s", r->where,
			               r->timeout_s);
		return err_set(e, ERR_UNAVAILABLE, "smtp %s: cannot connect: %s", r->where,
		               strerror(last));
	}
	memcpy(&r->peer, ai->ai_addr, ai->ai_addrlen);
	r->peerlen = ai->ai_addrlen;
	if (ai->ai_family == AF_INET &&
	    inet_ntop(AF_INET, &((struct sockaddr_in *)(void *)ai->ai_addr)->sin_addr, num,
	              sizeof(num)) != NULL)
		snprintf(server, cap, "%s:%s", num, port);
	else /* libESMTP cannot take an IPv6 literal: let it resolve the name */
		snprintf(server, cap, "%s:%s", r->o->host, port);
	freeaddrinfo(res);
	return 0;
}

static int
smtp_same_peer(const struct sockaddr_storage *a, const struct sockaddr_storage *b, int port_only)
{
	if (a->ss_family != b->ss_family)
		return 0;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
		return x->sin_port == y->sin_port &&
		       (port_only || x->sin_addr.s_addr == y->sin_addr.s_addr);
	}
	if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
		return x->sin6_port == y->sin6_port &&
		       (port_only ||
		        memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0);
	}
	return 0;
}

/* Is fd a connected stream socket to r->peer? (port_only: any address) */
static int
smtp_fd_matches(const struct smtp_run *r, int fd, int port_only)
{
	struct stat st;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int type = 0;
	socklen_t tlen = sizeof(type);

	if (fstat(fd, &st) < 0 || !S_ISSOCK(st.st_mode))
		return 0;
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tlen) < 0 || type != SOCK_STREAM)
		return 0;
	memset(&ss, 0, sizeof(ss));
	if (getpeername(fd, (struct sockaddr *)&ss, &len) < 0)
		return 0;
	return smtp_same_peer(&ss, &r->peer, port_only);
}

/*
 * libESMTP does not tell which socket it opened: at SMTP_EV_CONNECT, look
 * through our descriptors for the stream socket connected to the server
 * (the newest one if several). -1 if none.
 */
int
smtp_find_socket(const struct smtp_run *r)
{
	for (int port_only = 0; port_only <= 1; port_only++) {
		int best = -1;
		DIR *d = opendir("/proc/self/fd");

		if (d != NULL) {
			struct dirent *de;
			while ((de = readdir(d)) != NULL) {
				char *end;
				long fd = strtol(de->d_name, &end, 10);
				if (*end != '\0' || end == de->d_name || fd == dirfd(d))
					continue;
				if (fd > best && smtp_fd_matches(r, (int)fd, port_only))
					best = (int)fd;
			}
			closedir(d);
		} else {
			for (int fd = 0; fd < 4096; fd++)
				if (smtp_fd_matches(r, fd, port_only))
					best = fd;
		}
		if (best >= 0)
			return best;
	}
	return -1;
}

/* Stop the libESMTP session now: it sees a dropped connection. */
void
smtp_cut(struct smtp_run *r)
{
	if (r->fd >= 0 && !r->cut)
		shutdown(r->fd, SHUT_RDWR);
	r->cut = 1;
}
