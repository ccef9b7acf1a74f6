// SPDX-License-Identifier: GPL-2.0
/*
 * What one trial of each kind does.  The bench process sets the mechanism
 * up, forks the participants, starts them together (they block reading a
 * pipe until it closes: the "start gun"), and collects what they left in a
 * shared control block.  A participant that fails writes why there and
 * exits non-zero; one that hangs is killed by its alarm.
 *
 * In TRIAL_MEASURE mode participants take timestamps; in TRIAL_COUNT mode
 * they do a fixed amount of work with no timestamps inside a system-call
 * counting window (syscount.c), so that the count is the mechanism's alone.
 *
 * Every message carries its producer and sequence number at its start and
 * the sequence number (scrambled) in its last 8 bytes; receivers check
 * length, both ends and the order, per producer, and a stream's consumer
 * must have received every message its producers say they sent.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

#define TAIL_MAGIC	0x6b6970632d62656eULL

/*
 * S6's log, in memory shared with the workers, written only by the holder
 * of the lock: every acquisition in the order the lock was granted (its
 * index is its sequence number), and every SNAP_EVERY-th acquisition on a
 * mechanism that shows its queue, the queue of blocked waiters as the
 * holder saw it, in its critical section: no grant can happen meanwhile, so
 * the snapshot sits exactly between acquisitions seq and seq + 1.
 */
#define LOG_MAX		(1U << 20)
#define SNAP_MAX	(1U << 17)
#define SNAP_EVERY	8
#define NOBODY		0xff

struct lk_acq {
	uint64_t t0;		/* before P */
	uint64_t t1;		/* P returned */
	uint32_t proc;
};

struct lk_snap {
	uint64_t seq;
	uint8_t n;
	uint8_t who[BENCH_MAX_PROCS];	/* worker indices, queue order */
};

struct lk_log {
	uint64_t nacq, nsnap, lost;
	int32_t pids[BENCH_MAX_PROCS];
	uint64_t end_t0[BENCH_MAX_PROCS];	/* the request served after stop */
	int snap_err;
	struct lk_acq acq[LOG_MAX];
	struct lk_snap snap[SNAP_MAX];
};

struct ctl {
	uint32_t ready;
	uint32_t stop;
	uint32_t failed;
	uint32_t holder;		/* S6: who is in the critical section */
	uint64_t t_go, t_stop, t_last;
	uint64_t ops, sent, checked, violations;
	uint64_t acq[BENCH_MAX_PROCS];
	double sc[BENCH_MAX_PROCS + 1];	/* system calls per participant */
	uint64_t armed, woken, t_woke;	/* S5, C4 */
	int32_t woke_tid;		/* C4: the waiter woken last */
	uint64_t nsamples;
	struct lk_log *log;		/* S6 (TRIAL_MEASURE) */
	char err[160];
	uint64_t samples[];
};

struct part {
	struct contender *c;
	enum trial_mode mode;
	struct ctl *ctl;
	void *obj;			/* message channel or semaphore */
	int idx;
	int gun;
	struct syscount sc;
	pid_t partner;			/* S5: the waiter */
};

struct run {
	struct part proto;
	size_t ctl_size;
	int gun[2];
	pid_t pid[BENCH_MAX_PROCS + 1];
	int n;
};

static void __attribute__((format(printf, 2, 3)))
part_fail(struct part *p, const char *fmt, ...)
{
	va_list ap;

	if (__atomic_exchange_n(&p->ctl->failed, 1, __ATOMIC_SEQ_CST))
		return;
	va_start(ap, fmt);
	vsnprintf(p->ctl->err, sizeof(p->ctl->err), fmt, ap);
	va_end(ap);
}

static int run_begin(struct run *r, struct contender *c, enum trial_mode mode,
		     void *obj, size_t nsamples)
{
	memset(r, 0, sizeof(*r));
	r->ctl_size = sizeof(struct ctl) + nsamples * sizeof(uint64_t);
	r->proto.ctl = bench_shared(r->ctl_size);
	r->proto.c = c;
	r->proto.mode = mode;
	r->proto.obj = obj;
	if (pipe2(r->gun, O_CLOEXEC)) {
		bench_unshare(r->proto.ctl, r->ctl_size);
		return -errno;
	}
	return 0;
}

/* In the participant: pin, open the counter, attach, check in, wait. */
static int part_start(struct part *p, int cpu)
{
	char c;
	int ret;

	alarm(bp.timeout_s);
	if (cpu >= 0)
		bench_pin(cpu);
	if (p->mode == TRIAL_COUNT) {
		ret = syscount_open(&p->sc);
		if (ret) {
			part_fail(p, "perf_event_open: %s", strerror(-ret));
			return ret;
		}
	}
	if (p->c->msg && p->c->msg->attach) {
		ret = p->c->msg->attach(p->obj, p->idx ? 1 : 0);
		if (ret) {
			part_fail(p, "attach: %s", strerror(-ret));
			return ret;
		}
	}
	__atomic_add_fetch(&p->ctl->ready, 1, __ATOMIC_SEQ_CST);
	while (read(p->gun, &c, 1) < 0 && errno == EINTR)
		;
	return 0;
}

static void part_count_done(struct part *p)
{
	if (p->mode == TRIAL_COUNT) {
		p->ctl->sc[p->idx] = syscount_read(&p->sc);
		syscount_close(&p->sc);
	}
}

