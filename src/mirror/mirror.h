/* mirror.h - pieces of the mirror runner shared with trust and schedule. */
#ifndef RSGUARD_MIRROR_H
#define RSGUARD_MIRROR_H

#include "job.h"
#include "util.h"

#define MIRROR_EXIT_CONFIG	1	/* bad job file, usage, set-up */
#define MIRROR_EXIT_LOCKED	75	/* another run holds the lock */
#define MIRROR_EXIT_TIMEOUT	124	/* the whole-run time bound hit */

/* The ssh command words (ssh, -F none, -i KEY, -o ...) for j, with
 * StrictHostKeyChecking=strict and UserKnownHostsFile=pin.  Pure. */
void	 mirror_ssh_words(const struct job *j, const char *strict,
	    const char *pin, struct strvec *sv);
/* The rsync argv for j (ownership in sv).  Pure. */
void	 mirror_rsync_argv(const struct job *j, int progress,
	    struct strvec *sv);
/* "[user@]host" of j's remote side (allocated). */
char	*mirror_login(const struct job *j);
/* 1 if rsync's exit status is worth another attempt. */
int	 mirror_retryable(int status);

#endif
