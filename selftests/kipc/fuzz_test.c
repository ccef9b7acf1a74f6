// SPDX-License-Identifier: GPL-2.0
/*
 * A bounded random fuzzer of the whole ABI (Documentation/testing.md,
 * "The fuzzer").  From one seed, several processes at once:
 *
 *  - fuzzers (two as root, one as an unprivileged uid) make a fixed number
 *    of random calls: every ioctl on /dev/kipc and on queue and semaphore
 *    handles (the wrong type's too), with random sizes, flags, reserved
 *    fields, pointers, names, selectors, deadlines and batches, and
 *    read/write/poll/mmap/close/dup/fork on the handles;
 *  - a scribbler writes random values on the mapped ring of a victim queue
 *    and on the page of a victim semaphore, which the fuzzers also use;
 *  - normal workers send and receive with a sequence check, and do P/V with
 *    a units check, on an anonymous queue and semaphore nobody else reaches.
 *
 * Every call that could block either has a deadline or is cut short by a
 * one-shot timer signal (no SA_RESTART).  Afterwards: the workers' checks
 * held, every victim's counters are consistent, no object is left over and
 * fresh objects work.
 *
 * KIPC_FUZZ_SEED=N replays a seed (printed at the start); KIPC_FUZZ_CALLS=N
 * sets the calls per fuzzer (default FUZZ_CALLS_DEFAULT).
 */
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/time.h>
#include <sys/uio.h>

#include <lkipc.h>

#include "kselftest_harness.h"
#include "kipc_test.h"

#define FUZZ_CALLS_DEFAULT	70000
#define NR_FUZZERS		3	/* the last one unprivileged */
#define UNPRIV_UID		65534
#define PAGE			4096UL
#define NSLOTS			16
#define DATA_PAGES		4	/* message buffers, then a guard page */
#define NMSG_PAGES		16	/* batch entries, then a guard page */
#define NORMAL_INIT		4	/* the normal semaphore's value */

/* ---- The seeded generator ---------------------------------------- */

static uint64_t rng_state;

/* This call is "clean": valid sizes, pointers, flags, names; values vary. */
static int clean;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint32_t below(uint32_t n)
{
	return n ? rnd() % n : 0;
}

/* One time in n. */
static int one_in(uint32_t n)
{
	return below(n) == 0;
}

static void rng_seed(uint64_t seed, unsigned int role)
{
	rng_state = seed ^ (0x1000193ULL * (role + 1));
	rnd();
}

/* A value of interest for a 32-bit field. */
static uint32_t rnd_u32(void)
{
	static const uint32_t special[] = {
		0, 1, 2, 7, 8, 16, 23, 24, 25, 31, 32, 63, 64, 255, 256, 1023,
		1024, 1025, 4095, 4096, 4097, 8192, 32767, 32768, 65535,
		0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff,
	};

	switch (below(4)) {
	case 0:
		return special[below(sizeof(special) / sizeof(special[0]))];
	case 1:
		return below(16);
	case 2:
		return 1U << below(32);
	default:
		return rnd();
	}
}

static uint64_t rnd_u64(void)
{
	static const uint64_t special[] = {
		0, 1, 0x7fffffffffffffffULL, 0x8000000000000000ULL,
		0xffffffffffffffffULL, 0xffffffffULL, 0x100000000ULL,
		KIPC_RING_SLOW, KIPC_RING_SLOW | 1, KIPC_RING_POS_MASK,
	};

	if (one_in(2))
		return special[below(sizeof(special) / sizeof(special[0]))];
	if (one_in(2))
		return rnd_u32();
	return rnd();
}

/* ---- Memory: buffers beside guard pages, bad addresses ----------- */

struct arena {
	uint8_t *arg;		/* two pages, then a guard page */
	uint8_t *data;		/* DATA_PAGES, then a guard page */
	uint8_t *msgs;		/* NMSG_PAGES, then a guard page */
	uint8_t *ro;		/* a read-only page */
	uint8_t *names;		/* a page of names, then a guard page */
	uintptr_t unmapped;	/* a page that was unmapped */
};

static struct arena A;

static uint8_t *guarded(size_t pages)
{
	uint8_t *p = mmap(NULL, (pages + 1) * PAGE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	if (mprotect(p + pages * PAGE, PAGE, PROT_NONE))
		return NULL;
	return p;
}

static int arena_init(void)
{
	void *p;

	A.arg = guarded(2);
	A.data = guarded(DATA_PAGES);
	A.msgs = guarded(NMSG_PAGES);
	A.names = guarded(1);
	A.ro = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	p = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!A.arg || !A.data || !A.msgs || !A.names || A.ro == MAP_FAILED ||
	    p == MAP_FAILED)
		return -1;
	munmap(p, PAGE);
	A.unmapped = (uintptr_t)p;
	return 0;
}

/* A pointer: usually "good", else one of the bad kinds. */
static uint64_t rnd_ptr(void *good, size_t good_len)
{
	if (clean)
		return (uintptr_t)good;
	switch (below(24)) {
	case 0:
		return 0;
	case 1:
		return A.unmapped + below(PAGE);
	case 2:
		return 0xffff888000000000ULL;
	case 3:
		return 0xffffffff81000000ULL + below(PAGE);
	case 4:
		return 0x8000000000000000ULL;
	case 5:
		return (uintptr_t)A.ro;
	case 6: /* the end of the data, running into its guard page */
		return (uintptr_t)A.data + DATA_PAGES * PAGE - below(64);
	case 7:
		return (uintptr_t)good + 1;
	case 8:
		return rnd();
	default:
		(void)good_len;
		return (uintptr_t)good;
	}
}

/* Message data: anywhere in the data pages, or a bad pointer. */
static uint64_t rnd_buf(uint32_t len)
{
	uint8_t *good = A.data;

	if (len < DATA_PAGES * PAGE && one_in(2))
		good = A.data + below(DATA_PAGES * PAGE - len + 1);
	return rnd_ptr(good, len);
}

/* Names kept valid, so that the parent can unlink whatever was created. */
static const char *const pool_names[] = {
	"fz-victim-q", "fz-victim-s", "fz0", "fz1", "fz2", "fz3",
	"\xc3\xa9t\xc3\xa9", "\xff\xfe\x80", " sp ace ", NULL /* long */,
};
#define NR_POOL	(sizeof(pool_names) / sizeof(pool_names[0]))
static char long_name[KIPC_NAME_MAX + 1];

static const char *pool_name(unsigned int i)
{
	return pool_names[i] ? pool_names[i] : long_name;
}

static uint64_t rnd_name(void)
{
	char *n = (char *)A.names;
	size_t len;

	switch (clean ? 8 : below(16)) {
	case 0:
		return 0;
	case 1:
		strcpy(n, "");
		break;
	case 2:
		strcpy(n, one_in(2) ? "." : "..");
		break;
	case 3:
		strcpy(n, "fz/x");
		break;
	case 4:
		strcpy(n, "fz\x01");
		n[2] = one_in(2) ? 0x1f : 0x7f;
		break;
	case 5: /* 256 bytes: one too long */
		memset(n, 'n', KIPC_NAME_MAX + 1);
		n[KIPC_NAME_MAX + 1] = 0;
		break;
	case 6: /* no NUL before the guard page */
		len = PAGE - below(KIPC_NAME_MAX + 8);
		n = (char *)A.names + PAGE - len;
		memset(n, 'g', len);
		break;
	case 7:
		return rnd_ptr(A.names, 1);
	default:
		strcpy(n, pool_name(below(NR_POOL)));
		break;
	}
	return (uintptr_t)n;
}

