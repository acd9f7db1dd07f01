/* pingpong.c - MPI latency and bandwidth between ranks 0 and 1, for the
 * performance model of scripts/scaling-study.sh. Prints one JSON line:
 * {"latency_s": ..., "bandwidth_Bps": ...} (medians over repetitions).
 * Build: make build/pingpong; run: mpirun -n 2 build/pingpong */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REPS 21

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median round-trip time of `bytes` bytes between ranks 0 and 1, halved. */
static double one_way(int rank, char *buf, int bytes)
{
    double t[REPS];
    for (int r = 0; r < REPS; r++) {
        MPI_Barrier(MPI_COMM_WORLD);
        double t0 = MPI_Wtime();
        for (int k = 0; k < 10; k++) {
            if (rank == 0) {
                MPI_Send(buf, bytes, MPI_BYTE, 1, 0, MPI_COMM_WORLD);
                MPI_Recv(buf, bytes, MPI_BYTE, 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            } else if (rank == 1) {
                MPI_Recv(buf, bytes, MPI_BYTE, 0, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
                MPI_Send(buf, bytes, MPI_BYTE, 0, 0, MPI_COMM_WORLD);
            }
        }
        t[r] = (MPI_Wtime() - t0) / 20;
    }
    qsort(t, REPS, sizeof *t, cmp);
    return t[REPS / 2];
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (size < 2) {
        if (rank == 0) fprintf(stderr, "pingpong: run on 2 ranks (mpirun -n 2)\n");
        MPI_Finalize();
        return 2;
    }
    int big = 16 << 20;
    char *buf = calloc((size_t)big, 1);
    double lat = one_way(rank, buf, 8), t_big = one_way(rank, buf, big);
    if (rank == 0) printf("{\"latency_s\": %.3e, \"bandwidth_Bps\": %.4e}\n", lat, big / (t_big - lat));
    free(buf);
    MPI_Finalize();
    return 0;
}
