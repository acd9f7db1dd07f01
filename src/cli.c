/* cli.c - subcommands and options of tnemu (see cli.h and `tnemu --help`). */
#include "cli.h"
#include "blas.h"
#include "engine.h"
#include "tnemu.h"

#include <errno.h>
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "adapters.h"
#include "batch.h"
#include "qnn.h"
#include "circuit.h"
#include "compare.h"
#include "error.h"
#include "group.h"
#include "info.h"
#include "plan.h"
#include "input.h"
#include "options.h"
#include "originir.h"
#include "qasm.h"
#include "result.h"
#include "run.h"
#include "work.h"

#define DEFAULT_SCALAPACK_MIN OPTIONS_DEFAULT_SCALAPACK_MIN
#define TN_STR_(x) #x
#define TN_STR(x) TN_STR_(x)

static const char *main_usage =
    "usage: tnemu COMMAND [OPTIONS]\n"
    "\n"
    "commands:\n"
    "  run CIRCUIT     emulate an OpenQASM 2 or OriginIR circuit with a matrix product state\n"
    "  info CIRCUIT    qubits, gates, depth, cut profile, predicted memory and time\n"
    "  plan CIRCUIT    does a run fit on M nodes, its layout and predicted time (--help)\n"
    "  adapters SPEC.json\n"
    "                  Cayley unitary adapter blocks on a device, emulated as one batch\n"
    "  qnn SPEC.json   hybrid QNN layers: expectation values and parameter-shift gradients\n"
    "  batch MANIFEST.json\n"
    "                  many circuits with their own run options, farmed over MPI groups\n"
    "  compare EMULATED.json HARDWARE.json\n"
    "                  distances between hardware counts and an emulation, with a verdict\n"
    "\n"
    "  tnemu COMMAND --help   options of a command\n"
    "  tnemu --version\n";

