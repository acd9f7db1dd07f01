/* part.c - contiguous site partitions (see part.h). */
#include "part.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

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

/* The largest segment cost of the partition lo. */
static double largest_segment(int size, const double *cost, const int *lo)
{
    double worst = 0;
    for (int r = 0; r < size; r++) {
        double seg = 0;
        for (int s = lo[r]; s < lo[r + 1]; s++) seg += cost[s];
        if (seg > worst) worst = seg;
    }
    return worst;
}

/* Cuts at the site boundaries nearest the prefix targets total * r / size,
 * every segment non-empty (needs n >= size). Returns 0 when n < size. */
static int part_targets(int n, int size, const double *cost, double total, int *lo)
{
    if (n < size) return 0;
    lo[0] = 0;
    lo[size] = n;
    double pre = 0;   /* the cost of sites [0, c) for the candidate cut c */
    int c = 0;
    for (int r = 1; r < size; r++) {
        double t = total * r / size;
        while (c < lo[r - 1] + 1) pre += cost[c++];
        while (c < n - (size - r) && fabs(pre + cost[c] - t) <= fabs(pre - t)) pre += cost[c++];
        lo[r] = c;
    }
    return 1;
}

/* The greedy fill under bound: each segment takes sites until the next would
 * pass the bound, or until the remaining sites are just enough for the
 * remaining ranks. */
static void part_fill(int n, int size, const double *cost, double bound, int *lo)
{
    int r = 0;
    double acc = 0;
    lo[0] = 0;
    for (int s = 0; s < n; s++) {
        if (r + 1 < size && ((acc + cost[s] > bound && acc > 0) || n - s <= size - 1 - r)) {
            lo[++r] = s;
            acc = 0;
        }
        acc += cost[s];
    }
    while (r + 1 < size) lo[++r] = n;
    lo[size] = n;
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
    part_fill(n, size, cost, b, lo);
    /* The fill reaches the smallest largest segment but crowds the sites to
     * the left, leaving the right end one cheap site per rank; cuts at the
     * prefix targets spread the same largest segment over every rank. */
    double fill_worst = largest_segment(size, cost, lo);
    int *near = malloc((size_t)(size + 1) * sizeof *near);
    if (near && part_targets(n, size, cost, total, near) &&
        largest_segment(size, cost, near) <= fill_worst * (1 + PART_TARGET_SLACK))
        memcpy(lo, near, (size_t)(size + 1) * sizeof *lo);
    free(near);
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
