/*
 * request.c - classify the client's rsync server command (pure: no I/O).
 *
 * MUST invariants (tests/unit/test_request.c):
 *  1. MUST refuse any option not in the table (generic "invalid
 *     rsync-command syntax or options"), and a disabled one with
 *     "option X has been disabled on this server.".
 *  2. MUST apply the policy's extra refusals before accepting anything:
 *     -ro/-wo direction, -no-del, -no-overwrite, subdir-only refusals.
 *  3. MUST refuse ".." in every path value or argument when DIR is not "/".
 *  4. MUST require the "." separator; nothing after it is an option.
 *  5. MUST take --sender only as the first word (rrsync's "restrictive on
 *     purpose" rule); anywhere else it is disabled.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "request.h"
#include "util.h"


/* The OFF_* (opttab.h) conditions this policy and direction meet. */
static int
policy_off(const struct policy *p, int am_sender)
{
	return (p->ro ? OFF_RO : 0) | (p->wo ? OFF_WO : 0) |
	    (p->no_del ? OFF_NODEL : 0) |
	    (p->no_del && !am_sender ? OFF_NODEL_RECV : 0) |
	    (p->no_overwrite ? OFF_NOOVER : 0) |
	    (p->subdir ? OFF_SUBDIR : 0) | (!am_sender ? OFF_RECV : 0) |
	    (p->snapshots ? OFF_SNAP : 0);
}

static void
short_sets(const struct policy *p, int am_sender, char *ok, size_t oksz,
    char *num, size_t numsz, char *dis, size_t dissz)
{
	const char *s;
	size_t i = 0, j = 0;

	snprintf(dis, dissz, "%s%s%s%s", OPTTAB_SHORT_DISABLED,
	    p->no_overwrite || (p->no_del && !am_sender) ? "b" : "",
	    p->subdir ? OPTTAB_SHORT_SUBDIR : "", p->wo ? "c" : "");
	for (s = OPTTAB_SHORT_NOARG; *s && i + 1 < oksz; s++)
		if (strchr(dis, *s) == NULL)
			ok[i++] = *s;
	ok[i] = '\0';
	for (s = OPTTAB_SHORT_NUM; *s && j + 1 < numsz; s++)
		if (strchr(dis, *s) == NULL)
			num[j++] = *s;
	num[j] = '\0';
}

/*
 * rrsync's "^-(?=.)[ok]*(e\d*\.\w*)?$": a bundle of allowed letters with
 * an optional capability tail.  Returns the length of the letters part,
 * or -1 if the word is not such a bundle.
 */
static int
match_short_noarg(const char *w, const char *ok)
{
	const char *s = w + 1, *t;

	if (w[0] != '-' || w[1] == '\0')
		return -1;
	while (*s != '\0' && *s != 'e' && strchr(ok, *s) != NULL)
		s++;
	if (*s == '\0')
		return (int)(s - w - 1);
	if (*s != 'e')
		return -1;
	t = s + 1;
	while (isdigit((unsigned char)*t))
		t++;
	if (*t != '.')
		return -1;
	for (t++; *t != '\0'; t++)
		if (!isalnum((unsigned char)*t) && *t != '_')
			return -1;
	return (int)(s - w - 1);
}

