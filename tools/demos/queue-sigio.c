// SPDX-License-Identifier: GPL-2.0
/*
 * Signal-driven I/O on a queue handle: F_SETOWN names this process, F_SETSIG
 * asks for siginfo, F_SETFL O_ASYNC turns it on.  A child sends a message;
 * the SIGIO handler notes the signal with its si_code and si_fd, and the
 * demo checks it said POLL_IN for our queue and that the message was there
 * to take without waiting.  The receive then makes room, which the next
 * SIGIO reports as POLL_OUT.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <signal.h>

#include "demo.h"

#define MSG	"hello from the child"

static volatile sig_atomic_t nsig, last_code, last_fd;
static volatile long last_band;

static void on_sigio(int sig, siginfo_t *si, void *uctx)
{
	last_code = si->si_code;
	last_fd = si->si_fd;
	last_band = si->si_band;
	nsig++;
}

static struct lkipc_queue q;	/* the child uses its copy */

static int child(void *arg)
{
	usleep(100000);		/* let the parent wait first */
	demo_ok(lkipc_queue_send(&q, 1, MSG, sizeof(MSG), 0, NULL), "send");
	return 0;
}

/* Wait, with SIGIO unblocked, for the n-th SIGIO (10 s at most). */
static int wait_sigio(int n, const sigset_t *unblocked)
{
	int i;

	for (i = 0; i < 10 && nsig < n; i++) {
		alarm(1);	/* sigsuspend does not time out by itself */
		sigsuspend(unblocked);
	}
	alarm(0);
	return nsig >= n;
}

static void on_alarm(int sig)
{
}

int main(void)
{
	struct sigaction sa = { .sa_sigaction = on_sigio,
				.sa_flags = SA_SIGINFO | SA_RESTART };
	struct lkipc_queue_attr attr = { .msgs = 1, .msgsize = 64 };
	int in_code, in_fd, out_code, ok, len;
	sigset_t block, unblocked;
	char buf[64] = "";
	struct lkipc k;

	demo_ok(lkipc_open(&k, 0), "open /dev/kipc");
	demo_ok(lkipc_queue_open(&k, &q, NULL, KIPC_OPEN_CREATE, 0600, &attr),
		"create a queue");
	lkipc_close(&k);

	sigaction(SIGIO, &sa, NULL);
	signal(SIGALRM, on_alarm);
	sigemptyset(&block);
	sigaddset(&block, SIGIO);
	sigprocmask(SIG_BLOCK, &block, &unblocked);
	sigdelset(&unblocked, SIGIO);
	if (fcntl(q.fd, F_SETOWN, getpid()) || fcntl(q.fd, F_SETSIG, SIGIO) ||
	    fcntl(q.fd, F_SETFL, fcntl(q.fd, F_GETFL) | O_ASYNC))
		demo_die(errno, "fcntl");

	demo_spawn(child, NULL);
	ok = wait_sigio(1, &unblocked);
	in_code = last_code;
	in_fd = last_fd;
	ok &= in_code == POLL_IN && in_fd == q.fd && (last_band & POLLIN);
	/* The signal came after the send: the message is there now. */
	len = lkipc_queue_recv(&q, buf, sizeof(buf), KIPC_SEL_ANY, 0, NULL,
			       KIPC_MSG_NONBLOCK, NULL);
	ok &= len == sizeof(MSG) && !strcmp(buf, MSG);
	ok &= wait_sigio(2, &unblocked);
	out_code = last_code;
	ok &= out_code == POLL_OUT && last_fd == q.fd;
	ok &= !demo_reap();
	lkipc_queue_close(&q);

	printf("sigio: %s: SIGIO with %s for fd %d after the child's send, "
	       "message \"%s\" taken without waiting, then SIGIO with %s for "
	       "the room it made\n", ok ? "ok" : "FAILED",
	       in_code == POLL_IN ? "POLL_IN" : "a wrong si_code", in_fd,
	       len > 0 ? buf : "(none)",
	       out_code == POLL_OUT ? "POLL_OUT" : "a wrong si_code");
	return !ok;
}