static const char *run_usage =
    "usage: tnemu run CIRCUIT [OPTIONS]\n"
    "\n"
    "  --chi N            largest bond dimension kept (0 = no limit; 0..1048576; default 0)\n"
    "  --cutoff X         largest discarded weight per decomposition (0 <= X < 1; default 0;\n"
    "                     singular values below 1e-14 of the largest are always dropped)\n"
    "  --shots N          samples to draw (0..1000000000; default 1024 if the circuit measures, else 0)\n"
    "  --seed S           random seed (0..18446744073709551615; default: from the clock, recorded)\n"
    "  --observable STR   Pauli string to average, e.g. \"Z0 Z1\" or \"X3 Y7\" (repeatable)\n"
    "  --amplitude BITS   amplitude of a basis state, qubit 0 rightmost (repeatable)\n"
    "  --expectation-method M  auto (default), state, heisenberg or heisenberg-mps: observables from\n"
    "                     the state, or by Pauli propagation of the observable backwards through the\n"
    "                     circuit and its noise (static circuits), or backwards as an operator MPS at\n"
    "                     --chi (static noiseless circuits); each on the observed qubits' light cone\n"
    "  --pauli-cutoff X   heisenberg: drop Pauli strings with |coefficient| < X (0..1; default 1e-5)\n"
    "  --pauli-max-terms N  heisenberg: at most N strings at once (default 4194304; auto tries 65536,\n"
    "                     then uses the state)\n"
    "  --no-lightcone     evaluate observables on the whole circuit, not their light cone\n"
    "  --probabilities    also write the exact outcome distribution of the counts' bits (at most 24;\n"
    "                     noisy runs: the mean over trajectories, with readout error)\n"
    "  --order SPEC       qubit-to-site order: identity (default), auto, or a file listing qubits by site\n"
    "  --scalapack-min N  decompositions with at least N rows run on a ScaLAPACK grid (0 = never;\n"
    "                     0..1048576; default " TN_STR(DEFAULT_SCALAPACK_MIN) "): the team's grid with --team-size, else\n"
    "                     the group's ranks' grid in the centre form\n"
    "  --team-size T      teams of T ranks own one segment together: the team's first rank holds\n"
    "                     the sites, all T join its decompositions of at least --scalapack-min rows\n"
    "                     (T divides the ranks; default 1, no teams)\n"
    "  --canonical FORM   vidal (default): Schmidt values on every bond, gates in different\n"
    "                     segments run at once on their ranks; center: one orthogonality centre\n"
    "                     moved from gate to gate (large decompositions on the ScaLAPACK grid)\n"
    "  --groups G         split the MPI ranks into G groups (1..ranks; default 1 for one state,\n"
    "                     every rank its own group when shots run one by one)\n"
    "  --format FMT       circuit format: qasm or originir (default: originir for names ending\n"
    "                     in .ir or .originir, else qasm)\n"
    "  --param NAME=X     value of the OpenQASM 3 input NAME (repeatable)\n"
    "noise:\n"
    "  --noise FILE       noise model: IBM props_*.json (or conf_*.json beside it), Origin chip\n"
    "                     config, or tnemu's noise JSON (docs/noise-format.md); format detected\n"
    "  --noise-format F   ibm, origin or tnemu (instead of detecting it)\n"
    "  --noise-scale L    multiply every error rate by L (0..1000; default 1; 0 = noiseless exactly)\n"
    "  --t2 KIND          ramsey or echo: which T2 of an Origin chip config relaxes the qubits\n"
    "                     (default echo, measured on Wukong hardware; a missing one falls back)\n"
    "  --trajectories T   quantum trajectories, shots spread over them (1..100000000;\n"
    "                     default min(shots, 100); a dynamic circuit runs one per shot)\n"
    "  --dephasing-1f A,ALPHA  1/f^ALPHA frequency noise of RMS A Hz on every qubit, applied as\n"
    "                     Z rotations along the schedule (A >= 0, 0 < ALPHA <= 3)\n"
    "  --allow-faulty     run gates and qubits the calibration marks unusable\n"
    "  --allow-uncalibrated  run gates the calibration lacks without noise\n"
    "  --trace FILE       write the gate trace (sites, bonds before and after, seconds per\n"
    "                     gate) for scripts/scaling-sim.py (docs/scaling.md)\n"
    "  -o, --output FILE  write the result JSON to FILE (default: stdout)\n"
    "  -q, --quiet        no summary on stderr (and no progress unless --progress is given)\n"
    "  --max-memory B     stop cleanly, with a message, before this rank's memory would exceed B\n"
    "                     bytes (suffixes K, M, G, T; at least 1M)\n"
    "  --progress S       progress on stderr: live on a terminal, else a line every S seconds\n"
    "                     (0..1e7; default 60; 0 = none): gates done, the share of the work done\n"
    "                     (gates weighted by their bonds) and the time left it implies\n"
    "checkpoints:\n"
    "  --checkpoint DIR   write DIR/checkpoint.tnck at once on SIGUSR1 or SIGTERM (then stop, exit\n"
    "                     status 3), and every --checkpoint-every seconds if given\n"
    "  --checkpoint-every S  seconds between checkpoints (1..1e7; needs --checkpoint)\n"
    "  --resume DIR       continue from DIR's checkpoint; the result equals an uninterrupted run\n"
    "\n"
    "Counts keys are the classical bits c[n-1]..c[0] (qubits q[n-1]..q[0] when the\n"
    "circuit measures nothing). Exit status: 0 ok, 2 bad input or usage, 3 stopped at a\n"
    "checkpoint, 1 failure.\n";

