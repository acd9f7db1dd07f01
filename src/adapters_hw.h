/* adapters_hw.h - the counts a device returned for the circuits `tnemu
 * adapters --emit DIR` wrote, read back as per-block outcome frequencies for
 * `--hardware-counts DIR` (adapters.c reconstructs the outputs from them).
 * Not for: reading one counts file (counts.h), reconstruction (adapters.c). */
#ifndef TN_ADAPTERS_HW_H
#define TN_ADAPTERS_HW_H

/* Reads DIR/circuit-t.json for every circuit t < ncircuits (the name --emit
 * gave circuit t, with .json for .qasm or .ir; any format counts.h reads:
 * bitstring or hexadecimal keys, of any width). Circuit t holds pieces
 * [t * nblocks, min((t + 1) * nblocks, npieces)) and measures k bits per
 * block, block slot b's qubit j into bit b * k + j. freq[(t * nblocks + b) *
 * 2^k + idx] gets block b's outcome frequencies (bit j of idx = its qubit j);
 * *shots the sum of every file's shots. Not collective. Returns TN_OK, or
 * TN_ERR_IO / TN_ERR_INPUT naming the file (absent, unreadable, a width
 * other than the circuit's, no shots). */
int adapters_hw_read(const char *dir, long ncircuits, int nblocks, int k, long npieces, double *freq, double *shots);

#endif
