#!/usr/bin/perl
# expect.t - tnemu run --expectation-method auto|state|heisenberg|heisenberg-mps on the command line: the methods agree
# (noiseless exactly, noisy within the trajectories' error), the result says which ran with its light cone,
# truncation and error; bad values are one-line usage errors; the 127-qubit kicked Ising Z62 after 5 steps
# comes out of the Heisenberg picture on its light cone (shared data).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use JSON::PP;
use Tnemu qw(run_tnemu read_json tmpdir write_file shared_data gen_circuit);

my $dir = tmpdir();
my $qasm = write_file("$dir/c.qasm", <<'QASM');
OPENQASM 2.0;
include "qelib1.inc";
qreg q[6];
rx(0.7) q[0]; ry(1.1) q[1]; h q[2]; rx(0.3) q[3]; u3(0.4,0.2,0.9) q[4]; h q[5];
rzz(0.8) q[0],q[1]; cx q[2],q[3]; crz(0.6) q[4],q[5];
rx(0.5) q[1]; sx q[2]; t q[3];
cx q[1],q[2]; rzz(-1.2) q[3],q[4];
ry(0.9) q[2]; rx(1.3) q[5];
ccx q[0],q[1],q[2];
QASM
my @obs = ('Z0', 'Z1 Z2', 'X2 Y3', 'Z5', 'Y0 X1 Z2 Z3');

sub run_method {
    my ($method, @extra) = @_;
    my $out = "$dir/r-$method.json";
    my ($st, undef, $err) = run_tnemu('run', $qasm, (map { ('--observable', $_) } @obs),
                                      '--expectation-method', $method, '-q', '-o', $out, @extra);
    is($st, 0, "--expectation-method $method runs") or diag($err);
    return read_json($out);
}

my $state = run_method('state', '--no-lightcone');
my $heis = run_method('heisenberg');
my $auto = run_method('auto');
my $cone = run_method('state');
my $opmps = run_method('heisenberg-mps');
for my $o (@obs) {
    my $want = $state->{expectation_values}{$o};
    ok(abs($heis->{expectation_values}{$o} - $want) < 1e-10, "<$o>: heisenberg = state ($want)");
    ok(abs($opmps->{expectation_values}{$o} - $want) < 1e-10, "<$o>: heisenberg-mps = state");
    ok(abs($cone->{expectation_values}{$o} - $want) < 1e-10, "<$o>: state on the light cone = state");
}
is($heis->{expectation_methods}{'Z5'}{method}, 'heisenberg', 'the result names the method that ran');
{
    my $m = $opmps->{expectation_methods}{'Y0 X1 Z2 Z3'};
    is($m->{method}, 'heisenberg-mps', 'heisenberg-mps: the result names it');
    is($m->{operator_sites}, 2 * $m->{lightcone_qubits}, "... two sites per qubit of the light cone ($m->{operator_sites})");
    ok($m->{operator_fidelity_estimate} == 1 && $m->{error_estimate} == 0 && $m->{max_bond_dimension} >= 2,
       "... nothing dropped at the default bond limit (bond $m->{max_bond_dimension})");
    ok(!$opmps->{state_simulated}, '... and no state is simulated');
}
is($auto->{expectation_methods}{'Z0'}{method}, 'heisenberg', 'auto picks the Heisenberg picture for a static circuit');
like($auto->{expectation_methods}{'Z0'}{note}, qr/Pauli strings/, 'auto says why');
ok(!$heis->{state_simulated}, 'only observables asked: no state is simulated');
{
    my ($st, $out) = run_tnemu('run', $qasm, '--shots', '0', '-q');
    my $j = JSON::PP->new->decode($out);
    ok($j->{state_simulated} && $j->{max_bond_dimension} > 1, 'nothing asked: the state is still simulated (bond dimensions)');
}
is($cone->{expectation_methods}{'Z5'}{lightcone_qubits}, 2, 'Z5 has a light cone of 2 qubits (q4, q5)');
is($cone->{expectation_methods}{'Z5'}{gates_kept}, 4, '... and 4 gates');
is($cone->{expectation_methods}{'Z5'}{method}, 'state', 'state on the light cone is reported as state');
ok(defined $heis->{expectation_methods}{'Z0'}{error_bound} && $heis->{expectation_methods}{'Z0'}{error_bound} == 0,
   'no truncation at the default cutoff here: error bound 0');

