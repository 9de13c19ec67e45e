/* Netlink message batches: several messages laid back to back in one buffer, sent in one datagram.
 * Our own implementation of the libmnl API declared by <libmnl/libmnl.h> (static build only).
 *
 * The caller's buffer must be bigger than the limit by at least one message: the message that
 * overruns the limit is built in place, and mnl_nlmsg_batch_reset() moves it to the front. */
#include <libmnl/libmnl.h>

#include <stdlib.h>
#include <string.h>

struct mnl_nlmsg_batch {
	char *buf;      /* the caller's buffer */
	size_t limit;   /* the most bytes a batch may hold */
	size_t used;    /* bytes of complete messages in the batch */
	char *cur;      /* where the next message is built */
	bool overflow;  /* the message at cur did not fit and waits for a reset */
};

struct mnl_nlmsg_batch *mnl_nlmsg_batch_start(void *buf, size_t bufsiz)
{
	struct mnl_nlmsg_batch *b = calloc(1, sizeof *b);
	if (b == NULL)
		return NULL;
	b->buf = buf;
	b->limit = bufsiz;
	b->used = 0;
	b->cur = buf;
	b->overflow = false;
	return b;
}

void mnl_nlmsg_batch_stop(struct mnl_nlmsg_batch *b) { free(b); }

bool mnl_nlmsg_batch_next(struct mnl_nlmsg_batch *b)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)b->cur;
	if (b->used + nlh->nlmsg_len > b->limit) {
		b->overflow = true;
		return false;
	}
	b->used += nlh->nlmsg_len;
	b->cur = b->buf + b->used;
	return true;
}

void mnl_nlmsg_batch_reset(struct mnl_nlmsg_batch *b)
{
	if (b->overflow) {
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)b->cur;
		size_t len = nlh->nlmsg_len;
		memmove(b->buf, b->cur, len);
		b->used = len;
		b->cur = b->buf + len;
		b->overflow = false;
	} else {
		b->used = 0;
		b->cur = b->buf;
	}
}

size_t mnl_nlmsg_batch_size(struct mnl_nlmsg_batch *b) { return b->used; }

void *mnl_nlmsg_batch_head(struct mnl_nlmsg_batch *b) { return b->buf; }

void *mnl_nlmsg_batch_current(struct mnl_nlmsg_batch *b) { return b->cur; }

bool mnl_nlmsg_batch_is_empty(struct mnl_nlmsg_batch *b) { return b->used == 0; }