/* The options of `tnemu run` beyond the engine's (options.c). */
static int parse_run_option(int argc, char **argv, int *i, run_request *rq)
{
    const char *opt = argv[*i], *v = NULL;
    int taken = 0;
    CALL(options_parse_engine(argc, argv, i, rq, &taken));
    if (taken) return TN_OK;
    if (strcmp(opt, "--probabilities") == 0) { rq->run.probabilities = 1; return TN_OK; }
    if (strcmp(opt, "--no-lightcone") == 0) { rq->run.expect.lightcone = 0; return TN_OK; }
    CALL(options_value(argc, argv, i, &v));
    if (strcmp(opt, "--observable") == 0) {
        rq->run.observables[rq->run.nobservables++] = v;
    } else if (strcmp(opt, "--amplitude") == 0) {
        rq->run.amplitudes[rq->run.namplitudes++] = v;
    } else if (strcmp(opt, "--param") == 0) {
        CALL(qasm_bind_param(v));
    } else if (strcmp(opt, "--format") == 0) {
        if (strcmp(v, "qasm") != 0 && strcmp(v, "originir") != 0)
            return tn_fail(TN_ERR_USAGE, "option --format: '%s' is not one of: qasm, originir", v);
        rq->format = v;
    } else if (strcmp(opt, "--checkpoint") == 0) {
        if (!*v) return tn_fail(TN_ERR_USAGE, "option --checkpoint: expected a directory");
        rq->run.checkpoint.dir = v;
    } else if (strcmp(opt, "--checkpoint-every") == 0) {
        CALL(cli_parse_double(opt, v, 1, 1e7, &rq->run.checkpoint.every));
    } else if (strcmp(opt, "--resume") == 0) {
        if (!*v) return tn_fail(TN_ERR_USAGE, "option --resume: expected a directory");
        rq->run.checkpoint.resume = v;
    } else if (strcmp(opt, "--team-size") == 0) {
        int ranks = 1;
        MPI_Comm_size(MPI_COMM_WORLD, &ranks);
        CALL(cli_parse_long(opt, v, 1, ranks, &rq->team_size));
    } else if (strcmp(opt, "--trace") == 0) {
        if (!*v) return tn_fail(TN_ERR_USAGE, "option --trace: expected a file name");
        rq->run.trace_path = v;
    } else if (strcmp(opt, "-o") == 0 || strcmp(opt, "--output") == 0) {
        if (!*v) return tn_fail(TN_ERR_USAGE, "option %s: expected a file name", opt);
        rq->output = v;
    } else if (strcmp(opt, "--expectation-method") == 0) {
        CALL(expect_parse_method(v, &rq->run.expect.method));
    } else if (strcmp(opt, "--pauli-cutoff") == 0) {
        CALL(cli_parse_double(opt, v, 0, 1, &rq->run.expect.pauli_cutoff));
    } else if (strcmp(opt, "--pauli-max-terms") == 0) {
        long n;
        CALL(cli_parse_long(opt, v, 1, 4000000000L, &n));
        rq->run.expect.pauli_max_terms = (size_t)n;
    } else {
        return tn_fail(TN_ERR_USAGE, "unknown option '%s' for 'tnemu run' (see tnemu run --help)", opt);
    }
    return TN_OK;
}

int cli_parse_run_args(int argc, char **argv, run_request *rq)
{
    options_defaults(rq);
    qasm_clear_params();   /* a batch task sees only its own --param */
    rq->run.expect.method = EXPECT_AUTO;
    rq->run.expect.lightcone = 1;
    rq->run.expect.pauli_cutoff = EXPECT_DEFAULT_PAULI_CUTOFF;
    /* observables and amplitudes point into argv: at most argc of each */
    rq->list_storage = tn_calloc(2 * (size_t)argc + 2, sizeof(char *));
    if (!rq->list_storage) return TN_ERR_MEMORY;
    rq->run.observables = rq->list_storage;
    rq->run.amplitudes = rq->list_storage + argc + 1;
    for (int i = 2; i < argc; i++) {
        if (argv[i][0] == '-' && argv[i][1] != '\0') {
            CALL(parse_run_option(argc, argv, &i, rq));
        } else if (!rq->circuit_path) {
            rq->circuit_path = argv[i];
        } else {
            return tn_fail(TN_ERR_USAGE, "tnemu run takes one circuit; '%s' is a second one", argv[i]);
        }
    }
    if (rq->help) return TN_OK;
    if (!rq->circuit_path) return tn_fail(TN_ERR_USAGE, "tnemu run: no circuit given (see tnemu run --help)");
    CALL(options_finish(rq, "tnemu run", 0));
    if (rq->run.checkpoint.every > 0 && !rq->run.checkpoint.dir)
        return tn_fail(TN_ERR_USAGE, "option --checkpoint-every needs --checkpoint DIR");
    if (rq->team_size > 1 && rq->run.scalapack_min == 0)
        return tn_fail(TN_ERR_USAGE, "option --team-size: a team shares decompositions on its ScaLAPACK grid, which "
                       "--scalapack-min 0 turns off (give --scalapack-min N >= 1, or --team-size 1)");
    return TN_OK;
}

/* Reads the whole file on world rank 0 ("-": its standard input) and
 * broadcasts it (or the failure), so every rank parses the same bytes and
 * agrees on whether they are valid. */
