#!/bin/sh
# gen-circuit.sh - writes benchmark and demo circuits as OpenQASM 2 on stdout.
#
#   gen-circuit.sh brickwork QUBITS DEPTH SEED [measure]
#       each layer: u3 with random angles on every qubit, then cx on pairs
#       (i, i+1), i even on even layers and odd on odd layers
#   gen-circuit.sh ghz QUBITS
#       h on qubit 0, then a cx chain; every qubit measured
#   gen-circuit.sh bv QUBITS SECRET_SEED
#       Bernstein-Vazirani on QUBITS-1 data qubits and one ancilla; measuring
#       the data qubits gives the secret (printed as a comment line)
#   gen-circuit.sh qv QUBITS DEPTH SEED
#       quantum-volume style: each layer pairs the qubits by a random
#       permutation and gives each pair a random two-qubit block (u3 on both,
#       then three times cx and u3 on both); all-to-all, long-range pairs
#   gen-circuit.sh kicked-ising CONF.json STEPS [THETA PHI]
#       on an IBM backend's coupling map: each step is rx(THETA) on every
#       qubit, then rzz(PHI) on every coupler, couplers grouped in colour
#       classes (no qubit twice in a class); every qubit measured
#   gen-circuit.sh qft QUBITS SEED
#       the QFT (no final swaps) of a random product state (u3 with random
#       angles on every qubit); each controlled phase cp(t) a,b written as
#       u1(t/2) a; cx a,b; u1(-t/2) b; cx a,b; u1(t/2) b, in the order of
#       QASMBench's qft_n63 (qubit k's phases on 0..k-1, then h on k; the
#       textbook QFT with the qubit order reversed): every pair interacts
#   gen-circuit.sh random-cx QUBITS LAYERS SEED
#       each layer: u3 with random angles on every qubit, then cx on the
#       pairs of a random permutation of the qubits (all-to-all, long range)
set -eu
kind=${1:-}
case "$kind" in
brickwork)
    [ $# -ge 4 ] || { echo "usage: $0 brickwork QUBITS DEPTH SEED [measure]" >&2; exit 2; }
    awk -v n="$2" -v d="$3" -v seed="$4" -v measure="${5:-}" 'BEGIN {
        srand(seed); pi = 3.141592653589793
        printf "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[%d];\ncreg c[%d];\n", n, n
        for (l = 0; l < d; l++) {
            for (q = 0; q < n; q++)
                printf "u3(%.15f,%.15f,%.15f) q[%d];\n", pi * rand(), 2 * pi * rand(), 2 * pi * rand(), q
            for (i = l % 2; i + 1 < n; i += 2) printf "cx q[%d],q[%d];\n", i, i + 1
        }
        if (measure != "") printf "measure q -> c;\n"
    }' ;;
ghz)
    [ $# -ge 2 ] || { echo "usage: $0 ghz QUBITS" >&2; exit 2; }
    awk -v n="$2" 'BEGIN {
        printf "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[%d];\ncreg c[%d];\nh q[0];\n", n, n
        for (i = 0; i + 1 < n; i++) printf "cx q[%d],q[%d];\n", i, i + 1
        printf "measure q -> c;\n"
    }' ;;
bv)
    [ $# -ge 3 ] || { echo "usage: $0 bv QUBITS SECRET_SEED" >&2; exit 2; }
    awk -v n="$2" -v seed="$3" 'BEGIN {
        srand(seed); m = n - 1
        for (i = 0; i < m; i++) s[i] = (rand() < 0.5) ? 1 : 0
        secret = ""; for (i = m - 1; i >= 0; i--) secret = secret s[i]
        printf "// secret %s\nOPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[%d];\ncreg c[%d];\n", secret, n, m
        printf "x q[%d];\nh q;\n", m
        for (i = 0; i < m; i++) if (s[i]) printf "cx q[%d],q[%d];\n", i, m
        for (i = 0; i < m; i++) printf "h q[%d];\n", i
        for (i = 0; i < m; i++) printf "measure q[%d] -> c[%d];\n", i, i
    }' ;;
