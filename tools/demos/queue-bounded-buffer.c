// SPDX-License-Identifier: GPL-2.0
/*
 * The bounded buffer as a monitor (the classic MonitorPipe exercise): the
 * queue is the monitor.  Its capacity of 4 is the buffer, a send that finds
 * it full waits (the "not full" condition), a receive that finds it empty
 * waits (the "not empty" condition), and the kernel does the locking.  A
 * producer and a consumer, which find the queue by name as unrelated
 * processes would, move items through it; the consumer checks every item
 * arrives once, in order.  The consumer starts only once the producer has
 * been seen blocked on the full buffer, and the queue's high-water mark
 * shows it never held more than 4.
 */
#include <stdint.h>
#include <time.h>

#include "demo.h"

#define SLOTS	4
#define ITEMS	2000
#define QUEUE	"demo-bounded-buffer"

struct item {
	uint32_t seq;
	uint32_t check;
};

static uint32_t check_of(uint32_t seq)
{
	return seq * 2654435761U ^ 0x5bd1e995U;
}

static void open_queue(struct lkipc_queue *q, unsigned int access)
{
	struct lkipc k;

	demo_ok(lkipc_open(&k, 0), "open /dev/kipc");
	demo_ok(lkipc_queue_open(&k, q, QUEUE, access, 0, NULL),
		"open " QUEUE);
	lkipc_close(&k);
}

static int producer(void *arg)
{
	struct lkipc_queue q;
	struct item it;
	uint32_t i;

	open_queue(&q, KIPC_OPEN_WRITE);
	for (i = 0; i < ITEMS; i++) {
		it = (struct item){ .seq = i, .check = check_of(i) };
		/* Waits while the buffer is full. */
		demo_ok(lkipc_queue_send(&q, 1, &it, sizeof(it), 0, NULL),
			"send");
	}
	return 0;
}

static int consumer(void *arg)
{
	struct lkipc_queue q;
	struct item it;
	uint32_t i;
	int len;

	open_queue(&q, KIPC_OPEN_READ);
	for (i = 0; i < ITEMS; i++) {
		/* Waits while the buffer is empty. */
		len = demo_ok(lkipc_queue_recv(&q, &it, sizeof(it),
					       KIPC_SEL_ANY, 0, NULL, 0, NULL),
			      "recv");
		if (len != sizeof(it) || it.seq != i ||
		    it.check != check_of(i)) {
			fprintf(stderr, "item %u: got seq %u (%d bytes)\n", i,
				it.seq, len);
			return 1;
		}
	}
	return 0;
}

/* Wait (10 s at most) until the producer is blocked on a full buffer. */
static int producer_blocked(struct lkipc_queue *q)
{
	struct kipc_queue_stat st;
	int i;

	for (i = 0; i < 10000; i++) {
		demo_ok(lkipc_queue_stat(q, &st), "queue stat");
		if (st.msgs == SLOTS && st.nsenders == 1)
			return 1;
		usleep(1000);
	}
	return 0;
}

int main(void)
{
	struct lkipc_queue_attr attr = { .msgs = SLOTS,
					 .msgsize = sizeof(struct item) };
	struct kipc_queue_stat st;
	struct lkipc_queue q;
	int bad, blocked;
	struct lkipc k;

	demo_ok(lkipc_open(&k, 0), "open /dev/kipc");
	lkipc_queue_unlink(&k, QUEUE);
	demo_ok(lkipc_queue_open(&k, &q, QUEUE,
				 KIPC_OPEN_CREATE | KIPC_OPEN_EXCL, 0600, &attr),
		"create " QUEUE);

	demo_spawn(producer, NULL);
	blocked = producer_blocked(&q);
	demo_spawn(consumer, NULL);
	bad = demo_reap();

	demo_ok(lkipc_queue_stat(&q, &st), "queue stat");
	demo_ok(lkipc_queue_unlink(&k, QUEUE), "unlink " QUEUE);
	lkipc_queue_close(&q);
	lkipc_close(&k);
	bad |= !blocked || st.sent != ITEMS || st.received != ITEMS ||
	       st.msgs || st.hwm_msgs > SLOTS;
	printf("bounded-buffer: %s: %llu items through a queue of %d, the "
	       "producer %s on the full buffer, at most %llu queued at once\n",
	       bad ? "FAILED" : "every item arrived once, in order",
	       (unsigned long long)st.received, SLOTS,
	       blocked ? "waited" : "did NOT wait",
	       (unsigned long long)st.hwm_msgs);
	return bad;
}
