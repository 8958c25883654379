/* html.c - see html.h. */
#include "view/html.h"

#include "core/fsutil.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int html_escape(struct buf *b, const char *s)
{
	if (!s)
		return 0;
	const char *run = s;
	for (const char *p = s; *p; p++) {
		const char *rep = *p == '&' ? "&amp;" : *p == '<' ? "&lt;" : *p == '>' ? "&gt;"
				  : *p == '"' ? "&quot;" : *p == '\'' ? "&#39;" : NULL;
		if (!rep)
			continue;
		if (buf_append(b, run, (size_t)(p - run)) < 0 || buf_append(b, rep, strlen(rep)) < 0)
			return -1;
		run = p + 1;
	}
	return buf_append(b, run, strlen(run));
}

/* No script anywhere: the policy forbids it, so even a value that escaped escaping could not
 * run. Images and styles are local files and inline CSS. */
static const char style[] =
	"body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#1d232a;background:#f5f6f8}"
	"header{background:#1d3557;color:#fff;padding:10px 18px}header a{color:#cde;margin-right:14px}"
	"header h1{font-size:18px;margin:4px 0}header .sub{color:#bcd;font-size:12px}"
	"main{padding:14px 18px}table{border-collapse:collapse;background:#fff;margin:6px 0 14px}"
	"td,th{border:1px solid #d7dbe0;padding:3px 7px;text-align:left;vertical-align:top;"
	"max-width:420px;overflow-wrap:anywhere}th{background:#eef1f5}"
	".layers{display:flex;gap:14px;align-items:flex-start}.layer{flex:1;min-width:0}"
	".layer h2{text-transform:uppercase;font-size:14px;letter-spacing:1px}"
	".card{background:#fff;border:1px solid #d7dbe0;border-radius:6px;padding:8px 10px;margin-bottom:10px}"
	".card b a{font-size:15px}.card .n{color:#555;font-size:12px}"
	".grid{display:flex;flex-wrap:wrap;gap:10px}"
	".tile{margin:0;background:#fff;border:1px solid #d7dbe0;border-radius:6px;padding:6px;width:330px}"
	".tile figcaption{font-size:12px;color:#333;margin-top:4px}.tile .cap{font-style:italic}"
	".pic{position:relative;display:inline-block;line-height:0}"
	".pic img{display:block;max-width:320px}.pic svg{position:absolute;left:0;top:0;width:100%;height:100%}"
	".strip{display:flex;gap:4px}.strip .pic img{max-width:106px}.fragment{width:340px}"
	".gone{display:flex;align-items:center;justify-content:center;width:320px;height:120px;"
	"background:repeating-linear-gradient(45deg,#eee,#eee 8px,#e2e2e2 8px,#e2e2e2 16px);"
	"color:#a00;font-size:12px;overflow-wrap:anywhere;padding:6px;box-sizing:border-box;line-height:1.3}"
	"td .pic img{max-width:96px}.note{background:#fff6d6;border:1px solid #e8d48a;padding:6px 10px}"
	".later{color:#999}";

int html_begin(struct buf *b, const char *title, const char *subtitle)
{
	int rc = buf_printf(b,
			    "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
			    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
			    "img-src 'self' file: data:; style-src 'unsafe-inline'\">"
			    "<title>");
	rc |= html_escape(b, title);
	rc |= buf_printf(b, " · lakehouse view</title><style>%s</style></head><body><header>"
			    "<a href=\"index.html\">layers</a><a href=\"timeline.html\">timeline</a>"
			    "<h1>", style);
	rc |= html_escape(b, title);
	rc |= buf_printf(b, "</h1><div class=\"sub\">");
	rc |= html_escape(b, subtitle);
	rc |= buf_printf(b, "</div></header><main>\n");
	return rc ? -1 : 0;
}

int html_end(struct buf *b)
{
	return buf_printf(b, "</main></body></html>\n");
}

void html_category_colour(const char *category, char out[32])
{
	unsigned h = 2166136261u; /* FNV-1a */
	for (const char *p = category ? category : ""; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	snprintf(out, 32, "hsl(%u,85%%,48%%)", h % 360);
}

int html_write(const char *dir, const char *name, const struct buf *b, struct err *e)
{
	return fs_write_file(dir, name, b->data, b->len, e);
}
