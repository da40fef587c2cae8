/* sshdcfg.h - what sshd_config says about one keyword, read as sshd reads it */
#ifndef RSGUARD_SSHDCFG_H
#define RSGUARD_SSHDCFG_H

#include <limits.h>
#include <stddef.h>

struct sshdcfg_flag {
	int	 global;	/* first value outside Match: -1 unset, 0, 1 */
	int	 in_match;	/* some Match block sets it to yes */
	int	 unread;	/* a file (or Include) could not be read */
	char	 where[PATH_MAX + 24];	/* file:line of the global value */
	char	 bad[PATH_MAX + 64];	/* the first file not read, and why */
};

/*
 * Read the sshd configuration at `path' (Include files in place, as
 * sshd does, relative names under /etc/ssh) for the yes/no keyword
 * `kw', e.g. "ExposeAuthInfo".  Bounded: at most 8 levels and 128
 * files.  Never fails: what could not be read is in r->unread.
 */
void	 sshdcfg_flag(const char *path, const char *kw,
	    struct sshdcfg_flag *r);

#endif