static pid_t run_spawn(struct run *r, int idx, int cpu,
		       int (*fn)(struct part *p), pid_t partner)
{
	struct part p = r->proto;
	pid_t pid;

	p.idx = idx;
	p.gun = r->gun[0];
	p.partner = partner;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		close(r->gun[1]);
		if (part_start(&p, cpu))
			_exit(1);
		_exit(fn(&p) ? 1 : 0);
	}
	r->pid[r->n++] = pid;
	return pid;
}

/* Every participant has checked in: fire. */
static void run_go(struct run *r)
{
	while (__atomic_load_n(&r->proto.ctl->ready, __ATOMIC_SEQ_CST) <
	       (uint32_t)r->n)
		usleep(200);
	r->proto.ctl->t_go = now_ns();
	close(r->gun[1]);
	r->gun[1] = -1;
}

static void run_stop_after(struct run *r, unsigned int ms)
{
	usleep(ms * 1000);
	r->proto.ctl->t_stop = now_ns();
	__atomic_store_n(&r->proto.ctl->stop, 1, __ATOMIC_SEQ_CST);
}

/* Reap the participants and hand over what they left. */
static int run_end(struct run *r, struct trial_out *o)
{
	struct ctl *ctl = r->proto.ctl;
	int i, status, bad = 0;
	size_t n;

	if (r->gun[1] >= 0)
		close(r->gun[1]);
	close(r->gun[0]);
	for (i = 0; i < r->n; i++) {
		if (waitpid(r->pid[i], &status, 0) < 0)
			continue;
		if (WIFSIGNALED(status) && !bad && !ctl->failed) {
			snprintf(o->err, sizeof(o->err), "participant %d %s", i,
				 WTERMSIG(status) == SIGALRM ?
				 "hung (killed by its alarm)" :
				 strsignal(WTERMSIG(status)));
			bad = 1;
		} else if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			bad = 1;
		}
		/* One participant failing may leave the others blocked. */
		if (bad)
			for (int j = i + 1; j < r->n; j++)
				kill(r->pid[j], SIGKILL);
	}
	if (ctl->failed)
		snprintf(o->err, sizeof(o->err), "%s", ctl->err);
	else if (bad && !o->err[0])
		snprintf(o->err, sizeof(o->err), "a participant failed");
	n = ctl->nsamples < o->cap ? ctl->nsamples : o->cap;
	if (o->samples)
		memcpy(o->samples, ctl->samples, n * sizeof(uint64_t));
	o->nsamples = n;
	o->sent = ctl->sent;
	o->checked = ctl->checked;
	o->violations = ctl->violations;
	o->sc_calls = 0;
	for (i = 0; i < r->n; i++)
		o->sc_calls += ctl->sc[i];
	memcpy(o->acq, ctl->acq, sizeof(o->acq));
	o->ops = (double)ctl->ops;
	if (ctl->t_last > ctl->t_go)
		o->secs = (double)(ctl->t_last - ctl->t_go) / 1e9;
	else if (ctl->t_stop > ctl->t_go)
		o->secs = (double)(ctl->t_stop - ctl->t_go) / 1e9;
	bench_unshare(ctl, r->ctl_size);
	return o->err[0] ? -1 : 0;
}

/* ------------------------------------------------------------------ */
/* Messages                                                           */
/* ------------------------------------------------------------------ */

struct msg_head {
	uint64_t seq;
	uint32_t producer;
	uint32_t size;
};

/* Is there room for the scrambled tail after the head? */
static bool msg_has_tail(size_t size)
{
	return size >= sizeof(struct msg_head) + sizeof(uint64_t);
}

static void msg_fill(unsigned char *buf, size_t size, unsigned int producer,
		     uint64_t seq)
{
	struct msg_head h = { .seq = seq, .producer = producer,
			      .size = (uint32_t)size };
	uint64_t tail = seq ^ TAIL_MAGIC;

	memcpy(buf, &h, sizeof(h));
	if (msg_has_tail(size))
		memcpy(buf + size - sizeof(tail), &tail, sizeof(tail));
}

/* Check a received message; its sequence number, or -1 if it is garbled. */
static int msg_check(const unsigned char *buf, int len, size_t size,
		     struct msg_head *h)
{
	uint64_t tail;

	if (len != (int)size)
		return -1;
	memcpy(h, buf, sizeof(*h));
	tail = h->seq ^ TAIL_MAGIC;
	if (msg_has_tail(size))
		memcpy(&tail, buf + size - sizeof(tail), sizeof(tail));
	if (h->size != size || tail != (h->seq ^ TAIL_MAGIC))
		return -1;
	return 0;
}

static int pp_pinger(struct part *p)
{
	const struct msg_mech *m = p->c->msg;
	size_t size = p->c->cfg.msgsize;
	unsigned char buf[BENCH_MSG_MAX], back[BENCH_MSG_MAX];
	bool measure = p->mode == TRIAL_MEASURE;
	uint64_t i, n, t0 = 0, t1, start = now_ns();
	uint64_t limit = (uint64_t)bp.lat_ms * 1000000;
	struct msg_head h;
	int ret;

	memset(buf, 0xa5, sizeof(buf));
	n = measure ? bp.lat_samples : bp.count_ops;
	if (!measure)
		syscount_begin(&p->sc);
	for (i = 0; i < n; i++) {
		if (measure && i && now_ns() - start > limit)
			break;
		msg_fill(buf, size, 0, i);
		if (measure)
			t0 = now_ns();
		ret = m->send(p->obj, 0, buf);
		if (ret >= 0)
			ret = m->recv(p->obj, 1, back);
		if (measure) {
			t1 = now_ns();
			p->ctl->samples[p->ctl->nsamples++] = t1 - t0;
		}
		if (ret < 0) {
			part_fail(p, "round trip %llu: %s",
				  (unsigned long long)i, strerror(-ret));
			return 1;
		}
		if (msg_check(back, ret, size, &h) || h.seq != i) {
			part_fail(p, "reply %llu garbled or out of order",
				  (unsigned long long)i);
			return 1;
		}
		p->ctl->checked++;
	}
	if (!measure)
		syscount_end(&p->sc);
	part_count_done(p);
	p->ctl->ops = i;
	msg_fill(buf, size, 0, BENCH_END);
	ret = m->send(p->obj, 0, buf);
	if (ret < 0) {
		part_fail(p, "end message: %s", strerror(-ret));
		return 1;
	}
	return 0;
}

