/* Netlink sockets: open, bind, send, receive, options, close.
 * Our own implementation of the libmnl API declared by <libmnl/libmnl.h> (static build only). */
#include <libmnl/libmnl.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

struct mnl_socket {
	int fd;
	struct sockaddr_nl addr; /* our local address once bound: nl_pid is the port id */
};

static struct mnl_socket *open_with_flags(int bus, int flags)
{
	struct mnl_socket *nl = calloc(1, sizeof *nl);
	if (nl == NULL)
		return NULL;
	nl->fd = socket(AF_NETLINK, SOCK_RAW | flags, bus);
	if (nl->fd < 0) {
		int saved = errno;
		free(nl);
		errno = saved;
		return NULL;
	}
	return nl;
}

struct mnl_socket *mnl_socket_open(int bus) { return open_with_flags(bus, 0); }

struct mnl_socket *mnl_socket_open2(int bus, int flags) { return open_with_flags(bus, flags); }

struct mnl_socket *mnl_socket_fdopen(int fd)
{
	struct sockaddr_nl addr;
	socklen_t addr_len = sizeof addr;
	struct mnl_socket *nl;

	memset(&addr, 0, sizeof addr);
	if (getsockname(fd, (struct sockaddr *)&addr, &addr_len) < 0)
		return NULL;
	nl = calloc(1, sizeof *nl);
	if (nl == NULL)
		return NULL;
	nl->fd = fd;
	if (addr.nl_family == AF_NETLINK)
		nl->addr = addr;
	return nl;
}

int mnl_socket_bind(struct mnl_socket *nl, unsigned int groups, pid_t pid)
{
	struct sockaddr_nl addr;
	socklen_t addr_len = sizeof addr;

	memset(&addr, 0, sizeof addr);
	addr.nl_family = AF_NETLINK;
	addr.nl_groups = groups;
	addr.nl_pid = (uint32_t)pid;
	if (bind(nl->fd, (struct sockaddr *)&addr, sizeof addr) < 0)
		return -1;

	/* Read back the port id the kernel chose (or confirmed). */
	if (getsockname(nl->fd, (struct sockaddr *)&addr, &addr_len) < 0)
		return -1;
	if (addr_len != sizeof addr || addr.nl_family != AF_NETLINK) {
		errno = EINVAL;
		return -1;
	}
	nl->addr = addr;
	return 0;
}

int mnl_socket_close(struct mnl_socket *nl)
{
	int ret = close(nl->fd);
	free(nl);
	return ret;
}

int mnl_socket_get_fd(const struct mnl_socket *nl) { return nl->fd; }

unsigned int mnl_socket_get_portid(const struct mnl_socket *nl) { return nl->addr.nl_pid; }

ssize_t mnl_socket_sendto(const struct mnl_socket *nl, const void *req, size_t siz)
{
	struct sockaddr_nl kernel;
	memset(&kernel, 0, sizeof kernel);
	kernel.nl_family = AF_NETLINK;
	return sendto(nl->fd, req, siz, 0, (const struct sockaddr *)&kernel, sizeof kernel);
}

ssize_t mnl_socket_recvfrom(const struct mnl_socket *nl, void *buf, size_t siz)
{
	struct sockaddr_nl from;
	struct iovec iov = {.iov_base = buf, .iov_len = siz};
	struct msghdr msg;
	ssize_t ret;

	memset(&from, 0, sizeof from);
	memset(&msg, 0, sizeof msg);
	msg.msg_name = &from;
	msg.msg_namelen = sizeof from;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;

	ret = recvmsg(nl->fd, &msg, 0);
	if (ret < 0)
		return ret;
	/* Only the kernel (port 0) may talk to us; anything else is spoofed or misdirected. */
	if (from.nl_pid != 0) {
		errno = ESRCH;
		return -1;
	}
	/* The datagram did not fit: the rest of it is lost. */
	if (msg.msg_flags & MSG_TRUNC) {
		errno = ENOSPC;
		return -1;
	}
	return ret;
}

int mnl_socket_setsockopt(const struct mnl_socket *nl, int type, void *buf, socklen_t len)
{
	return setsockopt(nl->fd, SOL_NETLINK, type, buf, len);
}

int mnl_socket_getsockopt(const struct mnl_socket *nl, int type, void *buf, socklen_t *len)
{
	return getsockopt(nl->fd, SOL_NETLINK, type, buf, len);
}
