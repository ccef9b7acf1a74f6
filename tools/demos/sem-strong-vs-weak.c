// SPDX-License-Identifier: GPL-2.0
/*
 * Strong versus weak semaphores.  8 processes queue one after another on a
 * semaphore of value 0; then one unit is posted and circulates: each
 * process, three times over, takes it (P), records its number and gives it
 * back (V).
 *
 * kipc hands a posted unit straight to the head waiter, and a process that
 * comes back for more queues behind the others: the service order is the
 * order of arrival at P.  The first round is therefore exactly 0 1 ... 7
 * (all eight were seen queued before the first post); later rounds follow
 * the order in which the processes came back, which the scheduler decides
 * (one preempted between its V and its next P by the waiter it woke comes
 * back later), but a process that posts never takes the unit straight back
 * while others are queued.
 * glibc's process-shared sem_t only wakes a waiter and lets everyone race
 * for the unit, so a process that has just posted usually takes the unit
 * straight back from the waiter it woke ("barging"), and the order is
 * whatever the scheduler makes of it.  The demo shows both, and also what a
 * bystander's trywait gets right after a post while waiters are queued.
 */
#include <semaphore.h>

#include "demo.h"

#define PROCS	8
#define ROUNDS	3

struct shared {
	unsigned int arrived;
	unsigned int served;
	unsigned int order[PROCS * ROUNDS];
	sem_t weak;
};

static struct shared *sh;
static struct lkipc_sem strong;

static void record(unsigned int who)
{
	unsigned int slot = __atomic_fetch_add(&sh->served, 1, __ATOMIC_SEQ_CST);

	sh->order[slot] = who;
}

static int strong_waiter(void *arg)
{
	int r;

	for (r = 0; r < ROUNDS; r++) {
		demo_ok(lkipc_sem_wait(&strong, 1, 0, NULL), "P");
		record((unsigned int)(long)arg);
		demo_ok(lkipc_sem_post(&strong, 1, 0), "V");
	}
	return 0;
}

static int weak_waiter(void *arg)
{
	int r;

	__atomic_add_fetch(&sh->arrived, 1, __ATOMIC_SEQ_CST);
	for (r = 0; r < ROUNDS; r++) {
		while (sem_wait(&sh->weak) && errno == EINTR)
			;
		record((unsigned int)(long)arg);
		sem_post(&sh->weak);
	}
	return 0;
}

/*
 * Print the service order, round by round; 1 if the first round is the
 * arrival order.
 */
static int print_order(const char *what)
{
	unsigned int i, first = 1, repeats = 0;

	printf("%-20s", what);
	for (i = 0; i < PROCS * ROUNDS; i++) {
		printf("%s %u", i && i % PROCS == 0 ? " |" : "", sh->order[i]);
		if (i < PROCS)
			first &= sh->order[i] == i;
		repeats += i && sh->order[i] == sh->order[i - 1];
	}
	printf("\n%20s first round %s; the same process twice in a row %u "
	       "times\n", "", first ? "in arrival order" : "NOT in arrival order",
	       repeats);
	return first;
}

int main(void)
{
	struct kipc_sem_stat st;
	int strong_barged, weak_barged, fifo;
	struct lkipc k;
	long p;

	sh = demo_shared(sizeof(*sh));
	demo_ok(lkipc_open(&k, 0), "open /dev/kipc");
	demo_ok(lkipc_sem_open(&k, &strong, NULL, KIPC_OPEN_CREATE, 0600, 0),
		"create a semaphore");

	printf("arrival order:      ");
	for (p = 0; p < PROCS; p++)
		printf(" %ld", p);
	printf("  (then each comes back for more, %d rounds in all)\n",
	       ROUNDS);

	/* kipc: each waiter is seen queued before the next one starts. */
	for (p = 0; p < PROCS; p++) {
		demo_spawn(strong_waiter, (void *)p);
		do {
			usleep(1000);
			demo_ok(lkipc_sem_stat(&strong, &st, NULL, 0), "stat");
		} while ((long)st.nwaiters < p + 1);
	}
	demo_ok(lkipc_sem_post(&strong, 1, 0), "V");
	strong_barged = lkipc_sem_trywait(&strong, 1, 0) == 0;
	if (strong_barged)
		demo_ok(lkipc_sem_post(&strong, 1, 0), "V");
	if (demo_reap())
		demo_die(0, "a kipc waiter failed");
	fifo = print_order("kipc service order: ");

	/* glibc: no way to see its queue; give each a while to block. */
	if (sem_init(&sh->weak, 1, 0))
		demo_die(errno, "sem_init");
	sh->served = 0;
	for (p = 0; p < PROCS; p++) {
		demo_spawn(weak_waiter, (void *)p);
		demo_wait_for(&sh->arrived, p + 1);
		usleep(20000);
	}
	sem_post(&sh->weak);
	weak_barged = sem_trywait(&sh->weak) == 0;
	if (weak_barged)
		sem_post(&sh->weak);
	if (demo_reap())
		demo_die(0, "a glibc waiter failed");
	print_order("glibc sem_t order: ");

	printf("a bystander's trywait right after a post, with waiters queued:\n"
	       "  kipc:  %s\n  glibc: %s\n",
	       strong_barged ? "took the unit (barging!)" :
			       "failed: the unit was handed to the head waiter",
	       weak_barged ? "took the unit from the woken waiter (barging)" :
			     "failed");
	return !fifo || strong_barged;
}
