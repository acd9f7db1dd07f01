/* part.c - contiguous site partitions (see part.h). */
#include "part.h"

void part_even(int n, int size, int *lo)
{
    for (int r = 0; r <= size; r++) lo[r] = (int)(((long)n * r) / size);
}

int part_owner(const int *lo, int size, int s)
{
    int a = 0, b = size - 1;   /* the last r with lo[r] <= s and a non-empty segment */
    while (a < b) {
        int mid = (a + b + 1) / 2;
        if (lo[mid] <= s) a = mid;
        else b = mid - 1;
    }
    while (a > 0 && lo[a] == lo[a + 1]) a--;
    return a;
}

/* Greedy fill under bound: returns how many segments it needs. */
static int segments_needed(int n, const double *cost, double bound)
{
    int segs = 1;
    double acc = 0;
    for (int s = 0; s < n; s++) {
        if (acc + cost[s] > bound && acc > 0) {
            segs++;
            acc = 0;
        }
        acc += cost[s];
    }
    return segs;
}

void part_balanced(int n, int size, const double *cost, int *lo)
{
    double total = 0, biggest = 0;
    for (int s = 0; s < n; s++) {
        total += cost[s];
        if (cost[s] > biggest) biggest = cost[s];
    }
    if (size <= 1 || total <= 0) { part_even(n, size, lo); return; }
    double a = biggest > total / size ? biggest : total / size, b = total;
    for (int it = 0; it < 60; it++) {
        double mid = 0.5 * (a + b);
        if (segments_needed(n, cost, mid) <= size) b = mid;
        else a = mid;
    }
    int r = 0;
    double acc = 0;
    lo[0] = 0;
    for (int s = 0; s < n; s++) {
        /* cut when over the bound, or when the remaining sites are just enough for the remaining ranks */
        if (r + 1 < size && ((acc + cost[s] > b && acc > 0) || n - s <= size - 1 - r)) {
            lo[++r] = s;
            acc = 0;
        }
        acc += cost[s];
    }
    while (r + 1 < size) lo[++r] = n;
    lo[size] = n;
}

double part_imbalance(int n, int size, const double *cost, const int *lo)
{
    double total = 0, worst = 0;
    for (int s = 0; s < n; s++) total += cost[s];
    for (int r = 0; r < size; r++) {
        double seg = 0;
        for (int s = lo[r]; s < lo[r + 1]; s++) seg += cost[s];
        if (seg > worst) worst = seg;
    }
    return total > 0 ? worst / (total / size) : 1;
}
