// SPDX-License-Identifier: GPL-2.0
/*
 * A module that does one wrong thing on purpose, for tests/debug-canary.test:
 * the debug lane must catch each (a checker never seen failing proves
 * nothing).  Not part of kipc.
 *
 *   mode=leak     loses kmalloc'ed objects (kmemleak)
 *   mode=oob      reads past the end of a kmalloc'ed object (KASAN)
 *   mode=lockdep  takes two mutexes in both orders (lockdep)
 *   mode=atomic   sleeps under a spinlock (DEBUG_ATOMIC_SLEEP)
 */
#include <linux/delay.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

static char *mode = "";
module_param(mode, charp, 0444);

static void *volatile canary_ptr;
static DEFINE_MUTEX(canary_a);
static DEFINE_MUTEX(canary_b);
static DEFINE_SPINLOCK(canary_lock);

#define CANARY_LEAKS 8

static noinline void canary_leak_one(void)
{
	canary_ptr = kmalloc(128, GFP_KERNEL);
	canary_ptr = NULL;
}

static int __init canary_init(void)
{
	if (!strcmp(mode, "leak")) {
		int i;

		/*
		 * Several, each from its own call: a stale copy of a pointer
		 * (a register, a dead stack slot, a cached kernel stack) hides
		 * that object from kmemleak, and can hide only the last few.
		 */
		for (i = 0; i < CANARY_LEAKS; i++)
			canary_leak_one();
	} else if (!strcmp(mode, "oob")) {
		/*
		 * 13 bytes: byte 13 is in the object's own last 8-byte
		 * granule, which KASAN marks as partly valid, so the read is
		 * caught whatever the neighbouring object's state (reading
		 * just past a 16-byte object would hit the next object).
		 */
		char *p = kmalloc(13, GFP_KERNEL);
		size_t i = 13 + (size_t)(canary_ptr != NULL);

		if (p)
			pr_info("kipc_canary: read %d\n", ((volatile char *)p)[i]);
		kfree(p);
	} else if (!strcmp(mode, "lockdep")) {
		mutex_lock(&canary_a);
		mutex_lock(&canary_b);
		mutex_unlock(&canary_b);
		mutex_unlock(&canary_a);
		mutex_lock(&canary_b);
		mutex_lock(&canary_a);
		mutex_unlock(&canary_a);
		mutex_unlock(&canary_b);
	} else if (!strcmp(mode, "atomic")) {
		spin_lock(&canary_lock);
		msleep(1);
		spin_unlock(&canary_lock);
	} else {
		return -EINVAL;
	}
	return 0;
}

static void __exit canary_exit(void)
{
}

module_init(canary_init);
module_exit(canary_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kipc test canary: deliberate kernel bugs for the debug lane");
