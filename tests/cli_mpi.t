#!/usr/bin/perl
# cli_mpi.t - tnemu run under mpirun -n 1, 2, 3, 4 and several group counts
# gives the same answer: expectation values and amplitudes to 1e-10,
# identical counts for the same seed, on QASMBench circuits, a dynamic
# circuit, and a 156-qubit kicked-Ising circuit on ibm_fez's heavy-hex map
# (truncated). A failure injected on one rank ends every rank promptly with
# that rank's one-line message and no result file.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Tnemu qw(tnemu read_json shared_data tmpdir gen_circuit mpi_as_root);

mpi_as_root();
my $dir = tmpdir();
my $bin = tnemu();

# Runs tnemu on P ranks; returns (exit status, decoded result or undef, stderr).
sub mpirun {
    my ($p, $out, @args) = @_;
    my $cmd = join(' ', 'timeout 300 mpirun -n', $p, '--oversubscribe', $bin, 'run', (map { "'$_'" } @args), '-q',
                   '-o', $out, "2>$out.err");
    system($cmd);
    my $status = $? >> 8;
    my $err = '';
    if (open(my $fh, '<', "$out.err")) { local $/; $err = <$fh> // ''; close $fh; }
    return ($status, $status == 0 && -e $out ? read_json($out) : undef, $err);
}

sub max_diff {
    my ($a, $b) = @_;
    my $worst = 0;
    for my $k (keys %$a) {
        my ($x, $y) = ($a->{$k}, $b->{$k});
        return 1e300 unless defined $y;
        my @x = ref $x ? @$x : ($x);
        my @y = ref $y ? @$y : ($y);
        for my $i (0 .. $#x) { my $d = abs($x[$i] - $y[$i]); $worst = $d if $d > $worst; }
    }
    return $worst;
}

# The same circuit on 1..4 ranks (and the given group counts) agrees with 1 rank.
sub compare_ranks {
    my ($name, $path, $groups, @args) = @_;
    my $file = $name =~ s/\W+/_/gr;
    my ($s1, $ref, $e1) = mpirun(1, "$dir/$file.1.json", $path, @args);
    ok($s1 == 0 && $ref, "$name: runs on 1 rank") or return diag($e1);
    for my $p (2, 3, 4) {
        for my $g (@$groups) {
            next if $g > $p;
            my @gopt = $g ? ('--groups', $g) : ();
            my ($s, $r, $e) = mpirun($p, "$dir/$file.$p.$g.json", $path, @args, @gopt);
            my $label = "$name: $p ranks" . ($g ? ", $g groups" : '');
            ok($s == 0 && $r, "$label: runs") or do { diag($e); next };
            ok(max_diff($ref->{expectation_values}, $r->{expectation_values}) < 1e-10, "$label: expectation values agree to 1e-10");
            ok(max_diff($ref->{amplitudes}, $r->{amplitudes}) < 1e-10, "$label: amplitudes agree to 1e-10");
            ok(max_diff($ref->{noise}{count_stderr} // {}, $r->{noise}{count_stderr} // {}) < 1e-9,
               "$label: count standard errors agree") if $ref->{noise};
            is_deeply($r->{counts}, $ref->{counts}, "$label: counts identical");
            ok(abs($r->{fidelity_estimate} - $ref->{fidelity_estimate}) < 1e-10, "$label: fidelity estimate agrees");
            is($r->{mpi}{ranks}, $p, "$label: result reports $p ranks");
            is(scalar @{ $r->{mpi}{per_rank} }, $p, "$label: per-rank statistics for every rank");
        }
    }
}

my $ghz = gen_circuit('ghz30.qasm', 'ghz', 30);
compare_ranks('ghz30', $ghz, [0, 2], '--shots', 500, '--seed', 4, '--observable', 'Z0 Z29', '--observable', 'X0 X1',
              '--amplitude', '0' x 30);
my $brick = gen_circuit('brick24.qasm', 'brickwork', 24, 8, 3, 'measure');
compare_ranks('brickwork24 chi 16', $brick, [0], '--chi', 16, '--shots', 500, '--seed', 5, '--observable', 'Z3 Z4',
              '--observable', 'Y0 X23', '--amplitude', '0' x 24, '--order', 'auto');

# noisy: trajectories spread over groups give the same numbers on any rank and group count
my $noise = Tnemu::write_file("$dir/noise.json", '{"format":"tnemu-noise","t1":5e-5,"t2":4e-5,"readout":[0.02,0.04],'
    . '"gates":[{"channels":[{"type":"depolarizing","p":0.01}]},'
    . '{"gate":"cx","channels":[{"type":"amplitude_damping","gamma":0.02}]}]}');
compare_ranks('brickwork24 noisy, 12 trajectories', $brick, [0, 1, 2], '--chi', 16, '--shots', 240, '--seed', 11,
              '--noise', $noise, '--trajectories', 12, '--observable', 'Z3 Z4', '--observable', 'X0');

my $data = shared_data();
SKIP: {
    skip 'shared data absent (../shared/data)', 1 unless $data;
    compare_ranks('qft_n18', "$data/qasmbench/medium/qft_n18/qft_n18.qasm", [0], '--shots', 300, '--seed', 6,
                  '--observable', 'Z0', '--observable', 'X17 X16');
    compare_ranks('ipea_n2 (dynamic)', "$data/qasmbench/small/ipea_n2/ipea_n2.qasm", [0, 1, 2], '--shots', 400, '--seed', 7,
                  '--observable', 'Z1');
    compare_ranks('qec_sm_n5 (dynamic)', "$data/qasmbench/small/qec_sm_n5/qec_sm_n5.qasm", [0, 1], '--shots', 200,
                  '--seed', 8);
    my $fez = "$data/ibm-backends/fez/conf_fez.json";
    my $ki = gen_circuit('kicked_ising_fez.qasm', 'kicked-ising', $fez, 2);
    compare_ranks('fez kicked Ising 156 qubits chi 24', $ki, [0], '--chi', 24, '--shots', 300, '--seed', 9,
                  '--observable', 'Z0 Z1', '--observable', 'X77', '--amplitude', '0' x 156);
    compare_ranks('ipea_n2 (dynamic) noisy', "$data/qasmbench/small/ipea_n2/ipea_n2.qasm", [0, 1], '--shots', 200,
                  '--seed', 12, '--noise', $noise, '--observable', 'Z1');
    compare_ranks('fez kicked Ising 156 qubits chi 8, fez noise, 4 trajectories', $ki, [0], '--chi', 8, '--shots', 100,
                  '--seed', 13, '--noise', "$data/ibm-backends/fez/props_fez.json", '--allow-faulty',
                  '--trajectories', 4, '--observable', 'Z0 Z1');
}

# lazy returns (src/mps.c): on 3 ranks the lenders of the brickwork's boundary
# gates went on without waiting; blocking lenders give the same result
{
    my ($s, $lazy, $e) = mpirun(3, "$dir/lazy.json", $brick, '--chi', 16, '--shots', 300, '--seed', 7,
                                '--observable', 'Z3 Z4');
    my ($s2, $blocking, $e2);
    {
        local $ENV{TNEMU_BLOCKING_LENDERS} = 1;
        ($s2, $blocking, $e2) = mpirun(3, "$dir/blocking.json", $brick, '--chi', 16, '--shots', 300, '--seed', 7,
                                       '--observable', 'Z3 Z4');
    }
    ok($s == 0 && $s2 == 0 && $lazy && $blocking, 'brickwork on 3 ranks, lazy and blocking lenders: both run')
        or diag("$e$e2");
    my $lent = sub { my $t = 0; $t += $_->{lazy_lends} // 0 for @{ $_[0]{mpi}{per_rank} }; $t };
    ok($lazy && $lent->($lazy) > 0, 'lazy returns: sites were lent without waiting (' . ($lazy ? $lent->($lazy) : 0) . ')');
    ok($blocking && $lent->($blocking) == 0, 'TNEMU_BLOCKING_LENDERS: no site lent without waiting');
    is_deeply($lazy->{counts}, $blocking->{counts}, 'lazy and blocking lenders: counts identical');
    ok($lazy && $blocking && $lazy->{fidelity_estimate} == $blocking->{fidelity_estimate}
       && $lazy->{expectation_values}{'Z3 Z4'} == $blocking->{expectation_values}{'Z3 Z4'},
       'lazy and blocking lenders: fidelity estimate and expectation value bitwise equal');
}

# failures injected on one rank (the brickwork: in layers, with sites lent
# lazily, so the failing rank and the others have sends pending)
for my $case (['alloc@1', 3, qr/^tnemu: out of memory: allocation failure injected on rank 1/m, $ghz],
              ['gate@1', 3, qr/^tnemu: numerical failure injected on rank 1/m, $ghz],
              ['gate@2', 4, qr/^tnemu: numerical failure injected on rank 2/m, $ghz],
              ['gate@0', 3, qr/^tnemu: numerical failure injected on rank 0/m, $brick],
              ['gate@1', 2, qr/^tnemu: numerical failure injected on rank 1/m, $brick]) {
    my ($inj, $p, $want, $circuit) = @$case;
    local $ENV{TNEMU_INJECT} = $inj;
    my $out = "$dir/inject.json";
    my $t0 = time;
    my ($s, undef, $err) = mpirun($p, $out, $circuit, '--shots', 100, '--chi', 16);
    my @ours = grep { /^tnemu:/ } split /\n/, $err;
    ok($s == 1 && @ours == 1 && $err =~ $want && !-e $out && time - $t0 < 60,
       "failure $inj on $p ranks (" . ($circuit eq $brick ? 'brickwork' : 'ghz') . "): every rank ends, exit 1, "
       . "one message naming rank, no result")
        or diag("status $s\n$err");
}
done_testing();
