/* run_collect.c - the end of a run: every group's shots, trajectories and
 * probabilities gathered on world rank 0 (run_collect), and there the sorted
 * counts with their standard errors over trajectories (see run.h).
 * Not for: emulating the circuit (run.c). */
#include "run.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "work.h"

/* ---- counts ------------------------------------------------------------- */

/* The sorted counts (keys with bit 0 rightmost) of the merged tally, in
 * memory charged to the ledger until run_result_free. */
static int counts_from_tally(run_result *res)
{
    tally *t = res->tally;
    size_t n = tally_size(t), width = (size_t)res->key_bits;
    size_t bytes = n * (sizeof(run_count) + width + 1) + (res->noisy ? n * sizeof(double) : 0);
    char what[96];
    snprintf(what, sizeof what, "the list of %zu counts", n);
    CALL(tn_mem_charge_for((long long)bytes, what));
    res->counts_charged = bytes;
    res->counts = tn_calloc(n, sizeof(run_count));
    res->count_keys = tn_malloc(n * (width + 1));
    if (!res->counts || !res->count_keys) return TN_ERR_MEMORY;
    tally_sort(t);
    for (size_t i = 0; i < n; i++) {
        res->counts[i].key = res->count_keys + i * (width + 1);
        tally_key(t, i, res->counts[i].key);
        res->counts[i].count = tally_count(t, i);
    }
    res->ncounts = n;
    return TN_OK;
}

/* ---- standard errors of counts over trajectories ------------------------- */

/* The standard error of each count, treating trajectories as clusters of
 * shots: se(N_k)^2 = T/(T-1) sum_t (c_tk - p_k n_t)^2 with c_tk the count of
 * outcome k in trajectory t, n_t its shots and p_k = N_k / N; the tally holds
 * sum_t c_tk^2 and sum_t c_tk n_t (counts_from_tally has charged the errors). */
static int count_errors(run_result *res)
{
    long shots = res->shots, T = res->trajectories;
    res->count_stderr = tn_calloc(res->ncounts + 1, sizeof(double));
    if (!res->count_stderr) return TN_ERR_MEMORY;
    double sum_n2 = 0;
    for (long t = 0; t < T; t++) {
        double n_t = (double)(run_trajectory_first_shot(shots, t + 1, T) - run_trajectory_first_shot(shots, t, T));
        sum_n2 += n_t * n_t;
    }
    for (size_t k = 0; k < res->ncounts; k++) {   /* the tally is sorted: entry k is counts[k] */
        double sum_c2, sum_cn, p = (double)res->counts[k].count / (double)shots;
        tally_cluster_sums(res->tally, k, &sum_c2, &sum_cn);
        double ss = sum_c2 - 2 * p * sum_cn + p * p * sum_n2;
        res->count_stderr[k] = T > 1 ? sqrt(fmax(ss, 0) * T / (T - 1)) : 0;
    }
    return TN_OK;
}

/* ---- gathering on world rank 0 ------------------------------------------ */

/* Sums the groups' trajectory distributions on rank 0 and takes the mean. */
static int collect_probs(MPI_Comm world, int rank, run_result *res)
{
    if (!res->leader) memset(res->probs, 0, res->nprobs * sizeof(double));
    for (size_t done = 0; done < res->nprobs;) {
        int chunk = res->nprobs - done > (1u << 28) ? (1 << 28) : (int)(res->nprobs - done);
        MPI_Reduce(rank == 0 ? MPI_IN_PLACE : res->probs + done, res->probs + done, chunk, MPI_DOUBLE, MPI_SUM, 0,
                   world);
        done += (size_t)chunk;
    }
    for (size_t i = 0; i < res->nprobs && rank == 0; i++) res->probs[i] /= (double)res->samples;
    return TN_OK;
}

static int collect(MPI_Comm world, const run_options *opt, run_result *res);

