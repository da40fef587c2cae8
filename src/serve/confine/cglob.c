/*
 * cglob.c - wildcard expansion of sender arguments, beneath DIR only:
 * each directory listed is reached with the confined walk, so a match
 * can never come from outside DIR.  The results are those of rrsync,
 * which expands with Python's glob.glob (fnmatch on code points, no
 * escapes, no [:classes:], a hidden name only for a pattern that starts
 * with '.', a trailing '/' for directories only).
 *
 * MUST invariants (tests/unit/test_cglob.c, tests/security/run.sh):
 *  1. MUST read each directory at most once per command, however many
 *     patterns name it: the listing is kept, sorted, and a pattern tests
 *     only the names that start with its literal prefix.
 *  2. MUST match in O(pattern x name) comparisons, never by exponential
 *     backtracking: a '*' segment takes its leftmost match, as Python's
 *     atomic (?>.*?fixed) groups do.
 *  3. MUST refuse (-1 + errstr) once the command's wildcards have read
 *     MAX_GLOB_ENTRIES directory entries or made MAX_GLOB_STEPS
 *     comparisons: the work is bounded, not only the results.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "confine.h"
#include "walk.h"
#include "util.h"

#define STR_(x)	#x
#define STR(x)	STR_(x)

static const char too_many_entries[] = "wildcards list too many directory "
    "entries (limit " STR(MAX_GLOB_ENTRIES) " per command)";
static const char too_many_steps[] = "wildcards need too many comparisons "
    "(limit " STR(MAX_GLOB_STEPS) " per command)";

/* One directory's listing, sorted by strcmp; "." and ".." left out. */
struct gdir {
	char	 *path;		/* DIR-relative, as the pattern spells it */
	char	**names;
	size_t	  n;
};

struct cglob_cache {
	struct gdir **slot;	/* open addressing on path; cap a power of 2 */
	size_t	  cap;
	size_t	  used;
};

/* A compiled pattern component: code points, as Python sees them. */
enum { EL_CHAR, EL_ANY, EL_SET, EL_STAR };
struct gel {
	int	 kind;
	uint32_t c;		/* EL_CHAR */
	size_t	 r0, nr;	/* EL_SET: ranges[r0 .. r0 + nr) */
	int	 neg;		/* EL_SET: [!...] */
};
struct gpat {
	struct gel	*el;
	size_t		 nel, minlen;	/* minlen: elements other than '*' */
	uint32_t	(*range)[2];
	size_t		 nrange;
	int		 hidden;	/* starts with '.' (Python _ishidden) */
	int		 bad;		/* a set Python's re would reject */
};

static int
has_magic(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

static int
cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Decode as Python's os.fsdecode does (UTF-8, surrogateescape): a
 * well-formed sequence is one code point, any other byte is U+DC80 +
 * byte.  Returns the number of bytes taken from s.
 */
static size_t
decode1(const unsigned char *s, uint32_t *cp)
{
	uint32_t c = s[0];
	size_t n, i;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		goto bad;
	/* The second byte's range excludes overlongs, surrogates, > 10FFFF. */
	if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] > 0x9f) ||
	    (c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] > 0x8f))
		goto bad;
	c &= 0x7f >> n;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)	/* a NUL ends it here too */
			goto bad;
		c = c << 6 | (s[i] & 0x3f);
	}
	*cp = c;
	return n;
bad:
	*cp = 0xdc00 + s[0];
	return 1;
}

static size_t
decode(const char *s, uint32_t **out)
{
	size_t len = strlen(s), n = 0, i = 0;

	*out = xreallocarray(NULL, len + 1, sizeof(**out));
	while (s[i] != '\0')
		i += decode1((const unsigned char *)s + i, &(*out)[n++]);
	return n;
}

static struct gel *
add_el(struct gpat *g, int kind)
{
	struct gel *e;

	g->el = xreallocarray(g->el, g->nel + 1, sizeof(*g->el));
	e = &g->el[g->nel++];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	if (kind != EL_STAR)
		g->minlen++;
	return e;
}