/* A deadline (and the flags it needs) for a call that may wait. */
static void rnd_deadline(uint32_t *flags, __s64 *sec, __s64 *nsec,
			 uint32_t nonblock, uint32_t timed, uint32_t realtime)
{
	clockid_t clk = one_in(3) ? CLOCK_REALTIME : CLOCK_MONOTONIC;
	struct timespec ts;

	*sec = 0;
	*nsec = 0;
	clock_gettime(clk, &ts);
	switch (below(clean ? 9 : 12)) {
	case 0: case 1: case 2: case 3:
		*flags |= nonblock;
		return;
	case 4: /* blocks: the timer signal ends it */
		return;
	case 5: /* past */
		*sec = one_in(2) ? 0 : ts.tv_sec - 1;
		*nsec = below(1000000000);
		break;
	case 6: case 7: /* soon */
		ts.tv_nsec += below(3000000);
		*sec = ts.tv_sec + ts.tv_nsec / 1000000000;
		*nsec = ts.tv_nsec % 1000000000;
		break;
	case 8: /* far: the timer signal ends it */
		*sec = one_in(2) ? INT64_MAX : ts.tv_sec + 3600;
		*nsec = below(1000000000);
		break;
	case 9: /* invalid */
		*sec = one_in(2) ? -1 : ts.tv_sec;
		*nsec = one_in(2) ? 1000000000 : -1;
		break;
	case 10: /* deadline fields without TIMED, or TIMED with NONBLOCK */
		*sec = ts.tv_sec;
		*nsec = rnd_u32();
		*flags |= one_in(2) ? nonblock : 0;
		if (one_in(2))
			return;
		break;
	default:
		*sec = (int64_t)rnd_u64();
		*nsec = (int64_t)rnd_u64();
		break;
	}
	*flags |= timed;
	if (clk == CLOCK_REALTIME || one_in(8))
		*flags |= realtime;
}

/* Known bits mostly, an unknown one at times. */
static uint32_t rnd_flags(uint32_t known)
{
	uint32_t f = rnd() & known;

	if (!clean && one_in(12))
		f |= 1U << below(32);
	return f;
}

/* ---- The handles of a fuzzer ------------------------------------- */

enum { K_DEV, K_QUEUE, K_SEM, K_OTHER };

struct slot {
	int fd;
	int kind;
	uint64_t id;	/* the object's, when known (an open's answer); else 0 */
};

static struct slot slots[NSLOTS];
static int devfd = -1;
static int evfd = -1;		/* an eventfd, for KIPC_NOTIFY_EVENTFD */

static void slot_add(int fd, int kind, uint64_t id)
{
	unsigned int i = 1 + below(NSLOTS - 1);

	if (slots[i].fd >= 0)
		close(slots[i].fd);
	slots[i].fd = fd;
	slots[i].kind = kind;
	slots[i].id = id;
}

/* The object id of the handle fd, if a slot knows it; else 0. */
static uint64_t slot_id(int fd)
{
	unsigned int i;

	for (i = 0; i < NSLOTS; i++)
		if (fd >= 0 && slots[i].fd == fd)
			return slots[i].id;
	return 0;
}

static int rnd_fd(void)
{
	unsigned int i;

	switch (below(20)) {
	case 0:
		return -1;
	case 1:
		return 1000 + below(24);
	case 2:
		return 0;	/* stdin: not ours */
	default:
		i = below(NSLOTS);
		return slots[i].fd >= 0 ? slots[i].fd : devfd;
	}
}

/*
 * The signal that cuts blocking calls short: it repeats until disarmed,
 * since under TCG the first one may come before the call begins to wait.
 */
static void on_alarm(int sig)
{
	(void)sig;
}

static void arm(void)
{
	struct itimerval it = {
		.it_value = { .tv_sec = 0, .tv_usec = 2000 + below(15000) },
		.it_interval = { .tv_sec = 0, .tv_usec = 5000 },
	};

	setitimer(ITIMER_REAL, &it, NULL);
}

static void disarm(void)
{
	struct itimerval it = { 0 };

	setitimer(ITIMER_REAL, &it, NULL);
}

static void signals_init(void)
{
	struct sigaction sa = { .sa_handler = on_alarm };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);	/* no SA_RESTART */
	signal(SIGPIPE, SIG_IGN);
	signal(SIGIO, SIG_IGN);
}

/* ---- One random ioctl --------------------------------------------- */

/* What the ioctls did, in all processes: successes and errors by command. */
struct ioctl_stats {
	uint64_t ok[32];
	uint64_t err[32];
	uint64_t efault, einval, e2big, enotty, eintr;
	/* Requests that named another object by id: refused, or not (a bug). */
	uint64_t id_refused, id_wrong_ok;
};

static struct ioctl_stats *stats;

/* What a fuzzer is doing, for the watchdog's report. */
struct shared;
static struct shared *gsh;
static unsigned int grole;
static void doing(const char *what, unsigned long num);

static void count(uint64_t *c)
{
	if (stats)
		__atomic_add_fetch(c, 1, __ATOMIC_RELAXED);
}

static const unsigned long ioctls[] = {
	KIPC_IOC_GET_INFO, KIPC_IOC_OPEN, KIPC_IOC_UNLINK, KIPC_IOC_LIST,
	KIPC_IOC_DESTROY, KIPC_IOC_SEM_WAIT, KIPC_IOC_SEM_POST,
	KIPC_IOC_SEM_STAT, KIPC_IOC_SEND, KIPC_IOC_RECV, KIPC_IOC_SEND_BATCH,
	KIPC_IOC_RECV_BATCH, KIPC_IOC_QUEUE_STAT, KIPC_IOC_RING_LANE,
	KIPC_IOC_RING_KICK, KIPC_IOC_SEM_WAIT_MULTI, KIPC_IOC_SEM_OP,
	KIPC_IOC_QUEUE_NOTIFY, KIPC_IOC_SEM_UNDO_SLOT,
};
#define NR_IOCTLS	(sizeof(ioctls) / sizeof(ioctls[0]))

/* The minimum and current sizes of each ioctl's struct, by command. */
static const uint32_t min_sizes[] = {
	56, 48, 24, 32, 8, 32, 16, 80, 48, 56, 56, 56, 160, 16, 8, 40, 40, 32,
	16,
};

static size_t struct_size(unsigned int cmd)
{
	switch (cmd) {
	case KIPC_CMD_GET_INFO: return sizeof(struct kipc_info);
	case KIPC_CMD_OPEN: return sizeof(struct kipc_open);
	case KIPC_CMD_UNLINK: return sizeof(struct kipc_unlink);
	case KIPC_CMD_LIST: return sizeof(struct kipc_list);
	case KIPC_CMD_DESTROY: return sizeof(struct kipc_destroy);
	case KIPC_CMD_SEM_WAIT: return sizeof(struct kipc_sem_wait);
	case KIPC_CMD_SEM_POST: return sizeof(struct kipc_sem_post);
	case KIPC_CMD_SEM_STAT: return sizeof(struct kipc_sem_stat);
	case KIPC_CMD_SEND: return sizeof(struct kipc_send);
	case KIPC_CMD_RECV: return sizeof(struct kipc_recv);
	case KIPC_CMD_SEND_BATCH:
	case KIPC_CMD_RECV_BATCH: return sizeof(struct kipc_batch);
	case KIPC_CMD_QUEUE_STAT: return sizeof(struct kipc_queue_stat);
	case KIPC_CMD_RING_LANE: return sizeof(struct kipc_ring_lane_req);
	case KIPC_CMD_SEM_WAIT_MULTI:
	case KIPC_CMD_SEM_OP: return sizeof(struct kipc_sem_wait_multi);
	case KIPC_CMD_QUEUE_NOTIFY: return sizeof(struct kipc_queue_notify);
	case KIPC_CMD_SEM_UNDO_SLOT: return sizeof(struct kipc_sem_undo_slot);
	default: return sizeof(struct kipc_ring_kick);
	}
}

/* The batch entries: random, with random tails past the known part. */
static void fill_mmsgs(uint32_t count, uint32_t entry_size, int send)
{
	size_t room = NMSG_PAGES * PAGE;
	uint32_t i;

	for (i = 0; i < count && i <= KIPC_BATCH_MAX &&
	     (size_t)(i + 1) * entry_size <= room; i++) {
		uint8_t *e = A.msgs + (size_t)i * entry_size;
		struct kipc_mmsg m = {
			.type = one_in(8) ? (int64_t)rnd_u64() : 1 + below(3),
			.len = one_in(6) ? rnd_u32() : below(80),
		};

		m.buf = rnd_buf(m.len);
		if (!send || one_in(10))
			m.msg_len = one_in(2) ? 0 : rnd_u32();
		memset(e, 0, entry_size);
		memcpy(e, &m, entry_size < sizeof(m) ? entry_size : sizeof(m));
		if (entry_size > sizeof(m) && one_in(10))
			e[sizeof(m) + below(entry_size - sizeof(m))] = rnd();
	}
}

