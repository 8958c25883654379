/* progress.h - the one progress line of every long job, on stderr, in the style of curl's and
 * the `hf` CLI's bars:
 *
 *   ingest  120/300 files  212.4/646.0 MB  35.1 MB/s  ETA 0:12  uploaded 118  skipped 2
 *
 * A verb makes a progress and hands it to the modules it calls; modules (and their worker
 * threads) only count, they never print. The counters are atomics; one drawing thread
 * redraws the line in place ('\r') at most 10 times a second, and progress_finish() leaves
 * a final line. Nothing at all is printed when stderr is not a terminal (pipes and logs get
 * no '\r' and no escape), and no colour when NO_COLOR is set.
 *
 * Every function accepts a NULL progress and then does nothing, so modules called without one
 * (tests, library use) need no checks. Names and units passed in are borrowed for the life of
 * the progress (pass string literals).
 */
#ifndef LAKEHOUSE_PROGRESS_H
#define LAKEHOUSE_PROGRESS_H

#include <stdint.h>

struct progress;

/* Starts a progress for the job `what` ("ingest", "fetch") counting `unit` ("files",
 * "objects"). Returns NULL when out of memory (the job then runs without a line); free it
 * with progress_finish(). */
struct progress *progress_new(const char *what, const char *unit);

/* Starts the next phase of the job ("export", "upload", "commit") counting `unit`: the line
 * of the previous phase, if one was drawn, is left as a finished line; counters, totals and
 * the rate clock start again from zero. */
void progress_phase(struct progress *p, const char *phase, const char *unit);

/* Totals for the ETA and the "n/total" figures; grow them while a scan discovers work.
 * Unknown totals (never added) print as plain counts without ETA. */
void progress_add_total(struct progress *p, int64_t items, int64_t bytes);

/* Work done: items finished and bytes moved (bytes may come during an item, e.g. from a
 * transfer callback, and the item counted when it ends). */
void progress_add(struct progress *p, int64_t items, int64_t bytes);

/* The same figures as absolute values, for a job that tracks its own running totals. */
void progress_set(struct progress *p, int64_t items, int64_t items_total, int64_t bytes);

/* A named side count shown after the main figures ("uploaded", "skipped", "frames"); at
 * most 4 names per progress (more are ignored). */
void progress_count(struct progress *p, const char *name, int64_t n);
/* Sets the named count to n (see progress_count). */
void progress_set_count(struct progress *p, const char *name, int64_t n);

/* Ends the job: when ok, the line is drawn a last time with the elapsed time and a newline;
 * otherwise it is erased so that the error message stands alone. Frees p. */
void progress_finish(struct progress *p, int ok);

/* 1 when progress lines are drawn in this process (stderr is a terminal). */
int progress_shown(void);

#endif
