// SPDX-License-Identifier: GPL-2.0
/*
 * kipc: the pages an object shares with the processes that map its handle
 * (a queue's ring, a semaphore's page).
 *
 * They are allocated one by one with KIPC_GFP_OBJECT, so each is charged to
 * the memory cgroup of the task that creates the object (vmalloc_user() is
 * not charged), and past the cgroup's limit the creation fails with ENOMEM
 * instead of waking the OOM killer.  The kernel reaches them through one
 * vmap() of the page array; a process maps them with the handle's mmap,
 * which inserts the same pages with vm_insert_pages().  This is how io_uring
 * allocates and maps its rings.
 *
 * Locking: none.  The pages live as long as the object; a mapping holds
 * its own reference on each page it maps, so pages stay valid for a process
 * that still maps them after the object is freed.
 */
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "kipc_internal.h"

/*
 * PAGE_ALIGN(size) bytes of zeroed pages into *sh, which must be zeroed.
 * On failure everything taken is freed again and *sh is left zeroed.
 */
int kipc_shared_alloc(struct kipc_shared *sh, size_t size)
{
	unsigned long nr = PAGE_ALIGN(size) >> PAGE_SHIFT;

	if (WARN_ON_ONCE(!nr || sh->pages))
		return -EINVAL;
	sh->pages = kvcalloc(nr, sizeof(*sh->pages), KIPC_GFP_OBJECT);
	if (!sh->pages)
		return -ENOMEM;
	for (; sh->nr_pages < nr; sh->nr_pages++) {
		sh->pages[sh->nr_pages] =
			alloc_page(KIPC_GFP_OBJECT | __GFP_ZERO);
		if (!sh->pages[sh->nr_pages])
			goto err;
		cond_resched();
	}
	sh->addr = vmap(sh->pages, nr, VM_MAP, PAGE_KERNEL);
	if (!sh->addr)
		goto err;
	return 0;
err:
	kipc_shared_free(sh);
	return -ENOMEM;
}

/* Undoes kipc_shared_alloc(), or what it did before it failed. */
void kipc_shared_free(struct kipc_shared *sh)
{
	unsigned long i;

	if (sh->addr)
		vunmap(sh->addr);
	for (i = 0; i < sh->nr_pages; i++)
		__free_page(sh->pages[i]);
	kvfree(sh->pages);
	memset(sh, 0, sizeof(*sh));
}

/*
 * mmap of an object's shared pages: MAP_SHARED, at offset pgoff pages
 * (where the object puts them), at most all of them, never growing
 * (VM_DONTEXPAND: mremap fails), left out of core dumps.  The VFS has
 * already refused PROT_WRITE on a handle not open for writing (and taken
 * VM_MAYWRITE and VM_SHARED away, so mprotect cannot add write access
 * later: VM_MAYSHARE is what says MAP_SHARED) and any mapping of a handle
 * not open for reading.
 */
int kipc_mmap_shared(struct vm_area_struct *vma, struct kipc_shared *sh,
		     unsigned long pgoff)
{
	unsigned long nr = vma_pages(vma);

	if (!(vma->vm_flags & VM_MAYSHARE) || vma->vm_pgoff != pgoff ||
	    nr > sh->nr_pages)
		return -EINVAL;
	vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	return vm_insert_pages(vma, vma->vm_start, sh->pages, &nr);
}