static uint32_t rnd_entry_size(uint32_t base, uint32_t natural)
{
	switch (below(8)) {
	case 0:
		return base;
	case 1:
		return base + 8 * below(8);
	case 2:
		return KIPC_SIZE_MAX - 8 * below(2);
	case 3:
		return one_in(2) ? KIPC_SIZE_MAX + 8 : rnd_u32();
	case 4:
		return base - 1 - below(8);
	case 5:
		return natural + 1 + below(7);
	default:
		return natural;
	}
}

/* A handle of the given kind from the slots, else any descriptor. */
static int fd_of_kind(int want)
{
	int cand[NSLOTS], n = 0;
	unsigned int i;

	for (i = 0; i < NSLOTS; i++)
		if (slots[i].fd >= 0 && slots[i].kind == want)
			cand[n++] = slots[i].fd;
	return n ? cand[below(n)] : rnd_fd();
}

/*
 * Signals a queue's registration may send a fuzzer: ignored or handled
 * ones (a registration fires when a message arrives, at any time), the
 * "nothing" signal 0, and invalid numbers.  Never one that stops or kills.
 */
static const int safe_signals[] = { 0, SIGURG, SIGWINCH, SIGALRM, SIGIO,
				    SIGPIPE, SIGCHLD };

static int notify_signo(void)
{
	switch (below(6)) {
	case 0:
		return 65 + (int)below(1000);
	case 1:
		return -1 - (int)below(3);
	case 2:
		return (int)rnd_u32() | 0x40000000;
	default:
		return safe_signals[below(sizeof(safe_signals) /
					  sizeof(safe_signals[0]))];
	}
}

/*
 * A request that reaches KIPC_IOC_QUEUE_NOTIFY with a signal that would
 * stop or kill the fuzzer (junk written into the struct, another command's
 * struct under a mutated number) asks for SIGURG instead.
 */
static void notify_defuse(unsigned long num, uint8_t *p)
{
	unsigned int i;
	int32_t signo;

	if (_IOC_TYPE(num) != KIPC_IOC_TYPE ||
	    _IOC_NR(num) != KIPC_CMD_QUEUE_NOTIFY || p < A.arg ||
	    p + 16 > A.arg + 2 * PAGE)
		return;
	memcpy(&signo, p + 12, sizeof(signo));
	if (signo <= 0 || signo > 64)
		return;
	for (i = 0; i < sizeof(safe_signals) / sizeof(safe_signals[0]); i++)
		if (signo == safe_signals[i])
			return;
	signo = SIGURG;
	memcpy(p + 12, &signo, sizeof(signo));
}

/*
 * KIPC_IOC_SEM_WAIT_MULTI's (fd, count) pairs or KIPC_IOC_SEM_OP's
 * operations, on the fuzzer's semaphores mostly, in the message pages.
 */
static void build_multi(unsigned int cmd, struct kipc_sem_wait_multi *w)
{
	int op = cmd == KIPC_CMD_SEM_OP;
	size_t esz = op ? sizeof(struct kipc_sem_op_entry) :
			  sizeof(struct kipc_sem_multi_entry);
	uint32_t i, nr;

	switch (below(8)) {
	case 0:
		nr = 0;
		break;
	case 1:
		nr = KIPC_SEM_MULTI_MAX + below(2);
		break;
	case 2:
		nr = rnd_u32();
		break;
	default:
		nr = 1 + below(4);
		break;
	}
	w->nr = nr;
	w->flags = rnd_flags(op ? 0 : KIPC_SEM_UNDO | KIPC_SEM_ANY);
	if (one_in(10))
		w->index = rnd_u32();
	for (i = 0; i < nr && i <= KIPC_SEM_MULTI_MAX &&
	     (i + 1) * esz <= NMSG_PAGES * PAGE; i++) {
		int fd = one_in(8) ? rnd_fd() : fd_of_kind(K_SEM);
		uint32_t count = one_in(8) ? rnd_u32() :
				 one_in(10) ? 0 : 1 + below(3);

		if (op) {
			struct kipc_sem_op_entry e = {
				.fd = fd,
				.op = one_in(10) ? rnd_u32() : 1 + below(4),
				.count = count,
				.flags = rnd_flags(KIPC_SEM_UNDO |
						   KIPC_SEM_NONBLOCK),
			};

			/* A wait for zero mostly as it must be: count 0. */
			if (e.op == KIPC_SEMOP_ZERO && !one_in(8))
				e.count = 0;
			memcpy(A.msgs + i * esz, &e, esz);
		} else {
			struct kipc_sem_multi_entry e = {
				.fd = fd,
				.count = count,
			};

			memcpy(A.msgs + i * esz, &e, esz);
		}
	}
	w->entries = rnd_ptr(A.msgs, (size_t)nr * esz);
	rnd_deadline(&w->flags, &w->tv_sec, &w->tv_nsec, KIPC_SEM_NONBLOCK,
		     KIPC_SEM_TIMED, KIPC_SEM_REALTIME);
}

