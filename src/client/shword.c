/*
 * shword.c - quoting for and splitting of simple POSIX shell commands.
 * Pure: the splitter refuses what it cannot follow rather than guess.
 */
#include <stdlib.h>
#include <string.h>

#include "shword.h"
#include "util.h"

static int
safe(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || strchr("_./,:=@%+-", c) != NULL;
}

char *
shword_quote(const char *s)
{
	size_t i, n = 0, o = 0;
	char *r;

	for (i = 0; s[i] != '\0'; i++)
		if (!safe((unsigned char)s[i]))
			break;
	if (s[i] == '\0' && i > 0)
		return xstrdup(s);
	for (i = 0; s[i] != '\0'; i++)
		n += s[i] == '\'' ? 4 : 1;
	r = xmalloc(n + 3);
	r[o++] = '\'';
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] == '\'') {
			memcpy(r + o, "'\\''", 4);
			o += 4;
		} else
			r[o++] = s[i];
	}
	r[o++] = '\'';
	r[o] = '\0';
	return r;
}

/* Append n bytes to the word buffer. */
static void
put(char **w, size_t *len, size_t *cap, const char *s, size_t n)
{
	if (*len + n + 1 > *cap) {
		*cap = (*len + n + 1) * 2;
		*w = xreallocarray(*w, *cap, 1);
	}
	memcpy(*w + *len, s, n);
	*len += n;
	(*w)[*len] = '\0';
}

/* Could c continue a variable name ($HOMEX is another variable)? */
static int
safe_cont(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '_';
}

int
shword_split(const char *s, const char *home, struct strvec *out,
    const char **errstr)
{
	const char *p = s;
	char *w = NULL;
	size_t len = 0, cap = 0, nwords = 0, hl = strlen(home);
	int inword = 0, name = 1;	/* name: word 0 so far is NAME chars */

	for (;;) {
		if (*p == '\0' || *p == ' ' || *p == '\t') {
			if (inword) {
				if (++nwords > MAX_SHWORDS) {
					*errstr = "too many words";
					goto fail;
				}
				strvec_push(out, w != NULL ? w : xstrdup(""));
				w = NULL;
				len = cap = 0;
				inword = 0;
			}
			if (*p == '\0')
				return 0;
			p++;
			continue;
		}
		if (!inword && len == 0 && *p == '~' &&
		    (p[1] == '/' || p[1] == '\0' || p[1] == ' ' ||
		    p[1] == '\t')) {
			put(&w, &len, &cap, home, hl);
			inword = 1;
			name = 0;
			p++;
			continue;
		}
		if (!inword && nwords == 0 && *p == '!') {
			*errstr = "shell reserved word";
			goto fail;
		}
		inword = 1;
		/* NAME=value before the command sets its environment */
		if (*p == '=' && name && nwords == 0 && len > 0) {
			*errstr = "variable assignment before the command";
			goto fail;
		}
		if (!safe_cont((unsigned char)*p) || (len == 0 && *p >= '0' &&
		    *p <= '9'))
			name = 0;
		if (*p == '\'') {
			const char *q = strchr(p + 1, '\'');

			if (q == NULL) {
				*errstr = "unterminated quote";
				goto fail;
			}
			put(&w, &len, &cap, p + 1, (size_t)(q - p - 1));
			p = q + 1;
		} else if (*p == '"') {
			for (p++; *p != '"'; p++) {
				if (*p == '\0') {
					*errstr = "unterminated quote";
					goto fail;
				}
				if (*p == '$' || *p == '`') {
					*errstr = "expansion in quotes";
					goto fail;
				}
				if (*p == '\\' && p[1] != '\0' &&
				    strchr("$`\"\\", p[1]) != NULL)
					p++;
				put(&w, &len, &cap, p, 1);
			}
			p++;
		} else if (*p == '\\') {
			if (p[1] == '\0' || p[1] == '\n') {
				*errstr = "trailing backslash";
				goto fail;
			}
			put(&w, &len, &cap, p + 1, 1);
			p += 2;
		} else if (strncmp(p, "$HOME", 5) == 0 && !safe_cont(p[5])) {
			put(&w, &len, &cap, home, hl);
			p += 5;
		} else if (strncmp(p, "${HOME}", 7) == 0) {
			put(&w, &len, &cap, home, hl);
			p += 7;
		} else if (strchr(";&|<>()`$*?[#{}~\n\r", *p) != NULL ||
		    (unsigned char)*p < 0x20) {
			*errstr = "shell syntax beyond a simple command";
			goto fail;
		} else {
			put(&w, &len, &cap, p, 1);
			p++;
		}
	}
 fail:
	free(w);
	return -1;
}