static int pp_ponger(struct part *p)
{
	const struct msg_mech *m = p->c->msg;
	size_t size = p->c->cfg.msgsize;
	unsigned char buf[BENCH_MSG_MAX];
	bool measure = p->mode == TRIAL_MEASURE;
	uint64_t i;
	struct msg_head h;
	int ret;

	/* Counting: exactly count_ops round trips in the window. */
	if (!measure)
		syscount_begin(&p->sc);
	for (i = 0;; i++) {
		if (!measure && i == bp.count_ops) {
			syscount_end(&p->sc);
			part_count_done(p);
		}
		ret = m->recv(p->obj, 0, buf);
		if (ret < 0) {
			part_fail(p, "receive %llu: %s", (unsigned long long)i,
				  strerror(-ret));
			return 1;
		}
		if (msg_check(buf, ret, size, &h) ||
		    (h.seq != i && h.seq != BENCH_END)) {
			part_fail(p, "ping %llu garbled or out of order",
				  (unsigned long long)i);
			return 1;
		}
		if (h.seq == BENCH_END)
			return 0;
		ret = m->send(p->obj, 1, buf);
		if (ret < 0) {
			part_fail(p, "reply %llu: %s", (unsigned long long)i,
				  strerror(-ret));
			return 1;
		}
	}
}

static void *msg_setup(struct contender *c, struct trial_out *o)
{
	void *ch = c->msg->setup(&c->cfg, o->err, sizeof(o->err));

	if (!ch && !o->err[0])
		snprintf(o->err, sizeof(o->err), "setup failed");
	return ch;
}

int trial_pingpong(struct contender *c, enum trial_mode mode,
		   struct trial_out *o)
{
	struct run r;
	void *ch;
	int ret;

	ch = msg_setup(c, o);
	if (!ch)
		return -1;
	ret = run_begin(&r, c, mode, ch, bp.lat_samples);
	if (ret) {
		snprintf(o->err, sizeof(o->err), "%s", strerror(-ret));
		c->msg->teardown(ch);
		return -1;
	}
	run_spawn(&r, 1, 1, pp_ponger, 0);
	run_spawn(&r, 0, 0, pp_pinger, 0);
	run_go(&r);
	ret = run_end(&r, o);
	c->msg->teardown(ch);
	o->sc_ops = (double)bp.count_ops;
	return ret;
}

/* Send what the mechanism kept back, if it keeps any (a batch). */
static int st_flush(struct part *p)
{
	const struct msg_mech *m = p->c->msg;

	return m->flush ? m->flush(p->obj, 0) : 0;
}

static int st_producer(struct part *p)
{
	const struct msg_mech *m = p->c->msg;
	size_t size = p->c->cfg.msgsize;
	unsigned char buf[BENCH_MSG_MAX];
	bool measure = p->mode == TRIAL_MEASURE;
	unsigned int me = (unsigned int)p->idx - 1;
	uint64_t seq;
	int ret = 0;

	memset(buf, 0x5a, sizeof(buf));
	if (!measure)
		syscount_begin(&p->sc);
	for (seq = 0;; seq++) {
		if (measure ? __atomic_load_n(&p->ctl->stop, __ATOMIC_RELAXED)
			    : seq == bp.count_ops)
			break;
		msg_fill(buf, size, me, seq);
		ret = m->send(p->obj, 0, buf);
		if (ret < 0) {
			part_fail(p, "producer %u send %llu: %s", me,
				  (unsigned long long)seq, strerror(-ret));
			return 1;
		}
	}
	ret = st_flush(p);
	if (!measure)
		syscount_end(&p->sc);
	part_count_done(p);
	__atomic_add_fetch(&p->ctl->sent, seq, __ATOMIC_SEQ_CST);
	if (!ret) {
		msg_fill(buf, size, me, BENCH_END);
		ret = m->send(p->obj, 0, buf);
	}
	if (!ret)
		ret = st_flush(p);
	if (ret < 0) {
		part_fail(p, "producer %u at the end: %s", me, strerror(-ret));
		return 1;
	}
	return 0;
}

