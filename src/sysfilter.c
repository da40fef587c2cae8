/*
 * sysfilter.c - a seccomp filter for the rsync that serve runs: what an
 * rsync server over ssh never calls, and what Landlock (up to ABI 7)
 * cannot see, fails.
 *
 * MUST invariants (tests/sandbox, tests/unit/test_sandbox.c):
 *  1. MUST deny every way to a new socket but a unix stream socketpair:
 *     socket(2), datagram or non-unix socketpair(2) (a datagram end can
 *     sendto(2) any named socket), and io_uring, whose IORING_OP_SOCKET
 *     makes sockets no filter sees.
 *  2. MUST deny new namespaces and the system-wide privileged calls a
 *     root rsync could otherwise make (modules, reboot, clock, mounts).
 *  3. MUST refuse a foreign syscall ABI (x32, 32-bit) whole, so no call
 *     comes in by another number.
 * The table is a denylist on purpose: an allowlist would have to follow
 * every libc and rsync release, and a miss there breaks transfers.
 */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include <endian.h>
#include <errno.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>

#include "sysfilter.h"

#if defined(__x86_64__)
#define FILTER_ARCH	AUDIT_ARCH_X86_64
#define X32_BIT		0x40000000U
#elif defined(__aarch64__)
#define FILTER_ARCH	AUDIT_ARCH_AARCH64
#endif

enum group { G_NET, G_NS, G_ADMIN, G_KERNEL, NGROUP };

static const char *const group_name[NGROUP] = {
	"sockets (but a unix stream socketpair) and io_uring",
	"new namespaces",
	"system administration",
	"kernel interfaces and other processes",
};

#define R(name, g, e)	{ SYS_##name, #name, g, e }

static const struct deny {
	long		 nr;
	const char	*name;
	enum group	 group;
	int		 err;
} deny[] = {
#ifdef FILTER_ARCH
	R(socket, G_NET, EACCES),
	R(connect, G_NET, EACCES),
	R(bind, G_NET, EACCES),
	R(listen, G_NET, EACCES),
	R(accept, G_NET, EACCES),
	R(accept4, G_NET, EACCES),
#ifdef SYS_io_uring_setup
	R(io_uring_setup, G_NET, EACCES),
	R(io_uring_enter, G_NET, EACCES),
	R(io_uring_register, G_NET, EACCES),
#endif
	R(unshare, G_NS, EPERM),
	R(setns, G_NS, EPERM),
	R(reboot, G_ADMIN, EPERM),
	R(kexec_load, G_ADMIN, EPERM),
#ifdef SYS_kexec_file_load
	R(kexec_file_load, G_ADMIN, EPERM),
#endif
	R(init_module, G_ADMIN, EPERM),
	R(finit_module, G_ADMIN, EPERM),
	R(delete_module, G_ADMIN, EPERM),
	R(settimeofday, G_ADMIN, EPERM),
	R(clock_settime, G_ADMIN, EPERM),
	R(clock_adjtime, G_ADMIN, EPERM),
	R(adjtimex, G_ADMIN, EPERM),
	R(sethostname, G_ADMIN, EPERM),
	R(setdomainname, G_ADMIN, EPERM),
	R(swapon, G_ADMIN, EPERM),
	R(swapoff, G_ADMIN, EPERM),
	R(mount, G_ADMIN, EPERM),
	R(umount2, G_ADMIN, EPERM),
	R(pivot_root, G_ADMIN, EPERM),
	R(chroot, G_ADMIN, EPERM),
	R(acct, G_ADMIN, EPERM),
	R(quotactl, G_ADMIN, EPERM),
	R(syslog, G_ADMIN, EPERM),
	R(vhangup, G_ADMIN, EPERM),
#ifdef SYS_iopl
	R(iopl, G_ADMIN, EPERM),
	R(ioperm, G_ADMIN, EPERM),
#endif
#ifdef SYS_fsopen
	R(open_tree, G_ADMIN, EPERM),
	R(move_mount, G_ADMIN, EPERM),
	R(fsopen, G_ADMIN, EPERM),
	R(fsconfig, G_ADMIN, EPERM),
	R(fsmount, G_ADMIN, EPERM),
	R(fspick, G_ADMIN, EPERM),
#endif
#ifdef SYS_mount_setattr
	R(mount_setattr, G_ADMIN, EPERM),
#endif
	R(bpf, G_KERNEL, EPERM),
	R(perf_event_open, G_KERNEL, EPERM),
	R(userfaultfd, G_KERNEL, EPERM),
	R(keyctl, G_KERNEL, EPERM),
	R(add_key, G_KERNEL, EPERM),
	R(request_key, G_KERNEL, EPERM),
	R(ptrace, G_KERNEL, EPERM),
	R(process_vm_readv, G_KERNEL, EPERM),
	R(process_vm_writev, G_KERNEL, EPERM),
	R(kcmp, G_KERNEL, EPERM),
#ifdef SYS_pidfd_getfd
	R(pidfd_getfd, G_KERNEL, EPERM),
#endif
	R(name_to_handle_at, G_KERNEL, EPERM),
	R(open_by_handle_at, G_KERNEL, EPERM),
	R(fanotify_init, G_KERNEL, EPERM),
#endif
};
#define NDENY	(sizeof(deny) / sizeof(deny[0]))