static int read_broadcast(MPI_Comm world, const char *path, char **text, size_t *len)
{
    int rank;
    MPI_Comm_rank(world, &rank);
    long long size = -1;
    int status = TN_OK;
    *text = NULL;
    if (rank == 0) {
        size_t got = 0;
        status = input_read_file(path, text, &got);
        size = status ? -1 : (long long)got;
    }
    long long head[2] = {size, status};
    MPI_Bcast(head, 2, MPI_LONG_LONG, 0, world);
    size = head[0];
    if (size < 0) {   /* everyone fails with rank 0's status; rank 0 has the message */
        free(*text);
        *text = NULL;
        return rank == 0 ? status : tn_fail((int)head[1], "cannot read %s", path);
    }
    if (rank != 0 && !(*text = tn_malloc((size_t)size + 1))) status = TN_ERR_MEMORY;
    int worst = status;
    MPI_Allreduce(&status, &worst, 1, MPI_INT, MPI_MAX, world);
    if (worst) { free(*text); *text = NULL; return status ? status : tn_fail(worst, "out of memory on another rank"); }
    for (long long done = 0; done < size;) {
        int chunk = size - done > (1 << 30) ? (1 << 30) : (int)(size - done);
        MPI_Bcast(*text + done, chunk, MPI_CHAR, 0, world);
        done += chunk;
    }
    (*text)[size] = '\0';
    *len = (size_t)size;
    return TN_OK;
}

/* Reads a circuit in the format given or implied by its name ("-", standard
 * input, is OpenQASM unless the format says otherwise). */
int cli_read_circuit(MPI_Comm world, const char *path, const char *format, circuit **out)
{
    char *text;
    size_t len = 0;
    *out = NULL;
    CALL(read_broadcast(world, path, &text, &len));
    const char *name = input_name(path);
    int status = originir_wants(path, format) ? originir_parse_string(text, len, name, out)
                                              : qasm_parse_string(text, len, name, out);
    free(text);
    return status;
}

/* The number of groups: as asked, else one state on all ranks for a static
 * circuit and one group per rank when shots run one by one. */
int cli_choose_groups(const run_request *rq, const circuit *c, int ranks)
{
    if (rq->groups > 0) return (int)rq->groups;
    circ_stats st;
    circ_get_stats(c, &st);
    if (rq->run.noise && rq->run.noise->scale > 0) {   /* trajectories are independent tasks */
        long shots = rq->run.shots >= 0 ? rq->run.shots : 1024;
        long tasks = st.dynamic ? shots : rq->run.trajectories > 0 ? rq->run.trajectories
                                                                   : run_default_trajectories(shots);
        return tasks < ranks ? (tasks > 0 ? (int)tasks : 1) : ranks;
    }
    return st.dynamic ? ranks : 1;
}

/* Per-rank numbers for the result: group, compute and wait seconds, bytes
 * sent, peak resident and state memory, team, eigensolves joined on its
 * grid (by the group's or the team's grid, whichever the run used), threads
 * for a layer's gates and the gates run on them, sites lent without waiting,
 * the most its tensors and scratch buffers held at once, and the Vidal
 * windows split whole on its team's grid, those it handed back, and those split by the grid's SVD. */
#define RANK_STATS 15
static void gather_rank_stats(MPI_Comm world, const engine_state *st, double *all)
{
    const tn_group *g = st->grp, *t = st->team;
    double wait = (g ? g->t_wait : 0) + (t ? t->t_wait : 0);
    double sent = (g ? (double)g->bytes_sent : 0) + (t ? (double)t->bytes_sent : 0);
    double mine[RANK_STATS] = {g ? g->group : t ? t->group : 0, st->t_run - wait, wait, sent,
                               (double)result_peak_rss(), (double)st->res.peak_state_bytes,
                               t ? t->world_rank / t->size : (g ? g->world_rank : 0),
                               (double)st->res.scalapack_solves, st->res.layer_threads,
                               (double)st->res.threaded_gates, (double)st->res.lazy_lends, (double)tn_mem_peak(),
                               (double)st->res.team_windows, (double)st->res.team_windows_returned,
                               (double)st->res.team_windows_svd};
    MPI_Gather(mine, RANK_STATS, MPI_DOUBLE, all, RANK_STATS, MPI_DOUBLE, 0, world);
}

