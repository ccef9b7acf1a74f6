// SPDX-License-Identifier: GPL-2.0
/*
 * kipc: the object registry, shared by every object type.
 *
 * It gives objects their ids, names, owners and permission checks, charges
 * their memory to their creator, turns them into handles (file descriptors
 * of anon inodes), lists them in /proc/kipc and through KIPC_IOC_LIST, and
 * destroys and unlinks them.
 *
 * IPC namespaces: names, listings and object counts belong to the IPC
 * namespace of the task that created the object (struct kipc_ns, one per
 * namespace that has objects), as SysV IPC's do.  A struct kipc_ns
 * holds a reference on its ipc_namespace, so the namespace cannot be freed
 * (nor its address reused) under it.  The reaper, delayed work every
 * KIPC_REAP_INTERVAL, finds namespaces whose only reference left is ours:
 * no task, nsfs file or bind mount can reach them, and nothing can make a
 * new reference to them; it marks them dead and unlinks their named
 * objects.  A dead kipc_ns is freed, and its reference dropped, with its
 * last object (a handle passed to another namespace keeps one alive).  It
 * also retires the records of namespaces that have no object left.
 * ids stay unique system-wide, and max_objects counts every namespace.
 *
 * Locking:
 *  - kipc_registry_lock (a mutex) protects kipc_objects (every object by
 *    id), kipc_namespaces, kipc_live_ns and every struct kipc_ns (name
 *    tree, counts, per-user counts, "dead"), each object's "linked",
 *    "name_node" and "destroyed", kipc_nr_objects, kipc_next_id and the
 *    per-user memory accounting kipc_users.
 *  - While kipc_registry_lock is held, every object in kipc_objects has a
 *    non-zero reference count: the last reference is dropped with
 *    kref_put_mutex(), which takes the mutex before the count reaches 0, so
 *    code holding the mutex may kref_get() any object it finds there.
 *  - The other fields of struct kipc_object are set before the object is
 *    published and never change; they are read without a lock.
 *  - No object type's own lock (a semaphore's spinlock, a queue's mutex) is
 *    ever taken under kipc_registry_lock.  /proc/kipc and KIPC_IOC_LIST
 *    take a reference on each object and copy its registry fields under
 *    the mutex, drop it, and only then ask the type for its fields (show(),
 *    fill_info()): a semaphore under its spinlock, a queue without its
 *    mutex (a snapshot); so a task that holds a queue's lock for long (a
 *    slow copy from its memory) cannot stall listing, opening or unlinking
 *    of any object.  Their last put may take the mutex again
 *    (kref_put_mutex()), so they never put under it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/hashtable.h>
#include <linux/ipc_namespace.h>
#include <linux/mutex.h>
#include <linux/nsproxy.h>
#include <linux/proc_fs.h>
#include <linux/proc_ns.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <linux/user_namespace.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include "kipc_internal.h"

/* Memory one name costs: the buffer it is kept in. */
#define KIPC_NAME_CHARGE	(KIPC_NAME_MAX + 1)
/* Entries KIPC_IOC_LIST collects per round under the lock. */
#define KIPC_LIST_BATCH		16
/* The size of struct kipc_obj_info in its first and second versions. */
#define KIPC_OBJ_INFO_SIZE_VER0	328
#define KIPC_OBJ_INFO_SIZE_VER1	392
static_assert(sizeof(struct kipc_obj_info) == KIPC_OBJ_INFO_SIZE_VER1);

/* How often the reaper looks for IPC namespaces that are gone. */
#define KIPC_REAP_INTERVAL	HZ

static DEFINE_MUTEX(kipc_registry_lock);
static DEFINE_XARRAY(kipc_objects);
static LIST_HEAD(kipc_namespaces);
/* The records not yet dead, by ipc_namespace address: one per namespace. */
static struct rb_root kipc_live_ns = RB_ROOT;
static DEFINE_HASHTABLE(kipc_users, 6);
static unsigned int kipc_nr_objects;
static u64 kipc_next_id;

/* The registry's part of one IPC namespace. */
struct kipc_ns {
	struct list_head node;		/* in kipc_namespaces */
	struct rb_node live_node;	/* in kipc_live_ns while !dead */
	struct ipc_namespace *ipc_ns;	/* a reference of ours */
	struct rb_root names;		/* named objects, by type and name */
	DECLARE_HASHTABLE(users, 4);	/* struct kipc_ns_user, by uid */
	unsigned int nr_objects;	/* named or not */
	bool dead;			/* unreachable: no new objects */
};

/* Objects one user (kuid) created in one namespace. */
struct kipc_ns_user {
	struct hlist_node node;
	kuid_t uid;
	unsigned int objects;
};

/* Memory charged to one user (kuid) for the objects it created. */
struct kipc_user {
	struct hlist_node node;
	kuid_t uid;
	u64 bytes;
};

