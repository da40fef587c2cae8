/*
 * secluded.h - the arguments an rsync client sends on the connection
 * with -s (--secluded-args, once --protect-args) instead of on the
 * command line: "rsync", then each argument, every one NUL-terminated,
 * an empty argument sent as ".", and one empty string at the end.  The
 * rsync protocol starts on the very next byte.
 */
#ifndef RSGUARD_SECLUDED_H
#define RSGUARD_SECLUDED_H

#include <stddef.h>

#include "util.h"

#define MAX_SECLUDED_BYTES	131072	/* as MAX_CMD_LEN */
#define MAX_SECLUDED_ARGS	16384	/* as MAX_WORDS */
#define MAX_SECLUDED_ARG	4096	/* rsync's own bound (MAXPATHLEN) */
#define SECLUDED_TIMEOUT_MS	30000	/* serve's bound for the whole list */

/* The incremental parser: pure, no I/O (fuzzed: fuzz_secluded.c). */
struct secluded {
	struct strvec	 args;		/* the arguments after "rsync" */
	char		 cur[MAX_SECLUDED_ARG + 1];
	size_t		 curlen;
	size_t		 total;		/* bytes consumed */
	int		 seen_argv0;
};

enum { SECL_MORE = 0, SECL_DONE = 1, SECL_ERR = -1 };

void	 secluded_init(struct secluded *);
/*
 * Consume bytes of buf[0..n) up to and including the list's end; *used
 * is how many.  SECL_DONE at the end (not one byte after it consumed),
 * SECL_MORE when every byte was used and the list goes on, SECL_ERR
 * with *errstr (static) on a bound reached or a list that does not
 * start with "rsync".
 */
int	 secluded_feed(struct secluded *, const char *buf, size_t n,
	    size_t *used, const char **errstr);
void	 secluded_free(struct secluded *);

/*
 * Read the list from fd (the client's stdin) without reading one byte
 * past its end, so that rsync, started next, reads the protocol from
 * its first byte.  Bounded in bytes, arguments and time (timeout_ms for
 * the whole list).  0 with the arguments in *out (caller frees), or -1
 * with *errstr.
 */
int	 secluded_read(int fd, int timeout_ms, struct strvec *out,
	    const char **errstr);

/*
 * rest (what follows "rsync --server ") says -s: the offset of its 's'
 * in the first short-option word (flags before its 'e', after an
 * optional "--sender "), else -1.  rsync's client sends -s there only.
 */
long	 secluded_flag(const char *rest);

/* rest names --iconv, with which the names come converted. */
int	 secluded_iconv(const char *rest);
#define SECLUDED_ICONV_MSG "rsync -s with --iconv: the names come " \
	"converted, which serve cannot check exactly; leave out --iconv or -s"

/*
 * The command line rsync's client would have sent without -s:
 * "rsync --server " rest without its 's', then each argument as a word
 * (a backslash before every byte a word cannot hold as is, but the
 * wildcards, which rsync expands in secluded arguments too).  Malloc'd,
 * or NULL with *errstr: a control character in an argument (cmdline.c
 * refuses them), --iconv among them, or over MAX_SECLUDED_BYTES * 2.
 */
char	*secluded_command(const char *rest, long at, const struct strvec *args,
	    const char **errstr);

#endif
