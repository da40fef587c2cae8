/*
 * fingerprint.c - SHA-256 (FIPS 180-4) and the "SHA256:..." fingerprint
 * OpenSSH prints, for log records; no other use.  Pure, bounded.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fingerprint.h"

#define ROR(x, n)	(((x) >> (n)) | ((x) << (32 - (n))))
#define MAX_BLOB	8192	/* bytes of a decoded public key */

static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static void
block(uint32_t h[8], const uint8_t *p)
{
	uint32_t w[64], a, b, c, d, e, f, g, hh, t1, t2, s0, s1;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		    (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (i = 16; i < 64; i++) {
		s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
		s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	a = h[0]; b = h[1]; c = h[2]; d = h[3];
	e = h[4]; f = h[5]; g = h[6]; hh = h[7];
	for (i = 0; i < 64; i++) {
		t1 = hh + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) +
		    ((e & f) ^ (~e & g)) + K[i] + w[i];
		t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) +
		    ((a & b) ^ (a & c) ^ (b & c));
		hh = g; g = f; f = e; e = d + t1;
		d = c; c = b; b = a; a = t1 + t2;
	}
	h[0] += a; h[1] += b; h[2] += c; h[3] += d;
	h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
}

void
sha256(const uint8_t *p, size_t n, uint8_t out[32])
{
	uint32_t h[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
	    0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
	uint8_t tail[128];
	uint64_t bits = (uint64_t)n * 8;
	size_t i, rem, tl;

	for (i = 0; i + 64 <= n; i += 64)
		block(h, p + i);
	rem = n - i;
	memset(tail, 0, sizeof(tail));
	memcpy(tail, p + i, rem);
	tail[rem] = 0x80;
	tl = rem + 1 + 8 <= 64 ? 64 : 128;
	for (i = 0; i < 8; i++)
		tail[tl - 1 - i] = (uint8_t)(bits >> (8 * i));
	block(h, tail);
	if (tl == 128)
		block(h, tail + 64);
	for (i = 0; i < 8; i++) {
		out[4 * i] = (uint8_t)(h[i] >> 24);
		out[4 * i + 1] = (uint8_t)(h[i] >> 16);
		out[4 * i + 2] = (uint8_t)(h[i] >> 8);
		out[4 * i + 3] = (uint8_t)h[i];
	}
}

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int
b64val(int c)
{
	const char *p = c ? strchr(b64, c) : NULL;

	return p ? (int)(p - b64) : -1;
}

/* Strict base64 decode of s[0..n); returns the length or -1. */
static long
b64decode(const char *s, size_t n, uint8_t *out, size_t outsz)
{
	size_t i, o = 0, pad = 0;
	uint32_t acc = 0;
	int v, bits = 0;

	if (n == 0 || n % 4 != 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] == '=') {
			if (i < n - 2)
				return -1;
			pad++;
			continue;
		}
		if (pad || (v = b64val((unsigned char)s[i])) < 0)
			return -1;
		acc = acc << 6 | (uint32_t)v;
		if ((bits += 6) >= 8) {
			bits -= 8;
			if (o >= outsz)
				return -1;
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	return (long)o;
}

int
fingerprint_line(const char *line, char *buf, size_t bufsz)
{
	char type[64];
	const char *s = line, *t, *k;
	uint8_t blob[MAX_BLOB], dg[32];
	long n;
	size_t i, tl, kl, o;
	uint32_t v;

	if (strncmp(s, "publickey ", 10) == 0)
		s += 10;
	for (t = s; *t && *t != ' '; t++)
		;
	tl = (size_t)(t - s);
	if (tl == 0 || tl >= sizeof(type) || *t != ' ')
		return -1;
	memcpy(type, s, tl);
	type[tl] = '\0';
	for (k = t + 1, kl = 0; k[kl] && !isspace((unsigned char)k[kl]); kl++)
		;
	if ((n = b64decode(k, kl, blob, sizeof(blob))) <= 0)
		return -1;
	sha256(blob, (size_t)n, dg);
	o = (size_t)snprintf(buf, bufsz, "%s SHA256:", type);
	if (o >= bufsz)
		return -1;
	for (i = 0; i < 32; i += 3) {
		v = (uint32_t)dg[i] << 16;
		if (i + 1 < 32)
			v |= (uint32_t)dg[i + 1] << 8;
		if (i + 2 < 32)
			v |= dg[i + 2];
		if (o + 5 >= bufsz)
			return -1;
		buf[o++] = b64[(v >> 18) & 63];
		buf[o++] = b64[(v >> 12) & 63];
		if (i + 1 < 32)
			buf[o++] = b64[(v >> 6) & 63];
		if (i + 2 < 32)
			buf[o++] = b64[v & 63];
	}
	buf[o] = '\0';
	return 0;
}
