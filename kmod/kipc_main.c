// SPDX-License-Identifier: GPL-2.0
/*
 * kipc: the /dev/kipc misc device, its ioctl dispatch and the module's
 * limits.  The objects' ioctls on /dev/kipc live in kipc_registry.c.
 *
 * Locking: the limits are module parameters, read with READ_ONCE() because
 * root may change them at any time through sysfs; nothing else here holds
 * state.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/compat.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/uaccess.h>

#include "kipc_internal.h"

#if KIPC_HAVE_URING_CMD_CANCEL
#include <linux/io_uring/cmd.h>
#endif

#define CREATE_TRACE_POINTS
#include "kipc_trace.h"

/* Hard upper bounds of the limits; the parameters may be set below them. */
#define KIPC_OBJECTS_HARD	BIT(20)
#define KIPC_MSGSIZE_HARD	BIT(20)
#define KIPC_QUEUE_MSGS_HARD	BIT(20)
#define KIPC_SEM_VALUE_HARD	(BIT(31) - 1)

static unsigned int max_objects = 4096;
static unsigned int max_objects_per_user = 1024;
static unsigned int msgsize_max = 8192;
static unsigned int queue_msgs_max = 4096;
static unsigned int sem_value_max = 32767;
static unsigned long long queue_bytes_max = 1ULL << 20;
static unsigned long long user_bytes_max = 64ULL << 20;

static const struct {
	const unsigned int *param;
	unsigned int min, max;
} kipc_uint_bounds[] = {
	{ &max_objects, 1, KIPC_OBJECTS_HARD },
	{ &max_objects_per_user, 1, KIPC_OBJECTS_HARD },
	{ &msgsize_max, 1, KIPC_MSGSIZE_HARD },
	{ &queue_msgs_max, 1, KIPC_QUEUE_MSGS_HARD },
	{ &sem_value_max, 1, KIPC_SEM_VALUE_HARD },
};

static int param_set_bounded_uint(const char *val,
				  const struct kernel_param *kp)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(kipc_uint_bounds); i++)
		if (kipc_uint_bounds[i].param == kp->arg)
			return param_set_uint_minmax(val, kp,
						     kipc_uint_bounds[i].min,
						     kipc_uint_bounds[i].max);
	WARN_ON_ONCE(1);
	return -EINVAL;
}

static const struct kernel_param_ops param_ops_bounded_uint = {
	.set = param_set_bounded_uint,
	.get = param_get_uint,
};

module_param_cb(max_objects, &param_ops_bounded_uint, &max_objects, 0644);
MODULE_PARM_DESC(max_objects,
		 "Most kipc objects that may exist at once, system-wide");
module_param_cb(max_objects_per_user, &param_ops_bounded_uint,
		&max_objects_per_user, 0644);
MODULE_PARM_DESC(max_objects_per_user,
		 "Most kipc objects one user may have created in one IPC namespace");
module_param_cb(msgsize_max, &param_ops_bounded_uint, &msgsize_max, 0644);
MODULE_PARM_DESC(msgsize_max, "Largest message size in bytes");
module_param_cb(queue_msgs_max, &param_ops_bounded_uint, &queue_msgs_max,
		0644);
MODULE_PARM_DESC(queue_msgs_max, "Largest queue capacity in messages");
module_param_cb(sem_value_max, &param_ops_bounded_uint, &sem_value_max, 0644);
MODULE_PARM_DESC(sem_value_max, "Largest semaphore value");

static int param_set_bytes(const char *val, const struct kernel_param *kp)
{
	unsigned long long v;
	int ret;

	ret = kstrtoull(val, 0, &v);
	if (ret)
		return ret;
	if (v < PAGE_SIZE || v > (1ULL << 40))
		return -EINVAL;
	WRITE_ONCE(*(unsigned long long *)kp->arg, v);
	return 0;
}

static const struct kernel_param_ops param_ops_bytes = {
	.set = param_set_bytes,
	.get = param_get_ullong,
};

module_param_cb(queue_bytes_max, &param_ops_bytes, &queue_bytes_max, 0644);
MODULE_PARM_DESC(queue_bytes_max, "Largest queue capacity in bytes");
module_param_cb(user_bytes_max, &param_ops_bytes, &user_bytes_max, 0644);
MODULE_PARM_DESC(user_bytes_max,
		 "Memory one user may have charged to kipc objects, in bytes");

