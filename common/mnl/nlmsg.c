/* Netlink message headers: building, payload access, iteration and seq/portid checks.
 * Our own implementation of the libmnl API declared by <libmnl/libmnl.h> (static build only). */
#include <libmnl/libmnl.h>

#include <string.h>

static char *msg_bytes(const struct nlmsghdr *nlh) { return (char *)nlh; }

size_t mnl_nlmsg_size(size_t len) { return len + MNL_NLMSG_HDRLEN; }

size_t mnl_nlmsg_get_payload_len(const struct nlmsghdr *nlh) { return nlh->nlmsg_len - MNL_NLMSG_HDRLEN; }

struct nlmsghdr *mnl_nlmsg_put_header(void *buf)
{
	struct nlmsghdr *nlh = buf;
	memset(buf, 0, MNL_NLMSG_HDRLEN);
	nlh->nlmsg_len = MNL_NLMSG_HDRLEN;
	return nlh;
}

void *mnl_nlmsg_put_extra_header(struct nlmsghdr *nlh, size_t size)
{
	char *extra = msg_bytes(nlh) + nlh->nlmsg_len;
	size_t len = MNL_ALIGN(size);
	memset(extra, 0, len);
	nlh->nlmsg_len += (uint32_t)len;
	return extra;
}

void *mnl_nlmsg_get_payload(const struct nlmsghdr *nlh) { return msg_bytes(nlh) + MNL_NLMSG_HDRLEN; }

void *mnl_nlmsg_get_payload_offset(const struct nlmsghdr *nlh, size_t offset)
{
	return msg_bytes(nlh) + MNL_NLMSG_HDRLEN + MNL_ALIGN(offset);
}

void *mnl_nlmsg_get_payload_tail(const struct nlmsghdr *nlh) { return msg_bytes(nlh) + MNL_ALIGN(nlh->nlmsg_len); }

bool mnl_nlmsg_ok(const struct nlmsghdr *nlh, int len)
{
	if (len < (int)sizeof(struct nlmsghdr))
		return false;
	if (nlh->nlmsg_len < sizeof(struct nlmsghdr))
		return false;
	return (int)nlh->nlmsg_len <= len;
}

struct nlmsghdr *mnl_nlmsg_next(const struct nlmsghdr *nlh, int *len)
{
	*len -= (int)MNL_ALIGN(nlh->nlmsg_len);
	return (struct nlmsghdr *)(msg_bytes(nlh) + MNL_ALIGN(nlh->nlmsg_len));
}

/* Zero on either side means "not tracked": the check passes. */
bool mnl_nlmsg_seq_ok(const struct nlmsghdr *nlh, unsigned int seq)
{
	return nlh->nlmsg_seq == 0 || seq == 0 || nlh->nlmsg_seq == seq;
}

bool mnl_nlmsg_portid_ok(const struct nlmsghdr *nlh, unsigned int portid)
{
	return nlh->nlmsg_pid == 0 || portid == 0 || nlh->nlmsg_pid == portid;
}