# noisy: exact adjoint channels against the trajectories' mean
my $noise = write_file("$dir/noise.json", <<'JSON');
{
  "format": "tnemu-noise",
  "nqubits": 6,
  "idle": true,
  "durations": {"1q": 5e-8, "2q": 3e-7, "measure": 1e-6},
  "t1": 2e-6, "t2": 1.5e-6,
  "couplers": [{"qubits": [0, 1], "zz": 2e5}, {"qubits": [2, 3], "zz": -1.5e5}],
  "gates": [
    {"gate": "*", "channels": [{"type": "depolarizing", "p": 0.02}]},
    {"gate": "rx", "overrotation": 0.05},
    {"gate": "cx", "channels": [{"type": "depolarizing", "p": 0.05}, {"type": "amplitude_damping", "gamma": 0.05}]}
  ]
}
JSON
my $nstate = run_method('state', '--noise', $noise, '--trajectories', '3000', '--seed', '7');
my $nheis = run_method('heisenberg', '--noise', $noise);
for my $o (@obs) {
    my ($got, $want, $se) = ($nheis->{expectation_values}{$o}, $nstate->{expectation_values}{$o},
                             $nstate->{expectation_stderr}{$o});
    ok(abs($got - $want) <= 5 * $se + 1e-3, sprintf("noisy <%s>: heisenberg %.4f, trajectories %.4f +- %.4f", $o, $got, $want, $se));
}
ok(abs($nheis->{expectation_values}{'Z0'} - $heis->{expectation_values}{'Z0'}) > 0.01, 'the noise changes <Z0>');

# errors
my ($st, $out, $err) = run_tnemu('run', $qasm, '--observable', 'Z0', '--expectation-method', 'schroedinger');
is($st, 2, 'a bad method is a usage error');
like($err, qr/^tnemu: option --expectation-method: 'schroedinger' is not one of auto, state, heisenberg, heisenberg-mps\n\z/,
     '... in one line');
($st, $out, $err) = run_tnemu('run', $qasm, '--observable', 'Z0', '--expectation-method', 'heisenberg-mps',
                               '--noise', $noise, '-o', "$dir/never.json");
is($st, 2, 'heisenberg-mps with noise is a usage error');
like($err, qr/^tnemu: option --expectation-method heisenberg-mps: the operator MPS is noiseless .*\n\z/, '... in one line');
ok(!-e "$dir/never.json", '... and writes nothing');
for my $body ("h q[0];\nmeasure q[0] -> c[0];\ncx q[0],q[1];\n", "h q[0];\nreset q[0];\ncx q[0],q[1];\n") {
    my $d = write_file("$dir/dyn-mps.qasm", "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[2];\ncreg c[1];\n$body");
    ($st, $out, $err) = run_tnemu('run', $d, '--observable', 'Z1', '--expectation-method', 'heisenberg-mps',
                                   '--shots', '10');
    is($st, 2, 'heisenberg-mps on a circuit with ' . ($body =~ /reset/ ? 'a reset' : 'a mid-circuit measurement') . ' is refused');
    like($err, qr/^tnemu: .*static circuits only.*\n\z/, '... in one line saying why');
}
($st, $out, $err) = run_tnemu('run', $qasm, '--observable', 'Z0', '--pauli-cutoff', '2');
is($st, 2, '--pauli-cutoff out of range is a usage error');
my $dyn = write_file("$dir/dyn.qasm", "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[2];\ncreg c[1];\nh q[0];\nmeasure q[0] -> c[0];\ncx q[0],q[1];\n");
($st, $out, $err) = run_tnemu('run', $dyn, '--observable', 'Z1', '--expectation-method', 'heisenberg', '--shots', '10');
is($st, 2, 'heisenberg on a circuit with mid-circuit measurement is refused');
like($err, qr/mid-circuit measurement/, '... saying why');
($st, $out, $err) = run_tnemu('run', $dyn, '--observable', 'Z1', '--shots', '10', '-o', "$dir/dyn.json", '-q');
is($st, 0, 'auto falls back to the state there');
is(read_json("$dir/dyn.json")->{expectation_methods}{'Z1'}{method}, 'state', '... and says so');
($st, $out, $err) = run_tnemu('run', $qasm, '--observable', 'Z0 X1 Y2 Z3 X4 Y5', '--expectation-method', 'heisenberg',
                               '--pauli-max-terms', '2', '-q');