void kipc_limits_get(struct kipc_limits *lim)
{
	lim->max_objects = READ_ONCE(max_objects);
	lim->max_objects_per_user = READ_ONCE(max_objects_per_user);
	lim->msgsize_max = READ_ONCE(msgsize_max);
	lim->queue_msgs_max = READ_ONCE(queue_msgs_max);
	lim->sem_value_max = READ_ONCE(sem_value_max);
	lim->queue_bytes_max = READ_ONCE(queue_bytes_max);
	lim->user_bytes_max = READ_ONCE(user_bytes_max);
}

int kipc_ucmd_respond(struct kipc_ucmd *ucmd, size_t cmd_len)
{
	if (copy_to_user(ucmd->ubuffer, ucmd->cmd,
			 min_t(size_t, ucmd->user_size, cmd_len)))
		return -EFAULT;
	return 0;
}

/* The table's entry for an ioctl number, or NULL. */
const struct kipc_ioctl_op *kipc_ioctl_find(const struct kipc_ioctl_op *ops,
					    unsigned int nr_ops,
					    unsigned int cmd)
{
	const struct kipc_ioctl_op *op;

	if (_IOC_TYPE(cmd) != KIPC_IOC_TYPE)
		return NULL;
	/*
	 * Match type, number and direction; the size bits of the number are
	 * not used: "size" is.  The tables are short, a scan costs nothing
	 * next to the system call.
	 */
	for (op = ops; op < ops + nr_ops; op++)
		if ((op->ioctl_num & ~IOCSIZE_MASK) == (cmd & ~IOCSIZE_MASK))
			return op;
	return NULL;
}

static_assert(sizeof(union kipc_ioctl_buffer) <= KIPC_SIZE_MAX);

/*
 * Copy op's struct in from ucmd->ubuffer into ucmd->cmd (a union
 * kipc_ioctl_buffer) with the ABI's size rules; then, for a request that
 * carries one, check its object id against the handle's, before the
 * handler has taken a lock or done anything.  Both the ioctls and the
 * uring_cmd requests come through here.
 */
int kipc_ucmd_copy_in(const struct kipc_ioctl_op *op, struct kipc_ucmd *ucmd)
{
	u64 id;
	int ret;

	ret = get_user(ucmd->user_size, (u32 __user *)ucmd->ubuffer);
	if (ret)
		return ret;
	if (ucmd->user_size < op->min_size)
		return -EINVAL;
	/* Bounds the zero-tail check: never gigabytes of user memory. */
	if (ucmd->user_size > KIPC_SIZE_MAX)
		return -E2BIG;
	ret = copy_struct_from_user(ucmd->cmd, op->size, ucmd->ubuffer,
				    ucmd->user_size);
	if (ret || !op->id_offset)
		return ret;
	/* The buffer is a union holding u64s: id_offset is 8-aligned. */
	id = *(const u64 *)((const u8 *)ucmd->cmd + op->id_offset);
	return kipc_handle_check_id(ucmd->file, id);
}

long kipc_dispatch(const struct kipc_ioctl_op *ops, unsigned int nr_ops,
		   struct file *file, unsigned int cmd, unsigned long arg)
{
	const struct kipc_ioctl_op *op = kipc_ioctl_find(ops, nr_ops, cmd);
	union kipc_ioctl_buffer buf;
	struct kipc_ucmd ucmd = {
		.file = file,
		.ubuffer = (void __user *)arg,
		.cmd = &buf,
	};
	int ret;

	if (!op)
		return -ENOTTY;
	ret = kipc_ucmd_copy_in(op, &ucmd);
	if (ret)
		return ret;
	return op->execute(&ucmd);
}

static int kipc_cmd_get_info(struct kipc_ucmd *ucmd)
{
	struct kipc_info *info = ucmd->cmd;
	struct kipc_limits lim;

	if (info->flags || info->__reserved)
		return -EINVAL;

	kipc_limits_get(&lim);
	info->abi_version = KIPC_ABI_VERSION;
	info->features = KIPC_FEAT_SEM | KIPC_FEAT_SEM_FAST | KIPC_FEAT_QUEUE |
			 KIPC_FEAT_RING | KIPC_FEAT_SEM_MULTI |
			 KIPC_FEAT_OPEN_BY_ID | KIPC_FEAT_SEM_OP |
			 KIPC_FEAT_HANDLE_ID | KIPC_FEAT_QUEUE_NOTIFY |
			 KIPC_FEAT_PRIO_ORDER | KIPC_FEAT_QUEUE_LAST |
			 KIPC_FEAT_STAT_ORDER | KIPC_FEAT_SEM_UNDO_FAST;
	if (KIPC_HAVE_URING_CMD_CANCEL)
		info->features |= KIPC_FEAT_URING_CMD |
				  KIPC_FEAT_SEM_MULTI_URING;
	info->max_objects = lim.max_objects;
	info->msgsize_max = lim.msgsize_max;
	info->queue_msgs_max = lim.queue_msgs_max;
	info->sem_value_max = lim.sem_value_max;
	info->queue_bytes_max = lim.queue_bytes_max;
	info->user_bytes_max = lim.user_bytes_max;
	info->max_objects_per_user = lim.max_objects_per_user;
	info->nr_objects = kipc_registry_nr_objects();
	return kipc_ucmd_respond(ucmd, sizeof(*info));
}