/* "^-[num]\d+$" */
static int
match_short_num(const char *w, const char *num)
{
	const char *s;

	if (w[0] != '-' || w[1] == '\0' || strchr(num, w[1]) == NULL)
		return 0;
	if (!isdigit((unsigned char)w[2]))
		return 0;
	for (s = w + 2; *s != '\0'; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

/* "^-[ok]*([dis])": the disabled letter found, or 0. */
static int
match_short_disabled(const char *w, const char *ok, const char *dis)
{
	const char *s = w + 1;

	if (w[0] != '-')
		return 0;
	while (*s != '\0' && strchr(ok, *s) != NULL)
		s++;
	if (*s != '\0' && strchr(dis, *s) != NULL)
		return *s;
	return 0;
}

static int
has_dotdot(const char *s)
{
	const char *p;

	for (p = s; (p = strstr(p, "..")) != NULL; p++)
		if ((p == s || p[-1] == '/') && (p[2] == '\0' || p[2] == '/'))
			return 1;
	return 0;
}

int
request_normalize(const struct policy *p, const char *opt, const char *value,
    int is_path, char **out, int *flags, char **errmsg)
{
	char *a, *o, *r;
	const char *s;
	int isabs;

	*out = NULL;
	*flags = 0;
	/* "./x" -> "/x": one leading slash means the root of DIR. */
	a = xstrdup(strncmp(value, "./", 2) == 0 ? value + 1 : value);
	/* Python's replace('//', '/'): non-overlapping pairs. */
	for (s = a, o = a; *s != '\0'; ) {
		if (s[0] == '/' && s[1] == '/') {
			*o++ = '/';
			s += 2;
		} else
			*o++ = *s++;
	}
	*o = '\0';
	for (s = a; s[0] == '/' && s[1] == '/'; s++)
		;
	memmove(a, s, strlen(s) + 1);
	/* --root: "NAME[/rest]" -> "/rest", the root of its DIR */
	if (is_path && p->root != NULL) {
		for (s = a; *s == '/'; s++)
			;
		if (strncmp(s, p->root, p->rootlen) != 0 ||
		    (s[p->rootlen] != '/' && s[p->rootlen] != '\0')) {
			*errmsg = xasprintf("one transfer names one root: "
			    "%s %s is not beneath root %s", opt, value,
			    p->root);
			free(a);
			return -1;
		}
		/* in place: "/" and the rest are never longer than NAME/ */
		s += p->rootlen;
		a[0] = '/';
		memmove(a + 1, *s == '/' ? s + 1 : s,
		    strlen(*s == '/' ? s + 1 : s) + 1);
	}
	/*
	 * -absolute aliases DIR's path in a path option's value as in a
	 * transfer argument (stricter than rrsync, which reads
	 * --link-dest=DIR/x as DIR/DIR/x: no links made, or a refusal).
	 */
	isabs = is_path && p->absolute && p->subdir &&
	    path_beneath(a, p->dir, p->dirlen) != NULL;
	if (isabs)
		*flags |= NORM_ABSOLUTE;
	if (a[0] == '/' && !isabs) {
		*flags |= NORM_ROOTREL;
		if (p->subdir) {
			r = xasprintf("%s%s", p->dir, a);
			free(a);
			a = r;
		}
	}
	if (!isabs && !(p->subdir && (*flags & NORM_ROOTREL))) {
		for (s = a; *s == '/'; s++)
			;
		memmove(a, s, strlen(s) + 1);
	}
	if (p->subdir && has_dotdot(a)) {
		*errmsg = xasprintf("do not use .. in %s (anchor the path at "
		    "the root of your restricted dir)", opt);
		free(a);
		return -1;
	}
	*out = a;
	return 0;
}

static void
push_item(struct request *r, size_t *cap, struct item *it)
{
	struct item *ni;

	if (r->nitems + 1 > *cap) {
		*cap = *cap ? *cap * 2 : 32;
		ni = xreallocarray(r->items, *cap, sizeof(*ni));
		r->items = ni;
	}
	r->items[r->nitems++] = *it;
}

/* An option value: unescape, special-case --files-from, normalize. */
static int
value_item(const struct policy *p, struct request *r, size_t *cap,
    const struct opt *o, const char *raw, int eq, char **errmsg)
{
	enum argtype t = o->type;
	struct item it;
	char *v;

	memset(&it, 0, sizeof(it));
	v = cmdline_unescape(raw);
	it.opt = xasprintf("--%s", o->name);
	it.orig = v;
	it.type = t;
	it.role = o->role;
	it.eq = eq;
	if (o->role == ROLE_READ_FILE) {
		if (strcmp(v, "-") == 0) {
			it.value = xstrdup("-");
			push_item(r, cap, &it);
			return 0;
		}
		if (p->wo) {
			*errmsg = xstrdup("a write-only server cannot read a "
			    "remote --files-from path");
			goto fail;
		}
	}
	if (request_normalize(p, it.opt, v, t == ARG_PATH_RECV ||
	    t == ARG_PATH_ALWAYS, &it.value, &it.flags, errmsg) == -1)
		goto fail;
	it.is_path = p->subdir && strcmp(it.value, ".") != 0 &&
	    (t == ARG_PATH_ALWAYS || (t == ARG_PATH_RECV && !r->am_sender));
	push_item(r, cap, &it);
	return 0;
 fail:
	free(it.opt);
	free(v);
	return -1;
}

int
request_parse(const struct policy *p, const char *rest,
    const struct words *ws, struct request *r, char **errmsg)
{
	char ok[64], num[8], dis[16], name[128];
	const struct opt *o, *pending = NULL;
	const char *w, *eqp;
	enum argtype t;
	size_t i, cap = 0;
	struct item it;
	int n, saw_dot = 0, letter, off;

	memset(r, 0, sizeof(*r));
	*errmsg = NULL;
	r->am_sender = strncmp(rest, "--sender ", 9) == 0;
	if (p->ro && !r->am_sender) {
		*errmsg = xstrdup("sending to read-only server is not allowed");
		return -1;
	}
	if (p->wo && r->am_sender) {
		*errmsg = xstrdup("reading from write-only server is not "
		    "allowed");
		return -1;
	}
	short_sets(p, r->am_sender, ok, sizeof(ok), num, sizeof(num), dis, sizeof(dis));
	off = policy_off(p, r->am_sender);
	memset(&it, 0, sizeof(it));
	it.text = xstrdup("--server");
	push_item(r, &cap, &it);
	for (i = 0; i < ws->n; i++) {
		w = ws->w[i];
		if (pending != NULL) {
			if (value_item(p, r, &cap, pending, w, 0, errmsg) == -1)
				goto fail;
			pending = NULL;
			continue;
		}
		if (saw_dot) {
			r->args = ws->w + i;
			r->nargs = ws->n - i;
			break;
		}
		if (strcmp(w, ".") == 0) {
			saw_dot = 1;
			continue;
		}
		if ((n = match_short_noarg(w, ok)) >= 0) {
			if (memchr(w + 1, 'R', (size_t)n) != NULL)
				r->relative = 1;
			if (memchr(w + 1, 'o', (size_t)n) != NULL)
				r->needs |= REQ_NEED_USERS;
			if (memchr(w + 1, 'g', (size_t)n) != NULL)
				r->needs |= REQ_NEED_GROUPS;
			goto plain;
		}
		if (match_short_num(w, num))
			goto plain;
		if (w[0] == '-' && w[1] == '-' && w[2] != '\0' && w[2] != '=') {
			eqp = strchr(w + 2, '=');
			n = eqp ? (int)(eqp - w - 2) : (int)strlen(w + 2);
			if ((size_t)n >= sizeof(name))
				goto generic;
			memcpy(name, w + 2, (size_t)n);
			name[n] = '\0';
			if ((o = opttab_lookup(name)) == NULL)
				goto generic;
			t = o->off & off ? ARG_DISABLED : o->type;
			if (o->needs & REQ_NO_RELATIVE)
				r->relative = 0;
			/* NB. "--mkpath=x" is no --mkpath (rsync refuses it). */
			r->needs |= o->needs & ~REQ_NO_RELATIVE &
			    (eqp != NULL ? ~REQ_MKPATH : ~0);
			if (t == ARG_NONE)
				goto plain;
			if (t == ARG_DISABLED) {
				*errmsg = xasprintf("option --%s has been "
				    "disabled on this server.", name);
				goto fail;
			}
			if (eqp != NULL) {
				if (value_item(p, r, &cap, o, eqp + 1, 1,
				    errmsg) == -1)
					goto fail;
				continue;
			}
			memset(&it, 0, sizeof(it));
			it.text = xstrdup(w);
			push_item(r, &cap, &it);
			pending = o;
			continue;
		}
		if ((letter = match_short_disabled(w, ok, dis)) != 0) {
			*errmsg = xasprintf("option -%c has been disabled on "
			    "this server.", letter);
			goto fail;
		}
		goto generic;
 plain:
		memset(&it, 0, sizeof(it));
		it.text = xstrdup(w);
		push_item(r, &cap, &it);
	}
	if (!saw_dot)
		goto generic;
	return 0;
 generic:
	*errmsg = xstrdup("invalid rsync-command syntax or options");
 fail:
	request_free(r);
	return -1;
}

void
request_free(struct request *r)
{
	size_t i;

	for (i = 0; i < r->nitems; i++) {
		free(r->items[i].text);
		free(r->items[i].opt);
		free(r->items[i].value);
		free(r->items[i].orig);
	}
	free(r->items);
	memset(r, 0, sizeof(*r));
}
