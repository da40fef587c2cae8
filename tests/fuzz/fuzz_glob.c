/*
 * fuzz_glob.c - libFuzzer target for confine_glob_match (cglob.c MUST 2).
 * The input is "pattern\0name".  Every match must stay within the
 * linear bound on comparisons; where Python's fnmatch and glibc's agree
 * (no '[' and no byte >= 0x80), the answer must be fnmatch's with
 * FNM_PERIOD | FNM_NOESCAPE, a backtracking reference.
 */
#include <fnmatch.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "confine.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf, *pat, *name, *z;
	unsigned long steps = 0, bound;
	size_t plen, nlen, i;
	int m, plain = 1;

	if (size > 1200)
		return 0;
	buf = malloc(size + 2);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = buf[size + 1] = '\0';
	pat = buf;
	plen = strlen(pat);
	name = pat + plen + 1;
	if (plen == size)
		name = pat + plen;	/* no NUL: an empty name */
	if ((z = strchr(name, '/')) != NULL)
		*z = '\0';		/* a directory entry has no '/' */
	nlen = strlen(name);
	if (nlen > 255 || plen > 900)
		goto out;
	m = confine_glob_match(pat, name, &steps);
	if (m != 0 && m != 1)
		abort();
	/* decode + compile-free matching: name x (pattern + 1), sets aside */
	bound = (unsigned long)(nlen + 1) * (plen + 1) * (plen + 2) + nlen;
	if (strchr(pat, '[') == NULL)
		bound = (unsigned long)(nlen + 1) * (plen + 2) + nlen;
	if (steps > bound)
		abort();
	for (i = 0; i < plen; i++)
		if ((unsigned char)pat[i] >= 0x80 || pat[i] == '[')
			plain = 0;
	for (i = 0; i < nlen; i++)
		if ((unsigned char)name[i] >= 0x80)
			plain = 0;
	if (plain && m != (fnmatch(pat, name, FNM_PERIOD | FNM_NOESCAPE) == 0))
		abort();
out:
	free(buf);
	return 0;
}
