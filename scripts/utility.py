#!/usr/bin/python3
"""utility.py - reproduces the expectation values of IBM's 127-qubit kicked-Ising "utility" experiment
(Kim et al., Nature 618, 500 (2023)) with tnemu's Heisenberg picture, and plots them: Pauli propagation, and
where its strings give no answer the operator MPS (--expectation-method heisenberg-mps) at bond 64, 128, 256.

The circuit: STEPS times (rx(theta_h) on every qubit, then rzz(-pi/2) on every coupler of the Eagle map
in 3 colour classes), made by scripts/gen-circuit.sh kicked-ising; "+1" appends one more rx layer
(the paper's Fig. 4a). The weight-10 and weight-17 observables are the paper's: the images of Z13 and
Z58 under the 5-step Clifford circuit at theta_h = pi/2 (and of Z58 under 5+1 steps for Fig. 4a's
modified weight-17), computed here by conjugating the Pauli string forward gate by gate; they have
weights 10 and 17, as published, and expectation +-1 at the Clifford point.

usage: scripts/utility.py [--quick] [--out docs/utility] CONF.json
       scripts/utility.py --plot CSV PNG
Writes OUT/utility.csv and OUT/utility.png (needs matplotlib). Not for: the tests (tests/expect.t,
tests/unit/test_pauliprop.c check the values against exact references)."""
import json
import math
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TIMEOUT = int(os.environ.get('UTILITY_TIMEOUT', '300'))   # seconds per run
# where Pauli strings give no answer: the operator MPS at these bond dimensions, until the estimate is below 0.01
OPMPS_CHIS = [int(x) for x in os.environ.get('UTILITY_CHIS', '64,128,256').split(',')]
TNEMU = os.path.join(ROOT, 'build', 'tnemu') if os.path.exists(os.path.join(ROOT, 'build', 'tnemu')) \
    else os.path.join(ROOT, 'bin', 'tnemu')


def circuit(conf, steps, theta, final_rx, path):
    text = subprocess.run(['sh', os.path.join(ROOT, 'scripts', 'gen-circuit.sh'), 'kicked-ising', conf, str(steps),
                           repr(theta)], check=True, capture_output=True, text=True).stdout
    lines = [l for l in text.splitlines() if not l.startswith('measure') and not l.startswith('creg')]
    if final_rx:
        lines += ['rx(%r) q[%d];' % (theta, q) for q in range(127)]
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    return lines


def pauli_mul(p, q):
    """The product of two one-qubit letters: (phase as a power of i, letter)."""
    table = {('X', 'Y'): (1, 'Z'), ('Y', 'Z'): (1, 'X'), ('Z', 'X'): (1, 'Y'),
             ('Y', 'X'): (3, 'Z'), ('Z', 'Y'): (3, 'X'), ('X', 'Z'): (3, 'Y')}
    if p == 'I': return 0, q
    if q == 'I': return 0, p
    if p == q: return 0, 'I'
    return table[(p, q)]


def forward_clifford(lines, start):
    """U P U^dagger for the circuit at theta_h = pi/2 (rx(pi/2), rzz(-pi/2)): P a dict qubit -> letter.
    A rotation exp(-i a G / 2) with a = +-pi/2 maps an anticommuting P to exp(-i a G) P = -+i G P."""
    p, phase = dict(start), 0
    for line in lines:
        if line.startswith('rx('):
            qs, gen, sign = [int(line.split('q[')[1].split(']')[0])], 'X', 1
        elif line.startswith('rzz('):
            qs = [int(x.split(']')[0]) for x in line.split('q[')[1:]]
            gen, sign = 'Z', -1
        else:
            continue
        anti = sum(1 for q in qs if p.get(q, 'I') not in ('I', gen)) % 2
        if not anti: continue
        phase += 3 if sign > 0 else 1          # -i (a = +pi/2) or +i (a = -pi/2)
        for q in qs:
            ph, letter = pauli_mul(gen, p.get(q, 'I'))
            phase += ph
            p[q] = letter
    assert phase % 2 == 0
    return {q: l for q, l in p.items() if l != 'I'}, 1 if phase % 4 == 0 else -1


