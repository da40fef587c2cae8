/* cmdline.h - SSH_ORIGINAL_COMMAND tokenizer (pure). */
#ifndef RSGUARD_CMDLINE_H
#define RSGUARD_CMDLINE_H

#include <stddef.h>

#define MAX_CMD_LEN	131072	/* bytes; the kernel's MAX_ARG_STRLEN */
#define MAX_WORDS	16384	/* words after "rsync --server" */
#define MAX_WORD_LEN	4096	/* bytes in one word, escapes included */

struct words {
	char	**w;	/* raw words, backslash escapes kept */
	size_t	  n;
};

/*
 * Split the part of the command that follows "rsync --server " into words
 * the way rrsync does: runs of characters other than space, where a
 * backslash makes the next character part of the word.  Control
 * characters, a trailing lone backslash and oversized input are refused.
 * Returns 0 and fills *out (caller frees with cmdline_free), or -1 with
 * *errstr set to a static reason.
 */
int	 cmdline_split(const char *, struct words *, const char **);
void	 cmdline_free(struct words *);

/*
 * Classify the whole command: returns CMD_TRUE for the "true" probe,
 * CMD_RSYNC when it begins "rsync --server" (and *rest points after
 * it), or a negative CMD_ERR_* with *errstr set.
 */
enum {
	CMD_TRUE = 1,
	CMD_RSYNC = 2,
	CMD_ERR_EMPTY = -1,
	CMD_ERR_NOT_RSYNC = -2,
	CMD_ERR_NOT_SERVER = -3,
	CMD_ERR_TOO_LONG = -4,
};
int	 cmdline_classify(const char *, const char **, const char **);

/* Copy with every "\X" replaced by "X" (rrsync's de-backslash). */
char	*cmdline_unescape(const char *);

#endif