static int st_consumer(struct part *p)
{
	const struct msg_mech *m = p->c->msg;
	size_t size = p->c->cfg.msgsize;
	unsigned int producers = p->c->cfg.producers, ended = 0;
	uint64_t expect[BENCH_MAX_PROCS] = { 0 }, got = 0;
	uint64_t total = (uint64_t)bp.count_ops * producers;
	bool measure = p->mode == TRIAL_MEASURE, open = !measure;
	unsigned char buf[BENCH_MSG_MAX];
	struct msg_head h;
	int ret;

	if (!measure)
		syscount_begin(&p->sc);
	while (ended < producers) {
		if (open && got == total) {
			/* Counting: the ends are outside the window. */
			syscount_end(&p->sc);
			part_count_done(p);
			open = false;
		}
		ret = m->recv(p->obj, 0, buf);
		if (ret < 0) {
			part_fail(p, "receive %llu: %s",
				  (unsigned long long)got, strerror(-ret));
			return 1;
		}
		if (msg_check(buf, ret, size, &h) || h.producer >= producers) {
			part_fail(p, "message %llu garbled",
				  (unsigned long long)got);
			return 1;
		}
		if (h.seq == BENCH_END) {
			ended++;
			continue;
		}
		if (h.seq != expect[h.producer]) {
			p->ctl->violations++;
			part_fail(p, "producer %u: message %llu arrived when %llu was due",
				  h.producer, (unsigned long long)h.seq,
				  (unsigned long long)expect[h.producer]);
			return 1;
		}
		expect[h.producer]++;
		got++;
	}
	/*
	 * The last end message arrives after every message sent: the rate is
	 * over the time from the start to then (no clock per message).
	 */
	if (measure)
		p->ctl->t_last = now_ns();
	p->ctl->checked = got;
	p->ctl->ops = got;
	return 0;
}

int trial_stream(struct contender *c, enum trial_mode mode,
		 struct trial_out *o)
{
	unsigned int i;
	struct run r;
	void *ch;
	int ret;

	ch = msg_setup(c, o);
	if (!ch)
		return -1;
	ret = run_begin(&r, c, mode, ch, 0);
	if (ret) {
		snprintf(o->err, sizeof(o->err), "%s", strerror(-ret));
		c->msg->teardown(ch);
		return -1;
	}
	/* One to one: each on its own CPU; many to one: the scheduler's. */
	run_spawn(&r, 0, c->cfg.producers == 1 ? 1 : -1, st_consumer, 0);
	for (i = 1; i <= c->cfg.producers; i++)
		run_spawn(&r, (int)i, c->cfg.producers == 1 ? 0 : -1,
			  st_producer, 0);
	run_go(&r);
	if (mode == TRIAL_MEASURE)
		run_stop_after(&r, bp.rate_ms);
	ret = run_end(&r, o);
	c->msg->teardown(ch);
	o->bytes = o->ops * (double)c->cfg.msgsize;
	o->sc_ops = (double)bp.count_ops * c->cfg.producers;
	if (!ret && o->checked != o->sent) {
		snprintf(o->err, sizeof(o->err),
			 "%llu messages sent, %llu received",
			 (unsigned long long)o->sent,
			 (unsigned long long)o->checked);
		ret = -1;
	}
	return ret;
}

/* ------------------------------------------------------------------ */
/* Semaphores                                                         */
/* ------------------------------------------------------------------ */

/* Is the process asleep (state S), as a blocked waiter is? */
static bool proc_sleeping(pid_t pid)
{
	char path[64], buf[512], *q;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = 0;
	q = strrchr(buf, ')');
	return q && q[1] == ' ' && q[2] == 'S';
}

static int nt_waiter(struct part *p)
{
	const struct sem_mech *s = p->c->sem;
	bool measure = p->mode == TRIAL_MEASURE;
	uint64_t i, n = measure ? bp.lat_samples : bp.count_ops;
	bool window;
	int ret;

	for (i = 0;; i++) {
		window = !measure && i < n;
		if (window)
			syscount_begin(&p->sc);
		__atomic_store_n(&p->ctl->armed, i + 1, __ATOMIC_SEQ_CST);
		ret = s->wait(p->obj);
		if (window)
			syscount_end(&p->sc);
		if (ret < 0) {
			part_fail(p, "wait %llu: %s", (unsigned long long)i,
				  strerror(-ret));
			return 1;
		}
		if (__atomic_load_n(&p->ctl->stop, __ATOMIC_SEQ_CST))
			break;
		if (measure)
			p->ctl->t_woke = now_ns();
		__atomic_store_n(&p->ctl->woken, i + 1, __ATOMIC_SEQ_CST);
	}
	part_count_done(p);
	return 0;
}

/*
 * The poster posts only once the waiter is asleep in its wait (armed, and
 * its /proc state is S): a sample is the time from just before the post to
 * the waiter running again, the wake-up latency.
 */
static int nt_poster(struct part *p)
{
	const struct sem_mech *s = p->c->sem;
	bool measure = p->mode == TRIAL_MEASURE;
	uint64_t i, n = measure ? bp.lat_samples : bp.count_ops;
	uint64_t t0 = 0, start = now_ns();
	uint64_t limit = (uint64_t)bp.lat_ms * 1000000;
	unsigned long spins = 0;
	int ret;

	for (i = 0; i < n; i++) {
		if (measure && i && now_ns() - start > limit)
			break;
		while (__atomic_load_n(&p->ctl->armed, __ATOMIC_SEQ_CST) < i + 1)
			bench_relax(&spins);
		while (!proc_sleeping(p->partner))
			;
		if (measure)
			t0 = now_ns();
		else
			syscount_begin(&p->sc);
		ret = s->post(p->obj);
		if (!measure)
			syscount_end(&p->sc);
		if (ret < 0) {
			part_fail(p, "post %llu: %s", (unsigned long long)i,
				  strerror(-ret));
			return 1;
		}
		while (__atomic_load_n(&p->ctl->woken, __ATOMIC_SEQ_CST) < i + 1)
			bench_relax(&spins);
		if (measure)
			p->ctl->samples[p->ctl->nsamples++] = p->ctl->t_woke - t0;
	}
	part_count_done(p);
	p->ctl->ops = i;
	__atomic_store_n(&p->ctl->stop, 1, __ATOMIC_SEQ_CST);
	ret = s->post(p->obj);
	if (ret < 0) {
		part_fail(p, "final post: %s", strerror(-ret));
		return 1;
	}
	return 0;
}