kicked-ising)
    [ $# -ge 3 ] || { echo "usage: $0 kicked-ising CONF.json STEPS [THETA PHI]" >&2; exit 2; }
    perl -MJSON::PP -e '
        my ($conf, $steps, $theta, $phi) = @ARGV;
        open(my $fh, "<", $conf) or die "$conf: $!"; local $/; my $c = decode_json(<$fh>);
        my $n = $c->{n_qubits}; my %seen; my @edges;
        for my $e (@{ $c->{coupling_map} }) {
            my ($a, $b) = sort { $a <=> $b } @$e; next if $seen{"$a,$b"}++; push @edges, [$a, $b];
        }
        my @classes;   # greedy edge colouring
        EDGE: for my $e (@edges) {
            for my $cl (@classes) {
                next if grep { $_->[0] == $e->[0] || $_->[1] == $e->[0] || $_->[0] == $e->[1] || $_->[1] == $e->[1] } @$cl;
                push @$cl, $e; next EDGE;
            }
            push @classes, [$e];
        }
        print "// kicked Ising on $conf: ", scalar(@edges), " couplers in ", scalar(@classes), " colour classes\n";
        print "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[$n];\ncreg c[$n];\n";
        for (1 .. $steps) {
            print "rx($theta) q[$_];\n" for 0 .. $n - 1;
            for my $cl (@classes) { print "rzz($phi) q[$_->[0]],q[$_->[1]];\n" for @$cl; }
        }
        print "measure q -> c;\n";
    ' "$2" "$3" "${4:-0.7853981633974483}" "${5:--1.5707963267948966}" ;;
qv)
    [ $# -ge 4 ] || { echo "usage: $0 qv QUBITS DEPTH SEED" >&2; exit 2; }
    awk -v n="$2" -v d="$3" -v seed="$4" 'function u3(q) {
            printf "u3(%.15f,%.15f,%.15f) q[%d];\n", pi * rand(), 2 * pi * rand(), 2 * pi * rand(), q
        }
        BEGIN {
        srand(seed); pi = 3.141592653589793
        printf "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[%d];\ncreg c[%d];\n", n, n
        for (l = 0; l < d; l++) {
            for (i = 0; i < n; i++) p[i] = i
            for (i = n - 1; i > 0; i--) { j = int(rand() * (i + 1)); t = p[i]; p[i] = p[j]; p[j] = t }
            for (i = 0; i + 1 < n; i += 2) {
                a = p[i]; b = p[i + 1]
                u3(a); u3(b)
                for (r = 0; r < 3; r++) { printf "cx q[%d],q[%d];\n", a, b; u3(a); u3(b) }
            }
        }
    }' ;;
qft)
    [ $# -ge 3 ] || { echo "usage: $0 qft QUBITS SEED" >&2; exit 2; }
    awk -v n="$2" -v seed="$3" 'BEGIN {
        srand(seed); pi = 3.141592653589793
        printf "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[%d];\ncreg c[%d];\n", n, n
        for (q = 0; q < n; q++)
            printf "u3(%.15f,%.15f,%.15f) q[%d];\n", pi * rand(), 2 * pi * rand(), 2 * pi * rand(), q
        for (k = 0; k < n; k++) {
            for (j = 0; j < k; j++) {
                t = pi / 2 ^ (k - j)
                printf "u1(%.17g) q[%d];\ncx q[%d],q[%d];\nu1(%.17g) q[%d];\ncx q[%d],q[%d];\nu1(%.17g) q[%d];\n", \
                    t / 2, k, k, j, -t / 2, j, k, j, t / 2, j
            }
            printf "h q[%d];\n", k
        }
    }' ;;
random-cx)
    [ $# -ge 4 ] || { echo "usage: $0 random-cx QUBITS LAYERS SEED" >&2; exit 2; }
    awk -v n="$2" -v d="$3" -v seed="$4" 'BEGIN {
        srand(seed); pi = 3.141592653589793
        printf "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[%d];\ncreg c[%d];\n", n, n
        for (l = 0; l < d; l++) {
            for (q = 0; q < n; q++)
                printf "u3(%.15f,%.15f,%.15f) q[%d];\n", pi * rand(), 2 * pi * rand(), 2 * pi * rand(), q
            for (i = 0; i < n; i++) p[i] = i
            for (i = n - 1; i > 0; i--) { j = int(rand() * (i + 1)); t = p[i]; p[i] = p[j]; p[j] = t }
            for (i = 0; i + 1 < n; i += 2) printf "cx q[%d],q[%d];\n", p[i], p[i + 1]
        }
    }' ;;
*)
    echo "usage: $0 brickwork|ghz|bv|kicked-ising|qv|qft|random-cx ..." >&2
    exit 2 ;;
esac
