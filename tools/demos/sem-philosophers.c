// SPDX-License-Identifier: GPL-2.0
/*
 * The dining philosophers, twice.  Five philosophers around a table, one
 * fork (a kipc semaphore of value 1) between each two neighbours.
 *
 * Both forks at once (lkipc_sem_wait_all(), both put down with one
 * lkipc_sem_post_all()): nobody deadlocks, and since a
 * multi-wait keeps its place in the FIFO of both forks, no philosopher
 * starves: each one's meals are printed and the spread between most and
 * fewest is checked against a bound.
 *
 * One fork at a time (left, then right): once every philosopher holds its
 * left fork, each waits for a right fork its neighbour holds, forever.  A
 * barrier makes that interleaving certain; each right-fork wait has a
 * deadline, so the demo sees the cycle (every fork at 0 with one waiter)
 * and the first deadline end it with ETIMEDOUT instead of hanging: that
 * philosopher puts its left fork down and the others can eat.
 */
#include <time.h>

#include "demo.h"

#define N		5
#define SECONDS		2

struct shared {
	unsigned int stop;
	unsigned int meals[N];
	unsigned int eating[N];
	unsigned int overlaps;
	unsigned int holding_left;
	unsigned int timed_out;
	unsigned int ate;
};

static struct lkipc k;
static struct lkipc_sem fork_sem[N];	/* the children use their copies */
static struct shared *sh;

static struct timespec deadline_in(long ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

static int both_at_once(void *arg)
{
	unsigned int i = (unsigned int)(uintptr_t)arg;
	struct lkipc_sem *left = &fork_sem[i], *right = &fork_sem[(i + 1) % N];
	struct kipc_sem_multi_entry forks[2] = {
		{ .fd = left->fd, .count = 1 },
		{ .fd = right->fd, .count = 1 },
	};

	while (!__atomic_load_n(&sh->stop, __ATOMIC_ACQUIRE)) {
		demo_ok(lkipc_sem_wait_all(&k, forks, 2, 0, NULL),
			"take both forks");
		/* Eat: neither neighbour may be eating now. */
		__atomic_store_n(&sh->eating[i], 1, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&sh->eating[(i + 1) % N], __ATOMIC_SEQ_CST) ||
		    __atomic_load_n(&sh->eating[(i + N - 1) % N],
				    __ATOMIC_SEQ_CST))
			__atomic_add_fetch(&sh->overlaps, 1, __ATOMIC_SEQ_CST);
		sh->meals[i]++;
		usleep(1000);
		__atomic_store_n(&sh->eating[i], 0, __ATOMIC_SEQ_CST);
		demo_ok(lkipc_sem_post_all(&k, forks, 2, 0),
			"put both forks down");
	}
	return 0;
}

static int one_at_a_time(void *arg)
{
	unsigned int i = (unsigned int)(uintptr_t)arg;
	struct lkipc_sem *left = &fork_sem[i], *right = &fork_sem[(i + 1) % N];
	struct timespec ts;
	int ret;

	demo_ok(lkipc_sem_wait(left, 1, 0, NULL), "take the left fork");
	__atomic_add_fetch(&sh->holding_left, 1, __ATOMIC_SEQ_CST);
	demo_wait_for(&sh->holding_left, N);	/* the unlucky interleaving */
	ts = deadline_in(3000);
	ret = lkipc_sem_wait(right, 1, 0, &ts);
	if (ret == -ETIMEDOUT)
		__atomic_add_fetch(&sh->timed_out, 1, __ATOMIC_SEQ_CST);
	else
		demo_ok(ret, "take the right fork");
	if (!ret)
		__atomic_add_fetch(&sh->ate, 1, __ATOMIC_SEQ_CST);
	demo_ok(lkipc_sem_post(left, 1, 0), "put the left fork");
	if (!ret)
		demo_ok(lkipc_sem_post(right, 1, 0), "put the right fork");
	return 0;
}

static void open_forks(void)
{
	int i;

	for (i = 0; i < N; i++)
		demo_ok(lkipc_sem_open(&k, &fork_sem[i], NULL, KIPC_OPEN_CREATE,
				       0600, 1), "create a fork");
}

static void close_forks(void)
{
	int i;

	for (i = 0; i < N; i++)
		lkipc_sem_close(&fork_sem[i]);
}

int main(void)
{
	unsigned int i, most = 0, fewest = ~0U, total = 0, cycle = 0;
	struct kipc_sem_stat st;
	double end;
	int bad = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	sh = demo_shared(sizeof(*sh));
	demo_ok(lkipc_open(&k, 0), "open /dev/kipc");

	/* 1. Both forks at once. */
	open_forks();
	for (i = 0; i < N; i++)
		demo_spawn(both_at_once, (void *)(uintptr_t)i);
	sleep(SECONDS);
	__atomic_store_n(&sh->stop, 1, __ATOMIC_RELEASE);
	bad += demo_reap();
	printf("philosophers, both forks at once (lkipc_sem_wait_all), %d s:\n",
	       SECONDS);
	for (i = 0; i < N; i++) {
		printf("  philosopher %u: %u meals\n", i, sh->meals[i]);
		most = sh->meals[i] > most ? sh->meals[i] : most;
		fewest = sh->meals[i] < fewest ? sh->meals[i] : fewest;
		total += sh->meals[i];
	}
	/*
	 * A hungry philosopher is queued on both forks, so each neighbour
	 * eats at most once more before it does; the bound leaves room for
	 * the time a process is not queued at all (preempted between a meal
	 * and its next request, on a loaded 2-CPU VM).
	 */
	printf("  %u meals, most %u, fewest %u: spread %u %s the bound of a "
	       "third of the mean (%u); %u neighbours ate at once; no deadlock\n",
	       total, most, fewest, most - fewest,
	       most - fewest <= total / N / 3 ? "within" : "OVER",
	       total / N / 3, sh->overlaps);
	if (!fewest || most - fewest > total / N / 3 || sh->overlaps)
		bad++;
	close_forks();

	/* 2. One fork at a time. */
	open_forks();
	for (i = 0; i < N; i++)
		demo_spawn(one_at_a_time, (void *)(uintptr_t)i);
	demo_wait_for(&sh->holding_left, N);
	end = 0;
	while (cycle < N && end++ < 2000) {
		cycle = 0;
		for (i = 0; i < N; i++)
			if (!lkipc_sem_stat(&fork_sem[i], &st, NULL, 0) &&
			    st.value == 0 && st.nwaiters == 1)
				cycle++;
		usleep(1000);
	}
	bad += demo_reap();
	printf("philosophers, one fork at a time (left, then right):\n"
	       "  every philosopher took its left fork, then waited for its "
	       "right one, held by its neighbour: %u of %u forks at 0 with "
	       "one waiter, a cycle%s\n"
	       "  deadlock %s: the 3 s deadline ended %u wait%s with "
	       "ETIMEDOUT; each philosopher whose wait ended put its left "
	       "fork down, which "
	       "broke the cycle and let the %u others eat\n",
	       cycle, N, cycle == N ? "" : " NOT seen",
	       cycle == N && sh->timed_out ? "reached and detected" :
					     "NOT detected",
	       sh->timed_out, sh->timed_out == 1 ? "" : "s", sh->ate);
	if (cycle != N || !sh->timed_out || sh->timed_out + sh->ate != N)
		bad++;
	close_forks();
	lkipc_close(&k);
	return bad ? 1 : 0;
}
