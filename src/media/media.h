/* media.h - media blobs: content address (its SHA-256 is core/hash), file type, integrity check,
 * image size. Pure functions over caller-owned buffers; nothing returned is allocated.
 */
#ifndef LAKEHOUSE_MEDIA_H
#define LAKEHOUSE_MEDIA_H

#include <stddef.h>

/* File extension for a blob: from its original path when that ends in a plain extension
 * ([A-Za-z0-9]{1,5}, lower-cased), else from magic bytes, else "bin". Never contains '/'. */
void media_extension(const char *path, const unsigned char *data, size_t len, char out[8]);

/* "ok", "truncated" (JPEG without its end marker, PNG without IEND) or "unchecked". */
const char *media_status(const char *ext, const unsigned char *data, size_t len);

/* An image's size from its header, without decoding the pixels: JPEG (libjpeg-turbo's header
 * reader) and PNG (the IHDR chunk). 1 with *w, *h set; 0 when unknown (another format, or a
 * header that cannot be read): the caller keeps NULL, never a guess. */
int media_image_size(const unsigned char *data, size_t len, int *w, int *h);

/* The object key of a blob: "assets/<dataset>/<column>/<sha256>.<ext>", with characters of
 * column outside [A-Za-z0-9_-] replaced by '_'. -1 if too long. */
int media_key(char *dst, size_t n, const char *dataset, const char *column, const char *sha,
	      const char *ext);

/* The object key of a video clip: "assets/<dataset>/clips/<sequence>/<sha256>.mp4" (content-
 * addressed, so a clip is never overwritten). -1 if too long, or if sequence is not one plain
 * path part (empty, starting with '.', or holding a '/'). */
int media_clip_key(char *dst, size_t n, const char *dataset, const char *sequence,
		   const char *sha);

#endif
