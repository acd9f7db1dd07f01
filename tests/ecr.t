#!/usr/bin/perl
# ecr.t - an ECR device (IBM Eagle brisbane) through the command line: a
# native ecr kicked-Ising circuit runs with every gate calibrated; gates the
# calibration lacks, run with --allow-uncalibrated, are named on stderr with
# their count (needs ../shared/data).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Tnemu qw(run_tnemu read_json shared_data tmpdir write_file);

my $data = shared_data();
plan skip_all => 'shared data absent: no brisbane calibration' unless $data && -f "$data/ibm-backends/brisbane/props_brisbane.json";
my $props = "$data/ibm-backends/brisbane/props_brisbane.json";
my $dir = tmpdir();

# Kicked Ising on the chain 0-1-2-3-4 in brisbane's native gates: each step
# a transverse kick on every qubit (rz.sx.rz) and an ecr on every calibrated
# pair (1,0 2,1 3,2 4,3), the entangling gate a transpiled circuit holds.
sub kicked {
    my ($steps) = @_;
    my $q = "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[8];\ncreg c[5];\n";   # q[5..7] stay idle
    for my $s (1 .. $steps) {
        $q .= "rz(0.3) q[$_];\nsx q[$_];\nrz(0.7) q[$_];\n" for 0 .. 4;
        $q .= "ecr q[" . ($_ + 1) . "],q[$_];\n" for 0 .. 3;
    }
    return $q . join('', map { "measure q[$_] -> c[$_];\n" } 0 .. 4);
}
my $native = write_file("$dir/kicked_ecr.qasm", kicked(4));
my ($status, undef, $err) = run_tnemu('run', $native, '--noise', $props, '--shots', 200, '--seed', 3, '-o', "$dir/k.json");
is($status, 0, 'native ecr kicked Ising runs on brisbane without --allow-uncalibrated') or diag($err);
my $r = $status == 0 ? read_json("$dir/k.json") : {};
is($r->{noise}{uncalibrated_gates}, 0, 'no uncalibrated gates');
ok($r->{noise}{model_fidelity} > 0 && $r->{noise}{model_fidelity} < 1
   && $r->{noise}{model_fidelity} > $r->{noise}{model_fidelity_all_qubits},
   "model_fidelity $r->{noise}{model_fidelity} over the 5 qubits used, above the 8 qubits' "
   . ($r->{noise}{model_fidelity_all_qubits} // '-'));
unlike($err // '', qr/warning/, 'no warning when every gate is calibrated');

my $cx = write_file("$dir/cx.qasm", "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[3];\n"
                    . "sx q[0];\ncx q[0],q[1];\ncx q[1],q[2];\nswap q[0],q[1];\necr q[1],q[0];\n");
($status, undef, $err) = run_tnemu('run', $cx, '--noise', $props, '--shots', 10, '-q', '-o', "$dir/cx.json");
is($status, 2, 'cx on brisbane without --allow-uncalibrated is refused');
like($err, qr/cx on qubits 0,1 has no calibration/, 'naming the gate and qubits') or diag($err);
($status, undef, $err) = run_tnemu('run', $cx, '--noise', $props, '--shots', 10, '-q', '--allow-uncalibrated',
                                   '-o', "$dir/cx.json");
is($status, 0, 'with --allow-uncalibrated it runs') or diag($err);
like($err, qr/^tnemu: warning: 2 cx gates ran without noise \(no calibration\)$/m, 'stderr: 2 cx gates without noise');
like($err, qr/^tnemu: warning: 1 swap gate ran without noise \(no calibration\)$/m, 'stderr: 1 swap gate without noise');
unlike($err, qr/warning: .*(ecr|sx) gate/, 'the calibrated ecr and sx are not listed');
done_testing();
