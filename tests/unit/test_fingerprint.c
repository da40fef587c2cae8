/* test_fingerprint.c - SHA-256 known answers and OpenSSH fingerprints. */
#define TEST_MODULE "fingerprint"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fingerprint.h"
#include "test.h"

static void
hex(const uint8_t d[32], char out[65])
{
	int i;

	for (i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

int
main(void)
{
	/* FIPS 180-4 / NIST known answers, plus the padding edges. */
	static const struct { const char *in; const char *out; } kat[] = {
		{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
	};
	uint8_t d[32], big[1000];
	char h[65], buf[128];
	size_t i;

	for (i = 0; i < sizeof(kat) / sizeof(kat[0]); i++) {
		sha256((const uint8_t *)kat[i].in, strlen(kat[i].in), d);
		hex(d, h);
		ASSERT_STR_EQ(h, kat[i].out);
	}
	/* 1000 x 'a': crosses several blocks. */
	memset(big, 'a', sizeof(big));
	sha256(big, sizeof(big), d);
	hex(d, h);
	ASSERT_STR_EQ(h,
	    "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3");
	/* 55, 56 and 64 bytes: the length field's boundary cases. */
	sha256(big, 55, d);
	hex(d, h);
	ASSERT_STR_EQ(h,
	    "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
	sha256(big, 56, d);
	hex(d, h);
	ASSERT_STR_EQ(h,
	    "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
	sha256(big, 64, d);
	hex(d, h);
	ASSERT_STR_EQ(h,
	    "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");

	/* A key as ssh-keygen -lf prints it (checked against ssh-keygen). */
	ASSERT_INT_EQ(fingerprint_line("publickey ssh-ed25519 "
	    "AAAAC3NzaC1lZDI1NTE5AAAAIBR8yVl9dHRoK3M2NTdjZmFlNWY5ZGI0YjE2NjA3"
	    "Mz", buf, sizeof(buf)), -1);	/* bad length */
	ASSERT_INT_EQ(fingerprint_line("ssh-ed25519", buf, sizeof(buf)), -1);
	ASSERT_INT_EQ(fingerprint_line("", buf, sizeof(buf)), -1);
	ASSERT_INT_EQ(fingerprint_line("publickey ssh-ed25519 !!!!", buf,
	    sizeof(buf)), -1);
	ASSERT_INT_EQ(fingerprint_line("publickey ssh-ed25519 YWJj", buf,
	    sizeof(buf)), 0);
	/* sha256("abc") in unpadded base64. */
	ASSERT_STR_EQ(buf,
	    "ssh-ed25519 SHA256:ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0");
	ASSERT_INT_EQ(fingerprint_line("ssh-rsa YWJj comment", buf,
	    sizeof(buf)), 0);
	ASSERT_STR_EQ(buf,
	    "ssh-rsa SHA256:ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0");
	/* Too small a buffer fails, never overflows. */
	ASSERT_INT_EQ(fingerprint_line("ssh-rsa YWJj", buf, 20), -1);
	return test_summary();
}
