/*
 * sysfilter.c - a seccomp filter for the rsync that serve runs: what an
 * rsync server over ssh never calls, and what Landlock (up to ABI 7)
 * cannot see, fails.
 *
 * MUST invariants (tests/sandbox, tests/unit/test_sysfilter.c):
 *  1. MUST deny every way to a new socket but a unix stream socketpair:
 *     socket(2), datagram or non-unix socketpair(2) (a datagram end can
 *     sendto(2) any named socket), and io_uring, whose IORING_OP_SOCKET
 *     makes sockets no filter sees.
 *  2. MUST deny new namespaces (inside one, a process has every
 *     capability), so system administration (modules, reboot, clock,
 *     mounts) is left to the capability cut in sandbox.c; each entry
 *     here costs time at every connection, when the kernel caches the
 *     filter's verdicts.
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
#include <stdlib.h>
#include <unistd.h>

#include "sysfilter.h"

#if defined(__x86_64__)
#define FILTER_ARCH	AUDIT_ARCH_X86_64
#define X32_BIT		0x40000000U
#elif defined(__aarch64__)
#define FILTER_ARCH	AUDIT_ARCH_AARCH64
#endif

enum group { G_NET, G_NS, G_KERNEL, NGROUP };

static const char *const group_name[NGROUP] = {
	"sockets (but a unix stream socketpair) and io_uring",
	"new namespaces",
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
	R(syslog, G_KERNEL, EPERM),
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
#else
	{ -1, "(no filter for this machine)", G_NET, 0 },	/* unused */
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

#define MAXPROG	(3 * NDENY + 64)
static struct sock_filter prog[MAXPROG];
static size_t nprog;
static struct sock_fprog fprog;

/*
 * The denied calls as a balanced search tree on the syscall number: a
 * call costs about log2(n) compares, and so does each of the ~450 runs
 * the kernel makes of the filter to cache its verdicts at install time
 * (a linear list made that cost 150 us per connection).
 */
enum kind { K_DENY, K_PAIR, K_CLONE };
static struct ent {
	unsigned	 nr;
	enum kind	 kind;
	int		 err;
} ents[NDENY + 3];
static size_t nents;

#define LEAF	4		/* entries compared one by one */
#define JMAX	255		/* a cBPF jump offset */

#define STMT(c, k)	do { if (nprog < MAXPROG) prog[nprog] = \
	(struct sock_filter)BPF_STMT(c, k); nprog++; } while (0)
#define JUMP(c, k, t, f) do { if (nprog < MAXPROG) prog[nprog] = \
	(struct sock_filter)BPF_JUMP(c, k, t, f); nprog++; } while (0)
#define RET_ERR(e)	STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (e))
#define RET_ALLOW()	STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)

static int
cmpent(const void *a, const void *b)
{
	const struct ent *x = a, *y = b;

	return x->nr < y->nr ? -1 : x->nr > y->nr;
}

static size_t
ent_size(const struct ent *e)
{
	return e->kind == K_PAIR ? 8 : e->kind == K_CLONE ? 5 : 2;
}

static size_t
tree_size(size_t lo, size_t hi)
{
	size_t i, n = 1;		/* a leaf ends in "allow" */

	if (hi - lo > LEAF)
		return 1 + tree_size(lo, lo + (hi - lo) / 2) +
		    tree_size(lo + (hi - lo) / 2, hi);
	for (i = lo; i < hi; i++)
		n += ent_size(&ents[i]);
	return n;
}

/* One entry: "nr == e->nr" decides here; the accumulator holds nr. */
static void
emit_ent(const struct ent *e)
{
	JUMP(BPF_JMP | BPF_JEQ | BPF_K, e->nr, 0, ent_size(e) - 1);
	switch (e->kind) {
	case K_DENY:
		RET_ERR(e->err);
		break;
	case K_PAIR:
		/* AF_UNIX and SOCK_STREAM (flags above the type) only */
		STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(0));
		JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_UNIX, 0, 4);
		STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(1));
		STMT(BPF_ALU | BPF_AND | BPF_K, 0xf);
		JUMP(BPF_JMP | BPF_JEQ | BPF_K, SOCK_STREAM, 0, 1);
		RET_ALLOW();
		RET_ERR(EACCES);
		break;
	case K_CLONE:
		/* a fork, not a new namespace */
		STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(0));
		JUMP(BPF_JMP | BPF_JSET | BPF_K, CLONE_NS, 0, 1);
		RET_ERR(EPERM);
		RET_ALLOW();
		break;
	}
}

static int
emit_tree(size_t lo, size_t hi)
{
	size_t i, mid, left;

	if (hi - lo <= LEAF) {
		for (i = lo; i < hi; i++)
			emit_ent(&ents[i]);
		RET_ALLOW();
		return 0;
	}
	mid = lo + (hi - lo) / 2;
	if ((left = tree_size(lo, mid)) > JMAX)
		return -1;
	/* nr >= ents[mid]: over the left half */
	JUMP(BPF_JMP | BPF_JGE | BPF_K, ents[mid].nr, (unsigned char)left, 0);
	if (emit_tree(lo, mid) == -1)
		return -1;
	return emit_tree(mid, hi);
}
#endif

int
sysfilter_build(void)
{
#ifdef FILTER_ARCH
	size_t i;

	if (fprog.filter != NULL)
		return 0;
	for (i = 0; i < NDENY; i++)
		ents[nents++] = (struct ent){ (unsigned)deny[i].nr, K_DENY,
		    deny[i].err };
	ents[nents++] = (struct ent){ SYS_socketpair, K_PAIR, EACCES };
	ents[nents++] = (struct ent){ SYS_clone, K_CLONE, EPERM };
#ifdef SYS_clone3
	/* Its flags are out of reach: libc falls back to clone(2). */
	ents[nents++] = (struct ent){ SYS_clone3, K_DENY, ENOSYS };
#endif
	qsort(ents, nents, sizeof(ents[0]), cmpent);

	STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
	JUMP(BPF_JMP | BPF_JEQ | BPF_K, FILTER_ARCH, 1, 0);
	RET_ERR(EACCES);				/* sysfilter.c MUST 3 */
	STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
#ifdef X32_BIT
	JUMP(BPF_JMP | BPF_JGE | BPF_K, X32_BIT, 0, 1);
	RET_ERR(EACCES);
#endif
	if (emit_tree(0, nents) == -1 || nprog > MAXPROG) {
		nprog = nents = 0;
		return -1;
	}
	fprog.len = (unsigned short)nprog;
	fprog.filter = prog;
	return 0;
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
	/*
	 * SPEC_ALLOW: no forced speculative-store-bypass mitigation.  It
	 * guards a sandbox's own secrets from code it runs (a JIT); rsync
	 * runs none, and the mitigation slows every instruction it runs.
	 */
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
	    SECCOMP_FILTER_FLAG_SPEC_ALLOW, &fprog) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
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
