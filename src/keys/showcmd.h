/* showcmd.h - the rsync server command a client would send (pure parts). */
#ifndef RSGUARD_SHOWCMD_H
#define RSGUARD_SHOWCMD_H

#include <stddef.h>

#define SHOWCMD_ENV	"RSGUARD_SHOWCMD_OUT"	/* stand-in's output file */
#define MAX_SHOWCMD_LEN	131072	/* bytes of command kept (MAX_CMD_LEN) */

/*
 * Does an rsync command line (argv[0] is rsync itself) name a remote
 * path (HOST:PATH, HOST::MOD, rsync://)?  Values of the options that take
 * a separate argument are skipped.  Returns 1 or 0.
 */
int	 showcmd_has_remote(int argc, char *const argv[]);

/*
 * What ssh would send for a remote shell argv (as rsync runs it, without
 * the shell's own words): skip "-l USER" and other leading options, skip
 * HOST, join the rest with single spaces.  Returns a new string, or NULL
 * with *errstr set.
 */
char	*showcmd_join(int argc, char *const argv[], const char **errstr);

/* Does the command carry its file arguments in-band (protect-args, -s)? */
int	 showcmd_protect_args(const char *cmd);

/*
 * The authorized_keys fragment pinning cmd: restrict,command="RSGUARD
 * serve --exact='CMD' -ro|-wo 'DIR'", quoted for sh and for sshd's
 * option parser (authkeys_emit, checked by parsing it back).  Returns a
 * new string, or NULL when no fragment can hold it (a newline, or over
 * the authorized_keys bounds).
 */
char	*showcmd_fragment(const char *rsguard, const char *cmd,
	    const char *dir);

#endif
