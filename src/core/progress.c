/* progress.c - see progress.h.
 *
 * Workers only touch atomics; the drawing thread (started only when stderr is a terminal)
 * wakes every 100 ms, reads them and redraws. The old line is overwritten with spaces rather
 * than an erase escape, so that NO_COLOR output holds no escape byte at all.
 */
#include "core/progress.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define REDRAW_MS 100
#define MAX_NAMES 4
#define LINE_MAX_BYTES 512

struct named {
	_Atomic(const char *) name;
	atomic_llong value;
};

struct progress {
	const char *what, *phase, *unit; /* guarded by lock (workers never read them) */
	atomic_llong items, bytes, items_total, bytes_total;
	struct named named[MAX_NAMES];
	double phase_start;
	int drawn_width; /* visible columns of the line on screen; 0: none */
	char drawn[LINE_MAX_BYTES + 96]; /* what is on screen: an unchanged line is not redrawn */
	int stopping;
	int drawing; /* the drawing thread runs */
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
};

int progress_shown(void)
{
	static int tty = -1;
	if (tty < 0)
		tty = isatty(STDERR_FILENO);
	return tty;
}

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int use_colour(void)
{
	const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");
	return !(nc && *nc) && !(term && strcmp(term, "dumb") == 0);
}

static int terminal_columns(void)
{
	struct winsize ws;
	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 80;
}

/* "646.0 MB": decimal units, as the hf CLI and the Hub show sizes. */
static void human_bytes(char *dst, size_t n, double b)
{
	static const char *units[] = {"B", "kB", "MB", "GB", "TB"};
	int u = 0;
	while (b >= 1000 && u < 4)
		b /= 1000, u++;
	snprintf(dst, n, u ? "%.1f %s" : "%.0f %s", b, units[u]);
}

static void human_duration(char *dst, size_t n, double s)
{
	long t = (long)(s + 0.5);
	if (t >= 3600)
		snprintf(dst, n, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
	else
		snprintf(dst, n, "%ld:%02ld", t / 60, t % 60);
}

/* Appends to a fixed line buffer, silently cutting at its end. */
static void put(char *line, size_t *len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void put(char *line, size_t *len, const char *fmt, ...)
{
	if (*len >= LINE_MAX_BYTES - 1)
		return;
	va_list ap;
	va_start(ap, fmt);
	int w = vsnprintf(line + *len, LINE_MAX_BYTES - *len, fmt, ap);
	va_end(ap);
	if (w > 0)
		*len += (size_t)w < LINE_MAX_BYTES - *len ? (size_t)w : LINE_MAX_BYTES - 1 - *len;
}

/* The figures after the label. final: elapsed time instead of ETA. Caller holds p->lock. */
static void figures(struct progress *p, int final, char *line, size_t *len)
{
	long long items = atomic_load(&p->items), bytes = atomic_load(&p->bytes);
	long long items_total = atomic_load(&p->items_total), bytes_total = atomic_load(&p->bytes_total);
	double elapsed = now_seconds() - p->phase_start;
	char a[32], b[32];
	if (items_total > 0)
		put(line, len, "  %lld/%lld %s", items, items_total, p->unit);
	else if (items > 0)
		put(line, len, "  %lld %s", items, p->unit);
	if (bytes > 0 || bytes_total > 0) {
		human_bytes(a, sizeof a, (double)bytes);
		if (bytes_total > 0 && !final) {
			human_bytes(b, sizeof b, (double)bytes_total);
			put(line, len, "  %s/%s", a, b);
		} else
			put(line, len, "  %s", a);
	}
	/* the rate of what moves: bytes when bytes are counted, items otherwise */
	double done = bytes > 0 ? (double)bytes : (double)items;
	double total = bytes > 0 ? (double)bytes_total : (double)items_total;
	double rate = elapsed > 0.05 ? done / elapsed : 0;
	if (rate > 0) {
		if (bytes > 0) {
			human_bytes(a, sizeof a, rate);
			put(line, len, "  %s/s", a);
		} else
			put(line, len, "  %.1f %s/s", rate, p->unit);
	}
	if (final) {
		human_duration(a, sizeof a, elapsed);
		put(line, len, "  in %s", a);
	} else if (*len == 0) { /* nothing counted yet: the clock shows the job is alive */
		human_duration(a, sizeof a, elapsed);
		put(line, len, "  %s", a);
	} else if (rate > 0 && total > done) {
		human_duration(a, sizeof a, (total - done) / rate);
		put(line, len, "  ETA %s", a);
	}
	for (int i = 0; i < MAX_NAMES; i++) {
		const char *name = atomic_load(&p->named[i].name);
		if (name)
			put(line, len, "  %s %lld", name, (long long)atomic_load(&p->named[i].value));
	}
}

/* Draws the line in place; final ends it with a newline. Caller holds p->lock. */
static void draw(struct progress *p, int final)
{
	char label[96], line[LINE_MAX_BYTES];
	size_t len = 0;
	snprintf(label, sizeof label, "%s%s%s", p->what, p->phase ? " " : "", p->phase ? p->phase : "");
	figures(p, final, line, &len);
	int cols = terminal_columns() - 1; /* never wrap: a wrapped line cannot be redrawn */
	int label_w = (int)strlen(label);
	if (label_w > cols)
		label_w = cols;
	int rest_w = (int)len;
	if (label_w + rest_w > cols)
		rest_w = cols - label_w;
	int width = label_w + rest_w;
	char shown[sizeof p->drawn];
	snprintf(shown, sizeof shown, "%.*s%.*s", label_w, label, rest_w, line);
	if (!final && p->drawn_width > 0 && strcmp(shown, p->drawn) == 0)
		return;
	snprintf(p->drawn, sizeof p->drawn, "%s", shown);
	int colour = use_colour();
	fprintf(stderr, "\r%s%.*s%s%.*s", colour ? "\033[1m" : "", label_w, label,
		colour ? "\033[0m" : "", rest_w, line);
	if (p->drawn_width > width) /* blank what the longer previous line left */
		fprintf(stderr, "%*s", p->drawn_width - width, "");
	if (final) {
		fputc('\n', stderr);
		p->drawn_width = 0;
	} else
		p->drawn_width = width;
	fflush(stderr);
}

static void erase(struct progress *p)
{
	if (p->drawn_width > 0)
		fprintf(stderr, "\r%*s\r", p->drawn_width, "");
	fflush(stderr);
	p->drawn_width = 0;
}

static void *draw_loop(void *arg)
{
	struct progress *p = arg;
	pthread_mutex_lock(&p->lock);
	while (!p->stopping) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += REDRAW_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L)
			until.tv_sec++, until.tv_nsec -= 1000000000L;
		pthread_cond_timedwait(&p->wake, &p->lock, &until);
		if (!p->stopping)
			draw(p, 0);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

struct progress *progress_new(const char *what, const char *unit)
{
	struct progress *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	p->what = what;
	p->unit = unit;
	p->phase_start = now_seconds();
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->wake, NULL);
	if (progress_shown())
		p->drawing = pthread_create(&p->thread, NULL, draw_loop, p) == 0;
	return p;
}

static void reset_counters(struct progress *p)
{
	atomic_store(&p->items, 0);
	atomic_store(&p->bytes, 0);
	atomic_store(&p->items_total, 0);
	atomic_store(&p->bytes_total, 0);
	for (int i = 0; i < MAX_NAMES; i++) {
		atomic_store(&p->named[i].name, NULL);
		atomic_store(&p->named[i].value, 0);
	}
}

void progress_phase(struct progress *p, const char *phase, const char *unit)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	if (p->drawing && p->phase)
		draw(p, 1); /* the finished phase stays on screen, as the hf CLI's bars do */
	else if (p->drawing)
		erase(p); /* the job's clock before its first phase: nothing to keep */
	p->phase = phase;
	p->unit = unit;
	reset_counters(p);
	p->phase_start = now_seconds();
	pthread_mutex_unlock(&p->lock);
}

