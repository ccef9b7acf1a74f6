// SPDX-License-Identifier: GPL-2.0
/*
 * The bounded buffer (the classic SemaphorePipe exercise): a ring of 4 slots
 * in POSIX shared memory, guarded by two named kipc semaphores, "free slots"
 * (4) and "filled slots" (0).  A producer and a consumer, which find the
 * memory and the semaphores by name as unrelated processes would, move
 * items through it; the consumer checks every item arrives, in order.
 */
#include <fcntl.h>
#include <sys/stat.h>

#include "demo.h"

#define SLOTS	4
#define ITEMS	2000
#define SHM	"/kipc-demo-pipe"
#define FREE	"demo-pipe-free"
#define FILLED	"demo-pipe-filled"

struct ring {
	unsigned long long slot[SLOTS];
	unsigned int head, tail;	/* each written by one side only */
};

static struct ring *map_ring(void)
{
	int fd = shm_open(SHM, O_RDWR, 0);
	struct ring *r;

	if (fd < 0)
		demo_die(errno, "shm_open");
	r = mmap(NULL, sizeof(*r), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (r == MAP_FAILED)
		demo_die(errno, "mmap");
	close(fd);
	return r;
}

static void open_sems(struct lkipc_sem *free_slots, struct lkipc_sem *filled)
{
	struct lkipc k;

	demo_ok(lkipc_open(&k, 0), "open /dev/kipc");
	demo_ok(lkipc_sem_open(&k, free_slots, FREE, 0, 0, 0), "open " FREE);
	demo_ok(lkipc_sem_open(&k, filled, FILLED, 0, 0, 0), "open " FILLED);
	lkipc_close(&k);
}

static unsigned long long item(unsigned int i)
{
	return (unsigned long long)i * 2654435761ULL ^ 0x5bd1e995ULL;
}

static int producer(void *arg)
{
	struct ring *r = map_ring();
	struct lkipc_sem free_slots, filled;
	unsigned int i;

	open_sems(&free_slots, &filled);
	for (i = 0; i < ITEMS; i++) {
		demo_ok(lkipc_sem_wait(&free_slots, 1, 0, NULL), "P(free)");
		r->slot[r->head % SLOTS] = item(i);
		r->head++;
		demo_ok(lkipc_sem_post(&filled, 1, 0), "V(filled)");
	}
	return 0;
}

static int consumer(void *arg)
{
	struct ring *r = map_ring();
	struct lkipc_sem free_slots, filled;
	unsigned int i;

	open_sems(&free_slots, &filled);
	for (i = 0; i < ITEMS; i++) {
		demo_ok(lkipc_sem_wait(&filled, 1, 0, NULL), "P(filled)");
		if (r->slot[r->tail % SLOTS] != item(i)) {
			fprintf(stderr, "item %u is wrong\n", i);
			return 1;
		}
		r->tail++;
		demo_ok(lkipc_sem_post(&free_slots, 1, 0), "V(free)");
	}
	return 0;
}

int main(void)
{
	struct lkipc_sem s;
	struct lkipc k;
	int fd, bad;

	shm_unlink(SHM);
	fd = shm_open(SHM, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fd < 0 || ftruncate(fd, sizeof(struct ring)))
		demo_die(errno, "shm_open " SHM);
	close(fd);

	demo_ok(lkipc_open(&k, 0), "open /dev/kipc");
	lkipc_sem_unlink(&k, FREE);
	lkipc_sem_unlink(&k, FILLED);
	demo_ok(lkipc_sem_open(&k, &s, FREE, KIPC_OPEN_CREATE | KIPC_OPEN_EXCL,
			       0600, SLOTS), "create " FREE);
	lkipc_sem_close(&s);
	demo_ok(lkipc_sem_open(&k, &s, FILLED, KIPC_OPEN_CREATE | KIPC_OPEN_EXCL,
			       0600, 0), "create " FILLED);
	lkipc_sem_close(&s);

	demo_spawn(producer, NULL);
	demo_spawn(consumer, NULL);
	bad = demo_reap();

	demo_ok(lkipc_sem_unlink(&k, FREE), "unlink " FREE);
	demo_ok(lkipc_sem_unlink(&k, FILLED), "unlink " FILLED);
	shm_unlink(SHM);
	printf("pipe: %s: %d items through %d slots in shared memory, "
	       "guarded by two kipc semaphores\n",
	       bad ? "FAILED" : "every item arrived in order", ITEMS, SLOTS);
	return bad;
}