is($st, 1, 'heisenberg past --pauli-max-terms fails (numerical)');
like($err, qr/more than 2 Pauli strings/, '... naming the budget');

# auto tries at most 65536 strings before it takes the state: a deep non-Clifford brickwork needs millions
my $deep = gen_circuit('bw40.qasm', 'brickwork', 40, 20, 1);
($st, $out, $err) = run_tnemu('run', $deep, '--observable', 'Z0 Z1', '--chi', '8', '-q', '-o', "$dir/deep.json");
is($st, 0, 'auto on a 40-qubit brickwork of depth 20 runs') or diag($err);
my $deep_m = read_json("$dir/deep.json")->{expectation_methods}{'Z0 Z1'};
is($deep_m->{method}, 'state', '... by the state: the Heisenberg picture would need more than its try of strings');
like($deep_m->{note}, qr/more than 65536 Pauli strings/, '... and the note says so');
like($deep_m->{note}, qr/^state: at bond 8 the operator MPS keeps [0-9.e-]+ of its norm, the state [0-9.e-]+;/,
     '... and why the state rather than the operator MPS (their probes at bond 8)');

# under mpirun: every rank agrees; the light-cone state run is collective over the group
{
    local $ENV{OMPI_ALLOW_RUN_AS_ROOT} = 1;
    local $ENV{OMPI_ALLOW_RUN_AS_ROOT_CONFIRM} = 1;
    local $ENV{OPENBLAS_NUM_THREADS} = 1;
    my $bin = Tnemu::tnemu();
    for my $method ('heisenberg', 'state', 'heisenberg-mps') {
        my $out = "$dir/mpi-$method.json";
        system("timeout 300 mpirun -n 2 --oversubscribe $bin run $qasm --observable Z5 --observable 'Z1 Z2' "
               . "--expectation-method $method -q -o $out 2>$out.err");
        is($? >> 8, 0, "mpirun -n 2, $method: runs");
        my $j = -e $out ? read_json($out) : {expectation_values => {}};
        ok(abs(($j->{expectation_values}{'Z1 Z2'} // 9) - $state->{expectation_values}{'Z1 Z2'}) < 1e-10,
           "mpirun -n 2, $method: <Z1 Z2> as on one process");
    }
}

SKIP: {
    my $data = shared_data();
    skip('../shared/data is absent: no 127-qubit kicked Ising', 3) unless $data;
    my $ki = gen_circuit('ki.qasm', 'kicked-ising', "$data/ibm-backends/brisbane/conf_brisbane.json", 5, 1.5707963267948966);
    my $r = "$dir/ki.json";
    ($st, $out, $err) = run_tnemu('run', $ki, '--observable', 'Z62', '--shots', '0', '-q', '-o', $r);
    is($st, 0, '127-qubit kicked Ising, 5 steps at theta_h = pi/2: <Z62>') or diag($err);
    my $j = read_json($r);
    my $m = $j->{expectation_methods}{'Z62'};
    is($m->{pauli_terms_max}, 1, 'a Clifford circuit keeps one Pauli string');
    ok($m->{lightcone_qubits} < 127 && $m->{gates_kept} < $m->{gates_total},
       "the light cone: $m->{lightcone_qubits} qubits, $m->{gates_kept} of $m->{gates_total} gates");
}
done_testing();
