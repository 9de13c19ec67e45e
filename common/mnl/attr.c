/* Netlink attributes (TLVs): getters, putters, nesting, iteration and validation.
 * Our own implementation of the libmnl API declared by <libmnl/libmnl.h>; used by the static build,
 * where Debian offers no libmnl.a. Behaviour follows libmnl's documentation. */
#include <libmnl/libmnl.h>

#include <errno.h>
#include <string.h>

static char *attr_bytes(const struct nlattr *attr) { return (char *)attr; }

uint16_t mnl_attr_get_type(const struct nlattr *attr) { return attr->nla_type & NLA_TYPE_MASK; }

uint16_t mnl_attr_get_len(const struct nlattr *attr) { return attr->nla_len; }

uint16_t mnl_attr_get_payload_len(const struct nlattr *attr) { return attr->nla_len - MNL_ATTR_HDRLEN; }

void *mnl_attr_get_payload(const struct nlattr *attr) { return attr_bytes(attr) + MNL_ATTR_HDRLEN; }

bool mnl_attr_ok(const struct nlattr *attr, int len)
{
	if (len < (int)sizeof(struct nlattr))
		return false;
	if (attr->nla_len < sizeof(struct nlattr))
		return false;
	return (int)attr->nla_len <= len;
}

struct nlattr *mnl_attr_next(const struct nlattr *attr)
{
	return (struct nlattr *)(attr_bytes(attr) + MNL_ALIGN(attr->nla_len));
}

int mnl_attr_type_valid(const struct nlattr *attr, uint16_t maxtype)
{
	if (mnl_attr_get_type(attr) > maxtype) {
		errno = EOPNOTSUPP;
		return -1;
	}
	return 1;
}

/* The smallest payload each fixed-size type needs; zero where any length goes. */
static size_t minimum_payload(enum mnl_attr_data_type type)
{
	switch (type) {
	case MNL_TYPE_U8:
		return sizeof(uint8_t);
	case MNL_TYPE_U16:
		return sizeof(uint16_t);
	case MNL_TYPE_U32:
		return sizeof(uint32_t);
	case MNL_TYPE_U64:
	case MNL_TYPE_MSECS:
		return sizeof(uint64_t);
	default:
		return 0;
	}
}

static int check_payload(const struct nlattr *attr, enum mnl_attr_data_type type, size_t expected)
{
	size_t len = mnl_attr_get_payload_len(attr);
	const char *payload = mnl_attr_get_payload(attr);

	if (len < expected) {
		errno = ERANGE;
		return -1;
	}
	switch (type) {
	case MNL_TYPE_FLAG:
		if (len != 0) {
			errno = ERANGE;
			return -1;
		}
		break;
	case MNL_TYPE_NUL_STRING:
		if (len == 0) {
			errno = ERANGE;
			return -1;
		}
		if (payload[len - 1] != '\0') {
			errno = EINVAL;
			return -1;
		}
		break;
	case MNL_TYPE_STRING:
		if (len == 0) {
			errno = ERANGE;
			return -1;
		}
		break;
	case MNL_TYPE_NESTED:
		/* An empty nest is fine; otherwise it must hold at least one attribute header. */
		if (len != 0 && len < MNL_ATTR_HDRLEN) {
			errno = ERANGE;
			return -1;
		}
		break;
	default:
		break;
	}
	if (expected != 0 && len > expected) {
		errno = ERANGE;
		return -1;
	}
	return 0;
}

int mnl_attr_validate(const struct nlattr *attr, enum mnl_attr_data_type type)
{
	if (type >= MNL_TYPE_MAX) {
		errno = EINVAL;
		return -1;
	}
	return check_payload(attr, type, minimum_payload(type));
}

int mnl_attr_validate2(const struct nlattr *attr, enum mnl_attr_data_type type, size_t len)
{
	if (type >= MNL_TYPE_MAX) {
		errno = EINVAL;
		return -1;
	}
	return check_payload(attr, type, len);
}

/* Calls cb on every whole attribute in [first, first + len); stops early when cb returns
 * MNL_CB_STOP or MNL_CB_ERROR and hands that value back. */
static int walk(const struct nlattr *attr, int len, mnl_attr_cb_t cb, void *data)
{
	while (mnl_attr_ok(attr, len)) {
		int ret = cb(attr, data);
		if (ret <= MNL_CB_STOP)
			return ret;
		len -= MNL_ALIGN(attr->nla_len);
		attr = mnl_attr_next(attr);
	}
	return MNL_CB_OK;
}

int mnl_attr_parse(const struct nlmsghdr *nlh, unsigned int offset, mnl_attr_cb_t cb, void *data)
{
	const char *first = mnl_nlmsg_get_payload_offset(nlh, offset);
	const char *tail = mnl_nlmsg_get_payload_tail(nlh);
	return walk((const struct nlattr *)first, (int)(tail - first), cb, data);
}

int mnl_attr_parse_nested(const struct nlattr *attr, mnl_attr_cb_t cb, void *data)
{
	return walk(mnl_attr_get_payload(attr), mnl_attr_get_payload_len(attr), cb, data);
}

int mnl_attr_parse_payload(const void *payload, size_t payload_len, mnl_attr_cb_t cb, void *data)
{
	return walk(payload, (int)payload_len, cb, data);
}

uint8_t mnl_attr_get_u8(const struct nlattr *attr)
{
	uint8_t v;
	memcpy(&v, mnl_attr_get_payload(attr), sizeof v);
	return v;
}

