/* html.h - the HTML of the view's pages: escaping and the page frame.
 * Every value that comes from the lake (captions, file names, commit messages, column names)
 * goes through html_escape and nowhere else. Buffers are the caller's.
 */
#ifndef LAKEHOUSE_HTML_H
#define LAKEHOUSE_HTML_H

#include "core/buf.h"
#include "core/err.h"

/* Appends s with & < > " ' escaped (safe in text and in quoted attributes); NULL appends
 * nothing. Returns 0 or -1 (out of memory). */
int html_escape(struct buf *b, const char *s);
/* Appends the page head (title escaped), the inline style sheet and the navigation bar. */
int html_begin(struct buf *b, const char *title, const char *subtitle);
int html_end(struct buf *b);
/* A colour for a category name (stable hue from a hash): "hsl(H, 85%, 50%)" into out. */
void html_category_colour(const char *category, char out[32]);
/* Writes b to dir/name. */
int html_write(const char *dir, const char *name, const struct buf *b, struct err *e);

#endif