/* Fill the struct of command "cmd" at "p" with plausible values. */
static void build(unsigned int cmd, void *p, int fd_kind)
{
	switch (cmd) {
	case KIPC_CMD_GET_INFO:
		break;
	case KIPC_CMD_OPEN: {
		struct kipc_open *o = p;

		o->flags = rnd_flags(KIPC_OPEN_FLAGS);
		if (!one_in(8))
			o->flags |= KIPC_OPEN_CREATE | (1 + below(3));
		o->type = one_in(10) ? rnd_u32() : 1 + below(2);
		o->mode = one_in(10) ? rnd_u32() : below(01000);
		o->name = one_in(4) ? 0 : rnd_name();
		if (o->type == KIPC_OBJ_SEM || one_in(10)) {
			o->sem_value = one_in(4) ? rnd_u32() : below(8);
			o->sem_max = one_in(3) ? 0 :
				     one_in(2) ? rnd_u32() : 1 + below(16);
		}
		if (o->type == KIPC_OBJ_QUEUE || one_in(10)) {
			o->queue_msgs = one_in(4) ? rnd_u32() : below(17);
			o->queue_msgsize = one_in(4) ? rnd_u32() : below(257);
			o->queue_bytes = one_in(4) ? rnd_u64() :
					 one_in(2) ? 0 : below(8192);
			o->queue_flags = rnd_flags(KIPC_QUEUE_FLAGS);
		}
		break;
	}
	case KIPC_CMD_UNLINK: {
		struct kipc_unlink *u = p;

		u->type = one_in(10) ? rnd_u32() : 1 + below(2);
		u->name = rnd_name();
		break;
	}
	case KIPC_CMD_LIST: {
		struct kipc_list *l = p;
		uint32_t cap;

		l->entry_size = rnd_entry_size(328,
					       sizeof(struct kipc_obj_info));
		cap = one_in(8) ? rnd_u32() : below(40);
		l->capacity = cap;
		l->entries = rnd_ptr(A.msgs, (size_t)cap * l->entry_size);
		break;
	}
	case KIPC_CMD_SEM_WAIT: {
		struct kipc_sem_wait *w = p;

		w->flags = rnd_flags(KIPC_SEM_UNDO);
		w->count = one_in(8) ? rnd_u32() : 1 + below(3);
		rnd_deadline(&w->flags, &w->tv_sec, &w->tv_nsec,
			     KIPC_SEM_NONBLOCK, KIPC_SEM_TIMED,
			     KIPC_SEM_REALTIME);
		break;
	}
	case KIPC_CMD_SEM_POST: {
		struct kipc_sem_post *v = p;

		v->flags = rnd_flags(KIPC_SEM_POST_FLAGS);
		v->count = one_in(8) ? rnd_u32() : 1 + below(3);
		break;
	}
	case KIPC_CMD_SEM_STAT: {
		struct kipc_sem_stat *s = p;

		s->capacity = one_in(8) ? rnd_u32() : below(8);
		s->waiters = rnd_ptr(A.msgs, s->capacity * 8ULL);
		break;
	}
	case KIPC_CMD_SEND: {
		struct kipc_send *s = p;

		s->flags = rnd_flags(KIPC_MSG_NOSIGNAL);
		s->len = one_in(8) ? rnd_u32() : below(300);
		s->type = one_in(8) ? (int64_t)rnd_u64() : 1 + below(3);
		s->buf = rnd_buf(s->len);
		rnd_deadline(&s->flags, &s->tv_sec, &s->tv_nsec,
			     KIPC_MSG_NONBLOCK, KIPC_MSG_TIMED,
			     KIPC_MSG_REALTIME);
		break;
	}
	case KIPC_CMD_RECV: {
		struct kipc_recv *r = p;

		r->flags = rnd_flags(KIPC_MSG_PEEK | KIPC_MSG_TRUNCATE);
		r->select = one_in(10) ? rnd_u32() : below(4);
		r->type = r->select == KIPC_SEL_ANY && !one_in(10) ? 0 :
			  one_in(8) ? (int64_t)rnd_u64() : 1 + below(3);
		r->len = one_in(8) ? rnd_u32() : below(300);
		r->buf = rnd_buf(r->len);
		if (one_in(10))
			r->msg_len = rnd_u64();
		rnd_deadline(&r->flags, &r->tv_sec, &r->tv_nsec,
			     KIPC_MSG_NONBLOCK, KIPC_MSG_TIMED,
			     KIPC_MSG_REALTIME);
		break;
	}
	case KIPC_CMD_SEND_BATCH:
	case KIPC_CMD_RECV_BATCH: {
		struct kipc_batch *b = p;
		int send = cmd == KIPC_CMD_SEND_BATCH;

		b->flags = rnd_flags(send ? KIPC_MSG_NOSIGNAL :
				     KIPC_MSG_PEEK | KIPC_MSG_TRUNCATE);
		if (!send || one_in(10)) {
			b->select = one_in(10) ? rnd_u32() : below(4);
			b->type = b->select == KIPC_SEL_ANY ? 0 : 1 + below(3);
		}
		switch (below(8)) {
		case 0:
			b->count = 0;
			break;
		case 1:
			b->count = KIPC_BATCH_MAX + below(2);
			break;
		case 2:
			b->count = rnd_u32();
			break;
		default:
			b->count = 1 + below(8);
			break;
		}
		b->entry_size = rnd_entry_size(24, sizeof(struct kipc_mmsg));
		fill_mmsgs(b->count, b->entry_size, send);
		b->msgs = rnd_ptr(A.msgs, (size_t)b->count * b->entry_size);
		rnd_deadline(&b->flags, &b->tv_sec, &b->tv_nsec,
			     KIPC_MSG_NONBLOCK, KIPC_MSG_TIMED,
			     KIPC_MSG_REALTIME);
		break;
	}
	case KIPC_CMD_SEM_WAIT_MULTI:
	case KIPC_CMD_SEM_OP:
		build_multi(cmd, p);
		break;
	case KIPC_CMD_QUEUE_NOTIFY: {
		struct kipc_queue_notify *n = p;

		n->flags = rnd_flags(0);
		n->kind = one_in(10) ? rnd_u32() : below(5);
		if (n->kind == KIPC_NOTIFY_SIGNAL || one_in(10)) {
			n->signo = notify_signo();
			n->value = rnd_u64();
		}
		if (n->kind == KIPC_NOTIFY_EVENTFD || one_in(10))
			n->eventfd = one_in(4) ? rnd_fd() : evfd;
		if (one_in(10))
			n->removed = rnd_u32();
		break;
	}
	default: /* DESTROY, QUEUE_STAT, RING_LANE, RING_KICK, SEM_UNDO_SLOT */
		break;
	}
	(void)fd_kind;
}

static int fd_kind_of(int fd)
{
	unsigned int i;

	for (i = 0; i < NSLOTS; i++)
		if (slots[i].fd == fd)
			return slots[i].kind;
	return K_OTHER;
}

/* Usually a handle of the kind the command is for; at times any. */
static int fd_for(unsigned int cmd)
{
	int want = cmd <= KIPC_CMD_LIST || cmd == KIPC_CMD_SEM_WAIT_MULTI ||
		   cmd == KIPC_CMD_SEM_OP ? K_DEV :
		   cmd == KIPC_CMD_DESTROY ? (one_in(2) ? K_QUEUE : K_SEM) :
		   cmd <= KIPC_CMD_SEM_STAT ? K_SEM : K_QUEUE;

	if (one_in(4))
		return rnd_fd();
	return fd_of_kind(want);
}

/* Does command cmd's struct end with the handle's object id? */
static int has_id(unsigned int cmd)
{
	return cmd == KIPC_CMD_SEND || cmd == KIPC_CMD_RECV ||
	       cmd == KIPC_CMD_SEND_BATCH || cmd == KIPC_CMD_RECV_BATCH ||
	       cmd == KIPC_CMD_SEM_WAIT || cmd == KIPC_CMD_SEM_POST ||
	       cmd == KIPC_CMD_DESTROY || cmd == KIPC_CMD_QUEUE_NOTIFY;
}

/* An id for a request on a handle whose object is own (0: unknown). */
static uint64_t rnd_id(uint64_t own)
{
	unsigned int i = below(NSLOTS);

	switch (below(4)) {
	case 0:
		return own;
	case 1:
		return slots[i].fd >= 0 ? slots[i].id : own;
	case 2:
		return own + 1 + below(3);
	default:
		return rnd_u64();
	}
}

