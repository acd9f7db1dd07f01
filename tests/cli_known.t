#!/usr/bin/perl
# cli_known.t - deterministic circuits of 40-78 qubits give their known outputs
# through the whole command line: GHZ and cat states (two outcomes, all qubits
# equal), Bernstein-Vazirani (exactly the secret), and the result JSON fields.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
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