static void *sem_setup(struct contender *c, unsigned int value,
		       struct trial_out *o)
{
	void *s = c->sem->setup(value, o->err, sizeof(o->err));

	if (!s && !o->err[0])
		snprintf(o->err, sizeof(o->err), "setup failed");
	return s;
}

/*
 * A waiter (participant 1, on CPU 1) and a poster (0, on CPU 0, told the
 * waiter's pid) on a new semaphore of value 0: S5 and C4.
 */
static int trial_pair(struct contender *c, enum trial_mode mode,
		      struct trial_out *o, int (*waiter_fn)(struct part *),
		      int (*poster_fn)(struct part *))
{
	struct run r;
	pid_t waiter;
	void *s;
	int ret;

	s = sem_setup(c, 0, o);
	if (!s)
		return -1;
	ret = run_begin(&r, c, mode, s, bp.lat_samples);
	if (ret) {
		snprintf(o->err, sizeof(o->err), "%s", strerror(-ret));
		c->sem->teardown(s);
		return -1;
	}
	waiter = run_spawn(&r, 1, 1, waiter_fn, 0);
	run_spawn(&r, 0, 0, poster_fn, waiter);
	run_go(&r);
	ret = run_end(&r, o);
	c->sem->teardown(s);
	o->sc_ops = (double)bp.count_ops;
	return ret;
}

int trial_notify(struct contender *c, enum trial_mode mode,
		 struct trial_out *o)
{
	return trial_pair(c, mode, o, nt_waiter, nt_poster);
}

/* In the critical section: log the acquisition, now and then the queue. */
static void lk_log_acq(struct part *p, uint64_t t0, uint64_t t1)
{
	const struct sem_mech *s = p->c->sem;
	struct lk_log *log = p->ctl->log;
	uint64_t seq = log->nacq;
	uint32_t pids[BENCH_MAX_PROCS];
	struct lk_snap *sn;
	int n, i, j;

	if (seq >= LOG_MAX) {
		log->lost++;
		return;
	}
	log->acq[seq] = (struct lk_acq){ .t0 = t0, .t1 = t1,
					 .proc = (uint32_t)p->idx };
	log->nacq = seq + 1;
	if (!s->queue || seq % SNAP_EVERY || log->nsnap >= SNAP_MAX ||
	    log->snap_err)
		return;
	n = s->queue(p->obj, pids, BENCH_MAX_PROCS);
	if (n < 0) {
		log->snap_err = n;
		return;
	}
	sn = &log->snap[log->nsnap++];
	sn->seq = seq;
	sn->n = (uint8_t)n;
	for (i = 0; i < n; i++) {
		sn->who[i] = NOBODY;
		for (j = 0; j < BENCH_MAX_PROCS; j++)
			if (log->pids[j] && (uint32_t)log->pids[j] == pids[i])
				sn->who[i] = (uint8_t)j;
	}
}

/*
 * Overtakes by the kernel's queue order.  After a snapshot taken at
 * acquisition k, showing waiters w0, w1, ... in queue order, a FIFO lock
 * grants w_j its turn after at most one acquisition by each of w0..w(j-1)
 * (a process ahead of w_j that then asks again queues behind it).  Any
 * other acquisition after k and before w_j's is an overtake; each
 * acquisition counts once however many waiters it passed.  Every
 * acquisition in such a window, w_j's own included, has been checked.  An unknown pid
 * in the queue (not a worker) passes every check: it cannot happen here.
 */
static void lk_queue_overtakes(const struct lk_log *log, uint8_t *mark,
			       struct trial_out *o)
{
	uint64_t i, k, n = log->nacq, checked = 0, over = 0;
	bool used[BENCH_MAX_PROCS], ahead[BENCH_MAX_PROCS];
	const struct lk_snap *sn;
	uint32_t who;
	unsigned int j, a;

	memset(mark, 0, n);
	for (k = 0; k < log->nsnap; k++) {
		sn = &log->snap[k];
		for (j = 0; j < sn->n; j++) {
			if (sn->who[j] == NOBODY)
				continue;
			memset(ahead, 0, sizeof(ahead));
			memset(used, 0, sizeof(used));
			for (a = 0; a < j; a++)
				if (sn->who[a] != NOBODY)
					ahead[sn->who[a]] = true;
			for (i = sn->seq + 1; i < n; i++) {
				who = log->acq[i].proc;
				mark[i] |= 1;
				if (who == sn->who[j])
					break;
				if (ahead[who] && !used[who])
					used[who] = true;
				else
					mark[i] |= 2;
			}
		}
	}
	for (i = 0; i < n; i++) {
		checked += mark[i] & 1;
		over += (mark[i] & 2) >> 1;
	}
	o->q_overtakes += over;
	o->q_checked += checked;
	o->q_seen = true;
}

/*
 * Overtakes by timestamps: acquisition e (t0: before its P) overtakes if
 * another process's request, served after e, started before e's by more
 * than the margin (the uncontended cost of a P: two requests closer than
 * that may enter any queue in either order).  Scanned backwards, keeping
 * each process's next request, starting from the requests that were
 * pending when the trial stopped (a starved process has one).
 */
