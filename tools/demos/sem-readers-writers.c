// SPDX-License-Identifier: GPL-2.0
/*
 * Readers-writers without starvation: the turnstile solution.  Writers and
 * readers all pass a turnstile semaphore; because kipc semaphores serve
 * waiters in arrival order, a waiting writer holds the turnstile and new
 * readers queue behind it, so writers cannot starve, and readers cannot
 * either.  Readers check that they never see a half-written record.
 */
#include "demo.h"

#define READERS	4
#define WRITERS	2
#define ROUNDS	200
#define WORDS	64

struct shared {
	unsigned int readers;		/* protected by mutex */
	unsigned int writers_in;
	unsigned int readers_in;
	unsigned int reads, writes, torn, overlap;
	unsigned int record[WORDS];
};

static struct lkipc_sem room_empty, turnstile, mutex;
static struct shared *sh;

static void P(struct lkipc_sem *sem)
{
	demo_ok(lkipc_sem_wait(sem, 1, 0, NULL), "P");
}

static void V(struct lkipc_sem *sem)
{
	demo_ok(lkipc_sem_post(sem, 1, 0), "V");
}

static int writer(void *arg)
{
	unsigned int id = (unsigned int)(long)arg, i, w;

	for (i = 0; i < ROUNDS; i++) {
		P(&turnstile);
		P(&room_empty);
		if (__atomic_add_fetch(&sh->writers_in, 1, __ATOMIC_SEQ_CST) != 1 ||
		    __atomic_load_n(&sh->readers_in, __ATOMIC_SEQ_CST))
			__atomic_add_fetch(&sh->overlap, 1, __ATOMIC_SEQ_CST);
		for (w = 0; w < WORDS; w++)
			__atomic_store_n(&sh->record[w], id * 100000 + i,
					 __ATOMIC_RELAXED);
		__atomic_add_fetch(&sh->writes, 1, __ATOMIC_SEQ_CST);
		__atomic_sub_fetch(&sh->writers_in, 1, __ATOMIC_SEQ_CST);
		V(&turnstile);
		V(&room_empty);
	}
	return 0;
}

static int reader(void *arg)
{
	unsigned int i, w, first;

	for (i = 0; i < ROUNDS; i++) {
		P(&turnstile);
		V(&turnstile);
		P(&mutex);
		if (++sh->readers == 1)
			P(&room_empty);
		V(&mutex);

		__atomic_add_fetch(&sh->readers_in, 1, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&sh->writers_in, __ATOMIC_SEQ_CST))
			__atomic_add_fetch(&sh->overlap, 1, __ATOMIC_SEQ_CST);
		first = __atomic_load_n(&sh->record[0], __ATOMIC_RELAXED);
		for (w = 1; w < WORDS; w++)
			if (__atomic_load_n(&sh->record[w], __ATOMIC_RELAXED) != first) {
				__atomic_add_fetch(&sh->torn, 1, __ATOMIC_SEQ_CST);
				break;
			}
		__atomic_add_fetch(&sh->reads, 1, __ATOMIC_SEQ_CST);
		__atomic_sub_fetch(&sh->readers_in, 1, __ATOMIC_SEQ_CST);

		P(&mutex);
		if (--sh->readers == 0)
			V(&room_empty);
		V(&mutex);
	}
	return 0;
}

int main(void)
{
	struct lkipc k;
	long i;
	int bad;

	sh = demo_shared(sizeof(*sh));
	demo_ok(lkipc_open(&k, 0), "open /dev/kipc");
	demo_ok(lkipc_sem_open(&k, &room_empty, NULL, KIPC_OPEN_CREATE, 0600,
			       1), "create room_empty");
	demo_ok(lkipc_sem_open(&k, &turnstile, NULL, KIPC_OPEN_CREATE, 0600,
			       1), "create turnstile");
	demo_ok(lkipc_sem_open(&k, &mutex, NULL, KIPC_OPEN_CREATE, 0600, 1),
		"create mutex");
	for (i = 0; i < WRITERS; i++)
		demo_spawn(writer, (void *)(i + 1));
	for (i = 0; i < READERS; i++)
		demo_spawn(reader, NULL);
	bad = demo_reap();

	printf("readers-writers: %u writes and %u reads, %u torn reads, %u "
	       "overlaps of a writer with anyone\n", sh->writes, sh->reads,
	       sh->torn, sh->overlap);
	return bad || sh->torn || sh->overlap ||
	       sh->writes != WRITERS * ROUNDS || sh->reads != READERS * ROUNDS;
}