static int command_run(int argc, char **argv)
{
    MPI_Comm world = MPI_COMM_WORLD;
    int rank = 0, ranks = 1;
    MPI_Comm_rank(world, &rank);
    MPI_Comm_size(world, &ranks);
    double t_start = run_now();
    run_request rq;
    int status = cli_parse_run_args(argc, argv, &rq);
    if (status == TN_OK && rq.run.checkpoint.dir) checkpoint_install_signals();
    if (status == TN_OK && rq.max_memory > 0) tn_mem_set_limit((size_t)rq.max_memory, result_peak_rss());
    if (status == TN_OK && rq.help) {
        if (rank == 0) fputs(run_usage, stdout);
        free(rq.list_storage);
        return TN_OK;
    }
    /* options are the same on every rank, so are their errors; no seed from
     * the clock may differ between ranks */
    if (status == TN_OK) MPI_Bcast(&rq.run.seed, 1, MPI_UINT64_T, 0, world);
    if (status == TN_OK && rank == 0) checkpoint_remove_stale(&rq.run.checkpoint);   /* a kill -9's temporaries */
    circuit *c = NULL;
    double t_parse = 0;
    if (status == TN_OK) {
        double t0 = run_now();
        status = cli_read_circuit(world, rq.circuit_path, rq.format, &c);
        t_parse = run_now() - t0;
    }
    engine_state st;   /* the noise model, the groups, the run: as the library's tnemu_run */
    memset(&st, 0, sizeof st);
    if (status == TN_OK) status = engine_run(world, c, &rq, &st);
    else status = group_agree(world, status);
    t_parse += st.t_noise;   /* reading inputs: the circuit and the noise model */
    double *stats = NULL;
    if (status == TN_OK) {
        stats = tn_calloc((size_t)ranks * RANK_STATS, sizeof(double));
        gather_rank_stats(world, &st, stats);
    }
    if (status == TN_OK && rank == 0) {
        result_context ctx = {argc, argv, rq.circuit_path, rq.run.seed, &rq.run, t_parse,
                              run_now() - t_start, ranks, st.grp->ngroups, stats, RANK_STATS,
                              (int)rq.team_size};
        status = result_write(rq.output, c, &st.res, &ctx);
        if (status == TN_OK && !rq.quiet && rq.output) result_print_summary(c, &st.res, &ctx);
    }
    free(stats);
    engine_state_free(&st);
    circ_destroy(&c);
    free(rq.list_storage);
    return status;
}

/* What was printed to standard output (info, --help, ...) but is still in
 * its buffer must reach it: a full disk behind stdout is a write failure. */
static int flush_stdout(int status)
{
    errno = 0;
    if (fflush(stdout) == 0 && !ferror(stdout)) return status;
    int e = errno ? errno : EIO;
    clearerr(stdout);
    return status != TN_OK ? status : tn_fail(TN_ERR_WRITE, "cannot write to standard output: %s", strerror(e));
}

int cli_main(int argc, char **argv)
{
    int status;
    if (argc < 2) {
        fputs(main_usage, stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(main_usage, stdout);   /* a failure shows in flush_stdout below */
        status = TN_OK;
    } else if (strcmp(argv[1], "--version") == 0) {
        printf("tnemu %s\n", tnemu_version());
        status = TN_OK;
    } else if (tn_blas_threads_init() == 0) {
        status = tn_fail(TN_ERR_USAGE, "environment variable TNEMU_BLAS_THREADS: '%s' is not a whole number in [1, 1024]",
                         getenv("TNEMU_BLAS_THREADS"));
    } else if (strcmp(argv[1], "run") == 0) {
        status = command_run(argc, argv);
    } else if (strcmp(argv[1], "info") == 0) {
        int rank = 0;   /* info reads and prints: one rank is enough */
        MPI_Comm_rank(MPI_COMM_WORLD, &rank);
        status = rank == 0 ? info_command(argc, argv) : TN_OK;
    } else if (strcmp(argv[1], "plan") == 0) {
        int rank = 0;   /* a model, no state: one rank */
        MPI_Comm_rank(MPI_COMM_WORLD, &rank);
        status = rank == 0 ? plan_command(argc, argv) : TN_OK;
    } else if (strcmp(argv[1], "qnn") == 0) {
        status = qnn_command(argc, argv);
    } else if (strcmp(argv[1], "batch") == 0) {
        status = batch_command(argc, argv);
    } else if (strcmp(argv[1], "adapters") == 0) {
        status = adapters_command(argc, argv);
    } else if (strcmp(argv[1], "compare") == 0) {
        int rank = 0;   /* a few distributions: one rank */
        MPI_Comm_rank(MPI_COMM_WORLD, &rank);
        status = rank == 0 ? compare_command(argc, argv) : TN_OK;
    } else {
        status = tn_fail(TN_ERR_USAGE, "unknown command '%s' (commands: run, info, plan, adapters, qnn, batch, compare; see tnemu --help)", argv[1]);
    }
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    status = flush_stdout(status);
    if (status != TN_OK && rank == 0) tn_print_error(status);
    return tn_exit_status(status);
}