void progress_add_total(struct progress *p, int64_t items, int64_t bytes)
{
	if (!p)
		return;
	atomic_fetch_add(&p->items_total, items);
	atomic_fetch_add(&p->bytes_total, bytes);
}

void progress_add(struct progress *p, int64_t items, int64_t bytes)
{
	if (!p)
		return;
	atomic_fetch_add(&p->items, items);
	atomic_fetch_add(&p->bytes, bytes);
}

void progress_set(struct progress *p, int64_t items, int64_t items_total, int64_t bytes)
{
	if (!p)
		return;
	atomic_store(&p->items, items);
	atomic_store(&p->items_total, items_total);
	atomic_store(&p->bytes, bytes);
}

/* The slot of name, claimed when it has none yet; NULL when every slot is taken. */
static struct named *slot_of(struct progress *p, const char *name)
{
	for (int i = 0; i < MAX_NAMES; i++) {
		const char *have = atomic_load(&p->named[i].name);
		if (!have) { /* claim the free slot, unless another thread just named it */
			const char *expected = NULL;
			have = atomic_compare_exchange_strong(&p->named[i].name, &expected, name) ? name
												 : expected;
		}
		if (have == name || strcmp(have, name) == 0)
			return &p->named[i];
	}
	return NULL;
}

void progress_set_count(struct progress *p, const char *name, int64_t n)
{
	struct named *s = p ? slot_of(p, name) : NULL;
	if (s)
		atomic_store(&s->value, n);
}

void progress_count(struct progress *p, const char *name, int64_t n)
{
	struct named *s = p ? slot_of(p, name) : NULL;
	if (s)
		atomic_fetch_add(&s->value, n);
}

void progress_finish(struct progress *p, int ok)
{
	if (!p)
		return;
	if (p->drawing) {
		pthread_mutex_lock(&p->lock);
		p->stopping = 1;
		pthread_cond_signal(&p->wake);
		pthread_mutex_unlock(&p->lock);
		pthread_join(p->thread, NULL);
		if (ok)
			draw(p, 1);
		else
			erase(p);
	}
	pthread_cond_destroy(&p->wake);
	pthread_mutex_destroy(&p->lock);
	free(p);
}
