/* braces.h - brace expansion of sender arguments (pure). */
#ifndef RSGUARD_BRACES_H
#define RSGUARD_BRACES_H

#include "util.h"

#define MAX_EXPANSIONS	20000	/* words one command may expand to */

/*
 * Expand "{a,b}" alternations and "{1..3}" / "{a..c}" sequences (with an
 * optional "..STEP") in a raw word, removing backslash escapes, as rrsync
 * does with the braceexpand module.  Unbalanced braces are not an error:
 * the word is only unescaped, as rrsync does.  Results are appended to
 * *out; *budget is decremented per result.  Returns 0, or -1 with
 * *errstr set when the expansion would exceed *budget.
 */
int	 braces_expand(const char *, struct strvec *, size_t *, const char **);

#endif