static void fuzz_ioctl(void)
{
	unsigned int idx = below(NR_IOCTLS), cmd;
	unsigned long num = ioctls[idx];
	size_t full, min, size;
	uint8_t *p = A.arg;
	uint64_t own, id = 0;
	uint32_t *words;
	int fd, kind;
	long ret;

	/* DESTROY ends the victims: keep it rare. */
	if (num == KIPC_IOC_DESTROY && !one_in(50))
		num = KIPC_IOC_QUEUE_STAT;
	cmd = _IOC_NR(num);
	fd = fd_for(cmd);
	kind = fd_kind_of(fd);
	clean = one_in(3);
	full = struct_size(cmd);
	min = min_sizes[cmd];
	switch (clean ? 6 + below(2) : below(12)) {
	case 0:
		size = min - 1 - below(min);
		break;
	case 1:
		size = min;
		break;
	case 2: case 3: /* larger: zero tail, or junk in it */
		size = full + 1 + below(64);
		break;
	case 4:
		size = KIPC_SIZE_MAX + (one_in(2) ? 0 : 1 + below(8));
		break;
	case 5:
		size = one_in(2) ? 0xffffffffU : rnd_u32();
		break;
	default:
		size = full;
		break;
	}
	if (clean && one_in(2))
		size = min;
	memset(p, 0, 2 * PAGE);
	build(cmd, p, kind);
	/* The handle's object id, another's, or junk (KIPC_FEAT_HANDLE_ID). */
	own = slot_id(fd);
	if (has_id(cmd) && one_in(3)) {
		id = rnd_id(own);
		memcpy(p + full - sizeof(id), &id, sizeof(id));
	}
	if (size > full && size <= 2 * PAGE && one_in(2))
		p[full + below(size - full)] = 1 + below(255);
	/* Now and then, a random word anywhere past the size. */
	words = (uint32_t *)p;
	if (!clean && one_in(6))
		words[1 + below(full / 4 - 1)] = rnd_u32();
	if (!clean && one_in(10)) /* reserved fields, output fields, ... */
		words[1 + below(full / 4 - 1)] = 1U << below(32);
	words[0] = size;

	/* The argument itself: good, near a guard page, or bad. */
	switch (clean ? 2 : below(16)) {
	case 0: { /* the struct runs into the guard page */
		size_t n = size <= 2 * PAGE ? size : full;
		size_t cut = 4 + below(n > 4 ? n - 4 : 1);
		uint8_t *q = A.arg + 2 * PAGE - cut;

		memmove(q, p, cut);
		p = q;
		break;
	}
	case 1:
		p = (uint8_t *)(uintptr_t)rnd_ptr(A.arg, size);
		break;
	default:
		break;
	}

	/* The ioctl number: the size and direction bits are not used. */
	if (clean)
		;
	else if (one_in(16))
		num = (num & ~((unsigned long)_IOC_SIZEMASK << _IOC_SIZESHIFT)) |
		      ((unsigned long)below(1 << _IOC_SIZEBITS) <<
		       _IOC_SIZESHIFT);
	else if (one_in(32))
		num ^= (unsigned long)below(4) << _IOC_DIRSHIFT;
	else if (one_in(32))
		num = _IOC(below(4), KIPC_IOC_TYPE, 0x0f + below(0xf0),
			   below(512));
	else if (one_in(64))
		num = _IOC(below(4), below(256), below(256), below(512));

	notify_defuse(num, p);
	doing("ioctl", num);
	arm();
	ret = ioctl(fd, num, p);
	disarm();
	clean = 0;
	if (stats && _IOC_NR(num) < 32 && _IOC_TYPE(num) == KIPC_IOC_TYPE) {
		count(ret >= 0 ? &stats->ok[_IOC_NR(num)] :
		      &stats->err[_IOC_NR(num)]);
		if (ret < 0 && errno == EFAULT)
			count(&stats->efault);
		if (ret < 0 && errno == EINVAL)
			count(&stats->einval);
		if (ret < 0 && errno == E2BIG)
			count(&stats->e2big);
		if (ret < 0 && errno == ENOTTY)
			count(&stats->enotty);
		if (ret < 0 && errno == EINTR)
			count(&stats->eintr);
	}
	if (ret >= 0 && kind == K_DEV && _IOC_TYPE(num) == KIPC_IOC_TYPE &&
	    _IOC_NR(num) == KIPC_CMD_OPEN) {
		const struct kipc_open *o = (const void *)p;

		slot_add(ret, o->type == KIPC_OBJ_SEM ? K_SEM : K_QUEUE,
			 o->id);
	}
	/*
	 * A request that reached the kernel whole, as built, naming another
	 * object than its handle's: refused with EBADF, never served.
	 */
	if (stats && id && own && id != own && p == A.arg && size >= full &&
	    size <= 2 * PAGE && _IOC_TYPE(num) == KIPC_IOC_TYPE &&
	    _IOC_NR(num) == cmd &&
	    !memcmp(A.arg + full - sizeof(id), &id, sizeof(id))) {
		if (ret >= 0)
			count(&stats->id_wrong_ok);
		else if (errno == EBADF)
			count(&stats->id_refused);
	}
}

/* ---- The other system calls ---------------------------------------- */

static void fuzz_rw(void)
{
	int fd = rnd_fd();
	uint32_t len = one_in(6) ? rnd_u32() : below(300);
	void *buf = (void *)(uintptr_t)rnd_buf(len);
	int fl;

	if (one_in(4)) {
		fl = fcntl(fd, F_GETFL);
		if (fl >= 0)
			fcntl(fd, F_SETFL, fl ^ O_NONBLOCK);
	}
	arm();
	if (one_in(2)) {
		read(fd, buf, len);
	} else if (one_in(4)) {
		struct iovec iov[2] = {
			{ buf, len / 2 }, { A.data, len - len / 2 },
		};

		writev(fd, iov, 2);
	} else {
		write(fd, buf, len);
	}
	disarm();
}

static void fuzz_poll(void)
{
	struct pollfd pf[3];
	int i;

	for (i = 0; i < 3; i++) {
		pf[i].fd = rnd_fd();
		pf[i].events = one_in(4) ? rnd() : POLLIN | POLLOUT;
	}
	arm();
	poll(pf, 1 + below(3), below(3));
	disarm();
}

static void fuzz_mmap(void)
{
	static const size_t lens[] = { 0, 1, PAGE, 2 * PAGE, 3 * PAGE,
				       64 * PAGE, 1UL << 30 };
	int fd = rnd_fd();
	size_t len = one_in(4) ? below(1 << 20) :
		     lens[below(sizeof(lens) / sizeof(lens[0]))];
	off_t off = one_in(3) ? (off_t)PAGE * below(4) : 0;
	int prot = one_in(3) ? PROT_READ : PROT_READ | PROT_WRITE;
	int flags = one_in(6) ? MAP_PRIVATE : MAP_SHARED;
	uint64_t *m;
	size_t i, n;

	if (one_in(10))
		off = rnd();
	m = mmap(NULL, len, prot, flags, fd, off);
	if (m == MAP_FAILED)
		return;
	n = len / 8;
	if (prot & PROT_WRITE)
		for (i = 0; i < 4 && n; i++)
			m[below(n < 512 ? n : 512)] = rnd_u64();
	else if (one_in(2))
		mprotect(m, len, PROT_READ | PROT_WRITE);
	if (one_in(4)) {
		void *r = mremap(m, len, len + PAGE, MREMAP_MAYMOVE);

		if (r != MAP_FAILED) {
			m = r;
			len += PAGE;
		}
	}
	if (one_in(3)) {
		/* read it all: faults on every page */
		volatile uint64_t *v = (volatile uint64_t *)m;

		for (i = 0; i < n && i < 4 * 512; i += 8)
			(void)v[i];
	}
	munmap(m, len);
}

static void fuzz_fd(void)
{
	unsigned int i = 1 + below(NSLOTS - 1);
	int fd, old;

	switch (below(3)) {
	case 0:
		if (slots[i].fd >= 0) {
			close(slots[i].fd);
			slots[i].fd = -1;
		}
		break;
	case 1:
		old = rnd_fd();
		if (old >= 0 && (fd = dup(old)) >= 0)
			slot_add(fd, fd_kind_of(old), slot_id(old));
		break;
	default:
		fcntl(rnd_fd(), F_SETFD, one_in(2) ? FD_CLOEXEC : 0);
		break;
	}
}

/* ---- The victims, through the library (its fast paths) ----------- */

static struct lkipc lk;
static struct lkipc_queue lib_q = { .fd = -1 };
static struct lkipc_sem lib_s = { .fd = -1 };

/* A handle that failed to open has fd -1: its calls fail with EBADF. */
static void lib_reopen(void)
{
	struct lkipc_queue_attr attr = { .msgs = 8, .msgsize = 64 };

	if (lib_q.fd >= 0)
		lkipc_queue_close(&lib_q);
	if (lib_s.fd >= 0)
		lkipc_sem_close(&lib_s);
	lkipc_queue_open(&lk, &lib_q, pool_names[0], KIPC_OPEN_CREATE, 0666,
			 &attr);
	lkipc_sem_open(&lk, &lib_s, pool_names[1], KIPC_OPEN_CREATE, 0666, 2);
}

static void fuzz_lib(void)
{
	struct timespec dl = in_future(CLOCK_MONOTONIC, below(3000000));
	char buf[80];
	int64_t t;
	int ret = 0;

	if (one_in(200))
		lib_reopen();
	memset(buf, 0x5a, sizeof(buf));
	switch (below(6)) {
	case 0:
		ret = lkipc_queue_send(&lib_q, 1 + below(3), buf, below(65),
				       one_in(4) ? KIPC_MSG_NONBLOCK : 0, &dl);
		break;
	case 1:
		ret = lkipc_queue_recv(&lib_q, buf,
				       one_in(8) ? below(64) : 64, below(4),
				       1 + below(3), &t,
				       one_in(4) ? KIPC_MSG_NONBLOCK : 0, &dl);
		if (ret == -EINVAL) /* KIPC_SEL_ANY with a type */
			ret = 0;
		break;
	case 2: {
		struct kipc_mmsg m[4];
		unsigned int i, n = 1 + below(4);

		for (i = 0; i < n; i++)
			m[i] = (struct kipc_mmsg){ .type = 1 + below(3),
				.buf = (uintptr_t)buf, .len = one_in(2) ? 8 : 64 };
		if (one_in(2))
			lkipc_queue_send_batch(&lib_q, m, n, 0, &dl);
		else
			lkipc_queue_recv_batch(&lib_q, m, n, KIPC_SEL_ANY, 0, 0,
					       &dl);
		break;
	}
	case 3:
		ret = lkipc_sem_wait(&lib_s, 1 + below(2),
				     one_in(3) ? KIPC_SEM_UNDO : 0, &dl);
		break;
	default:
		ret = lkipc_sem_post(&lib_s, 1 + below(2), 0);
		break;
	}
	(void)ret;
}