static void
add_range(struct gpat *g, uint32_t lo, uint32_t hi)
{
	g->range = xreallocarray(g->range, g->nrange + 1, sizeof(*g->range));
	g->range[g->nrange][0] = lo;
	g->range[g->nrange][1] = hi;
	g->nrange++;
}

/*
 * The set p[i..j) (between '[' and ']'), as fnmatch.translate() and then
 * re build it: split at the '-' that make ranges, drop empty ranges,
 * then read the class as re reads it.  tok[] is the class re sees: a
 * code point, or SEP for an unescaped '-' (a range operator).
 */
#define SEP	UINT32_MAX
static void
compile_set(struct gpat *g, const uint32_t *p, size_t i, size_t j)
{
	uint32_t *tok, c1, c2;
	size_t *cs, *ce, nc = 0, k, m, t, nt = 0, at;
	struct gel *e;

	cs = xreallocarray(NULL, j - i + 2, sizeof(*cs));
	ce = xreallocarray(NULL, j - i + 2, sizeof(*ce));
	tok = xreallocarray(NULL, 2 * (j - i) + 2, sizeof(*tok));
	/* Chunks: a '-' splits unless first (after '!') or just after one. */
	k = p[i] == '!' ? i + 2 : i + 1;
	at = i;
	for (; k < j; k++) {
		if (p[k] != '-')
			continue;
		cs[nc] = at, ce[nc++] = k;
		at = k + 1;
		k += 2;		/* Python resumes its search at k + 3 */
	}
	if (nc > 0 && at == j)
		ce[nc - 1]++;	/* "a-]": the last '-' is literal */
	else
		cs[nc] = at, ce[nc++] = j;
	/* Positions are kept, so a merged chunk is spelled by a list. */
	{
		uint32_t **cv = xreallocarray(NULL, nc, sizeof(*cv));
		size_t *cl = xreallocarray(NULL, nc, sizeof(*cl));

		for (k = 0; k < nc; k++) {
			cl[k] = ce[k] - cs[k];
			cv[k] = xreallocarray(NULL, j - i + 1, sizeof(**cv));
			memcpy(cv[k], p + cs[k], cl[k] * sizeof(**cv));
		}
		/* Remove empty ranges, right to left, as Python does. */
		for (k = nc - 1; k > 0; k--) {
			if (cl[k - 1] == 0 || cl[k] == 0 ||
			    cv[k - 1][cl[k - 1] - 1] <= cv[k][0])
				continue;
			memcpy(cv[k - 1] + cl[k - 1] - 1, cv[k] + 1,
			    (cl[k] - 1) * sizeof(**cv));
			cl[k - 1] += cl[k] - 2;
			free(cv[k]);
			for (m = k; m + 1 < nc; m++)
				cv[m] = cv[m + 1], cl[m] = cl[m + 1];
			nc--;
		}
		for (k = 0; k < nc; k++) {
			if (k > 0)
				tok[nt++] = SEP;
			for (m = 0; m < cl[k]; m++)
				tok[nt++] = cv[k][m];
			free(cv[k]);
		}
		free(cv);
		free(cl);
	}
	free(cs);
	free(ce);
	if (nt == 0) {			/* an empty set: never matches */
		e = add_el(g, EL_SET);
		e->r0 = g->nrange;
		goto out;
	}
	if (nt == 1 && tok[0] == '!') {	/* "[!]": any character */
		add_el(g, EL_ANY);
		goto out;
	}
	e = add_el(g, EL_SET);
	t = 0;
	if (tok[0] == '!')
		e->neg = 1, t = 1;
	e->r0 = g->nrange;
	/* re's class parser: "x-y" is a range, a lone '-' is itself. */
	while (t < nt) {
		c1 = tok[t] == SEP ? '-' : tok[t];
		t++;
		if (t < nt && tok[t] == SEP) {
			t++;
			if (t == nt) {
				add_range(g, c1, c1);
				add_range(g, '-', '-');
				break;
			}
			c2 = tok[t] == SEP ? '-' : tok[t];
			t++;
			if (c2 < c1)
				g->bad = 1;	/* re.error; cannot happen */
			add_range(g, c1, c2);
		} else
			add_range(g, c1, c1);
	}
	/* NB. e may have moved: add_range does not touch g->el. */
	g->el[g->nel - 1].nr = g->nrange - g->el[g->nel - 1].r0;
out:
	free(tok);
}

