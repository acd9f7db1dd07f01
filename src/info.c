/* info.c - `tnemu info`: gate counts, depth, the order's cut profile, and an
 * upper-bound prediction of bond dimensions, memory and time.
 *
 * The prediction walks the gates once: a gate across a cut can at most
 * multiply that cut's bond dimension by 4 (2 for the controlled gates of rank
 * 2 is not assumed), never beyond 2^(qubits on the smaller side) or --chi.
 * The time model charges each gate the flops of an SVD of (2 chi) x (2 chi)
 * at every cut it spans, at a stated effective rate.
 * The swaps the run's routing takes: order_routed_swaps. */
#include "info.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "circuit.h"
#include "cli.h"
#include "error.h"
#include "order.h"
#include "originir.h"
#include "qasm.h"

#define INFO_EFFECTIVE_GFLOPS 20.0   /* LAPACK zgesdd on 2 cores, measured order of magnitude */

static const char *info_usage =
    "usage: tnemu info CIRCUIT [--order identity|auto|FILE] [--chi N]\n"
    "Prints qubits, gate counts by width, depth, the two-qubit gates across each cut\n"
    "of the chosen order, and upper bounds of bond dimension, memory and time.\n";

typedef struct {
    double memory_bytes, flops;
    double *chi;                /* bound per cut, n-1 */
} prediction;

static void predict(const circuit *c, const int *site_of, long max_chi, prediction *p)
{
    int n = c->nqubits;
    for (int s = 0; s + 1 < n; s++) p->chi[s] = 1;
    p->flops = 0;
    for (size_t i = 0; i < c->nops; i++) {
        const circ_op *op = &c->ops[i];
        if (op->kind != OP_GATE || op->nqubits < 2) continue;
        int lo = n, hi = -1;
        for (int k = 0; k < op->nqubits; k++) {
            int s = site_of[op->qubits[k]];
            if (s < lo) lo = s;
            if (s > hi) hi = s;
        }
        for (int s = lo; s < hi; s++) {
            double side = fmin(s + 1, n - s - 1);
            double cap = side < 60 ? pow(2, side) : 1e18;
            if (max_chi > 0 && cap > (double)max_chi) cap = (double)max_chi;
            p->chi[s] = fmin(p->chi[s] * 4, cap);
            double m = 2 * p->chi[s];
            p->flops += 8.0 * 8.0 * m * m * m;   /* complex SVD ~ 8 m^3 real-equivalent x 8 */
        }
    }
    p->memory_bytes = 0;
    for (int s = 0; s < n; s++) {
        double l = s > 0 ? p->chi[s - 1] : 1, r = s + 1 < n ? p->chi[s] : 1;
        p->memory_bytes += 2 * l * r * 16;
    }
}

/* What --order auto weighed, and why it took the order it did. */
static void print_auto_candidates(const order_report *rep)
{
    printf("order auto   candidates (largest cut in gates, swaps the routing applies, swap distance):\n");
    for (int k = 0; k < ORDER_CANDIDATES; k++) {
        if (k > 0 && !rep->cut[k]) continue;   /* not reached */
        if (!rep->competed[k]) {
            printf("  %-16s cut %5ld  (cuts wider than the identity: not taken)\n", rep->name[k], rep->cut[k]);
            continue;
        }
        printf("  %-16s cut %5ld  routed swaps %8ld  distance %8ld  %s\n", rep->name[k], rep->cut[k], rep->routed[k],
               rep->distance[k], k == rep->chosen ? "<- taken" : "(no fewer swaps: not taken)");
    }
}

static void print_info(const char *path, const circuit *c, const char *order, const int *site_of, long max_chi)
{
    circ_stats st;
    circ_get_stats(c, &st);
    int n = c->nqubits;
    printf("circuit      %s\n", path);
    printf("qubits       %d\n", n);
    printf("clbits       %d\n", c->nclbits);
    printf("gates        ");
    for (int k = 1; k <= CIRC_MAX_GATE_QUBITS; k++)
        if (st.by_width[k]) printf("%zu of %d qubit%s  ", st.by_width[k], k, k > 1 ? "s" : "");
    printf("\n");
    printf("depth        %d\n", st.depth);
    printf("measures     %zu, resets %zu, conditionals %zu%s\n", st.measures, st.resets, st.conditionals,
           st.dynamic ? " (dynamic: shots run one by one)" : "");
    long swaps, fused;
    printf("order        %s (swap distance %ld: each gate's qubits swapped together)\n", order,
           order_swap_distance(c, site_of));
    if (order_routed_swaps(c, site_of, &swaps, &fused) == TN_OK)
        printf("routing      %ld swaps, %ld more fused into two-qubit gates (the run's gate order and routing)\n",
               swaps, fused);
    long *cuts = calloc((size_t)n, sizeof(long));
    prediction p = {0, 0, calloc((size_t)n, sizeof(double))};
    if (!cuts || !p.chi) { free(cuts); free(p.chi); return; }
    order_cut_profile(c, site_of, cuts);
    predict(c, site_of, max_chi, &p);
    printf("cut profile  multi-qubit gates across cut s (between sites s and s+1):\n");
    double worst = 1;
    for (int s = 0; s + 1 < n; s++) {
        printf("  cut %3d  %6ld gates  bond <= %.0f\n", s, cuts[s], p.chi[s]);
        if (p.chi[s] > worst) worst = p.chi[s];
    }
    printf("predicted    max bond <= %.0f, state memory <= %.3g MiB, time <= %.3g s at %.0f GFLOP/s (upper bounds)\n",
           worst, p.memory_bytes / 1048576.0, p.flops / (INFO_EFFECTIVE_GFLOPS * 1e9), INFO_EFFECTIVE_GFLOPS);
    free(cuts);
    free(p.chi);
}

int info_command(int argc, char **argv)
{
    const char *path = NULL, *order = "identity";
    long max_chi = 0;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(info_usage, stdout);
            return TN_OK;
        } else if (strcmp(argv[i], "--order") == 0 || strcmp(argv[i], "--chi") == 0) {
            if (i + 1 >= argc) return tn_fail(TN_ERR_USAGE, "option %s needs a value", argv[i]);
            if (argv[i][2] == 'o') order = argv[++i];
            else CALL(cli_parse_long("--chi", argv[++i], 0, 1048576, &max_chi));
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return tn_fail(TN_ERR_USAGE, "unknown option '%s' for 'tnemu info' (see tnemu info --help)", argv[i]);
        } else if (!path) {
            path = argv[i];
        } else {
            return tn_fail(TN_ERR_USAGE, "tnemu info takes one circuit; '%s' is a second one", argv[i]);
        }
    }
    if (!path) return tn_fail(TN_ERR_USAGE, "tnemu info: no circuit given (see tnemu info --help)");
    circuit *c;
    CALL(originir_wants(path, NULL) ? originir_parse_file(path, &c) : qasm_parse_file(path, &c));
    int *site_of = tn_malloc((size_t)c->nqubits * sizeof(int) + 1);
    order_report rep;
    int status = site_of ? order_choose_report(c, order, site_of, &rep) : TN_ERR_MEMORY;
    if (status == TN_OK) print_info(path, c, order, site_of, max_chi);
    if (status == TN_OK && rep.asked) print_auto_candidates(&rep);
    free(site_of);
    circ_destroy(&c);
    return status;
}