/* ---- The roles ----------------------------------------------------- */

struct shared {
	volatile pid_t child[NR_FUZZERS];	/* of fuzz_fork() */
	volatile const char *what[NR_FUZZERS];	/* the call in progress */
	volatile unsigned long num[NR_FUZZERS];	/* its ioctl number */
	volatile int stop;
	volatile int fuzz_done;
	volatile uint64_t scribbles;
	volatile int held;		/* units of the normal semaphore */
	volatile int bad_held;
	volatile uint64_t calls[NR_FUZZERS];
};

static void fuzz_one(void);

static void doing(const char *what, unsigned long num)
{
	if (gsh && grole < NR_FUZZERS) {
		gsh->what[grole] = what;
		gsh->num[grole] = num;
	}
}

static void fuzz_fork(void)
{
	pid_t pid;
	int i;

	pid = fork();
	if (pid > 0 && gsh && grole < NR_FUZZERS)
		gsh->child[grole] = pid;
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		grole = NR_FUZZERS;
		rng_seed(rnd(), 100);
		for (i = 0; i < 20; i++)
			fuzz_one();
		_exit(0);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

static void fuzz_one(void)
{
	unsigned int r = below(100);

	doing(r < 60 ? "ioctl" : r < 70 ? "read/write" : r < 75 ? "poll" :
	      r < 80 ? "mmap" : r < 87 ? "close/dup" : r < 88 ? "fork" :
	      "library", 0);
	if (r < 60)
		fuzz_ioctl();
	else if (r < 70)
		fuzz_rw();
	else if (r < 75)
		fuzz_poll();
	else if (r < 80)
		fuzz_mmap();
	else if (r < 87)
		fuzz_fd();
	else if (r < 88)
		fuzz_fork();
	else
		fuzz_lib();
}

static int fuzzer(uint64_t seed, unsigned int role, unsigned long calls,
		  int vq, int vs, struct shared *sh)
{
	struct kipc_queue_stat qst;
	struct kipc_sem_stat sst;
	unsigned long i;
	int p[2];

	rng_seed(seed, role);
	gsh = sh;
	grole = role;
	evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (arena_init() || pipe(p) || evfd < 0)
		return 2;
	signals_init();
	if (lkipc_open(&lk, 0)) /* before giving up root */
		return 4;
	if (role == NR_FUZZERS - 1) {
		if (setgroups(0, NULL) || setresgid(UNPRIV_UID, UNPRIV_UID,
						    UNPRIV_UID) ||
		    setresuid(UNPRIV_UID, UNPRIV_UID, UNPRIV_UID))
			return 3;
	}
	devfd = lk.fd;
	for (i = 0; i < NSLOTS; i++)
		slots[i].fd = -1;
	slots[0] = (struct slot){ devfd, K_DEV, 0 };
	slots[1] = (struct slot){ vq, K_QUEUE, 0 };
	slots[2] = (struct slot){ vs, K_SEM, 0 };
	slots[3] = (struct slot){ p[0], K_OTHER, 0 };
	slots[4] = (struct slot){ p[1], K_OTHER, 0 };
	/* The victims' ids, for requests that name them (or another). */
	if (!queue_stat(vq, &qst))
		slots[1].id = qst.id;
	if (!sem_stat(vs, &sst, NULL, 0))
		slots[2].id = sst.id;
	lib_reopen();
	for (i = 0; i < calls; i++) {
		fuzz_one();
		sh->calls[role] = i + 1;
	}
	return 0;
}

/* Random values on the victims' shared pages. */
/*
 * Random values on the victims' shared pages (mapped by the parent before
 * anyone could destroy them), until the fuzzers are done.
 */
static int scribbler(uint64_t seed, uint64_t *q, size_t ring_bytes,
		     uint64_t *s, struct shared *sh)
{
	struct kipc_ring_hdr h = *(struct kipc_ring_hdr *)q;
	struct lkipc_queue_attr attr = { .msgs = 8, .msgsize = 64 };
	unsigned long i;
	struct lkipc k;

	rng_seed(seed, 50);
	if (lkipc_open(&k, 0))
		return 2;
	for (i = 0; !sh->fuzz_done; i++) {
		/* The victims may have been destroyed: map them again. */
		if (i % 4096 == 4095) {
			struct kipc_queue_stat st;
			struct lkipc_queue fq;
			struct lkipc_sem fs;
			void *m;

			lkipc_queue_open(&k, &fq, pool_names[0],
					 KIPC_OPEN_CREATE | LKIPC_OPEN_NOMAP,
					 0666, &attr);
			lkipc_sem_open(&k, &fs, pool_names[1],
				       KIPC_OPEN_CREATE | LKIPC_OPEN_NOMAP,
				       0666, 2);
			if (fq.fd >= 0 && !lkipc_queue_stat(&fq, &st)) {
				m = mmap(NULL, st.ring_bytes, PROT_READ |
					 PROT_WRITE, MAP_SHARED, fq.fd, 0);
				if (m != MAP_FAILED) {
					munmap(q, ring_bytes);
					q = m;
					ring_bytes = st.ring_bytes;
					h = *(struct kipc_ring_hdr *)q;
				}
			}
			if (fs.fd >= 0) {
				m = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
					 MAP_SHARED, fs.fd, 0);
				if (m != MAP_FAILED) {
					munmap(s, PAGE);
					s = m;
				}
			}
			lkipc_queue_close(&fq);
			lkipc_sem_close(&fs);
		}
		uint64_t v = rnd_u64(), *w;
		size_t at;

		if (one_in(3)) {
			w = s + below(2);
			if (one_in(2))
				v = (*w & ~KIPC_SEM_VALUE_MASK) +
				    below(40000);
			if (one_in(3))
				v ^= KIPC_SEM_SLOW;
			*w = v;
			continue;
		}
		switch (below(5)) {
		case 0: /* the header's geometry */
			at = below(8);
			break;
		case 1: /* prod, cons: near their value, with or without SLOW */
			at = one_in(2) ? 8 : 16;
			v = (q[at] & KIPC_RING_POS_MASK) + below(5) - 2;
			if (one_in(2))
				v |= KIPC_RING_SLOW;
			if (one_in(4))
				v = rnd_u64();
			break;
		case 2: /* the counters */
			at = 32 + below(4);
			break;
		case 3: /* a slot's header */
			at = (h.slots_offset + (size_t)below(h.nslots) *
			      h.slot_size) / 8 + below(3);
			if (one_in(2))
				v = rnd_u32();
			break;
		default: /* a lane record */
			at = (h.lanes_offset + below(KIPC_RING_LANES) * 32) /
			     8 + below(4);
			if (one_in(2))
				v = (one_in(2) ? KIPC_LANE_SEND :
				     KIPC_LANE_RECV) | (q[8] &
				     KIPC_RING_POS_MASK);
			break;
		}
		if (at * 8 < ring_bytes)
			q[at] = v;
		if (i % 4 == 0)
			usleep(50);
	}
	sh->scribbles = i;
	return 0;
}

/* A normal sender: types "type", sequence numbers in the payload. */
static int normal_sender(struct lkipc_queue *q, int64_t type,
			 struct shared *sh)
{
	uint64_t seq = 0, msg[8];
	int ret;

	while (!sh->stop) {
		struct timespec dl = in_future(CLOCK_MONOTONIC, 30000000000LL);

		msg[0] = seq;
		msg[1] = seq * 0x9e3779b97f4a7c15ULL;
		ret = lkipc_queue_send(q, type, msg, 16 + 8 * (seq % 7), 0,
				       &dl);
		if (ret) {
			printf("# normal send %" PRIu64 ": %d\n", seq, ret);
			return 10;
		}
		seq++;
	}
	struct timespec dl = in_future(CLOCK_MONOTONIC, 30000000000LL);