/* Compile one component as fnmatch.translate() reads it. */
static void
compile(struct gpat *g, const char *pat)
{
	uint32_t *p;
	size_t n, i, j;

	memset(g, 0, sizeof(*g));
	n = decode(pat, &p);
	g->hidden = n > 0 && p[0] == '.';
	for (i = 0; i < n;) {
		switch (p[i++]) {
		case '*':
			if (g->nel == 0 || g->el[g->nel - 1].kind != EL_STAR)
				add_el(g, EL_STAR);
			break;
		case '?':
			add_el(g, EL_ANY);
			break;
		case '[':
			j = i;
			if (j < n && p[j] == '!')
				j++;
			if (j < n && p[j] == ']')
				j++;
			while (j < n && p[j] != ']')
				j++;
			if (j >= n) {
				add_el(g, EL_CHAR)->c = '[';
				break;
			}
			compile_set(g, p, i, j);
			i = j + 1;
			break;
		default:
			add_el(g, EL_CHAR)->c = p[i - 1];
			break;
		}
	}
	free(p);
}

static void
gpat_free(struct gpat *g)
{
	free(g->el);
	free(g->range);
}

static int
el_match(const struct gpat *g, const struct gel *e, uint32_t c,
    unsigned long *steps)
{
	size_t k;

	(*steps)++;
	switch (e->kind) {
	case EL_CHAR:
		return e->c == c;
	case EL_ANY:
		return 1;
	default:
		for (k = 0; k < e->nr; k++) {
			(*steps)++;
			if (c >= g->range[e->r0 + k][0] &&
			    c <= g->range[e->r0 + k][1])
				return !e->neg;
		}
		return e->neg;
	}
}

/* Do elements [a, b) (no '*') match s at q? */
static int
seg_at(const struct gpat *g, size_t a, size_t b, const uint32_t *s,
    size_t q, unsigned long *steps)
{
	for (; a < b; a++, q++)
		if (!el_match(g, &g->el[a], s[q], steps))
			return 0;
	return 1;
}

/*
 * cglob.c MUST 2: the prefix before the first '*' is anchored at the start, the
 * part after the last at the end, and each segment between takes its
 * leftmost place; no position is ever retried.
 */
static int
gmatch(const struct gpat *g, const uint32_t *s, size_t n,
    unsigned long *steps)
{
	size_t a, b, q, pos, left;

	if (g->bad || n < g->minlen)
		return 0;
	for (b = 0; b < g->nel && g->el[b].kind != EL_STAR; b++)
		;
	if (b == g->nel)
		return n == g->nel && seg_at(g, 0, b, s, 0, steps);
	if (!seg_at(g, 0, b, s, 0, steps))
		return 0;
	pos = b;
	left = g->minlen - b;	/* elements still to place */
	for (a = b + 1; ; a = b + 1) {
		for (b = a; b < g->nel && g->el[b].kind != EL_STAR; b++)
			;
		if (b == g->nel)	/* the last: anchored at the end */
			return seg_at(g, a, b, s, n - (b - a), steps);
		for (q = pos; q + left <= n; q++)
			if (seg_at(g, a, b, s, q, steps))
				break;
		if (q + left > n)
			return 0;
		pos = q + (b - a);
		left -= b - a;
	}
}

