/* hash.c - see hash.h. */
#include "core/hash.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>

struct digest {
	EVP_MD_CTX *ctx;
};

static void hex_of(const unsigned char *md, unsigned n, char *out)
{
	for (unsigned i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	out[2 * n] = '\0';
}

void sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	EVP_Digest(data, len, md, &n, EVP_sha256(), NULL);
	hex_of(md, n, out);
}

struct digest *digest_new(enum digest_kind kind)
{
	struct digest *d = calloc(1, sizeof *d);
	if (!d || !(d->ctx = EVP_MD_CTX_new()) ||
	    EVP_DigestInit_ex(d->ctx, kind == DIGEST_SHA1 ? EVP_sha1() : EVP_sha256(), NULL) != 1) {
		digest_free(d);
		return NULL;
	}
	return d;
}

void digest_update(struct digest *d, const void *data, size_t len)
{
	EVP_DigestUpdate(d->ctx, data, len);
}

void digest_hex(struct digest *d, char *out)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	EVP_DigestFinal_ex(d->ctx, md, &n);
	hex_of(md, n, out);
}

void digest_free(struct digest *d)
{
	if (d)
		EVP_MD_CTX_free(d->ctx);
	free(d);
}