static const struct kipc_object_type *const kipc_types[] = {
	&kipc_sem_type,
	&kipc_queue_type,
};

static const struct kipc_object_type *kipc_type_find(u32 type)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(kipc_types); i++)
		if (kipc_types[i]->type == type)
			return kipc_types[i];
	return NULL;
}

/* ---- Names ---------------------------------------------------------- */

/*
 * A name may hold any byte but '/' and the ASCII control characters (below
 * 0x20, and 0x7f): /proc/kipc prints names as they are, one object a line.
 */
static bool kipc_name_valid(const char *name)
{
	const unsigned char *p;

	if (!*name || !strcmp(name, ".") || !strcmp(name, ".."))
		return false;
	for (p = name; *p; p++)
		if (*p == '/' || *p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

/* Copy a name in and check it; returns a kmalloc'ed string. */
static char *kipc_name_get(u64 uname)
{
	char *name;
	long len;
	int ret;

	name = kmalloc(KIPC_NAME_CHARGE, GFP_KERNEL_ACCOUNT);
	if (!name)
		return ERR_PTR(-ENOMEM);
	len = strncpy_from_user(name, u64_to_user_ptr(uname),
				KIPC_NAME_CHARGE);
	if (len < 0) {
		ret = len;
		goto err;
	}
	if (len > KIPC_NAME_MAX) {
		ret = -ENAMETOOLONG;
		goto err;
	}
	if (!kipc_name_valid(name)) {
		ret = -EINVAL;
		goto err;
	}
	return name;
err:
	kfree(name);
	return ERR_PTR(ret);
}

/*
 * The name table's order: by type, then by name (strcmp).  A tree, not a
 * hash table: a lookup is O(log n) name comparisons whatever the number of
 * names (a fixed 64-bucket table made it O(n/64)), and the nodes live in
 * the objects, so the table needs no allocation of its own, and no memory
 * that is not charged to the objects' creators.
 */
struct kipc_name_key {
	unsigned int type;		/* KIPC_OBJ_* */
	const char *name;
};

static int kipc_name_cmp(const void *key, const struct rb_node *node)
{
	const struct kipc_name_key *k = key;
	const struct kipc_object *obj = rb_entry(node, struct kipc_object,
						 name_node);

	if (k->type != obj->type->type)
		return k->type < obj->type->type ? -1 : 1;
	return strcmp(k->name, obj->name);
}

static bool kipc_name_less(struct rb_node *a, const struct rb_node *b)
{
	const struct kipc_object *obj = rb_entry(a, struct kipc_object,
						 name_node);
	struct kipc_name_key k = { obj->type->type, obj->name };

	return kipc_name_cmp(&k, b) < 0;
}

static struct kipc_object *kipc_name_lookup(struct kipc_ns *ns,
					    const struct kipc_object_type *type,
					    const char *name)
{
	struct kipc_name_key k = { type->type, name };
	struct rb_node *node;

	lockdep_assert_held(&kipc_registry_lock);
	node = rb_find(&k, &ns->names, kipc_name_cmp);
	return node ? rb_entry(node, struct kipc_object, name_node) : NULL;
}

/* Give "obj" its name; kipc_name_lookup() found none of that type. */
static void kipc_name_insert(struct kipc_ns *ns, struct kipc_object *obj)
{
	lockdep_assert_held(&kipc_registry_lock);
	rb_add(&obj->name_node, &ns->names, kipc_name_less);
	obj->linked = true;
}

/*
 * KIPC_OPEN_BY_ID: the object with that id, if it is of that type, belongs
 * to the caller's IPC namespace and has a name now.  An anonymous, unlinked
 * or destroyed object can be reached only through a handle to it.
 */
static struct kipc_object *kipc_id_lookup(struct kipc_ns *ns,
					  const struct kipc_object_type *type,
					  u64 id)
{
	struct kipc_object *obj;

	lockdep_assert_held(&kipc_registry_lock);
	obj = xa_load(&kipc_objects, id);
	if (!obj || obj->type != type || obj->ns != ns || !obj->linked)
		return NULL;
	return obj;
}

/*
 * Take the object's name away.  Returns true if it had one: the caller then
 * drops the name's reference, after unlocking.
 */
static bool kipc_unlink_locked(struct kipc_object *obj)
{
	lockdep_assert_held(&kipc_registry_lock);
	if (!obj->linked)
		return false;
	rb_erase(&obj->name_node, &obj->ns->names);
	obj->linked = false;
	return true;
}

/* ---- IPC namespaces ------------------------------------------------- */

static void kipc_reap_work(struct work_struct *work);
static DECLARE_DELAYED_WORK(kipc_reaper, kipc_reap_work);

/* kipc_live_ns's order: by ipc_namespace address. */
static int kipc_ns_cmp(const void *ipc_ns, const struct rb_node *node)
{
	const struct kipc_ns *ns = rb_entry(node, struct kipc_ns, live_node);

	if (ipc_ns == ns->ipc_ns)
		return 0;
	return (unsigned long)ipc_ns < (unsigned long)ns->ipc_ns ? -1 : 1;
}

static bool kipc_ns_less(struct rb_node *a, const struct rb_node *b)
{
	return kipc_ns_cmp(rb_entry(a, struct kipc_ns, live_node)->ipc_ns,
			   b) < 0;
}

/*
 * The caller's IPC namespace's record; with "create", made if there is none
 * yet (or an ERR_PTR), else NULL then.  The caller is a task in that
 * namespace, so it is not dead (the reaper found no other reference).
 */
static struct kipc_ns *kipc_ns_current(bool create)
{
	struct ipc_namespace *ipc_ns = current->nsproxy->ipc_ns;
	struct rb_node *node;
	struct kipc_ns *ns;

	lockdep_assert_held(&kipc_registry_lock);
	/* A tree, not the list: an open costs O(log n) in the namespaces. */
	node = rb_find(ipc_ns, &kipc_live_ns, kipc_ns_cmp);
	if (node)
		return rb_entry(node, struct kipc_ns, live_node);
	if (!create)
		return NULL;
	ns = kzalloc(sizeof(*ns), GFP_KERNEL_ACCOUNT);
	if (!ns)
		return ERR_PTR(-ENOMEM);
	ns->ipc_ns = kipc_ipc_ns_get(ipc_ns);
	ns->names = RB_ROOT;
	hash_init(ns->users);
	list_add_tail(&ns->node, &kipc_namespaces);
	rb_add(&ns->live_node, &kipc_live_ns, kipc_ns_less);
	schedule_delayed_work(&kipc_reaper, KIPC_REAP_INTERVAL);
	return ns;
}

/*
 * Is the namespace's record to be freed?  Then it is off the list and the
 * caller frees it with kipc_ns_free() after dropping the lock.
 */
static bool kipc_ns_unused_locked(struct kipc_ns *ns)
{
	lockdep_assert_held(&kipc_registry_lock);
	if (!ns->dead || ns->nr_objects)
		return false;
	WARN_ON_ONCE(!hash_empty(ns->users));
	list_del(&ns->node);
	return true;
}

static void kipc_ns_free(struct kipc_ns *ns)
{
	kipc_ipc_ns_put(ns->ipc_ns);
	kfree(ns);
}

/*
 * Unlink the named objects of every IPC namespace that is gone (only our
 * reference is left), or of every namespace at all (module unload), and
 * free the records that have no object left, of live namespaces too.
 */
static void kipc_reap(bool all)
{
	struct kipc_ns *ns, *tmp;
	struct kipc_object *obj, *next;
	LIST_HEAD(unlinked);
	LIST_HEAD(unused);
	struct rb_node *node;

	mutex_lock(&kipc_registry_lock);
	list_for_each_entry_safe(ns, tmp, &kipc_namespaces, node) {
		/*
		 * A count of 1 cannot rise again: every way to a namespace
		 * (a task's nsproxy, an nsfs inode) holds a reference.  A
		 * record without objects holds nothing and goes too, live
		 * namespace or not (its next object makes a new one): an
		 * idle module has no reaper running.
		 */
		if (ns->dead ||
		    (!all && ns->nr_objects &&
		     !kipc_ipc_ns_only_ours(ns->ipc_ns)))
			continue;
		ns->dead = true;
		rb_erase(&ns->live_node, &kipc_live_ns);
		while ((node = rb_first(&ns->names))) {
			obj = rb_entry(node, struct kipc_object, name_node);
			kipc_unlink_locked(obj);
			list_add(&obj->reap_node, &unlinked);
		}
		if (kipc_ns_unused_locked(ns))
			list_add(&ns->node, &unused);
	}
	mutex_unlock(&kipc_registry_lock);

	/* The names' references; a last one may free its namespace's record. */
	list_for_each_entry_safe(obj, next, &unlinked, reap_node) {
		list_del(&obj->reap_node);
		kipc_object_put(obj);
	}
	list_for_each_entry_safe(ns, tmp, &unused, node)
		kipc_ns_free(ns);
}

/* Every KIPC_REAP_INTERVAL while any namespace has a record. */
static void kipc_reap_work(struct work_struct *work)
{
	bool left;

	kipc_reap(false);
	mutex_lock(&kipc_registry_lock);
	left = !list_empty(&kipc_namespaces);
	mutex_unlock(&kipc_registry_lock);
	if (left)
		schedule_delayed_work(&kipc_reaper, KIPC_REAP_INTERVAL);
}

/* ---- Permissions ---------------------------------------------------- */

/*
 * CAP_IPC_OWNER counts in the user namespace that owns the object's IPC
 * namespace (as SysV IPC's ipcperms()), over objects whose owner is mapped
 * in it.
 */
static bool kipc_capable(const struct kipc_object *obj)
{
	struct user_namespace *ns = obj->ns->ipc_ns->user_ns;

	return kuid_has_mapping(ns, obj->uid) &&
	       kgid_has_mapping(ns, obj->gid) &&
	       ns_capable(ns, CAP_IPC_OWNER);
}

/* SysV ipcperms(), with the fsuid: MAY_READ and/or MAY_WRITE. */
static int kipc_permission(const struct kipc_object *obj, int may)
{
	kuid_t fsuid = current_fsuid();
	unsigned int granted = obj->mode;
	unsigned int requested = 0;

	if (may & MAY_READ)
		requested |= 4;
	if (may & MAY_WRITE)
		requested |= 2;
	if (uid_eq(fsuid, obj->uid) || uid_eq(fsuid, obj->cuid))
		granted >>= 6;
	else if (in_group_p(obj->gid) || in_group_p(obj->cgid))
		granted >>= 3;
	if ((requested & ~granted & 7) && !kipc_capable(obj))
		return -EACCES;
	return 0;
}

/* May the caller destroy or unlink the object? */
static bool kipc_is_owner(const struct kipc_object *obj)
{
	kuid_t fsuid = current_fsuid();

	return uid_eq(fsuid, obj->uid) || uid_eq(fsuid, obj->cuid) ||
	       kipc_capable(obj);
}

/* ---- Accounting and lifetime ---------------------------------------- */

static struct kipc_user *kipc_user_find(kuid_t uid)
{
	struct kipc_user *u;

	hash_for_each_possible(kipc_users, u, node, __kuid_val(uid))
		if (uid_eq(u->uid, uid))
			return u;
	return NULL;
}

static void kipc_user_uncharge(struct kipc_user *u, u64 bytes)
{
	if (WARN_ON_ONCE(u->bytes < bytes))
		bytes = u->bytes;
	u->bytes -= bytes;
	if (!u->bytes) {
		hash_del(&u->node);
		kfree(u);
	}
}

static struct kipc_ns_user *kipc_ns_user_find(struct kipc_ns *ns, kuid_t uid)
{
	struct kipc_ns_user *nu;

	hash_for_each_possible(ns->users, nu, node, __kuid_val(uid))
		if (uid_eq(nu->uid, uid))
			return nu;
	return NULL;
}

static void kipc_ns_user_dec(struct kipc_ns_user *nu)
{
	if (!--nu->objects) {
		hash_del(&nu->node);
		kfree(nu);
	}
}

/*
 * Give a new object of namespace ns its id and count it, within the limits:
 * ENOSPC when max_objects exist, EDQUOT when its creator has
 * max_objects_per_user objects in the namespace or its creator's objects
 * would take more than user_bytes_max.
 */
static int kipc_register_locked(struct kipc_ns *ns, struct kipc_object *obj,
				const struct kipc_limits *lim)
{
	struct kipc_ns_user *nu;
	struct kipc_user *u;
	int ret;

	lockdep_assert_held(&kipc_registry_lock);
	if (kipc_nr_objects >= lim->max_objects)
		return -ENOSPC;
	nu = kipc_ns_user_find(ns, obj->cuid);
	if (nu && nu->objects >= lim->max_objects_per_user)
		return -EDQUOT;
	if (!nu) {
		nu = kzalloc(sizeof(*nu), GFP_KERNEL_ACCOUNT);
		if (!nu)
			return -ENOMEM;
		nu->uid = obj->cuid;
		hash_add(ns->users, &nu->node, __kuid_val(nu->uid));
	}
	/* Counted now; kipc_ns_user_dec() undoes it on failure. */
	nu->objects++;
	u = kipc_user_find(obj->cuid);
	if (!u) {
		u = kzalloc(sizeof(*u), GFP_KERNEL_ACCOUNT);
		if (!u) {
			kipc_ns_user_dec(nu);
			return -ENOMEM;
		}
		u->uid = obj->cuid;
		hash_add(kipc_users, &u->node, __kuid_val(u->uid));
	}
	if (obj->charge > lim->user_bytes_max ||
	    u->bytes > lim->user_bytes_max - obj->charge) {
		ret = -EDQUOT;
		goto err;
	}
	obj->id = ++kipc_next_id;
	ret = xa_insert(&kipc_objects, obj->id, obj, GFP_KERNEL_ACCOUNT);
	if (ret)
		goto err;
	u->bytes += obj->charge;
	kipc_nr_objects++;
	ns->nr_objects++;
	obj->ns = ns;
	return 0;
err:
	/* Frees u and nu if they were new. */
	kipc_user_uncharge(u, 0);
	kipc_ns_user_dec(nu);
	return ret;
}

/* Free an object the registry does not know (any more). */
static void kipc_object_free(struct kipc_object *obj)
{
	kfree(obj->name);
	obj->type->free(obj);
}

/* kref_put_mutex() release: called with kipc_registry_lock, drops it. */
static void kipc_object_release_locked(struct kref *ref)
{
	struct kipc_object *obj = container_of(ref, struct kipc_object, ref);
	struct kipc_ns *ns = obj->ns;
	struct kipc_ns_user *nu;
	struct kipc_user *u;
	bool ns_unused;

	WARN_ON_ONCE(obj->linked);
	xa_erase(&kipc_objects, obj->id);
	kipc_nr_objects--;
	ns->nr_objects--;
	nu = kipc_ns_user_find(ns, obj->cuid);
	if (!WARN_ON_ONCE(!nu))
		kipc_ns_user_dec(nu);
	u = kipc_user_find(obj->cuid);
	if (!WARN_ON_ONCE(!u))
		kipc_user_uncharge(u, obj->charge);
	ns_unused = kipc_ns_unused_locked(ns);
	mutex_unlock(&kipc_registry_lock);
	kipc_object_free(obj);
	if (ns_unused)
		kipc_ns_free(ns);
}

void kipc_object_put(struct kipc_object *obj)
{
	kref_put_mutex(&obj->ref, kipc_object_release_locked,
		       &kipc_registry_lock);
}

/* The release of a handle's file: its last close. */
int kipc_object_release(struct inode *inode, struct file *file)
{
	struct kipc_handle *h = file->private_data;

	h->obj->type->release_handle(h->obj, h);
	kipc_object_put(h->obj);
	kfree(h);
	return 0;
}

/* ---- KIPC_IOC_OPEN -------------------------------------------------- */

/* The type fields of KIPC_IOC_OPEN that belong to another type must be 0. */
static bool kipc_open_foreign_fields(const struct kipc_open *op)
{
	bool sem = op->sem_value || op->sem_max;
	bool queue = op->queue_msgs || op->queue_msgsize || op->queue_bytes ||
		     op->queue_flags;

	return (op->type != KIPC_OBJ_SEM && sem) ||
	       (op->type != KIPC_OBJ_QUEUE && queue);
}

/* The common fields of a new object from KIPC_IOC_OPEN. */
static void kipc_object_setup(struct kipc_object *obj,
			      const struct kipc_object_type *type,
			      const struct kipc_open *op, char *name)
{
	obj->type = type;
	kref_init(&obj->ref);
	RB_CLEAR_NODE(&obj->name_node);
	obj->name = name;
	obj->uid = current_fsuid();
	obj->cuid = obj->uid;
	obj->gid = current_fsgid();
	obj->cgid = obj->gid;
	obj->mode = op->mode;
	obj->ctime = ktime_get_real_seconds();
	obj->prio_order = op->flags & KIPC_OPEN_PRIO_ORDER;
	if (name)
		obj->charge += KIPC_NAME_CHARGE;
}

/*
 * Find the object for KIPC_IOC_OPEN, or publish the new one "new" (if it is
 * to be created).  Returns the object with a reference for the handle.
 */
static struct kipc_object *kipc_open_locked(const struct kipc_object_type *type,
					    struct kipc_open *op,
					    struct kipc_object *new,
					    const char *name, int may,
					    const struct kipc_limits *lim)
{
	struct kipc_object *obj = NULL;
	struct kipc_ns *ns;
	int ret;

	lockdep_assert_held(&kipc_registry_lock);
	ns = kipc_ns_current(!!new);
	if (IS_ERR(ns))
		return ERR_CAST(ns);
	if (!ns)
		return ERR_PTR(-ENOENT);
	if (op->flags & KIPC_OPEN_BY_ID) {
		obj = kipc_id_lookup(ns, type, op->id);
		if (!obj)
			return ERR_PTR(-ENOENT);
	} else if (name) {
		obj = kipc_name_lookup(ns, type, name);
	}
	if (obj) {
		if ((op->flags & KIPC_OPEN_CREATE) &&
		    (op->flags & KIPC_OPEN_EXCL))
			return ERR_PTR(-EEXIST);
		ret = kipc_permission(obj, may);
		if (ret)
			return ERR_PTR(ret);
		kref_get(&obj->ref);
		return obj;
	}
	if (!new)
		return ERR_PTR(-ENOENT);
	ret = kipc_register_locked(ns, new, lim);
	if (ret)
		return ERR_PTR(ret);
	if (name) {
		/* The name's reference. */
		kref_get(&new->ref);
		kipc_name_insert(ns, new);
	}
	op->out_flags |= KIPC_OPEN_CREATED;
	return new;
}

/* KIPC_IOC_OPEN failed after creating a named object: take it back. */
static void kipc_open_uncreate(struct kipc_object *obj,
			       const struct kipc_open *op)
{
	bool unlinked;

	if (!(op->out_flags & KIPC_OPEN_CREATED))
		return;
	mutex_lock(&kipc_registry_lock);
	unlinked = kipc_unlink_locked(obj);
	mutex_unlock(&kipc_registry_lock);
	if (unlinked)
		kipc_object_put(obj);
}

int kipc_cmd_open(struct kipc_ucmd *ucmd)
{
	struct kipc_open *op = ucmd->cmd;
	const struct kipc_object_type *type;
	struct kipc_object *obj, *new = NULL;
	struct kipc_limits lim;
	struct kipc_handle *h;
	struct file *file;
	int oflags, may = 0;
	char *name = NULL;
	bool create;
	int fd, ret;

	if ((op->flags & ~KIPC_OPEN_FLAGS) || op->__reserved ||
	    op->__reserved2 || (op->mode & ~0777))
		return -EINVAL;
	/* By id: an existing object, no name, nothing to create. */
	if ((op->flags & KIPC_OPEN_BY_ID) &&
	    (op->name || !op->id ||
	     (op->flags & (KIPC_OPEN_CREATE | KIPC_OPEN_EXCL))))
		return -EINVAL;
	type = kipc_type_find(op->type);
	if (!type || kipc_open_foreign_fields(op))
		return -EINVAL;
	if (op->flags & KIPC_OPEN_READ)
		may |= MAY_READ;
	if (op->flags & KIPC_OPEN_WRITE)
		may |= MAY_WRITE;
	if (!may)
		return -EINVAL;
	oflags = may == (MAY_READ | MAY_WRITE) ? O_RDWR :
		 may == MAY_READ ? O_RDONLY : O_WRONLY;
	if (!(op->flags & KIPC_OPEN_INHERIT))
		oflags |= O_CLOEXEC;
	create = !(op->flags & KIPC_OPEN_BY_ID) &&
		 (!op->name || (op->flags & KIPC_OPEN_CREATE));
	kipc_limits_get(&lim);
	ret = type->check_open(op, create, &lim);
	if (ret)
		return ret;
	op->out_flags = 0;

	if (op->name) {
		name = kipc_name_get(op->name);
		if (IS_ERR(name))
			return PTR_ERR(name);
	}
	fd = get_unused_fd_flags(oflags & O_CLOEXEC);
	if (fd < 0) {
		ret = fd;
		goto err_name;
	}
	h = kzalloc(sizeof(*h), GFP_KERNEL_ACCOUNT);
	if (!h) {
		ret = -ENOMEM;
		goto err_fd;
	}
	if (create) {
		new = type->create(op, &lim);
		if (IS_ERR(new)) {
			ret = PTR_ERR(new);
			goto err_handle;
		}
		kipc_object_setup(new, type, op, name);
		/* The new object owns the name now. */
		name = NULL;
	}

	mutex_lock(&kipc_registry_lock);
	obj = kipc_open_locked(type, op, new, new ? new->name : name, may,
			       &lim);
	mutex_unlock(&kipc_registry_lock);
	if (IS_ERR(obj)) {
		ret = PTR_ERR(obj);
		goto err_new;
	}
	if (obj != new && new) {
		kipc_object_free(new);
		new = NULL;
	}

	h->obj = obj;
	file = anon_inode_getfile(type->anon_name, type->fops, h,
				  oflags & O_ACCMODE);
	if (IS_ERR(file)) {
		ret = PTR_ERR(file);
		goto err_obj;
	}
	if (type->open_handle)
		type->open_handle(obj, h, file, op);
	op->id = obj->id;
	ret = kipc_ucmd_respond(ucmd, sizeof(*op));
	if (ret)
		goto err_file;
	kfree(name);
	fd_install(fd, file);
	return fd;

err_file:
	kipc_open_uncreate(obj, op);
	/* Its release puts the object and frees the handle. */
	fput(file);
	goto err_fd;
err_obj:
	kipc_open_uncreate(obj, op);
	kipc_object_put(obj);
	goto err_handle;
err_new:
	if (new)
		kipc_object_free(new);
err_handle:
	kfree(h);
err_fd:
	put_unused_fd(fd);
err_name:
	kfree(name);
	return ret;
}

/* ---- KIPC_IOC_UNLINK and KIPC_IOC_DESTROY --------------------------- */

int kipc_cmd_unlink(struct kipc_ucmd *ucmd)
{
	struct kipc_unlink *cmd = ucmd->cmd;
	const struct kipc_object_type *type;
	struct kipc_object *obj = NULL;
	bool unlinked = false;
	struct kipc_ns *ns;
	char *name;
	int ret = 0;

	if (cmd->flags || cmd->__reserved)
		return -EINVAL;
	type = kipc_type_find(cmd->type);
	if (!type)
		return -EINVAL;
	name = kipc_name_get(cmd->name);
	if (IS_ERR(name))
		return PTR_ERR(name);

	mutex_lock(&kipc_registry_lock);
	ns = kipc_ns_current(false);
	if (ns)
		obj = kipc_name_lookup(ns, type, name);
	if (!obj)
		ret = -ENOENT;
	else if (!kipc_is_owner(obj))
		ret = -EPERM;
	else
		unlinked = kipc_unlink_locked(obj);
	mutex_unlock(&kipc_registry_lock);
	if (unlinked)
		kipc_object_put(obj);
	kfree(name);
	return ret;
}

/* On a handle of any type. */
int kipc_cmd_destroy(struct kipc_ucmd *ucmd)
{
	struct kipc_destroy *cmd = ucmd->cmd;
	struct kipc_handle *h = ucmd->file->private_data;
	struct kipc_object *obj = h->obj;
	bool unlinked = false;
	int ret = 0;

	if (cmd->flags)
		return -EINVAL;
	mutex_lock(&kipc_registry_lock);
	if (obj->destroyed) {
		ret = -EIDRM;
	} else if (!kipc_is_owner(obj)) {
		ret = -EPERM;
	} else {
		obj->destroyed = true;
		unlinked = kipc_unlink_locked(obj);
	}
	mutex_unlock(&kipc_registry_lock);
	if (ret)
		return ret;
	obj->type->kill(obj);
	/* Our handle still holds a reference: this is not the last put. */
	if (unlinked)
		kipc_object_put(obj);
	return 0;
}

/* ---- Listing: KIPC_IOC_LIST and /proc/kipc -------------------------- */

/* The registry's fields of an object's record; the type's come later. */
static void kipc_fill_info_locked(struct kipc_object *obj,
				  struct kipc_obj_info *info)
{
	struct user_namespace *ns = current_user_ns();

	lockdep_assert_held(&kipc_registry_lock);
	memset(info, 0, sizeof(*info));
	info->id = obj->id;
	info->type = obj->type->type;
	if (obj->linked)
		info->flags |= KIPC_OBJ_F_NAMED;
	if (obj->destroyed)
		info->flags |= KIPC_OBJ_F_DESTROYED;
	if (obj->prio_order)
		info->flags |= KIPC_OBJ_F_PRIO_ORDER;
	info->uid = from_kuid_munged(ns, obj->uid);
	info->gid = from_kgid_munged(ns, obj->gid);
	info->cuid = from_kuid_munged(ns, obj->cuid);
	info->cgid = from_kgid_munged(ns, obj->cgid);
	info->mode = obj->mode;
	info->ctime = obj->ctime;
	info->bytes = obj->charge;
	if (obj->linked)
		strscpy(info->name, obj->name, sizeof(info->name));
}

/* Copy n entries out, each entry_size bytes, zero-padded past our size. */
static int kipc_list_copy(const struct kipc_list *cmd, u32 first,
			  const struct kipc_obj_info *batch, unsigned int n)
{
	size_t len = min_t(size_t, cmd->entry_size, sizeof(*batch));
	unsigned int i;

	for (i = 0; i < n; i++) {
		u64 off = ((u64)first + i) * cmd->entry_size;
		void __user *dst = u64_to_user_ptr(cmd->entries + off);

		if (copy_to_user(dst, &batch[i], len))
			return -EFAULT;
		if (cmd->entry_size > len &&
		    clear_user(dst + len, cmd->entry_size - len))
			return -EFAULT;
	}
	return 0;
}

int kipc_cmd_list(struct kipc_ucmd *ucmd)
{
	struct kipc_object *objs[KIPC_LIST_BATCH];
	struct kipc_list *cmd = ucmd->cmd;
	struct kipc_obj_info *batch;
	unsigned long start = 1;
	struct kipc_object *obj;
	unsigned long index;
	unsigned int i, n;
	struct kipc_ns *ns;
	u32 filled = 0;
	int ret = 0;

	/* At least the first version; entries are cut or zero-padded. */
	if (cmd->flags || cmd->entry_size % 8 ||
	    cmd->entry_size < KIPC_OBJ_INFO_SIZE_VER0)
		return -EINVAL;
	batch = kmalloc_array(KIPC_LIST_BATCH, sizeof(*batch), GFP_KERNEL);
	if (!batch)
		return -ENOMEM;
	do {
		n = 0;
		mutex_lock(&kipc_registry_lock);
		ns = kipc_ns_current(false);
		cmd->count = ns ? ns->nr_objects : 0;
		xa_for_each_start(&kipc_objects, index, obj, start) {
			if (!ns)
				break;
			if (n == KIPC_LIST_BATCH || filled + n >= cmd->capacity)
				break;
			start = index + 1;
			if (obj->ns != ns)
				continue;
			kipc_fill_info_locked(obj, &batch[n]);
			kref_get(&obj->ref);
			objs[n++] = obj;
		}
		mutex_unlock(&kipc_registry_lock);
		/*
		 * The type's fields under the object's own lock, never under
		 * kipc_registry_lock; the last put may take it again.
		 */
		for (i = 0; i < n; i++) {
			objs[i]->type->fill_info(objs[i], &batch[i]);
			kipc_object_put(objs[i]);
		}
		ret = kipc_list_copy(cmd, filled, batch, n);
		if (ret)
			goto out;
		filled += n;
	} while (n == KIPC_LIST_BATCH);
	cmd->filled = filled;
	ret = kipc_ucmd_respond(ucmd, sizeof(*cmd));
out:
	kfree(batch);
	return ret;
}

/*
 * /proc/kipc: a header line, then one line per object in id order.  The
 * seq_file position is 0 for the header and an object's id for its line.
 *
 * kipc_registry_lock is held only to find the next object: each object
 * start() or next() returns carries a reference of the reader's, dropped by
 * the next() or stop() it is handed to, and the registry's changing fields
 * are copied into struct kipc_seq meanwhile.  show() then asks the type for
 * its columns under the object's own lock alone.
 */
struct kipc_seq {
	bool linked;	/* of the object last returned */
};

static void *kipc_seq_find(struct seq_file *m, loff_t *pos)
{
	struct kipc_seq *st = m->private;
	struct kipc_object *obj = NULL;
	unsigned long index;
	struct kipc_ns *ns;

	mutex_lock(&kipc_registry_lock);
	/* The reader's namespace. */
	ns = kipc_ns_current(false);
	if (ns)
		xa_for_each_start(&kipc_objects, index, obj, *pos)
			if (obj->ns == ns)
				break;
	if (obj) {
		kref_get(&obj->ref);
		st->linked = obj->linked;
		*pos = index;
	}
	mutex_unlock(&kipc_registry_lock);
	return obj;
}

static void *kipc_seq_start(struct seq_file *m, loff_t *pos)
{
	if (!*pos)
		return SEQ_START_TOKEN;
	return kipc_seq_find(m, pos);
}

static void *kipc_seq_next(struct seq_file *m, void *v, loff_t *pos)
{
	struct kipc_object *obj = v;

	if (v == SEQ_START_TOKEN) {
		*pos = 1;
	} else {
		*pos = obj->id + 1;
		kipc_object_put(obj);
	}
	return kipc_seq_find(m, pos);
}

static void kipc_seq_stop(struct seq_file *m, void *v)
{
	if (v && v != SEQ_START_TOKEN)
		kipc_object_put(v);
}

static int kipc_seq_show(struct seq_file *m, void *v)
{
	struct user_namespace *ns = seq_user_ns(m);
	const struct kipc_seq *st = m->private;
	struct kipc_object *obj = v;

	if (v == SEQ_START_TOKEN) {
		seq_printf(m, "%-4s %20s %4s ", "type", "id", "mode");
		seq_printf(m, "%10s %10s %10s %10s %12s ", "uid", "gid",
			   "cuid", "cgid", "ctime");
		seq_printf(m, "%10s %10s %7s %s\n", "value", "max", "waiters",
			   "name");
		return 0;
	}
	seq_printf(m, "%-4s %20llu %4o %10u %10u %10u %10u %12lld ",
		   obj->type->name, obj->id, obj->mode,
		   from_kuid_munged(ns, obj->uid),
		   from_kgid_munged(ns, obj->gid),
		   from_kuid_munged(ns, obj->cuid),
		   from_kgid_munged(ns, obj->cgid), (long long)obj->ctime);
	obj->type->show(m, obj);
	seq_printf(m, " %s\n", st->linked ? obj->name : "-");
	return 0;
}

static const struct seq_operations kipc_seq_ops = {
	.start = kipc_seq_start,
	.next = kipc_seq_next,
	.stop = kipc_seq_stop,
	.show = kipc_seq_show,
};

int kipc_registry_init(void)
{
	if (!proc_create_seq_private("kipc", 0444, NULL, &kipc_seq_ops,
				     sizeof(struct kipc_seq), NULL))
		return -ENOMEM;
	return 0;
}

/*
 * At unload no handle exists (each pins the module), so the objects left
 * are named ones with only their name's reference: unlinking them all
 * frees them and every namespace's record.
 */
void kipc_registry_exit(void)
{
	remove_proc_entry("kipc", NULL);
	cancel_delayed_work_sync(&kipc_reaper);
	kipc_reap(true);
	WARN_ON_ONCE(!list_empty(&kipc_namespaces));
	WARN_ON_ONCE(!xa_empty(&kipc_objects));
	xa_destroy(&kipc_objects);
}

/* Objects in all namespaces now (what max_objects limits). */
unsigned int kipc_registry_nr_objects(void)
{
	unsigned int n;

	mutex_lock(&kipc_registry_lock);
	n = kipc_nr_objects;
	mutex_unlock(&kipc_registry_lock);
	return n;
}