static void lk_ts_overtakes(const struct lk_log *log, double margin,
			    struct trial_out *o)
{
	uint64_t next[BENCH_MAX_PROCS], over = 0, i, n = log->nacq;
	bool has[BENCH_MAX_PROCS];
	const struct lk_acq *e;
	unsigned int q;

	/* A request still pending at the stop was served after every one. */
	for (q = 0; q < BENCH_MAX_PROCS; q++) {
		next[q] = log->end_t0[q];
		has[q] = next[q] != 0;
	}
	for (i = n; i-- > 0;) {
		e = &log->acq[i];
		for (q = 0; q < BENCH_MAX_PROCS; q++)
			if (q != e->proc && has[q] &&
			    (double)next[q] + margin < (double)e->t0) {
				over++;
				break;
			}
		next[e->proc] = e->t0;
		has[e->proc] = true;
	}
	o->ts_overtakes += over;
	o->ts_checked += n;
}

/* The uncontended cost of a P on the new semaphore s (median of 64), ns. */
static double lk_margin(const struct sem_mech *m, void *s)
{
	double v[64];
	uint64_t t;
	unsigned int i;

	for (i = 0; i < 64; i++) {
		t = now_ns();
		if (m->wait(s) < 0)
			return NAN;
		v[i] = (double)(now_ns() - t);
		if (m->post(s) < 0)
			return NAN;
	}
	stats_sort(v, 64);
	return stats_pct(v, 64, 50);
}

/*
 * A semaphore of value 1 as a lock: each worker takes it, checks it is
 * alone in the critical section, leaves and gives it back, until told to
 * stop.  An acquisition that finds the stop flag is not counted as work
 * (but is counted as an operation in a syscall-counting run, which counts
 * them all).
 */
static int lk_worker(struct part *p)
{
	const struct sem_mech *s = p->c->sem;
	bool measure = p->mode == TRIAL_MEASURE;
	uint32_t me = (uint32_t)p->idx + 1, prev;
	uint64_t acq = 0, t0, t1;
	int ret;

	if (!measure)
		syscount_begin(&p->sc);
	for (;;) {
		t0 = measure ? now_ns() : 0;
		ret = s->wait(p->obj);
		t1 = measure ? now_ns() : 0;
		if (ret < 0) {
			part_fail(p, "worker %u wait: %s", me, strerror(-ret));
			return 1;
		}
		if (__atomic_load_n(&p->ctl->stop, __ATOMIC_SEQ_CST)) {
			if (measure)
				p->ctl->log->end_t0[p->idx] = t0;
			ret = s->post(p->obj);
			if (!measure)
				acq++;
			break;
		}
		prev = __atomic_exchange_n(&p->ctl->holder, me,
					   __ATOMIC_SEQ_CST);
		if (measure)
			lk_log_acq(p, t0, t1);
		p->ctl->ops++;
		if (__atomic_exchange_n(&p->ctl->holder, 0, __ATOMIC_SEQ_CST) !=
		    me || prev)
			__atomic_add_fetch(&p->ctl->violations, 1,
					   __ATOMIC_SEQ_CST);
		ret = s->post(p->obj);
		if (ret < 0)
			break;
		acq++;
	}
	if (!measure)
		syscount_end(&p->sc);
	part_count_done(p);
	p->ctl->acq[p->idx] = acq;
	if (ret < 0) {
		part_fail(p, "worker %u post: %s", me, strerror(-ret));
		return 1;
	}
	return 0;
}

/* After the trial: the waits and both counts of overtakes. */
static int lk_analyse(const struct lk_log *log, struct trial_out *o)
{
	uint64_t i, n = log->nacq;
	uint8_t *mark;

	if (log->snap_err) {
		snprintf(o->err, sizeof(o->err), "the queue snapshot: %s",
			 strerror(-log->snap_err));
		return -1;
	}
	o->waits = malloc((n ? n : 1) * sizeof(*o->waits));
	mark = malloc(n ? n : 1);
	if (!o->waits || !mark) {
		free(mark);
		snprintf(o->err, sizeof(o->err), "out of memory");
		return -1;
	}
	for (i = 0; i < n; i++)
		o->waits[i] = log->acq[i].t1 - log->acq[i].t0;
	o->nwaits = n;
	if (log->nsnap)
		lk_queue_overtakes(log, mark, o);
	lk_ts_overtakes(log, o->margin_ns, o);
	free(mark);
	return 0;
}

int trial_lock(struct contender *c, enum trial_mode mode, struct trial_out *o)
{
	struct lk_log *log = NULL;
	unsigned int i;
	struct run r;
	pid_t pid;
	void *s;
	int ret;

	s = sem_setup(c, 1, o);
	if (!s)
		return -1;
	if (mode == TRIAL_MEASURE) {
		o->margin_ns = lk_margin(c->sem, s);
		log = bench_shared(sizeof(*log));
	}
	ret = run_begin(&r, c, mode, s, 0);
	if (ret) {
		snprintf(o->err, sizeof(o->err), "%s", strerror(-ret));
		c->sem->teardown(s);
		if (log)
			bench_unshare(log, sizeof(*log));
		return -1;
	}
	r.proto.ctl->log = log;
	for (i = 0; i < c->nprocs; i++) {
		pid = run_spawn(&r, (int)i, -1, lk_worker, 0);
		if (log && pid > 0)
			log->pids[i] = pid;
	}
	run_go(&r);
	run_stop_after(&r, mode == TRIAL_MEASURE ? bp.rate_ms : bp.count_ms);
	ret = run_end(&r, o);
	c->sem->teardown(s);
	if (log) {
		if (!ret)
			ret = lk_analyse(log, o);
		bench_unshare(log, sizeof(*log));
	}
	o->nprocs = c->nprocs;
	o->ops = 0;
	for (i = 0; i < c->nprocs; i++)
		o->ops += (double)o->acq[i];
	o->sc_ops = o->ops;
	if (!ret && o->violations) {
		snprintf(o->err, sizeof(o->err),
			 "%llu times two workers in the critical section",
			 (unsigned long long)o->violations);
		ret = -1;
	}
	return ret;
}

