/* progress.h - progress of a long run on stderr (world rank 0 only).
 *
 * On a terminal: one line rewritten in place about twice a second. Otherwise
 * (batch logs, SLURM output files): one line every `every` seconds. every = 0
 * turns both off. Every line fits an 80-column terminal (at most
 * PROGRESS_COLUMNS characters); when any line was shown, the run ends with a
 * last line that says where it ended (100% when it finished).
 *
 * Gates (progress_start_gates): the counts are of gates (operations of kind
 * OP_GATE), as the run's summary counts them; the percentage and the ETA are
 * of work, not of gates: each gate costs about chi_l chi_r (chi_l + chi_m +
 * chi_r) per pair of neighbouring sites it spans (bonds left of, between and
 * right of the pair, as they are when the gate starts), and the work still to
 * do is predicted from the bonds now, each two-qubit gate doubling the bonds
 * it crosses up to the cap (--chi, and 2^min(sites left, sites right)). So
 * cheap early gates on small bonds do not make the rest look short.
 * Trajectories and shots (progress_start): equal steps, counted.
 * Numbers are this rank's view (exact on one process; on several ranks the
 * bonds of other ranks' sites are the model's, the largest bond and fidelity
 * those of rank 0's own sites).
 * Not for: results (result.c). */
#ifndef TN_PROGRESS_H
#define TN_PROGRESS_H

#include <stddef.h>

#include "circuit.h"
#include "mps.h"

/* The longest line written (an 80-column terminal shows it on one line). */
#define PROGRESS_COLUMNS 79

typedef struct {
    int on, tty, shown;        /* shown: lines written so far */
    double every, start, last;
    long done, total;          /* steps (gates, trajectories) done and in all */
    const char *what;          /* "gates", "prefix gates", "trajectories", "shots" */
    int last_len;              /* length of the terminal line now */
    double shown_pct;          /* the percentage shown last (never goes back) */
    /* gates only (ops == NULL otherwise) */
    const circuit *c;
    size_t from, to;
    unsigned char *applied;    /* applied[i - from]: op i handed to the engine */
    double *bonds;             /* model of the n-1 bonds, synced with this rank's */
    int max_chi;               /* the cap of bonds (0: none) */
    double work_done, work_pending, work_before;   /* before: work of a resumed run's part */
    long pending;              /* gates given to progress_gate, not yet done */
    double predicted_left, predicted_done, predicted_at, predict_seconds;   /* the last prediction */
    int max_bond;
    double fidelity;
} progress;

/* Starts reporting `total` equal steps of `what`; rank is the world rank. */
void progress_start(progress *p, int rank, double every, long total, const char *what);

/* Starts reporting the gates among ops [from, to) of c on state m, bonds
 * capped at max_chi (0: none); what is "gates" (the whole circuit) or
 * "prefix gates". Without memory for its bookkeeping it reports nothing. */
void progress_start_gates(progress *p, int rank, double every, const circuit *c, size_t from, size_t to,
                          int max_chi, const char *what);

/* A resumed run: ops done[0..ndone) were applied before (m is the restored
 * state); they count as done, their work as the model predicts it from |0...0>. */
void progress_gates_resumed(progress *p, const mps *m, const size_t *done, size_t ndone);

/* Op i is about to be applied to m: its cost at the sites and bonds now. */
void progress_gate(progress *p, const mps *m, size_t i);

/* The op given to progress_gate was applied: counts it, and writes a line
 * when one is due (cheap when nothing is due). */
void progress_gate_done(progress *p, const mps *m);

/* Reports done equal steps (cheap when nothing is due). */
void progress_update(progress *p, long done, int max_bond, double fidelity);

/* Ends the report: when any line was shown, a last one (100% and "done" if
 * every step was done, else "stopped"); m (NULL for equal steps) gives its
 * bond and fidelity. Frees the bookkeeping. */
void progress_end(progress *p, const mps *m);

/* The progress line (no newline) for these numbers, at most PROGRESS_COLUMNS
 * characters (fields are dropped until it fits): "ETA eta" (eta < 0: "?"),
 * or ending ("done", "stopped") in its place. For tests. */
void progress_format(char *out, size_t size, const char *what, long done, long total, double pct, int max_bond,
                     double fidelity, double elapsed, double eta, const char *ending);

/* The fraction of the work done (0..1) as the model sees it now (gates). For tests. */
double progress_fraction(progress *p, const mps *m);

#endif
