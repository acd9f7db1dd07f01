/* part.h - the site partition of a group: rank r owns sites [lo[r], lo[r+1]).
 *
 * Segments are contiguous and may be empty (more ranks than sites). A
 * balanced partition cuts the chain so that the largest per-rank cost (a site
 * costs about chi_l * chi_r * (chi_l + chi_r)) is as small as a contiguous
 * split allows. Not for: moving the tensors (mps.c asks group.c to). */
#ifndef TN_PART_H
#define TN_PART_H

/* Fills lo[0..size] with an even split of n sites over size ranks. */
void part_even(int n, int size, int *lo);

/* The rank owning site s under lo (size ranks). */
int part_owner(const int *lo, int size, int s);

/* Fills lo[0..size] with a contiguous split of cost[0..n) whose largest
 * segment cost is smallest (binary search on the bound, greedy fill); when
 * the cuts nearest the prefix targets total * r / size reach the same
 * largest segment (within PART_TARGET_SLACK), those instead, so that every
 * rank gets its share, not only the left ones. */
#define PART_TARGET_SLACK 1e-9

void part_balanced(int n, int size, const double *cost, int *lo);

/* The largest segment cost over the mean (1 = perfectly balanced). */
double part_imbalance(int n, int size, const double *cost, const int *lo);

#endif