/*
 * A one-process trial's loop: op() on sample i, timed one by one, at most
 * n_measure samples (and, with limit_ms, for at most that long, after the
 * first), or bp.count_ops operations in a counting run.  op() says why it
 * failed (part_fail()) and returns -errno.
 */
static int timed_ops(struct part *p, int (*op)(struct part *p, uint64_t i),
		     uint64_t n_measure, unsigned int limit_ms)
{
	bool measure = p->mode == TRIAL_MEASURE;
	uint64_t i, n = measure ? n_measure : bp.count_ops, t0 = 0;
	uint64_t start = now_ns(), limit = (uint64_t)limit_ms * 1000000;
	int ret = 0;

	if (!measure)
		syscount_begin(&p->sc);
	for (i = 0; i < n; i++) {
		if (measure && limit && i && now_ns() - start > limit)
			break;
		if (measure)
			t0 = now_ns();
		ret = op(p, i);
		if (measure)
			p->ctl->samples[p->ctl->nsamples++] = now_ns() - t0;
		if (ret < 0)
			break;
	}
	if (!measure)
		syscount_end(&p->sc);
	part_count_done(p);
	if (ret < 0)
		return 1;
	p->ctl->ops = i;
	return 0;
}

static int un_pv(struct part *p, uint64_t i)
{
	const struct sem_mech *s = p->c->sem;
	int ret = s->wait(p->obj);

	if (ret >= 0)
		ret = s->post(p->obj);
	if (ret < 0)
		part_fail(p, "P+V %llu: %s", (unsigned long long)i,
			  strerror(-ret));
	return ret;
}

static int un_worker(struct part *p)
{
	return timed_ops(p, un_pv, bp.uncontended, 0);
}

/*
 * One participant (on CPU 0) running fn on obj, with nsamples of room;
 * obj, if any, is released with done() afterwards.  S7, S9 and C3.
 */
static int trial_one(struct contender *c, enum trial_mode mode,
		     struct trial_out *o, void *obj, void (*done)(void *),
		     size_t nsamples, int (*fn)(struct part *))
{
	struct run r;
	int ret;

	ret = run_begin(&r, c, mode, obj, nsamples);
	if (ret) {
		snprintf(o->err, sizeof(o->err), "%s", strerror(-ret));
		if (obj)
			done(obj);
		return -1;
	}
	run_spawn(&r, 0, 0, fn, 0);
	run_go(&r);
	ret = run_end(&r, o);
	if (obj)
		done(obj);
	o->sc_ops = (double)bp.count_ops;
	return ret;
}

int trial_uncontended(struct contender *c, enum trial_mode mode,
		      struct trial_out *o)
{
	void *s = sem_setup(c, 1, o);

	if (!s)
		return -1;
	return trial_one(c, mode, o, s, c->sem->teardown, bp.uncontended,
			 un_worker);
}

/* The timer alone: what every S7 sample pays for its two timestamps. */
static int clk_worker(struct part *p)
{
	bool measure = p->mode == TRIAL_MEASURE;
	uint64_t i, n = measure ? bp.uncontended : bp.count_ops, t0;

	if (!measure)
		syscount_begin(&p->sc);
	for (i = 0; i < n; i++) {
		t0 = now_ns();
		if (measure)
			p->ctl->samples[p->ctl->nsamples++] = now_ns() - t0;
	}
	if (!measure)
		syscount_end(&p->sc);
	part_count_done(p);
	p->ctl->ops = i;
	return 0;
}

int trial_clock(struct contender *c, enum trial_mode mode,
		struct trial_out *o)
{
	return trial_one(c, mode, o, NULL, NULL, bp.uncontended, clk_worker);
}

/* ------------------------------------------------------------------ */
/* Curves: live objects (C3), queued waiters (C4)                     */
/* ------------------------------------------------------------------ */

/*
 * C3: one process, c->nprocs objects alive (made for the trial, in the
 * bench process, and inherited): each sample opens a random one by name
 * and closes it again (which 0), or does one operation on a random one of
 * those held open (which 1).
 */
static unsigned int ob_seed;

static int ob_one(struct part *p, uint64_t i)
{
	const struct obj_mech *m = p->c->obj;
	unsigned int k = (unsigned int)rand_r(&ob_seed) % p->c->nprocs;
	int ret = p->c->which ? m->op(p->obj, k) : m->open(p->obj, k);

	if (ret < 0)
		part_fail(p, "%s %llu, of object %u of %u: %s",
			  p->c->which ? "operation" : "open by name",
			  (unsigned long long)i, k, p->c->nprocs,
			  strerror(-ret));
	return ret;
}

static int ob_worker(struct part *p)
{
	ob_seed = (unsigned int)getpid();
	return timed_ops(p, ob_one, bp.lat_samples, bp.lat_ms);
}

