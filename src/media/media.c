/* media.c - see media.h.
 *
 * Keys are content addresses, so a blob's original path (untrusted: it may hold "../" or be
 * absolute) only ever contributes a sanitised extension, never a path segment.
 */
#include "media/media.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <turbojpeg.h>

static const char *sniff(const unsigned char *d, size_t n)
{
	if (n >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF)
		return "jpg";
	if (n >= 8 && memcmp(d, "\x89PNG\r\n\x1a\n", 8) == 0)
		return "png";
	if (n >= 6 && (memcmp(d, "GIF87a", 6) == 0 || memcmp(d, "GIF89a", 6) == 0))
		return "gif";
	if (n >= 12 && memcmp(d, "RIFF", 4) == 0 && memcmp(d + 8, "WEBP", 4) == 0)
		return "webp";
	if (n >= 12 && memcmp(d, "RIFF", 4) == 0 && memcmp(d + 8, "WAVE", 4) == 0)
		return "wav";
	if (n >= 8 && memcmp(d + 4, "ftyp", 4) == 0)
		return "mp4";
	if (n >= 4 && memcmp(d, "fLaC", 4) == 0)
		return "flac";
	if (n >= 3 && memcmp(d, "ID3", 3) == 0)
		return "mp3";
	if (n >= 2 && memcmp(d, "BM", 2) == 0)
		return "bmp";
	if (n >= 4 && (memcmp(d, "II*\0", 4) == 0 || memcmp(d, "MM\0*", 4) == 0))
		return "tiff";
	return "bin";
}

void media_extension(const char *path, const unsigned char *data, size_t len, char out[8])
{
	const char *dot = path ? strrchr(path, '.') : NULL;
	const char *slash = path ? strrchr(path, '/') : NULL;
	if (dot && (!slash || dot > slash)) {
		size_t n = strlen(dot + 1);
		int plain = n >= 1 && n <= 5;
		for (size_t i = 0; plain && i < n; i++)
			plain = isalnum((unsigned char)dot[1 + i]);
		if (plain) {
			for (size_t i = 0; i <= n; i++)
				out[i] = (char)tolower((unsigned char)dot[1 + i]);
			if (strcmp(out, "jpeg") == 0)
				strcpy(out, "jpg");
			return;
		}
	}
	snprintf(out, 8, "%s", sniff(data, len));
}

const char *media_status(const char *ext, const unsigned char *d, size_t n)
{
	if (strcmp(ext, "jpg") == 0) {
		if (n < 4 || d[0] != 0xFF || d[1] != 0xD8)
			return "truncated";
		while (n > 2 && d[n - 1] == 0) /* some encoders pad after the end marker */
			n--;
		return d[n - 2] == 0xFF && d[n - 1] == 0xD9 ? "ok" : "truncated";
	}
	if (strcmp(ext, "png") == 0)
		return n >= 20 && memcmp(d + n - 8, "IEND", 4) == 0 ? "ok" : "truncated";
	return "unchecked";
}

int media_image_size(const unsigned char *d, size_t n, int *w, int *h)
{
	if (n >= 24 && memcmp(d, "\x89PNG\r\n\x1a\n", 8) == 0 && memcmp(d + 12, "IHDR", 4) == 0) {
		unsigned long pw = (unsigned long)d[16] << 24 | (unsigned long)d[17] << 16 |
				   (unsigned long)d[18] << 8 | d[19];
		unsigned long ph = (unsigned long)d[20] << 24 | (unsigned long)d[21] << 16 |
				   (unsigned long)d[22] << 8 | d[23];
		if (pw < 1 || ph < 1 || pw > 0x7fffffff || ph > 0x7fffffff)
			return 0;
		*w = (int)pw, *h = (int)ph;
		return 1;
	}
	if (n < 3 || d[0] != 0xFF || d[1] != 0xD8 || d[2] != 0xFF)
		return 0;
	tjhandle tj = tjInitDecompress();
	int jw = 0, jh = 0, sub = 0, cs = 0;
	int ok = tj && tjDecompressHeader3(tj, d, (unsigned long)n, &jw, &jh, &sub, &cs) == 0 &&
		 jw > 0 && jh > 0;
	if (tj)
		tjDestroy(tj);
	if (ok)
		*w = jw, *h = jh;
	return ok;
}

int media_key(char *dst, size_t n, const char *dataset, const char *column, const char *sha,
	      const char *ext)
{
	/* Column names come from the input file: keep [A-Za-z0-9_-], so no "..", no "/". */
	char col[128];
	size_t i = 0;
	for (; column[i] && i < sizeof col - 1; i++)
		col[i] = isalnum((unsigned char)column[i]) || column[i] == '-' ? column[i] : '_';
	col[i] = '\0';
	int w = snprintf(dst, n, "assets/%s/%s/%s.%s", dataset, col, sha, ext);
	return w < 0 || (size_t)w >= n ? -1 : 0;
}

int media_clip_key(char *dst, size_t n, const char *dataset, const char *sequence,
		   const char *sha)
{
	if (!sequence[0] || sequence[0] == '.' || strchr(sequence, '/'))
		return -1;
	int w = snprintf(dst, n, "assets/%s/clips/%s/%s.mp4", dataset, sequence, sha);
	return w < 0 || (size_t)w >= n ? -1 : 0;
}
