/* stabilizer.c - the stabilizer-tableau reference (see stabilizer.h). */
#include "stabilizer.h"

#include <stdlib.h>
#include <string.h>

#define X(s, i, j) (s)->x[(size_t)(i) * (s)->n + (j)]
#define Z(s, i, j) (s)->z[(size_t)(i) * (s)->n + (j)]

int stab_init(stab_state *s, int n)
{
    s->n = n;
    s->x = calloc((size_t)(2 * n + 1) * n, 1);
    s->z = calloc((size_t)(2 * n + 1) * n, 1);
    s->r = calloc((size_t)(2 * n + 1), 1);
    if (!s->x || !s->z || !s->r) { stab_free(s); return -1; }
    for (int i = 0; i < n; i++) {
        X(s, i, i) = 1;       /* destabilizer i: X_i */
        Z(s, n + i, i) = 1;   /* stabilizer i: Z_i */
    }
    return 0;
}

void stab_free(stab_state *s)
{
    free(s->x);
    free(s->z);
    free(s->r);
    s->x = s->z = s->r = NULL;
}

void stab_h(stab_state *s, int q)
{
    for (int i = 0; i < 2 * s->n; i++) {
        s->r[i] ^= X(s, i, q) & Z(s, i, q);
        unsigned char t = X(s, i, q);
        X(s, i, q) = Z(s, i, q);
        Z(s, i, q) = t;
    }
}

void stab_s(stab_state *s, int q)
{
    for (int i = 0; i < 2 * s->n; i++) {
        s->r[i] ^= X(s, i, q) & Z(s, i, q);
        Z(s, i, q) ^= X(s, i, q);
    }
}

void stab_cx(stab_state *s, int a, int b)
{
    for (int i = 0; i < 2 * s->n; i++) {
        s->r[i] ^= X(s, i, a) & Z(s, i, b) & (X(s, i, b) ^ Z(s, i, a) ^ 1);
        X(s, i, b) ^= X(s, i, a);
        Z(s, i, a) ^= Z(s, i, b);
    }
}

/* The power of i picked up when Pauli (x1,z1) multiplies (x2,z2) from the left. */
static int g(int x1, int z1, int x2, int z2)
{
    if (!x1 && !z1) return 0;
    if (x1 && z1) return z2 - x2;
    if (x1) return z2 * (2 * x2 - 1);
    return x2 * (1 - 2 * z2);
}

/* row h <- row i * row h. */
static void rowsum(stab_state *s, int h, int i)
{
    int sum = 2 * s->r[h] + 2 * s->r[i];
    for (int j = 0; j < s->n; j++) {
        sum += g(X(s, i, j), Z(s, i, j), X(s, h, j), Z(s, h, j));
        X(s, h, j) ^= X(s, i, j);
        Z(s, h, j) ^= Z(s, i, j);
    }
    sum = ((sum % 4) + 4) % 4;
    s->r[h] = sum == 2;
}

static int anticommutes(const stab_state *s, int row, const unsigned char *px, const unsigned char *pz)
{
    int c = 0;
    for (int j = 0; j < s->n; j++) c ^= (X(s, row, j) & pz[j]) ^ (Z(s, row, j) & px[j]);
    return c;
}

int stab_expect(stab_state *s, const char *paulis)
{
    int n = s->n, scratch = 2 * n, value = 0;
    unsigned char *px = calloc((size_t)n, 1), *pz = calloc((size_t)n, 1);
    if (!px || !pz) { free(px); free(pz); return 0; }
    for (int j = 0; j < n; j++) {
        px[j] = paulis[j] == 'X' || paulis[j] == 'Y';
        pz[j] = paulis[j] == 'Z' || paulis[j] == 'Y';
    }
    int random = 0;
    for (int i = n; i < 2 * n; i++) random |= anticommutes(s, i, px, pz);
    if (!random) {   /* P = +-(product of the stabilizers whose destabilizers anticommute with P) */
        memset(&X(s, scratch, 0), 0, (size_t)n);
        memset(&Z(s, scratch, 0), 0, (size_t)n);
        s->r[scratch] = 0;
        for (int i = 0; i < n; i++)
            if (anticommutes(s, i, px, pz)) rowsum(s, scratch, i + n);
        value = s->r[scratch] ? -1 : 1;
    }
    free(px);
    free(pz);
    return value;
}
