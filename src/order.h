/* order.h - qubit-to-site orders for the MPS chain.
 *
 * identity: qubit q on site q. auto: the identity and a bandwidth-reducing
 * order (reverse Cuthill-McKee) of the circuit's interaction graph, each as
 * it is and improved by a local search of the weighted span; the one whose
 * routing applies the fewest swaps among those that cut no wider than the
 * identity (the identity unless another is strictly better). FILE: the qubits listed in
 * site order, whitespace separated ('#' starts a comment).
 * Not for: moving qubits during a run (mps_gates.c tracks swaps). */
#ifndef TN_ORDER_H
#define TN_ORDER_H

#include "circuit.h"

/* Fills site_of[q] for the n qubits of c from spec ("identity", "auto" or a
 * file name). Returns TN_OK, TN_ERR_USAGE, TN_ERR_INPUT or TN_ERR_IO. */
int order_choose(const circuit *c, const char *spec, int *site_of);

/* What auto weighed: per candidate its largest cut (multi-qubit gates across
 * it), the swaps its routing applies, its swap distance, and whether it
 * competed (no wider cut than the identity). */
#define ORDER_CANDIDATES 4
typedef struct {
    const char *name[ORDER_CANDIDATES];   /* identity, identity+search, rcm, rcm+search */
    long cut[ORDER_CANDIDATES], routed[ORDER_CANDIDATES], distance[ORDER_CANDIDATES];
    int competed[ORDER_CANDIDATES];
    int chosen;                           /* index of the order taken */
    int asked;                            /* 1: auto ran and filled this (0 when zeroed) */
} order_report;

/* order_choose that also fills rep (for "auto"; rep->asked = 0 otherwise). */
int order_choose_report(const circuit *c, const char *spec, int *site_of, order_report *rep);

/* Sum over multi-qubit gates of (max site - min site - (k - 1)): the swaps a
 * naive router would need. */
long order_swap_distance(const circuit *c, const int *site_of);

/* The swaps the run's routing (schedule_attach) applies to c's gates from
 * the order site_of: by themselves (*swaps) and fused into two-qubit gates
 * (*fused). Routes on a state of bond dimension 1. TN_OK or a failure. */
int order_routed_swaps(const circuit *c, const int *site_of, long *swaps, long *fused);

/* For each of the n-1 cuts, the number of multi-qubit gates crossing it. */
void order_cut_profile(const circuit *c, const int *site_of, long *crossings);

#endif