#ifdef FILTER_ARCH
/* Namespace flags of clone(2); clone3(2) hides them in memory. */
#define CLONE_NS	(CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | \
	CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET)

#if __BYTE_ORDER == __LITTLE_ENDIAN
#define ARG_LO(i)	(offsetof(struct seccomp_data, args) + 8 * (i))
#else
#define ARG_LO(i)	(offsetof(struct seccomp_data, args) + 8 * (i) + 4)
#endif

#define MAXPROG	(2 * NDENY + 32)
static struct sock_filter prog[MAXPROG];
static struct sock_fprog fprog;
#endif

int
sysfilter_build(void)
{
#ifdef FILTER_ARCH
	size_t n = 0, i;

#define STMT(c, k)		prog[n++] = (struct sock_filter) \
	BPF_STMT(c, k)
#define JUMP(c, k, t, f)	prog[n++] = (struct sock_filter) \
	BPF_JUMP(c, k, t, f)
#define RET_ERR(e)	STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (e))
#define RET_ALLOW()	STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)

	if (fprog.filter != NULL)
		return 0;
	STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
	JUMP(BPF_JMP | BPF_JEQ | BPF_K, FILTER_ARCH, 1, 0);
	RET_ERR(EACCES);				/* MUST 3 */
	STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
#ifdef X32_BIT
	JUMP(BPF_JMP | BPF_JGE | BPF_K, X32_BIT, 0, 1);
	RET_ERR(EACCES);
#endif
	for (i = 0; i < NDENY; i++) {
		JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)deny[i].nr, 0, 1);
		RET_ERR(deny[i].err);
	}
	/* socketpair: AF_UNIX and SOCK_STREAM (flags above the type) only */
	JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_socketpair, 0, 7);
	STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(0));
	JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_UNIX, 0, 4);
	STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(1));
	STMT(BPF_ALU | BPF_AND | BPF_K, 0xf);
	JUMP(BPF_JMP | BPF_JEQ | BPF_K, SOCK_STREAM, 0, 1);
	RET_ALLOW();
	RET_ERR(EACCES);
	/* clone: a fork, not a new namespace */
	JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone, 0, 4);
	STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(0));
	JUMP(BPF_JMP | BPF_JSET | BPF_K, CLONE_NS, 0, 1);
	RET_ERR(EPERM);
	RET_ALLOW();
#ifdef SYS_clone3
	/* Its flags are out of reach: libc falls back to clone(2). */
	JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone3, 0, 1);
	RET_ERR(ENOSYS);
#endif
	RET_ALLOW();
	fprog.len = (unsigned short)n;
	fprog.filter = prog;
	return 0;
#undef STMT
#undef JUMP
#undef RET_ERR
#undef RET_ALLOW
#else
	return -1;
#endif
}

int
sysfilter_install(void)
{
#ifdef FILTER_ARCH
	if (fprog.filter == NULL) {
		errno = EINVAL;
		return -1;
	}
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog, 0, 0);
#else
	errno = ENOSYS;
	return -1;
#endif
}

void
sysfilter_describe(FILE *f)
{
	size_t i;
	int g;
	const char *sep;

	for (g = 0; g < NGROUP; g++) {
		fprintf(f, "sandbox deny syscalls, %s:", group_name[g]);
		sep = " ";
		for (i = 0; i < NDENY; i++)
			if ((int)deny[i].group == g) {
				fprintf(f, "%s%s", sep, deny[i].name);
				sep = ",";
			}
		if (g == G_NET)
			fprintf(f, "%ssocketpair (but unix stream)", sep);
		if (g == G_NS)
			fprintf(f, "%sclone (with namespace flags),clone3 "
			    "(ENOSYS: libc falls back to clone)", sep);
		fputc('\n', f);
	}
}
