#!/usr/bin/perl
# determinism.t - the same bits on any thread count, rank count and resume,
# on a busy machine. Every run of a circuit (OMP_NUM_THREADS 1, 2, 3 on one
# process; 2 and 3 MPI ranks; a checkpoint halfway and a resume) must give
# exactly the same expectation values, amplitudes, counts, bond dimensions,
# fidelity estimate, its logarithm and discarded weight. While the thread
# runs go, two CPU hogs keep both cores busy, so that whatever could depend
# on timing (which thread takes which gate, how a library splits its work)
# is exercised; nothing here measures time.
# Circuits: a brickwork (the layers run on threads), a quantum-volume-style
# circuit (long-range pairs: swaps, the centre form's order), a QFT (qubits
# carried along the chain by the routing, swaps fused into gates), random
# long-range CX at bonds of 16 and more (its gates and swaps queued and run
# as tasks on the threads, src/mps_gates.c "deferred updates") and the
# brickwork in the centre form.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use JSON::PP;
use Tnemu qw(tnemu read_json tmpdir gen_circuit start_hogs stop_hogs);

my $dir = tmpdir();
my $bin = tnemu();
my $mpirun = 'OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 mpirun --oversubscribe';

# Runs tnemu (env prefix, ranks or 0 for no launcher); returns the result or undef.
sub run_json {
    my ($env, $np, $out, @args) = @_;
    my $launch = $np ? "$mpirun -n $np $bin" : $bin;
    my $cmd = join(' ', map { "'$_'" } @args);
    system("$env $launch $cmd -q -o $out >$dir/stdout 2>$dir/stderr </dev/null");
    return undef if $? != 0;
    return read_json($out);
}

my $json = JSON::PP->new->canonical;
# The fields that must be bit-identical, as one canonical string.
sub fingerprint {
    my $r = shift;
    return 'missing' unless $r;
    return $json->encode({map { $_ => $r->{$_} } qw(expectation_values amplitudes counts bond_dimensions
                                                    fidelity_estimate log_fidelity_estimate discarded_weight
                                                    decompositions swaps fused_swaps)});
}

my $bw = gen_circuit('bw.qasm', 'brickwork', 30, 24, 4, 'measure');
my $qv = gen_circuit('qv.qasm', 'qv', 24, 16, 3);
my $qft = gen_circuit('qft.qasm', 'qft', 22, 4);
my $rcx = gen_circuit('rcx.qasm', 'random-cx', 24, 10, 2);
my @cases = (
    ['brickwork, Vidal form', $bw, '--chi', '24', '--shots', '300'],
    ['quantum volume (long-range), Vidal form', $qv, '--chi', '12', '--shots', '300'],
    ['QFT (routed, fused swaps), Vidal form', $qft, '--chi', '6', '--shots', '300'],
    ['random CX (routed updates as tasks), Vidal form', $rcx, '--chi', '32', '--shots', '300'],
    ['brickwork, centre form', $bw, '--chi', '24', '--shots', '300', '--canonical', 'center'],
);
my @common = ('--seed', '5', '--observable', 'Z0 Z1', '--observable', 'X3 Y4 Z5', '--amplitude', '0' x 30);