uint16_t mnl_attr_get_u16(const struct nlattr *attr)
{
	uint16_t v;
	memcpy(&v, mnl_attr_get_payload(attr), sizeof v);
	return v;
}

uint32_t mnl_attr_get_u32(const struct nlattr *attr)
{
	uint32_t v;
	memcpy(&v, mnl_attr_get_payload(attr), sizeof v);
	return v;
}

uint64_t mnl_attr_get_u64(const struct nlattr *attr)
{
	uint64_t v;
	memcpy(&v, mnl_attr_get_payload(attr), sizeof v);
	return v;
}

const char *mnl_attr_get_str(const struct nlattr *attr) { return mnl_attr_get_payload(attr); }

void mnl_attr_put(struct nlmsghdr *nlh, uint16_t type, size_t len, const void *data)
{
	struct nlattr *attr = mnl_nlmsg_get_payload_tail(nlh);
	char *payload = attr_bytes(attr) + MNL_ATTR_HDRLEN;
	size_t padding = MNL_ALIGN(len) - len;

	attr->nla_type = type;
	attr->nla_len = (uint16_t)(MNL_ATTR_HDRLEN + len); /* the length excludes the trailing padding */
	if (len != 0)
		memcpy(payload, data, len);
	if (padding != 0)
		memset(payload + len, 0, padding);
	nlh->nlmsg_len += MNL_ALIGN(MNL_ATTR_HDRLEN + len);
}

void mnl_attr_put_u8(struct nlmsghdr *nlh, uint16_t type, uint8_t data) { mnl_attr_put(nlh, type, sizeof data, &data); }

void mnl_attr_put_u16(struct nlmsghdr *nlh, uint16_t type, uint16_t data) { mnl_attr_put(nlh, type, sizeof data, &data); }

void mnl_attr_put_u32(struct nlmsghdr *nlh, uint16_t type, uint32_t data) { mnl_attr_put(nlh, type, sizeof data, &data); }

void mnl_attr_put_u64(struct nlmsghdr *nlh, uint16_t type, uint64_t data) { mnl_attr_put(nlh, type, sizeof data, &data); }

void mnl_attr_put_str(struct nlmsghdr *nlh, uint16_t type, const char *data)
{
	mnl_attr_put(nlh, type, strlen(data), data);
}

void mnl_attr_put_strz(struct nlmsghdr *nlh, uint16_t type, const char *data)
{
	mnl_attr_put(nlh, type, strlen(data) + 1, data);
}

static bool fits(const struct nlmsghdr *nlh, size_t buflen, size_t payload_len)
{
	return nlh->nlmsg_len + MNL_ATTR_HDRLEN + MNL_ALIGN(payload_len) <= buflen;
}

bool mnl_attr_put_check(struct nlmsghdr *nlh, size_t buflen, uint16_t type, size_t len, const void *data)
{
	if (!fits(nlh, buflen, len))
		return false;
	mnl_attr_put(nlh, type, len, data);
	return true;
}

bool mnl_attr_put_u8_check(struct nlmsghdr *nlh, size_t buflen, uint16_t type, uint8_t data)
{
	return mnl_attr_put_check(nlh, buflen, type, sizeof data, &data);
}

bool mnl_attr_put_u16_check(struct nlmsghdr *nlh, size_t buflen, uint16_t type, uint16_t data)
{
	return mnl_attr_put_check(nlh, buflen, type, sizeof data, &data);
}

bool mnl_attr_put_u32_check(struct nlmsghdr *nlh, size_t buflen, uint16_t type, uint32_t data)
{
	return mnl_attr_put_check(nlh, buflen, type, sizeof data, &data);
}

bool mnl_attr_put_u64_check(struct nlmsghdr *nlh, size_t buflen, uint16_t type, uint64_t data)
{
	return mnl_attr_put_check(nlh, buflen, type, sizeof data, &data);
}

bool mnl_attr_put_str_check(struct nlmsghdr *nlh, size_t buflen, uint16_t type, const char *data)
{
	return mnl_attr_put_check(nlh, buflen, type, strlen(data), data);
}

bool mnl_attr_put_strz_check(struct nlmsghdr *nlh, size_t buflen, uint16_t type, const char *data)
{
	return mnl_attr_put_check(nlh, buflen, type, strlen(data) + 1, data);
}

struct nlattr *mnl_attr_nest_start(struct nlmsghdr *nlh, uint16_t type)
{
	struct nlattr *start = mnl_nlmsg_get_payload_tail(nlh);
	start->nla_type = NLA_F_NESTED | type;
	start->nla_len = 0; /* set by mnl_attr_nest_end() */
	nlh->nlmsg_len += MNL_ATTR_HDRLEN;
	return start;
}

struct nlattr *mnl_attr_nest_start_check(struct nlmsghdr *nlh, size_t buflen, uint16_t type)
{
	if (nlh->nlmsg_len + MNL_ATTR_HDRLEN > buflen)
		return NULL;
	return mnl_attr_nest_start(nlh, type);
}

void mnl_attr_nest_end(struct nlmsghdr *nlh, struct nlattr *start)
{
	char *tail = mnl_nlmsg_get_payload_tail(nlh);
	start->nla_len = (uint16_t)(tail - attr_bytes(start));
}

void mnl_attr_nest_cancel(struct nlmsghdr *nlh, struct nlattr *start)
{
	char *tail = mnl_nlmsg_get_payload_tail(nlh);
	nlh->nlmsg_len -= (uint32_t)(tail - attr_bytes(start));
}
