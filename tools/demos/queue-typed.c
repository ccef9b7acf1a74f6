// SPDX-License-Identifier: GPL-2.0
/*
 * Typed messages: one queue, one receiver process per type, each receiving
 * only its own type (KIPC_SEL_EXACT), and one sender interleaving the types
 * through a queue smaller than what it sends, so that everyone waits at
 * times.  Each receiver checks it gets exactly the messages of its type,
 * each once, in the order they were sent: a selective receive takes the
 * first matching message in send order and never sees the others.
 */
#include <stdint.h>

#include "demo.h"

#define TYPES		3
#define PER_TYPE	300
#define SLOTS		8

struct msg {
	int64_t type;		/* what the sender meant */
	uint32_t seq;		/* the n-th message of its type */
	uint32_t __pad;
};

static struct lkipc_queue q;	/* the children use their copies */

static int receiver(void *arg)
{
	int64_t type = (intptr_t)arg, got;
	struct msg m;
	uint32_t i;
	int len;

	for (i = 0; i < PER_TYPE; i++) {
		len = demo_ok(lkipc_queue_recv(&q, &m, sizeof(m),
					       KIPC_SEL_EXACT, type, &got, 0,
					       NULL), "recv");
		if (len != sizeof(m) || got != type || m.type != type ||
		    m.seq != i) {
			fprintf(stderr, "receiver of type %lld: message %u is "
				"type %lld seq %u\n", (long long)type, i,
				(long long)m.type, m.seq);
			return 1;
		}
	}
	return 0;
}

static int sender(void *arg)
{
	uint32_t seq[TYPES + 1] = { 0 }, r = 1;
	struct msg m = { 0 };
	unsigned int i;

	/* The types in a pseudo-random interleaving, runs included. */
	for (i = 0; i < TYPES * PER_TYPE; i++) {
		r = r * 1103515245U + 12345U;
		m.type = (r >> 16) % TYPES + 1;
		while (seq[m.type] == PER_TYPE)
			m.type = m.type % TYPES + 1;
		m.seq = seq[m.type]++;
		demo_ok(lkipc_queue_send(&q, m.type, &m, sizeof(m), 0, NULL),
			"send");
	}
	return 0;
}

int main(void)
{
	struct lkipc_queue_attr attr = { .msgs = SLOTS,
					 .msgsize = sizeof(struct msg) };
	struct kipc_queue_stat st;
	struct lkipc k;
	intptr_t t;
	int bad;

	demo_ok(lkipc_open(&k, 0), "open /dev/kipc");
	demo_ok(lkipc_queue_open(&k, &q, NULL, KIPC_OPEN_CREATE, 0600, &attr),
		"create a queue");
	lkipc_close(&k);
	for (t = 1; t <= TYPES; t++)
		demo_spawn(receiver, (void *)t);
	demo_spawn(sender, NULL);
	bad = demo_reap();

	demo_ok(lkipc_queue_stat(&q, &st), "queue stat");
	bad |= st.sent != TYPES * PER_TYPE || st.received != st.sent ||
	       st.msgs;
	printf("typed: %s: %d receivers, one per type, got %d messages each "
	       "of %llu sent through a queue of %d\n",
	       bad ? "FAILED" : "each got its own type in send order", TYPES,
	       PER_TYPE, (unsigned long long)st.sent, SLOTS);
	return bad;
}
