#!/usr/bin/perl
# cli_known.t - deterministic circuits of 40-78 qubits give their known outputs
# through the whole command line: GHZ and cat states (two outcomes, all qubits
# equal), Bernstein-Vazirani (exactly the secret), the result JSON fields, and
# the two canonical forms (--canonical vidal|center) agreeing on a random circuit.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use JSON::PP;
use Tnemu qw(run_tnemu read_json shared_data tmpdir gen_circuit);

my $dir = tmpdir();
my $shots = 2000;

# Runs a circuit; returns the decoded result (or undef after a failed test).
sub run_ok {
    my ($name, $path, @extra) = @_;
    my $out = "$dir/$name.json";
    my ($status, undef, $stderr) = run_tnemu('run', $path, '--shots', $shots, '--seed', 11, '-q', '-o', $out, @extra);
    is($status, 0, "$name runs") or diag($stderr);
    return $status == 0 ? read_json($out) : undef;
}

# Every shot has all measured bits equal; both outcomes near half the shots.
sub check_ghz {
    my ($name, $r, $nmeasured) = @_;
    return fail("$name result") unless $r;
    my ($zeros, $ones, $bad) = (0, 0, 0);
    while (my ($key, $count) = each %{ $r->{counts} }) {
        my $n1 = ($key =~ tr/1//);
        if ($n1 == 0) { $zeros += $count } elsif ($n1 == $nmeasured) { $ones += $count } else { $bad += $count }
    }
    is($bad, 0, "$name: every shot is all zeros or all ones");
    is($zeros + $ones, $shots, "$name: $shots shots counted");
    my $sigma = sqrt($shots / 4);
    ok(abs($ones - $shots / 2) < 5 * $sigma, "$name: all-ones frequency $ones within 5 sigma of half");
    is($r->{max_bond_dimension}, 2, "$name: bond dimension 2");
    ok(abs($r->{fidelity_estimate} - 1) < 1e-12, "$name: fidelity estimate 1");
}

for my $n (40, 65, 78) {
    my $path = gen_circuit("ghz$n.qasm", 'ghz', $n);
    my $last = $n - 1;
    my $r = run_ok("ghz$n", $path, '--observable', "Z0 Z$last", '--observable', 'Z0', '--amplitude', '0' x $n,
                   '--amplitude', '1' x $n, '--amplitude', ('0' x ($n - 1)) . '1');
    check_ghz("generated ghz $n", $r, $n);
    next unless $r;
    ok(abs($r->{expectation_values}{"Z0 Z$last"} - 1) < 1e-12, "ghz $n: <Z0 Z$last> = 1");
    ok(abs($r->{expectation_values}{'Z0'}) < 1e-12, "ghz $n: <Z0> = 0");
    my $a0 = $r->{amplitudes}{ '0' x $n };
    my $a1 = $r->{amplitudes}{ '1' x $n };
    my $ax = $r->{amplitudes}{ ('0' x ($n - 1)) . '1' };
    ok(abs($a0->[0] - sqrt(0.5)) < 1e-12 && abs($a0->[1]) < 1e-12, "ghz $n: amplitude of 0...0 is 1/sqrt(2)");
    ok(abs($a1->[0] - sqrt(0.5)) < 1e-12 && abs($a1->[1]) < 1e-12, "ghz $n: amplitude of 1...1 is 1/sqrt(2)");
    ok(abs($ax->[0]) < 1e-12 && abs($ax->[1]) < 1e-12, "ghz $n: amplitude of 0...01 is 0");
    is(scalar @{ $r->{bond_dimensions} }, $n - 1, "ghz $n: n-1 bond dimensions");
    is($r->{seed}, '11', "ghz $n: seed recorded");
    ok(ref $r->{command} eq 'ARRAY' && $r->{command}[1] eq 'run', "ghz $n: command recorded");
    ok($r->{peak_memory_bytes} > 0 && exists $r->{timing}{total}, "ghz $n: timing and memory reported");
}

for my $n (50, 78) {
    my $path = gen_circuit("bv$n.qasm", 'bv', $n, 5);
    open(my $fh, '<', $path) or die;
    my ($secret) = (<$fh> =~ /secret (\d+)/);
    close $fh;
    my $r = run_ok("bv$n", $path);
    next unless $r;
    is_deeply([keys %{ $r->{counts} }], [$secret], "generated bv $n: every shot reads the secret");
}

# The two canonical forms: --canonical vidal (the default; Schmidt values on every bond) and
# center (one orthogonality centre). Without truncation both hold the exact state: amplitudes
# and expectation values agree to 1e-10 and the same seed samples the same counts. With heavy
# truncation (chi 4 on a 12-qubit random brickwork) both run and estimate a fidelity in (0, 1].
{
    my $path = gen_circuit('brickwork10.qasm', 'brickwork', 10, 8, 5, 'measure');
    my @bits = ('0' x 10, '1010101010', '0110011001', '1' x 10);
    my @obs = ('Z0 Z9', 'X3 Y4', 'Z5', 'X0 X1 X2', 'Y2 Z7');
    my @queries = ((map { ('--amplitude', $_) } @bits), (map { ('--observable', $_) } @obs));
    my %r = (default => run_ok('canonical-default', $path, @queries),
             vidal => run_ok('canonical-vidal', $path, '--canonical', 'vidal', @queries),
             center => run_ok('canonical-center', $path, '--canonical', 'center', @queries));
    SKIP: {
        skip 'a canonical-form run failed', 9 if grep { !$_ } values %r;
        is($r{default}{mpi}{canonical_form}, 'vidal', 'canonical form: the default is reported as vidal');
        is($r{vidal}{mpi}{canonical_form}, 'vidal', 'canonical form: --canonical vidal is reported as vidal');
        is($r{center}{mpi}{canonical_form}, 'center', 'canonical form: --canonical center is reported as center');
        ok(abs($r{default}{fidelity_estimate} - 1) < 1e-12 && abs($r{center}{fidelity_estimate} - 1) < 1e-12,
           'canonical form, untruncated: fidelity estimate 1 in both forms');
        my ($worst, $worst_at) = (0, '');
        for my $b (@bits) {
            my ($x, $y) = ($r{default}{amplitudes}{$b}, $r{center}{amplitudes}{$b});
            my $d = ($x && $y) ? sqrt(($x->[0] - $y->[0])**2 + ($x->[1] - $y->[1])**2) : 9**9**9;
            ($worst, $worst_at) = ($d, $b) if $d > $worst || !$worst_at;
        }
        ok($worst < 1e-10, "canonical form, untruncated: vidal and center amplitudes agree (worst $worst at $worst_at)");
        ($worst, $worst_at) = (0, '');
        for my $o (@obs) {
            my ($x, $y) = ($r{default}{expectation_values}{$o}, $r{center}{expectation_values}{$o});
            my $d = (defined $x && defined $y) ? abs($x - $y) : 9**9**9;
            ($worst, $worst_at) = ($d, $o) if $d > $worst || !$worst_at;
        }
        ok($worst < 1e-10, "canonical form, untruncated: vidal and center expectation values agree (worst $worst at '$worst_at')");
        my $nonzero = grep { abs($_) > 1e-3 } values %{ $r{center}{expectation_values} };
        ok($nonzero >= 2, "canonical form, untruncated: the compared expectation values are not all zero ($nonzero)");
        is_deeply($r{center}{counts}, $r{default}{counts}, 'canonical form, untruncated: the same seed gives the same counts');
        is_deeply($r{vidal}{counts}, $r{default}{counts}, 'canonical form: --canonical vidal is the default (same counts)');
    }

    my $wide = gen_circuit('brickwork12.qasm', 'brickwork', 12, 12, 3, 'measure');
    for my $form ('vidal', 'center') {
        my $r = run_ok("canonical-$form-chi4", $wide, '--canonical', $form, '--chi', 4);
        SKIP: {
            skip "the chi 4 $form run failed", 3 unless $r;
            is($r->{mpi}{canonical_form}, $form, "canonical form $form, chi 4: reported");
            my $f = $r->{fidelity_estimate};
            ok(defined $f && $f > 0 && $f <= 1 && $f < 1 - 1e-6,
               "canonical form $form, chi 4: fidelity estimate " . ($f // 'missing') . ' in (0, 1), truncation happened');
            my $total = 0;
            $total += $_ for values %{ $r->{counts} };
            ok($r->{max_bond_dimension} <= 4 && $total == $shots,
               "canonical form $form, chi 4: bond dimension $r->{max_bond_dimension} <= 4, $total shots counted");
        }
    }
    # A layer's gates on threads (Vidal form, one process) give the bits of one thread:
    # a 24-qubit brickwork at chi 16 with OMP_NUM_THREADS 1, 2 and 3.
    my $layers = gen_circuit('brickwork24.qasm', 'brickwork', 24, 10, 4, 'measure');
    my %t;
    for my $threads (1, 2, 3) {
        local $ENV{OMP_NUM_THREADS} = $threads;
        $t{$threads} = run_ok("layer-threads-$threads", $layers, '--chi', 16, '--amplitude', '0' x 24,
                              '--observable', 'Z0 Z23');
    }
    SKIP: {
        skip 'a threaded run failed', 2 if grep { !$_ } values %t;
        for my $threads (2, 3) {
            my ($a, $b) = ($t{1}, $t{$threads});
            ok($a->{fidelity_estimate} == $b->{fidelity_estimate} && $a->{fidelity_estimate} < 1
               && $a->{amplitudes}{'0' x 24}[0] == $b->{amplitudes}{'0' x 24}[0]
               && $a->{amplitudes}{'0' x 24}[1] == $b->{amplitudes}{'0' x 24}[1]
               && $a->{expectation_values}{'Z0 Z23'} == $b->{expectation_values}{'Z0 Z23'}
               && JSON::PP->new->canonical->encode($a->{counts}) eq JSON::PP->new->canonical->encode($b->{counts}),
               "layer on $threads threads: fidelity estimate, amplitude, expectation and counts equal one thread's exactly");
        }
    }
}

my $data = shared_data();
SKIP: {
    skip 'shared data absent (../shared/data)', 4 unless $data;
    my %ghz = ('large/ghz_n40/ghz_n40.qasm' => 40, 'large/ghz_n78/ghz_n78.qasm' => 78,
               'large/cat_n65/cat_n65.qasm' => 65, 'large/ghz_n78/ghz_n78_transpiled.qasm' => 78);
    for my $f (sort keys %ghz) {
        check_ghz("qasmbench $f", run_ok($f =~ s{.*/}{}r, "$data/qasmbench/$f"), $ghz{$f});
    }
    for my $f ('large/bv_n70/bv_n70.qasm', 'large/bv_n70/bv_n70_transpiled.qasm') {
        my $r = run_ok($f =~ s{.*/}{}r, "$data/qasmbench/$f");
        next unless $r;
        is(scalar keys %{ $r->{counts} }, 1, "qasmbench $f: one outcome (the secret)");
    }
}
done_testing();
