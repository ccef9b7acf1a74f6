// SPDX-License-Identifier: GPL-2.0
/*
 * What kipc's mechanisms share: the module's features, read once at start;
 * the two paths an object can be opened for (bench.h, enum kipc_path), and
 * whether each can run here; the device to create objects through.
 *
 * The fast path is liblkipc's default: lkipc_queue_open and lkipc_sem_open
 * map the object's ring or page into the caller's handle, and
 * lkipc_queue_send, lkipc_queue_recv, lkipc_sem_wait and lkipc_sem_post use
 * it whenever they need not wait.
 * LKIPC_OPEN_NOMAP in the open flags opts out: every operation is then an
 * ioctl.  A module without KIPC_FEAT_RING (KIPC_FEAT_SEM_FAST) has nothing
 * to map: its fast-path rows are "n/a", never the system-call path under
 * the fast path's name.
 */
#define _GNU_SOURCE
#include <stdio.h>

#include <lkipc.h>

#include "bench.h"

struct kipc_probe kipc_probe;

void kipc_probe_module(void)
{
	struct kipc_info info;
	struct lkipc k;
	int ret;

	ret = lkipc_open(&k, 0);
	if (ret < 0) {
		snprintf(kipc_probe.why, sizeof(kipc_probe.why),
			 "no kipc: %s: %s", LKIPC_DEFAULT_DEVICE,
			 lkipc_strerror(ret));
		return;
	}
	ret = lkipc_get_info(&k, &info);
	lkipc_close(&k);
	if (ret < 0) {
		snprintf(kipc_probe.why, sizeof(kipc_probe.why),
			 "no kipc: GET_INFO: %s", lkipc_strerror(ret));
		return;
	}
	kipc_probe.present = true;
	kipc_probe.abi_version = info.abi_version;
	kipc_probe.features = info.features;
}

const char *kipc_unavailable(uint64_t feature, enum kipc_path path)
{
	bool queue = feature == KIPC_FEAT_QUEUE;

	if (!kipc_probe.present)
		return kipc_probe.why;
	if (!(kipc_probe.features & feature))
		return queue ? "this kipc has no queues" :
			       "this kipc has no semaphores";
	if (path == KIPC_IOCTL)
		return NULL;
	if (!(kipc_probe.features &
	      (queue ? KIPC_FEAT_RING : KIPC_FEAT_SEM_FAST)))
		return queue ? "no ring: the module maps no queue ring" :
			       "no fast path: the module maps no semaphore page";
	return NULL;
}

unsigned int kipc_open_flags(enum kipc_path path)
{
	unsigned int flags = KIPC_OPEN_CREATE;

	if (path == KIPC_IOCTL)
		flags |= LKIPC_OPEN_NOMAP;
	return flags;
}

bool kipc_device(struct lkipc *k, char *err, size_t len)
{
	int ret = lkipc_open(k, 0);

	if (ret < 0)
		snprintf(err, len, "open %s: %s", LKIPC_DEFAULT_DEVICE,
			 lkipc_strerror(ret));
	return ret >= 0;
}
