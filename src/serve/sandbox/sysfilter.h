/* sysfilter.h - the seccomp filter around the rsync that serve runs. */
#ifndef RSGUARD_SYSFILTER_H
#define RSGUARD_SYSFILTER_H

#include <stdio.h>

/*
 * Build the filter (once, before the fork).  Returns 0, or -1 where this
 * build has no filter for the machine.
 */
int	 sysfilter_build(void);

/* In the child, with no_new_privs set: install it.  0, or -1 (errno). */
int	 sysfilter_install(void);

/* One "sandbox deny syscalls:" line per group, for --explain. */
void	 sysfilter_describe(FILE *);

#endif
