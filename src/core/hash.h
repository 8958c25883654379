/* hash.h - SHA-256 (and git's SHA-1 for the Hub) as lower-case hex, over OpenSSL's EVP.
 * The one place the code base hashes: content addresses, S3 request signing, shard and file
 * checksums. One-shot (sha256_hex) or streamed (struct digest: new, update, hex).
 */
#ifndef LAKEHOUSE_HASH_H
#define LAKEHOUSE_HASH_H

#include <stddef.h>

/* hex SHA-256 of data (65 bytes with the NUL). */
void sha256_hex(const void *data, size_t len, char out[65]);

enum digest_kind { DIGEST_SHA256, DIGEST_SHA1 };
struct digest;
/* A streamed digest; NULL when out of memory. */
struct digest *digest_new(enum digest_kind kind);
void digest_update(struct digest *d, const void *data, size_t len);
/* Finishes: out gets the hex digest (65 bytes for SHA-256, 41 for SHA-1). d stays usable only
 * for digest_free. */
void digest_hex(struct digest *d, char *out);
void digest_free(struct digest *d);

#endif