def spec(p):
    return ' '.join('%s%d' % (l, q) for q, l in sorted(p.items()))


def run(path, obs, cutoff, max_terms, chi=None):
    """Pauli propagation at cutoff, or (chi given) the operator MPS at bond dimension chi."""
    out = path + '.json'
    t0 = time.time()
    args = ['--expectation-method', 'heisenberg', '--pauli-cutoff', repr(cutoff), '--pauli-max-terms',
            str(max_terms)] if chi is None else ['--expectation-method', 'heisenberg-mps', '--chi', str(chi)]
    try:
        r = subprocess.run([TNEMU, 'run', path, '--observable', obs] + args + ['-q', '-o', out],
                           capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return None, 'over %d s' % TIMEOUT, time.time() - t0
    wall = time.time() - t0
    if r.returncode != 0:
        return None, r.stderr.strip(), wall
    j = json.load(open(out))
    return j['expectation_values'][obs], j['expectation_methods'][obs], wall


def read_csv(path):
    rows = []
    for line in open(path).read().splitlines()[1:]:
        f = line.split(',')
        rows.append((f[0], int(f[1]), int(f[2]), float(f[3]), float(f[4]), float(f[5]), float(f[6]), float(f[7]),
                     int(f[8]), int(f[9]), int(f[10]), float(f[11]), f[12] if len(f) > 12 else 'heisenberg'))
    return rows


def main():
    args = sys.argv[1:]
    if args[:1] == ['--plot']:   # --plot CSV PNG: the plot of an earlier (or partial) sweep
        plot(read_csv(args[1]), args[2])
        return
    quick = '--quick' in args
    args = [a for a in args if a != '--quick']
    out = 'docs/utility'
    if '--out' in args:
        i = args.index('--out'); out = args[i + 1]; del args[i:i + 2]
    conf = args[0]
    os.makedirs(out, exist_ok=True)
    tmp = os.path.join(out, 'tmp.qasm')
    clifford5 = circuit(conf, 5, math.pi / 2, False, tmp)
    clifford51 = circuit(conf, 5, math.pi / 2, True, tmp)
    w10, s10 = forward_clifford(clifford5, {13: 'Z'})
    w17, s17 = forward_clifford(clifford5, {58: 'Z'})
    m17, sm17 = forward_clifford(clifford51, {58: 'Z'})
    print('weight-10 (image of Z13, 5 steps): %s  (weight %d, <.> = %+d at pi/2)' % (spec(w10), len(w10), s10))
    print('weight-17 (image of Z58, 5 steps): %s  (weight %d, <.> = %+d at pi/2)' % (spec(w17), len(w17), s17))
    print('modified weight-17 (Z58, 5+1 steps): %s  (weight %d, <.> = %+d at pi/2)' % (spec(m17), len(m17), sm17))
    thetas = [k * math.pi / 16 for k in range(0, 9, 2 if quick else 1)]
    jobs = [('Z62', 5, False, {62: 'Z'}, 1e-5), ('W10', 5, False, w10, 1e-4), ('Z62', 20, False, {62: 'Z'}, 1e-3),
            ('Z62', 5, True, {62: 'Z'}, 1e-5), ('W17', 5, False, w17, 1e-4), ('W17mod', 5, True, m17, 1e-4)]
    only = os.environ.get('UTILITY_JOBS')   # e.g. "W10,Z62+1": a part of the sweep
    if only:
        keep = only.split(',')
        jobs = [j for j in jobs if j[0] + ('+1' if j[2] else '') + ('@20' if j[1] == 20 else '') in keep]
    rows = []
    csv_path = os.path.join(out, 'utility.csv')
    fresh = not os.path.exists(csv_path) or not os.environ.get('UTILITY_JOBS')
    csv = open(csv_path, 'w' if fresh else 'a')
    if fresh: csv.write('observable,steps,final_rx,pauli_cutoff,theta_h,value,error_estimate,error_bound,'
              'pauli_strings_max_or_bond,lightcone_qubits,gates_kept,seconds,method\n')
    for name, steps, final, obs, cutoff in jobs:
        for theta in thetas:
            circuit(conf, steps, theta, final, tmp)
            # the smallest cutoff whose strings fit: a run past the string budget is tried again at 3x the cutoff
            c, wall_sum = cutoff, 0.0
            while True:
                value, info, wall = run(tmp, spec(obs), c, 1 << 24)
                wall_sum += wall
                if value is not None or 'Pauli strings' not in info or c * 3 > 1e-2: break
                print('%-12s theta=%.4f cutoff=%g: over the string budget, trying %g' % (name, theta, c, 3 * c),
                      flush=True)
                c *= 3
            method = 'heisenberg'
            if value is None or info['error_estimate'] >= 1:
                # no answer from the strings (none without X or Y survived, or past the budget): the operator MPS
                for chi in OPMPS_CHIS:
                    v2, i2, w2 = run(tmp, spec(obs), c, 1 << 24, chi)
                    wall_sum += w2
                    if v2 is None: break
                    value, info, method = v2, i2, 'heisenberg-mps chi %d' % chi
                    info['pauli_terms_max'] = info['max_bond_dimension']
                    info['error_bound'] = info['dropped_frobenius_norm']
                    if info['error_estimate'] < 0.01: break
            wall = wall_sum
            label = '%s %d%s' % (name, steps, '+1' if final else '')
            if value is None:
                print('%-12s theta=%.4f cutoff=%g failed: %s' % (label, theta, c, info), flush=True)
                continue
            rows.append((name, steps, int(final), c, theta, value, info['error_estimate'], info['error_bound'],
                         info['pauli_terms_max'], info['lightcone_qubits'], info['gates_kept'], wall, method))
            print('%-12s theta=%.4f value=%+.6f est=%.1e bound=%.1e strings/bond=%d cone=%d %.1fs %s' %
                  (label, theta, value, info['error_estimate'], info['error_bound'], info['pauli_terms_max'],
                   info['lightcone_qubits'], wall, method), flush=True)
            csv.write('%s,%d,%d,%g,%.6f,%.10f,%.3e,%.3e,%d,%d,%d,%.2f,%s\n' % rows[-1])
            csv.flush()
    os.remove(tmp)
    if os.path.exists(tmp + '.json'): os.remove(tmp + '.json')
    csv.close()
    plot(read_csv(csv_path), os.path.join(out, 'utility.png'))


def plot(rows, path):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.5))
    panels = [('5 steps', [('Z62', 5, 0), ('W10', 5, 0), ('W17', 5, 0)]),
              ('5 steps + final rx (Fig. 4a)', [('Z62', 5, 1), ('W17mod', 5, 1)]),
              ('20 steps (Fig. 4b)', [('Z62', 20, 0)])]
    for ax, (title, curves) in zip(axes, panels):
        for name, steps, final in curves:
            pts = [r for r in rows if r[0] == name and r[1] == steps and r[2] == final]
            if not pts: continue
            ax.errorbar([r[4] for r in pts], [r[5] for r in pts], yerr=[r[6] for r in pts], marker='o',
                        capsize=3, label='<%s> (bars: error estimate)' % name)
        ax.set_title(title)
        ax.set_xlabel('theta_h')
        ax.set_ylabel('expectation value')
        ax.axhline(0, color='grey', lw=0.5)
        ax.legend(fontsize=8)
    fig.suptitle('tnemu, Heisenberg picture (Pauli strings; operator MPS where they give no answer), 127-qubit kicked Ising on ibm_brisbane\'s map')
    fig.tight_layout()
    fig.savefig(path, dpi=110)


if __name__ == '__main__':
    main()