int
confine_glob_match(const char *pat, const char *name, unsigned long *steps)
{
	struct gpat g;
	uint32_t *s;
	size_t n;
	int r;

	compile(&g, pat);
	n = decode(name, &s);
	*steps += n;
	r = (g.hidden || n == 0 || s[0] != '.') && gmatch(&g, s, n, steps);
	free(s);
	gpat_free(&g);
	return r;
}

static struct gdir **
cache_slot(struct cglob_cache *gc, const char *path)
{
	size_t i = fnv1a(path) & (gc->cap - 1);

	while (gc->slot[i] != NULL && strcmp(gc->slot[i]->path, path) != 0)
		i = (i + 1) & (gc->cap - 1);
	return &gc->slot[i];
}

static void
cache_add(struct confine *c, struct gdir *d)
{
	struct cglob_cache *gc = c->glob;
	struct gdir **old;
	size_t i, ocap;

	if (gc == NULL) {
		gc = c->glob = xcalloc(1, sizeof(*gc));
		gc->cap = 64;
		gc->slot = xcalloc(gc->cap, sizeof(*gc->slot));
	}
	if ((gc->used + 1) * 2 > gc->cap) {
		old = gc->slot;
		ocap = gc->cap;
		gc->cap *= 2;
		gc->slot = xcalloc(gc->cap, sizeof(*gc->slot));
		for (i = 0; i < ocap; i++)
			if (old[i] != NULL)
				*cache_slot(gc, old[i]->path) = old[i];
		free(old);
	}
	*cache_slot(gc, d->path) = d;
	gc->used++;
}

void
confine_glob_free(struct confine *c)
{
	struct cglob_cache *gc = c->glob;
	size_t i, j;

	if (gc == NULL)
		return;
	for (i = 0; i < gc->cap; i++) {
		if (gc->slot[i] == NULL)
			continue;
		for (j = 0; j < gc->slot[i]->n; j++)
			free(gc->slot[i]->names[j]);
		free(gc->slot[i]->names);
		free(gc->slot[i]->path);
		free(gc->slot[i]);
	}
	free(gc->slot);
	free(gc);
	c->glob = NULL;
}

/*
 * cglob.c MUST 1: directory `prefix' read once per command; later calls get the
 * kept listing.  One that cannot be reached lists as empty.  NULL with
 * *errstr when the entry budget (cglob.c MUST 3) runs out.
 */
static struct gdir *
listing(struct confine *c, const char *prefix, const char **errstr)
{
	struct gdir *d, **slot;
	struct dirent *de;
	char *rest = NULL, *em = NULL;
	size_t cap = 0;
	DIR *dp;
	int fd, lfd;

	if (c->glob != NULL && *(slot = cache_slot(c->glob, prefix)) != NULL)
		return *slot;
	if (++c->glob_entries > MAX_GLOB_ENTRIES) {	/* the open costs too */
		*errstr = too_many_entries;
		return NULL;
	}
	d = xcalloc(1, sizeof(*d));
	d->path = xstrdup(prefix);
	cache_add(c, d);
	if (cf_walk(c, prefix, prefix, 1, &fd, &rest, &em) == -1) {
		free(em);
		return d;	/* unreadable or outside: no matches here */
	}
	if (rest != NULL) {
		free(rest);
		close(fd);
		return d;
	}
	lfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	close(fd);
	if (lfd == -1 || (dp = fdopendir(lfd)) == NULL) {
		if (lfd != -1)
			close(lfd);
		return d;
	}
	while ((de = readdir(dp)) != NULL) {
		if (++c->glob_entries > MAX_GLOB_ENTRIES) {
			closedir(dp);
			*errstr = too_many_entries;
			return NULL;
		}
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (d->n == cap) {
			cap = cap ? cap * 2 : 64;
			d->names = xreallocarray(d->names, cap,
			    sizeof(*d->names));
		}
		d->names[d->n++] = xstrdup(de->d_name);
	}
	closedir(dp);
	if (d->n > 1)
		qsort(d->names, d->n, sizeof(*d->names), cmpstr);
	return d;
}