for my $case (@cases) {
    my ($name, $circ, @opts) = @$case;
    my @args = ('run', $circ, @opts, @common);
    $args[-1] = '0' x ($circ eq $qv || $circ eq $rcx ? 24 : $circ eq $qft ? 22 : 30);
    my $ref = run_json('OMP_NUM_THREADS=1', 0, "$dir/ref.json", @args);
    ok($ref && $ref->{fidelity_estimate} < 1 && $ref->{log_fidelity_estimate} < 0,
       "$name: one thread runs, with truncation (fidelity estimate " . ($ref ? $ref->{fidelity_estimate} : '-') . ')')
        or diag(`cat $dir/stderr`);
    my $want = fingerprint($ref);
    start_hogs();
    for my $threads (2, 3) {
        for my $round (1, 2) {
            my $r = run_json("OMP_NUM_THREADS=$threads", 0, "$dir/t.json", @args);
            is(fingerprint($r), $want, "$name: $threads threads on a busy machine (round $round): the same bits");
            if ($circ eq $rcx && $round == 1) {   # the threads did run the updates
                my $on = $r ? $r->{mpi}{per_rank}[0]{threaded_gates} // 0 : 0;
                ok($on > 0.5 * ($ref ? $ref->{decompositions} : 1e9),
                   "$name: $threads threads ran $on of its " . ($ref ? $ref->{decompositions} : '-')
                   . ' two-site updates as tasks');
            }
        }
    }
    stop_hogs();
    for my $np (2, 3) {
        my $r = run_json('OMP_NUM_THREADS=1', $np, "$dir/r.json", @args);
        is(fingerprint($r), $want, "$name: $np MPI ranks: the same bits");
    }
    # a checkpoint halfway (a signal injected at a fixed gate), then a resume on threads
    system("rm -rf $dir/ck");
    system("TNEMU_INJECT=signal\@0 $bin " . join(' ', map { "'$_'" } @args, '--checkpoint', "$dir/ck")
           . " -q -o $dir/p.json >/dev/null 2>&1");
    my $stopped = $? >> 8;
    my $res = run_json('OMP_NUM_THREADS=2', 0, "$dir/res.json", @args, '--resume', "$dir/ck");
    ok($stopped == 3 && $res, "$name: stopped halfway with a checkpoint (exit $stopped) and resumed");
    is(fingerprint($res), $want, "$name: the resumed run has the same bits");
    if ($circ eq $rcx) {   # a run with checkpoints queues its updates too
        my $on = $res ? $res->{mpi}{per_rank}[0]{threaded_gates} // 0 : 0;
        ok($on > 0, "$name: the resumed run on 2 threads ran $on updates as tasks");
    }
}

# log_fidelity_estimate is the logarithm of fidelity_estimate, and does not underflow
my $r = run_json('', 0, "$dir/qv8.json", 'run', $qv, '--chi', '2', '--seed', '1');
ok($r && abs(exp($r->{log_fidelity_estimate}) - $r->{fidelity_estimate}) <= 1e-12 * $r->{fidelity_estimate} + 1e-300,
   'fidelity_estimate = exp(log_fidelity_estimate)');

# A Bell pair: <Z0 Z1> and <X0 X1> are exactly 1 and <Y0 Y1> exactly -1 (rounding used to
# give 1.0000000000000002; Pauli expectations are clamped to [-1, 1]), probabilities in [0, 1].
my $bell = "$dir/bell.qasm";
open(my $bfh, '>', $bell) or die;
print $bfh "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[2];\nh q[0];\ncx q[0],q[1];\n";
close $bfh;
$r = run_json('', 0, "$dir/bell.json", 'run', $bell, '--observable', 'Z0 Z1', '--observable', 'X0 X1',
              '--observable', 'Y0 Y1', '--probabilities');
my $ev = $r ? $r->{expectation_values} : {};
ok($r && $ev->{'Z0 Z1'} == 1 && $ev->{'X0 X1'} == 1 && $ev->{'Y0 Y1'} == -1,
   'Bell pair: <Z0 Z1> = <X0 X1> = 1 and <Y0 Y1> = -1 exactly') or diag(JSON::PP->new->canonical->encode($ev));
my @p = $r ? values %{ $r->{probabilities} } : ();
ok(@p && !grep({ $_ < 0 || $_ > 1 } @p), 'Bell pair: probabilities in [0, 1]');

# A 100-qubit quantum-volume circuit of 55,000 gates at chi 8 in Vidal form: the state is
# renormalised at every split, so no norm compounds (it used to overflow: "a 2 x 8 matrix
# to decompose is not finite"); expectation values stay in [-1, 1], the fidelity estimate's
# logarithm is a finite number although the estimate itself underflows to 0.
my $qv100 = gen_circuit('qv100.qasm', 'qv', 100, 100, 7);
$r = run_json('', 0, "$dir/qv100.json", 'run', $qv100, '--chi', '8', '--seed', '1', '--observable', 'Z0',
              '--observable', 'Z10 Z90');
ok($r, 'QV-100 (55,000 gates) at chi 8 completes') or diag(`cat $dir/stderr`);
ok($r && $r->{log_fidelity_estimate} < -100 && $r->{log_fidelity_estimate} > -1e5
   && $r->{fidelity_estimate} == exp($r->{log_fidelity_estimate}),
   'QV-100: log_fidelity_estimate ' . ($r ? $r->{log_fidelity_estimate} : '-') . ' is a finite number');
my @bad = $r ? grep { !(abs($_) <= 1) } values %{ $r->{expectation_values} } : ('missing');
ok(!@bad, 'QV-100: expectation values in [-1, 1]') or diag("@bad");

done_testing();