int trial_objects(struct contender *c, enum trial_mode mode,
		  struct trial_out *o)
{
	void *objs = c->obj->create(c->nprocs, o->err, sizeof(o->err));

	if (!objs) {
		if (!o->err[0])
			snprintf(o->err, sizeof(o->err), "setup failed");
		return -1;
	}
	return trial_one(c, mode, o, objs, c->obj->destroy, bp.lat_samples,
			 ob_worker);
}

/*
 * C4: c->nprocs threads of one process blocked on the semaphore (or in a
 * receive), and a poster in another process.  Each sample is one V that
 * finds them all queued: its own cost (which 0), or the time from just
 * before it to the woken waiter running (which 1).  The woken waiter
 * queues again, and the next V waits until it sleeps, so every V finds
 * nprocs waiters.
 */
static void *ho_thread(void *arg)
{
	struct part *p = arg;
	const struct sem_mech *s = p->c->sem;
	int32_t tid = (int32_t)gettid();
	int ret;

	for (;;) {
		__atomic_add_fetch(&p->ctl->armed, 1, __ATOMIC_SEQ_CST);
		ret = s->wait(p->obj);
		if (ret < 0) {
			part_fail(p, "waiter: %s", strerror(-ret));
			return NULL;
		}
		if (__atomic_load_n(&p->ctl->stop, __ATOMIC_SEQ_CST))
			return NULL;
		p->ctl->t_woke = now_ns();
		p->ctl->woke_tid = tid;
		__atomic_add_fetch(&p->ctl->woken, 1, __ATOMIC_SEQ_CST);
	}
}

static int ho_waiters(struct part *p)
{
	static pthread_t th[BENCH_MAX_WAITERS];
	unsigned int i, n = 0;
	pthread_attr_t attr;

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	for (i = 0; i < p->c->nprocs; i++, n++)
		if (pthread_create(&th[i], &attr, ho_thread, p)) {
			part_fail(p, "pthread_create: waiter %u", i);
			break;
		}
	pthread_attr_destroy(&attr);
	for (i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	return __atomic_load_n(&p->ctl->failed, __ATOMIC_SEQ_CST) ? 1 : 0;
}

/* How many of pid's threads sleep (state S)? */
static unsigned int threads_sleeping(pid_t pid)
{
	char path[64];
	struct dirent *d;
	unsigned int n = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	dir = opendir(path);
	if (!dir)
		return 0;
	while ((d = readdir(dir)))
		if (d->d_name[0] != '.' && proc_sleeping(atoi(d->d_name)))
			n++;
	closedir(dir);
	return n;
}

/* Spin until *v reaches want; false if a participant failed meanwhile. */
static bool ho_await(struct part *p, uint64_t *v, uint64_t want)
{
	unsigned long spins = 0;

	while (__atomic_load_n(v, __ATOMIC_SEQ_CST) < want) {
		if (__atomic_load_n(&p->ctl->failed, __ATOMIC_SEQ_CST))
			return false;
		bench_relax(&spins);
	}
	return true;
}

#define HO_MIN	16

static int ho_poster(struct part *p)
{
	const struct sem_mech *s = p->c->sem;
	bool measure = p->mode == TRIAL_MEASURE;
	uint64_t i, n = measure ? bp.lat_samples : bp.count_ops;
	uint64_t t0 = 0, t1 = 0, start;
	uint64_t limit = (uint64_t)bp.lat_ms * 1000000;
	unsigned int w = p->c->nprocs;
	int ret = 0;

	/* All queued: armed w times, and w + 1 threads asleep (main joins). */
	if (!ho_await(p, &p->ctl->armed, w))
		return 1;
	while (threads_sleeping(p->partner) < w + 1) {
		if (__atomic_load_n(&p->ctl->failed, __ATOMIC_SEQ_CST))
			return 1;
		usleep(1000);
	}
	start = now_ns();
	for (i = 0; i < n; i++) {
		/* At least HO_MIN samples: a wake-up can take a timer tick. */
		if (measure && i >= HO_MIN && now_ns() - start > limit)
			break;
		if (measure)
			t0 = now_ns();
		else
			syscount_begin(&p->sc);
		ret = s->post(p->obj);
		if (measure)
			t1 = now_ns();
		else
			syscount_end(&p->sc);
		if (ret < 0) {
			part_fail(p, "post %llu: %s", (unsigned long long)i,
				  strerror(-ret));
			return 1;
		}
		if (!ho_await(p, &p->ctl->woken, i + 1))
			return 1;
		if (measure)
			p->ctl->samples[p->ctl->nsamples++] =
				p->c->which ? p->ctl->t_woke - t0 : t1 - t0;
		/* The woken waiter queues again behind the others. */
		if (!ho_await(p, &p->ctl->armed, w + i + 1))
			return 1;
		while (!proc_sleeping(p->ctl->woke_tid))
			if (__atomic_load_n(&p->ctl->failed, __ATOMIC_SEQ_CST))
				return 1;
	}
	part_count_done(p);
	p->ctl->ops = i;
	/* Let them all go: each V now wakes a waiter that leaves. */
	__atomic_store_n(&p->ctl->stop, 1, __ATOMIC_SEQ_CST);
	for (i = 0; i < w && ret >= 0; i++)
		ret = s->post(p->obj);
	if (ret < 0) {
		part_fail(p, "final posts: %s", strerror(-ret));
		return 1;
	}
	return 0;
}

int trial_handoff(struct contender *c, enum trial_mode mode,
		  struct trial_out *o)
{
	return trial_pair(c, mode, o, ho_waiters, ho_poster);
}
