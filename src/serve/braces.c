/*
 * braces.c - brace expansion (pure).
 *
 * MUST invariants (tests/unit/test_braces.c):
 *  1. MUST NOT produce more than the caller's budget of words, however the
 *     braces nest or multiply ("{a,b}{a,b}..." grows exponentially).
 *  2. MUST treat a backslash-escaped brace or comma as a literal.
 *  3. MUST fall back to plain unescaping for unbalanced braces.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "braces.h"
#include "cmdline.h"

#define MAX_DEPTH	32

static int expand(const char *, struct strvec *, size_t *, int,
    const char **);

/* Index of the brace matching s[open], or -1. */
static long
match_close(const char *s, size_t open)
{
	size_t i;
	int depth = 0;

	for (i = open; s[i] != '\0'; i++) {
		if (s[i] == '\\' && s[i + 1] != '\0') {
			i++;
			continue;
		}
		if (s[i] == '{')
			depth++;
		else if (s[i] == '}' && --depth == 0)
			return (long)i;
	}
	return -1;
}

/* Are the braces balanced (escapes honoured)? */
static int
balanced(const char *s)
{
	int depth = 0;

	for (; *s != '\0'; s++) {
		if (*s == '\\' && s[1] != '\0') {
			s++;
			continue;
		}
		if (*s == '{')
			depth++;
		else if (*s == '}' && --depth < 0)
			return 0;
	}
	return depth == 0;
}

static int
emit(struct strvec *out, size_t *budget, char *s, const char **errstr)
{
	if (*budget == 0) {
		free(s);
		*errstr = "brace expansion produces too many arguments";
		return -1;
	}
	(*budget)--;
	strvec_push(out, s);
	return 0;
}

/* Parse "X..Y[..S]" (integers or single letters) into a range. */
static int
parse_range(const char *body, size_t len, long *lo, long *hi, long *step,
    int *alpha, int *width)
{
	char buf[64], *a, *b, *c, *end;
	long v[3];
	int i, n;

	if (len == 0 || len >= sizeof(buf))
		return 0;
	memcpy(buf, body, len);
	buf[len] = '\0';
	a = buf;
	if ((b = strstr(a, "..")) == NULL)
		return 0;
	*b = '\0';
	b += 2;
	c = strstr(b, "..");
	if (c != NULL) {
		*c = '\0';
		c += 2;
	}
	*alpha = 0;
	if (strlen(a) == 1 && strlen(b) == 1 && isalpha((unsigned char)*a) &&
	    isalpha((unsigned char)*b)) {
		*alpha = 1;
		v[0] = (unsigned char)*a;
		v[1] = (unsigned char)*b;
	} else {
		char *p[2] = { a, b };
		for (i = 0; i < 2; i++) {
			if (*p[i] == '\0')
				return 0;
			errno = 0;
			v[i] = strtol(p[i], &end, 10);
			if (errno != 0 || *end != '\0' || v[i] < -1000000 ||
			    v[i] > 1000000)
				return 0;
		}
	}
	v[2] = 1;
	if (c != NULL) {
		errno = 0;
		v[2] = strtol(c, &end, 10);
		if (*c == '\0' || errno != 0 || *end != '\0' || v[2] == 0 ||
		    v[2] < -1000000 || v[2] > 1000000)
			return 0;
		if (v[2] < 0)
			v[2] = -v[2];
	}
	*width = 0;
	if (!*alpha) {
		/* Zero padding as braceexpand does: "{03..5}" -> 03 04 05. */
		for (i = 0; i < 2; i++) {
			const char *p = i == 0 ? a : b;
			if (*p == '-')
				p++;
			if (p[0] == '0' && p[1] != '\0') {
				n = (int)strlen(i == 0 ? a : b);
				if (n > *width)
					*width = n;
			}
		}
	}
	*lo = v[0];
	*hi = v[1];
	*step = v[2];
	return 1;
}

/* Expand prefix + each alternative + suffix. */
static int
expand_alts(const char *s, size_t open, size_t close, struct strvec *out,
    size_t *budget, int depth, const char **errstr)
{
	const char *body = s + open + 1;
	size_t blen = close - open - 1, i, start = 0;
	int d = 0;
	char *w;

	for (i = 0; i <= blen; i++) {
		if (i < blen && body[i] == '\\' && i + 1 < blen) {
			i++;
			continue;
		}
		if (i < blen && body[i] == '{')
			d++;
		else if (i < blen && body[i] == '}')
			d--;
		else if (i == blen || (body[i] == ',' && d == 0)) {
			w = xasprintf("%.*s%.*s%s", (int)open, s,
			    (int)(i - start), body + start, s + close + 1);
			if (expand(w, out, budget, depth + 1, errstr) == -1) {
				free(w);
				return -1;
			}
			free(w);
			start = i + 1;
		}
	}
	return 0;
}

static int
has_top_comma(const char *body, size_t blen)
{
	size_t i;
	int d = 0;

	for (i = 0; i < blen; i++) {
		if (body[i] == '\\' && i + 1 < blen) {
			i++;
			continue;
		}
		if (body[i] == '{')
			d++;
		else if (body[i] == '}')
			d--;
		else if (body[i] == ',' && d == 0)
			return 1;
	}
	return 0;
}

static int
expand(const char *s, struct strvec *out, size_t *budget, int depth,
    const char **errstr)
{
	size_t i;
	long close, lo, hi, step, v;
	int alpha, width;
	char *w;

	if (depth > MAX_DEPTH) {
		*errstr = "braces nested too deeply";
		return -1;
	}
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] == '\\' && s[i + 1] != '\0') {
			i++;
			continue;
		}
		if (s[i] != '{')
			continue;
		if ((close = match_close(s, i)) < 0)
			break;
		if (has_top_comma(s + i + 1, (size_t)close - i - 1))
			return expand_alts(s, i, (size_t)close, out, budget,
			    depth, errstr);
		if (parse_range(s + i + 1, (size_t)close - i - 1, &lo, &hi,
		    &step, &alpha, &width)) {
			for (v = lo; lo <= hi ? v <= hi : v >= hi;
			    v += lo <= hi ? step : -step) {
				if (alpha)
					w = xasprintf("%.*s%c%s", (int)i, s,
					    (int)v, s + close + 1);
				else
					w = xasprintf("%.*s%0*ld%s", (int)i, s,
					    width, v, s + close + 1);
				if (expand(w, out, budget, depth + 1,
				    errstr) == -1) {
					free(w);
					return -1;
				}
				free(w);
			}
			return 0;
		}
		/* "{a}" and "{}" stay literal; look for braces inside. */
	}
	return emit(out, budget, cmdline_unescape(s), errstr);
}

int
braces_expand(const char *raw, struct strvec *out, size_t *budget,
    const char **errstr)
{
	if (!balanced(raw))
		return emit(out, budget, cmdline_unescape(raw), errstr);
	return expand(raw, out, budget, 0, errstr);
}