	msg[0] = seq;
	return lkipc_queue_send(q, type + 10, msg, 8, 0, &dl) ? 11 : 0;
}

static int normal_receiver(struct lkipc_queue *q, int64_t type)
{
	uint64_t seq = 0, msg[8];
	int64_t t;
	int ret;

	for (;;) {
		struct timespec dl = in_future(CLOCK_MONOTONIC, 60000000000LL);

		ret = lkipc_queue_recv(q, msg, sizeof(msg), KIPC_SEL_LE,
				       type + 10, &t, 0, &dl);
		if (ret < 0 || (t != type && t != type + 10)) {
			printf("# normal recv %" PRIu64 ": %d type %" PRId64
			       "\n", seq, ret, t);
			return 12;
		}
		if (t == type + 10) {
			if (ret != 8 || msg[0] != seq) {
				printf("# normal end: %" PRIu64 " sent, %"
				       PRIu64 " received\n", msg[0], seq);
				return 13;
			}
			return 0;
		}
		if (ret != (int)(16 + 8 * (seq % 7)) || msg[0] != seq ||
		    msg[1] != seq * 0x9e3779b97f4a7c15ULL) {
			printf("# normal recv: expected %" PRIu64 ", got %"
			       PRIu64 " (len %d)\n", seq, msg[0], ret);
			return 14;
		}
		seq++;
	}
}

static int normal_sem(struct lkipc_sem *s, uint64_t seed, unsigned int role,
		      struct shared *sh)
{
	rng_seed(seed, role);
	while (!sh->stop) {
		struct timespec dl = in_future(CLOCK_MONOTONIC, 30000000000LL);
		unsigned int n = 1 + below(2);
		unsigned int undo = one_in(3) ? KIPC_SEM_UNDO : 0;
		int ret = lkipc_sem_wait(s, n, undo, &dl);

		if (ret) {
			printf("# normal P(%u): %d\n", n, ret);
			return 15;
		}
		if (__atomic_add_fetch(&sh->held, n, __ATOMIC_SEQ_CST) >
		    NORMAL_INIT)
			sh->bad_held = 1;
		if (one_in(4))
			usleep(below(200));
		__atomic_sub_fetch(&sh->held, n, __ATOMIC_SEQ_CST);
		ret = lkipc_sem_post(s, n, undo);
		if (ret) {
			printf("# normal V(%u): %d\n", n, ret);
			return 16;
		}
	}
	return 0;
}

/* ---- The test ------------------------------------------------------- */

static void dump_task(pid_t pid)
{
	static const char *const files[] = { "wchan", "stack" };
	char path[64], buf[2048];
	unsigned int i;
	ssize_t n;
	int fd;

	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "/proc/%d/%s", pid, files[i]);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n > 0) {
			buf[n] = 0;
			printf("# pid %d %s: %s\n", pid, files[i], buf);
		}
	}
}

/*
 * Reap the fuzzers; past the deadline, show what each one is stuck in and
 * kill them (a hang is a failure).
 */
static int reap_fuzzers(pid_t *pids, struct shared *sh, double deadline,
			int *status)
{
	int left = NR_FUZZERS, i, st, hung = 0;

	for (i = 0; i < NR_FUZZERS; i++)
		status[i] = -1;
	while (left) {
		for (i = 0; i < NR_FUZZERS; i++) {
			if (status[i] != -1 ||
			    waitpid(pids[i], &st, WNOHANG) != pids[i])
				continue;
			status[i] = WIFSIGNALED(st) ? 1000 + WTERMSIG(st) :
				    WEXITSTATUS(st);
			left--;
		}
		if (left && now_mono() > deadline && !hung) {
			hung = 1;
			for (i = 0; i < NR_FUZZERS; i++) {
				if (status[i] != -1)
					continue;
				printf("# fuzzer %d hangs after %" PRIu64
				       " calls in %s 0x%lx\n", i, sh->calls[i],
				       sh->what[i], sh->num[i]);
				dump_task(pids[i]);
				if (sh->child[i] > 0) {
					dump_task(sh->child[i]);
					kill(sh->child[i], SIGKILL);
				}
				kill(pids[i], SIGKILL);
			}
		}
		usleep(20000);
	}
	return hung;
}

static unsigned long env_ul(const char *name, unsigned long def)
{
	const char *s = getenv(name);

	return s && *s ? strtoul(s, NULL, 0) : def;
}

/* The objects of all IPC namespaces. */
static unsigned int nr_objects(struct lkipc *k)
{
	struct kipc_info info;

	return lkipc_get_info(k, &info) ? ~0U : info.nr_objects;
}

/* The objects of this IPC namespace. */
static unsigned int count_objects(struct lkipc *k)
{
	int n = lkipc_list(k, NULL, 0);

	return n < 0 ? ~0U : (unsigned int)n;
}

FIXTURE(fuzz) {
	struct lkipc k;
};

FIXTURE_SETUP(fuzz)
{
	ASSERT_EQ(0, lkipc_open(&self->k, 0));
}

FIXTURE_TEARDOWN(fuzz)
{
	lkipc_close(&self->k);
}