/* Match the compiled component against the listing of `prefix'. */
static int
glob_dir(struct confine *c, const char *prefix, const char *pat,
    const struct gpat *g, struct strvec *next, size_t *budget,
    const char **errstr)
{
	struct gdir *d;
	size_t lo, hi, mid, plen, n;
	uint32_t *s;
	int m;

	if ((d = listing(c, prefix, errstr)) == NULL)
		return -1;
	/* Only names that start with the literal prefix can match. */
	plen = strcspn(pat, "*?[");
	lo = 0;
	hi = d->n;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (strncmp(d->names[mid], pat, plen) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < d->n && strncmp(d->names[lo], pat, plen) == 0; lo++) {
		c->glob_steps++;
		if (d->names[lo][0] == '.' && !g->hidden)
			continue;
		n = decode(d->names[lo], &s);
		c->glob_steps += n;
		m = gmatch(g, s, n, &c->glob_steps);
		free(s);
		if (c->glob_steps > MAX_GLOB_STEPS) {
			*errstr = too_many_steps;
			return -1;
		}
		if (!m)
			continue;
		if (*budget == 0) {
			*errstr = "wildcard matches too many files";
			return -1;
		}
		(*budget)--;
		strvec_push(next, *prefix ? xasprintf("%s/%s", prefix,
		    d->names[lo]) : xstrdup(d->names[lo]));
	}
	return 0;
}

/* Keep what exists; with a trailing '/', directories only, '/' kept. */
static void
keep_existing(struct confine *c, struct strvec *cur, int dironly,
    struct strvec *out)
{
	struct stat st;
	char *em, *rest;
	size_t i;
	int fd;

	for (i = 0; i < cur->n; i++) {
		em = rest = NULL;
		if (cf_walk(c, cur->v[i], cur->v[i], dironly, &fd, &rest,
		    &em) == 0) {
			if (rest == NULL && (!dironly ||
			    (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode))))
				strvec_push(out, dironly ? xasprintf("%s/",
				    cur->v[i]) : xstrdup(cur->v[i]));
			close(fd);
			free(rest);
		}
		free(em);
	}
}

int
confine_glob(struct confine *c, const char *pattern, struct strvec *out,
    size_t *budget, const char **errstr)
{
	struct strvec cur = { NULL, 0, 0 }, next;
	struct gpat g;
	char *pat, *comp, *sp;
	size_t i, first, len;
	int r = 0, dironly;

	if (!has_magic(pattern)) {
		strvec_push(out, xstrdup(pattern));
		return 0;
	}
	len = strlen(pattern);
	dironly = len > 0 && pattern[len - 1] == '/';
	pat = xstrdup(pattern);
	strvec_push(&cur, xstrdup(""));
	for (comp = strtok_r(pat, "/", &sp); comp != NULL;
	    comp = strtok_r(NULL, "/", &sp)) {
		memset(&next, 0, sizeof(next));
		if (has_magic(comp)) {
			compile(&g, comp);
			c->glob_steps += g.nel;
			for (i = 0; i < cur.n && r == 0; i++)
				r = glob_dir(c, cur.v[i], comp, &g, &next,
				    budget, errstr);
			gpat_free(&g);
		} else
			for (i = 0; i < cur.n; i++)
				strvec_push(&next, *cur.v[i] ?
				    xasprintf("%s/%s", cur.v[i], comp) :
				    xstrdup(comp));
		strvec_free(&cur);
		cur = next;
		if (r == -1 || cur.n == 0)
			break;
	}
	free(pat);
	first = out->n;
	if (r == 0)
		keep_existing(c, &cur, dironly, out);
	strvec_free(&cur);
	if (r == -1)
		return -1;
	if (out->n == first)
		strvec_push(out, xstrdup(pattern));	/* as rrsync: no match */
	else
		qsort(out->v + first, out->n - first, sizeof(char *), cmpstr);
	return 0;
}