int run_collect(MPI_Comm world, const run_options *opt, run_result *res)
{
    double t0 = run_now();
    /* the gate phase ends when its slowest rank is done (the command's and the library's result) */
    MPI_Allreduce(MPI_IN_PLACE, &res->t_gates, 1, MPI_DOUBLE, MPI_MAX, world);
    int status = collect(world, opt, res);
    res->t_collect = run_now() - t0;
    return status;
}

static int collect(MPI_Comm world, const run_options *opt, run_result *res)
{
    int rank = 0, size = 1, n = res->nqubits, nobs = opt->nobservables;
    MPI_Comm_rank(world, &rank);
    MPI_Comm_size(world, &size);
    /* each shot was drawn by exactly one group, whose leader counted it */
    int merged = tally_merge_to_root(res->tally, res->key_bits, res->noisy, world);
    CALL(group_agree(world, merged));   /* a failure on rank 0 alone must not leave the others in a collective */
    if (size > 1) {
        if (res->dynamic || res->noisy) {
            double *sums = tn_calloc(2 * (size_t)nobs + 4, sizeof(double));
            int *dims = tn_calloc((size_t)n, sizeof(int));
            if (!sums || !dims) { free(sums); free(dims); return TN_ERR_MEMORY; }
            if (res->leader) {
                for (int k = 0; k < nobs; k++) { sums[k] = res->expect_sum[k]; sums[nobs + k] = res->expect_sum2[k]; }
                sums[2 * nobs] = res->fidelity_sum;
                sums[2 * nobs + 1] = res->discarded_sum;
                sums[2 * nobs + 2] = (double)res->decompositions;
                sums[2 * nobs + 3] = res->log_fidelity_sum;
                memcpy(dims, res->bond_dims, (size_t)(n > 1 ? n - 1 : 0) * sizeof(int));
            }
            MPI_Reduce(rank == 0 ? MPI_IN_PLACE : sums, sums, 2 * nobs + 4, MPI_DOUBLE, MPI_SUM, 0, world);
            MPI_Reduce(rank == 0 ? MPI_IN_PLACE : dims, dims, n > 1 ? n - 1 : 1, MPI_INT, MPI_MAX, 0, world);
            if (rank == 0) {
                for (int k = 0; k < nobs; k++) { res->expect_sum[k] = sums[k]; res->expect_sum2[k] = sums[nobs + k]; }
                res->fidelity_sum = sums[2 * nobs];
                res->discarded_sum = sums[2 * nobs + 1];
                res->decompositions = (size_t)sums[2 * nobs + 2];
                res->log_fidelity_sum = sums[2 * nobs + 3];
                memcpy(res->bond_dims, dims, (size_t)(n > 1 ? n - 1 : 0) * sizeof(int));
            }
            free(sums);
            free(dims);
        }
    }
    if (res->probs && res->noisy) CALL(collect_probs(world, rank, res));
    if (rank != 0) return TN_OK;
    if (res->dynamic || res->noisy) {
        long shots = res->noisy ? res->samples : res->shots > 0 ? res->shots : 1;
        res->fidelity_estimate = res->fidelity_sum / (double)shots;
        res->log_fidelity_estimate = res->log_fidelity_sum / (double)shots;
        res->discarded_weight = res->discarded_sum / (double)shots;
        for (int k = 0; k < nobs; k++) {
            if (res->expect_reports && res->expect_reports[k].done) continue;   /* not from the trajectories */
            double mean = res->expect_sum[k] / (double)shots;
            double var = res->expect_sum2[k] / (double)shots - mean * mean;
            res->expectation[k] = mean;
            res->expectation_stderr[k] = shots > 1 ? sqrt(fmax(var, 0) / (double)(shots - 1)) : 0;
        }
    }
    res->max_bond = 1;
    for (int b = 0; b + 1 < n; b++)
        if (res->bond_dims[b] > res->max_bond) res->max_bond = res->bond_dims[b];
    double t0 = run_now();
    CALL(counts_from_tally(res));
    int status = res->noisy ? count_errors(res) : TN_OK;
    tally_destroy(&res->tally);   /* the counts hold it all now */
    res->t_counts = run_now() - t0;
    return status;
}