TEST_F_TIMEOUT(fuzz, random, 900)
{
	uint64_t seed = env_ul("KIPC_FUZZ_SEED", 0);
	unsigned long calls = env_ul("KIPC_FUZZ_CALLS", FUZZ_CALLS_DEFAULT);
	struct lkipc_queue_attr vattr = { .msgs = 8, .msgsize = 64 };
	struct lkipc_queue_attr nattr = { .msgs = 8, .msgsize = 128 };
	struct shared *sh = shared_map(sizeof(*sh));
	static const char *const names[] = {
		"get_info", "open", "unlink", "list", "destroy", "sem_wait",
		"sem_post", "sem_stat", "send", "recv", "send_batch",
		"recv_batch", "queue_stat", "ring_lane", "ring_kick",
		"sem_wait_multi", "sem_op", "queue_notify", "sem_undo_slot",
	};
	struct kipc_queue_stat qs;
	struct kipc_sem_stat ss;
	pid_t fz[NR_FUZZERS], scr, norm[4];
	uint64_t *vring, *vpage;
	struct lkipc_queue vq, nq, q;
	struct lkipc_sem vs, ns, sem;
	int i;
	unsigned int before, left;
	double watchdog = env_ul("KIPC_FUZZ_WATCHDOG", 600);
	int fst[NR_FUZZERS];
	int ipcns;
	double t0 = now_mono();
	char buf[64];
	int64_t t;

	if (!seed)
		seed = (uint64_t)time(NULL) * 1000003 ^ getpid();
	TH_LOG("seed %" PRIu64 " (replay: KIPC_FUZZ_SEED=%" PRIu64
	       "), %lu calls per fuzzer (KIPC_FUZZ_CALLS)", seed, seed, calls);
	ASSERT_NE(NULL, sh);
	stats = shared_map(sizeof(*stats));
	ASSERT_NE(NULL, stats);
	memset(long_name, 'L', KIPC_NAME_MAX);
	/*
	 * A namespace of our own: the names the fuzzers made up (valid ones
	 * the parent cannot guess) go with it when we leave.
	 */
	before = nr_objects(&self->k);
	ipcns = open("/proc/self/ns/ipc", O_RDONLY);
	ASSERT_LE(0, ipcns);
	ASSERT_EQ(0, unshare(CLONE_NEWIPC));
	lkipc_close(&self->k);
	ASSERT_EQ(0, lkipc_open(&self->k, 0));

	/* The victims, named: the fuzzers reach them by name too. */
	ASSERT_EQ(0, lkipc_queue_open(&self->k, &vq, pool_names[0],
				      KIPC_OPEN_CREATE | LKIPC_OPEN_NOMAP,
				      0666, &vattr));
	ASSERT_EQ(0, lkipc_sem_open(&self->k, &vs, pool_names[1],
				    KIPC_OPEN_CREATE | LKIPC_OPEN_NOMAP, 0666,
				    2));
	ASSERT_EQ(0, lkipc_queue_stat(&vq, &qs));
	vring = mmap(NULL, qs.ring_bytes, PROT_READ | PROT_WRITE, MAP_SHARED,
		     vq.fd, 0);
	vpage = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, vs.fd,
		     0);
	ASSERT_NE(MAP_FAILED, vring);
	ASSERT_NE(MAP_FAILED, vpage);

	for (i = 0; i < NR_FUZZERS; i++) {
		fz[i] = fork_child();
		ASSERT_LE(0, fz[i]);
		if (!fz[i])
			_exit(fuzzer(seed, i, calls, vq.fd, vs.fd, sh));
	}
	scr = fork_child();
	ASSERT_LE(0, scr);
	if (!scr)
		_exit(scribbler(seed, vring, qs.ring_bytes, vpage, sh));

	/* The normal objects: made after the fork, anonymous: unreachable. */
	ASSERT_EQ(0, lkipc_queue_open(&self->k, &nq, NULL, 0, 0600, &nattr));
	ASSERT_EQ(0, lkipc_sem_open(&self->k, &ns, NULL, 0, 0600, NORMAL_INIT));
	for (i = 0; i < 4; i++) {
		norm[i] = fork_child();
		ASSERT_LE(0, norm[i]);
		if (norm[i])
			continue;
		switch (i) {
		case 0:
			_exit(normal_sender(&nq, 1, sh));
		case 1:
			_exit(normal_receiver(&nq, 1));
		default:
			_exit(normal_sem(&ns, seed, 60 + i, sh));
		}
	}

	EXPECT_EQ(0, reap_fuzzers(fz, sh, t0 + watchdog, fst));
	for (i = 0; i < NR_FUZZERS; i++) {
		if (fst[i])
			printf("# fuzzer %d exited %d after %" PRIu64
			       " calls\n", i, fst[i], sh->calls[i]);
		EXPECT_EQ(0, fst[i]);
	}
	sh->fuzz_done = 1;
	EXPECT_EQ(0, reap(scr));
	sh->stop = 1;
	for (i = 0; i < 4; i++)
		EXPECT_EQ(0, reap(norm[i])) TH_LOG("normal worker %d", i);
	TH_LOG("%lu calls x %d fuzzers, %" PRIu64 " scribbles, in %.1f s",
	       calls, NR_FUZZERS, sh->scribbles, now_mono() - t0);

	for (i = 0; i < (int)NR_IOCTLS; i++)
		TH_LOG("%-10s ok %6" PRIu64 " failed %6" PRIu64, names[i],
		       stats->ok[i], stats->err[i]);
	TH_LOG("errors: EFAULT %" PRIu64 " EINVAL %" PRIu64 " E2BIG %" PRIu64
	       " ENOTTY %" PRIu64 " EINTR %" PRIu64, stats->efault,
	       stats->einval, stats->e2big, stats->enotty, stats->eintr);
	TH_LOG("requests naming another object: %" PRIu64 " refused (EBADF), %"
	       PRIu64 " served", stats->id_refused, stats->id_wrong_ok);
	EXPECT_EQ(0, stats->id_wrong_ok);

	/* The normal objects: exact. */
	ASSERT_EQ(0, lkipc_queue_stat(&nq, &qs));
	EXPECT_EQ(0, qs.msgs);
	EXPECT_EQ(qs.sent, qs.received);
	EXPECT_EQ(0, qs.lost);
	EXPECT_EQ(0, qs.nreceivers);
	EXPECT_EQ(0, qs.nsenders);
	TH_LOG("normal queue: %llu messages in order",
	       (unsigned long long)qs.received);
	EXPECT_EQ(0, sh->bad_held);
	ASSERT_EQ(0, lkipc_sem_stat(&ns, &ss, NULL, 0));
	EXPECT_EQ(NORMAL_INIT, ss.value);
	EXPECT_EQ(0, ss.nwaiters);

	/* The victims: consistent, whatever was scribbled. */
	ASSERT_EQ(0, lkipc_queue_stat(&vq, &qs));
	EXPECT_LE(qs.msgs, qs.cap_msgs);
	EXPECT_LE(qs.bytes, qs.cap_bytes);
	EXPECT_EQ(0, qs.nreceivers);
	EXPECT_EQ(0, qs.nsenders);
	EXPECT_EQ(qs.sent, qs.received + qs.lost + qs.dropped + qs.msgs);
	TH_LOG("victim queue: sent %llu received %llu lost %llu dropped %llu "
	       "queued %u%s", (unsigned long long)qs.sent,
	       (unsigned long long)qs.received, (unsigned long long)qs.lost,
	       (unsigned long long)qs.dropped, qs.msgs,
	       qs.queue_flags & KIPC_QUEUE_DESTROYED ? " (destroyed)" : "");
	i = lkipc_sem_stat(&vs, &ss, NULL, 0);
	if (i == 0) {
		EXPECT_LE(ss.value, ss.max);
		EXPECT_EQ(0, ss.nwaiters);
	} else {
		EXPECT_EQ(-EIDRM, i);
	}

	/* Remove every name the fuzzers may have made; nothing is left. */
	munmap(vring, qs.ring_bytes);
	munmap(vpage, PAGE);
	lkipc_queue_close(&vq);
	lkipc_sem_close(&vs);
	lkipc_queue_close(&nq);
	lkipc_sem_close(&ns);
	for (i = 0; i < (int)NR_POOL; i++) {
		/* Whatever the fuzzers left under these names: consistent. */
		if (!lkipc_queue_open(&self->k, &q, pool_name(i),
				      LKIPC_OPEN_NOMAP, 0, NULL)) {
			ASSERT_EQ(0, lkipc_queue_stat(&q, &qs));
			EXPECT_LE(qs.msgs, qs.cap_msgs);
			EXPECT_EQ(0, qs.nreceivers);
			EXPECT_EQ(0, qs.nsenders);
			EXPECT_EQ(qs.sent, qs.received + qs.lost + qs.dropped +
				  qs.msgs) TH_LOG("queue %d", i);
			lkipc_queue_close(&q);
		}
		if (!lkipc_sem_open(&self->k, &sem, pool_name(i),
				    LKIPC_OPEN_NOMAP, 0, 0)) {
			ASSERT_EQ(0, lkipc_sem_stat(&sem, &ss, NULL, 0));
			EXPECT_LE(ss.value, ss.max);
			EXPECT_EQ(0, ss.nwaiters);
			lkipc_sem_close(&sem);
		}
		lkipc_queue_unlink(&self->k, pool_name(i));
		lkipc_sem_unlink(&self->k, pool_name(i));
	}
	left = count_objects(&self->k);
	TH_LOG("%u named objects left in the namespace", left);
	lkipc_close(&self->k);
	ASSERT_EQ(0, setns(ipcns, CLONE_NEWIPC));
	close(ipcns);
	ASSERT_EQ(0, lkipc_open(&self->k, 0));
	EXPECT_EQ(0, WAIT_FOR(nr_objects(&self->k) <= before, 1))
		TH_LOG("%u objects before, %u after", before,
		       nr_objects(&self->k));

	/* The module still works. */
	ASSERT_EQ(0, lkipc_queue_open(&self->k, &q, NULL, 0, 0600, NULL));
	EXPECT_EQ(0, lkipc_queue_send(&q, 5, "after", 5, 0, NULL));
	EXPECT_EQ(5, lkipc_queue_recv(&q, buf, sizeof(buf), KIPC_SEL_ANY, 0, &t,
				      0, NULL));
	EXPECT_EQ(5, t);
	ASSERT_EQ(0, lkipc_queue_stat(&q, &qs));
	EXPECT_EQ(1, qs.sent);
	EXPECT_EQ(1, qs.received);
	lkipc_queue_close(&q);
	ASSERT_EQ(0, lkipc_sem_open(&self->k, &sem, NULL, 0, 0600, 1));
	EXPECT_EQ(0, lkipc_sem_trywait(&sem, 1, 0));
	EXPECT_EQ(-EAGAIN, lkipc_sem_trywait(&sem, 1, 0));
	EXPECT_EQ(0, lkipc_sem_post(&sem, 1, 0));
	EXPECT_EQ(1, lkipc_sem_value(&sem));
	lkipc_sem_close(&sem);
	munmap(sh, sizeof(*sh));
}

TEST_HARNESS_MAIN
