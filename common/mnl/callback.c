/* Running callbacks over a buffer of received netlink messages.
 * Our own implementation of the libmnl API declared by <libmnl/libmnl.h> (static build only). */
#include <libmnl/libmnl.h>

#include <errno.h>

static int on_noop(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(void)data;
	return MNL_CB_OK;
}

/* NLMSG_ERROR: error 0 is an acknowledgement and ends the run; anything else sets errno and fails. */
static int on_error(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	(void)data;
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(struct nlmsgerr))) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	/* Netlink reports negative errnos; a few subsystems send them positive. */
	errno = err->error < 0 ? -err->error : err->error;
	return err->error == 0 ? MNL_CB_STOP : MNL_CB_ERROR;
}

static int on_done(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(void)data;
	return MNL_CB_STOP;
}

/* Control messages (types below NLMSG_MIN_TYPE) the caller did not give a handler for. */
static mnl_cb_t default_control_cb(uint16_t type)
{
	switch (type) {
	case NLMSG_NOOP:
	case NLMSG_OVERRUN:
		return on_noop;
	case NLMSG_ERROR:
		return on_error;
	case NLMSG_DONE:
		return on_done;
	default:
		return NULL;
	}
}

int mnl_cb_run2(const void *buf, size_t numbytes, unsigned int seq, unsigned int portid, mnl_cb_t cb_data,
		void *data, mnl_cb_t *cb_ctl_array, unsigned int cb_ctl_array_len)
{
	const struct nlmsghdr *nlh = buf;
	int len = (int)numbytes;
	int ret = MNL_CB_OK;

	while (mnl_nlmsg_ok(nlh, len)) {
		mnl_cb_t cb;

		if (!mnl_nlmsg_portid_ok(nlh, portid)) {
			errno = ESRCH;
			return -1;
		}
		if (!mnl_nlmsg_seq_ok(nlh, seq)) {
			errno = EPROTO;
			return -1;
		}
		/* The dump changed while it was being taken: the caller should start it again. */
		if (nlh->nlmsg_flags & NLM_F_DUMP_INTR) {
			errno = EINTR;
			return -1;
		}

		if (nlh->nlmsg_type >= NLMSG_MIN_TYPE)
			cb = cb_data;
		else if (nlh->nlmsg_type < cb_ctl_array_len)
			cb = cb_ctl_array != NULL ? cb_ctl_array[nlh->nlmsg_type] : NULL;
		else
			cb = default_control_cb(nlh->nlmsg_type);

		if (cb != NULL) {
			ret = cb(nlh, data);
			if (ret <= MNL_CB_STOP)
				return ret;
		}
		nlh = mnl_nlmsg_next(nlh, &len);
	}
	return ret;
}

int mnl_cb_run(const void *buf, size_t numbytes, unsigned int seq, unsigned int portid, mnl_cb_t cb_data, void *data)
{
	return mnl_cb_run2(buf, numbytes, seq, portid, cb_data, data, NULL, 0);
}
