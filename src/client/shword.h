/* shword.h - shell words: quote for sh -c, split simple commands (pure). */
#ifndef RSGUARD_SHWORD_H
#define RSGUARD_SHWORD_H

#include "util.h"

#define MAX_SHWORDS	256	/* words of one analysed command */

/*
 * A word the shell reads back as exactly `s': `s' itself when it holds
 * only [A-Za-z0-9_./,:=@%+-] (and is not empty), else single-quoted
 * with each ' written as '\''.  malloc'd; never NULL.
 */
char	*shword_quote(const char *);

/*
 * Split a command line as sh would for a simple command: blanks
 * separate words; '...', "..." (\ escapes only $ ` " \ newline) and
 * backslash quoting; an unquoted leading "~/" or "~" word and unquoted
 * $HOME / ${HOME} expand to `home'.  Anything the shell would do more
 * with (; & | < > ( ) ` $ other than $HOME, *, ?, [, #, { }, a ~ but
 * the leading one, a leading ! or NAME=, newline, unquoted) makes it
 * -1 with *errstr: the command is not one simple command of literals.
 * Returns 0 and appends the words to *out.
 */
int	 shword_split(const char *, const char *home, struct strvec *,
	    const char **);

#endif