/*
 * KIPC_IOC_LIST: entry_size drives a zero fill of every entry, so it is
 * bounded like "size" before the registry's walk sees it.
 */
static int kipc_cmd_list_checked(struct kipc_ucmd *ucmd)
{
	const struct kipc_list *cmd = ucmd->cmd;

	if (cmd->entry_size > KIPC_SIZE_MAX)
		return -E2BIG;
	return kipc_cmd_list(ucmd);
}

static const struct kipc_ioctl_op kipc_dev_ops[] = {
	KIPC_IOCTL_OP(KIPC_IOC_GET_INFO, kipc_cmd_get_info, struct kipc_info,
		      user_bytes_max),
	KIPC_IOCTL_OP(KIPC_IOC_OPEN, kipc_cmd_open, struct kipc_open,
		      __reserved),
	KIPC_IOCTL_OP(KIPC_IOC_UNLINK, kipc_cmd_unlink, struct kipc_unlink,
		      name),
	KIPC_IOCTL_OP(KIPC_IOC_LIST, kipc_cmd_list_checked, struct kipc_list,
		      filled),
	KIPC_IOCTL_OP(KIPC_IOC_SEM_WAIT_MULTI, kipc_sem_cmd_wait_multi,
		      struct kipc_sem_wait_multi, tv_nsec),
	KIPC_IOCTL_OP(KIPC_IOC_SEM_OP, kipc_sem_cmd_op,
		      struct kipc_sem_wait_multi, tv_nsec),
};

static long kipc_dev_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	return kipc_dispatch(kipc_dev_ops, ARRAY_SIZE(kipc_dev_ops), file, cmd,
			     arg);
}

#if KIPC_HAVE_URING_CMD_CANCEL
/*
 * IORING_OP_URING_CMD on /dev/kipc: the uring_cmd form of the device's one
 * blocking ioctl, KIPC_IOC_SEM_WAIT_MULTI (sqe->cmd_op; a cancel comes
 * with the request's own).  Any other command: ENOTTY, as for the ioctl.
 */
static int kipc_dev_uring_cmd(struct io_uring_cmd *ioucmd,
			      unsigned int issue_flags)
{
	if ((ioucmd->cmd_op & ~IOCSIZE_MASK) ==
	    (KIPC_IOC_SEM_WAIT_MULTI & ~IOCSIZE_MASK))
		return kipc_sem_uring_wait_multi(ioucmd, issue_flags);
	return -ENOTTY;
}
#endif

static const struct file_operations kipc_dev_fops = {
	.owner = THIS_MODULE,
	.open = nonseekable_open,
	.unlocked_ioctl = kipc_dev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
#if KIPC_HAVE_URING_CMD_CANCEL
	.uring_cmd = kipc_dev_uring_cmd,
#endif
	.llseek = noop_llseek,
};

static struct miscdevice kipc_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = KIPC_DEVICE_NAME,
	.fops = &kipc_dev_fops,
	.mode = 0666,
};

static int __init kipc_init(void)
{
	int ret;

	ret = kipc_registry_init();
	if (ret) {
		pr_err("cannot create /proc/kipc: %d\n", ret);
		return ret;
	}
	ret = misc_register(&kipc_misc);
	if (ret) {
		pr_err("cannot register /dev/%s: %d\n", KIPC_DEVICE_NAME, ret);
		kipc_registry_exit();
		return ret;
	}
	pr_info("ABI %d ready on /dev/%s\n", KIPC_ABI_VERSION,
		KIPC_DEVICE_NAME);
	return 0;
}

static void __exit kipc_exit(void)
{
	misc_deregister(&kipc_misc);
	kipc_registry_exit();
}

module_init(kipc_init);
module_exit(kipc_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kipc: FIFO message queues and strong counting semaphores");
MODULE_AUTHOR("The kipc developers");
