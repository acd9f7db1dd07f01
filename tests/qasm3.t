#!/usr/bin/perl
# qasm3.t - OpenQASM 3 input through the command line: circuits of our own
# using every supported construct give the same amplitudes (to 1e-12; the
# modified gates run as dense matrices where OpenQASM 2 has built-ins) and
# the same counts as the same circuits written in OpenQASM 2; --param binds
# inputs; unbound inputs, bad --param values and unsupported constructs exit
# 2 with FILE:LINE:COL. (The unit-level checks are in tests/unit/test_qasm3.c.)
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Tnemu qw(run_tnemu read_json tmpdir write_file);

my $dir = tmpdir();
my $h3 = "OPENQASM 3.0;\ninclude \"stdgates.inc\";\n";
my $h2 = "OPENQASM 2.0;\ninclude \"qelib1.inc\";\n";

# Runs a circuit; returns its result JSON (or {} after failing a test).
sub result {
    my ($name, $text, @args) = @_;
    my $file = write_file("$dir/$name", $text);
    my ($status, undef, $err) = run_tnemu('run', $file, '--seed', 7, '-q', '-o', "$dir/$name.json", @args);
    is($status, 0, "$name runs") or diag($err);
    return $status == 0 ? read_json("$dir/$name.json") : {};
}

# Every unitary construct at once: input, gate definition with gphase, for,
# ctrl/negctrl/inv/pow, U, gphase, delay, barrier.
my $v3 = $h3 . <<'EOF3';
input float[64] theta;
input float[64] phi;
qubit[4] q;
gate kick(a) x, y { cx x, y; rz(a) y; gphase(a / 2); }
h q[0];
for uint i in [0:2] { cx q[i], q[i + 1]; }
for i in [3:-2:1] { ry(0.1 * i) q[i]; }
ctrl @ x q[0], q[3];
negctrl @ rz(theta) q[1], q[0];
inv @ s q[1];
pow(2) @ t q[2];
ctrl(2) @ x q[0], q[1], q[2];
kick(phi) q[2], q[3];
U(0.1, 0.2, 0.3) q[0];
gphase(-0.4);
delay[100ns] q[0];
delay[50dt] q;
barrier q;
EOF3
my $v2 = $h2 . <<'EOF2';
qreg q[4];
h q[0];
cx q[0], q[1]; cx q[1], q[2]; cx q[2], q[3];
ry(0.3) q[3]; ry(0.1) q[1];
cx q[0], q[3];
x q[1]; crz(0.7) q[1], q[0]; x q[1];
sdg q[1];
s q[2];
ccx q[0], q[1], q[2];
cx q[2], q[3]; rz(-0.3) q[3]; rz(0.3) q[2]; p(-0.3) q[2];
U(0.1, 0.2, 0.3) q[0];
rz(0.8) q[0]; p(-0.8) q[0];
delay(100ns) q[0];
delay(50) q;
barrier q;
EOF2
my @amps = map { ('--amplitude', $_) } qw(0000 0001 0011 0101 0111 1001 1010 1100 1111);
my $a = result('all.qasm', $v3, '--param', 'theta=0.7', '--param', 'phi=-0.3', @amps);
my $b = result('all2.qasm', $v2, @amps);
my $worst = 0;
for my $k (keys %{ $b->{amplitudes} // {} }) {
    my ($x, $y) = ($a->{amplitudes}{$k} // [9, 9], $b->{amplitudes}{$k});
    my $d = sqrt(($x->[0] - $y->[0])**2 + ($x->[1] - $y->[1])**2);
    $worst = $d if $d > $worst;
}
ok(keys %{ $b->{amplitudes} // {} } == 9 && $worst < 1e-12, "OpenQASM 3 and 2 amplitudes agree (largest difference $worst)");
my $o3 = result('obs.qasm', $v3, '--param', 'theta=0.7', '--param', 'phi=-0.3', '--observable', 'Z0 X1', '--observable', 'Y2 Z3');
my $o2 = result('obs2.qasm', $v2, '--observable', 'Z0 X1', '--observable', 'Y2 Z3');
my ($e3, $e2) = ($o3->{expectation_values} // {}, $o2->{expectation_values} // {});
ok(keys %$e2 == 2 && keys %$e3 == 2 && abs($e3->{'Z0 X1'} - $e2->{'Z0 X1'}) < 1e-12
   && abs($e3->{'Y2 Z3'} - $e2->{'Y2 Z3'}) < 1e-12, 'observables Z0 X1 and Y2 Z3 agree')
    or diag(explain($e3), explain($e2));

# Dynamic: measure into bits, if/else on one bit and on a register, a loop
# of measure-and-correct, reset; deterministic outcomes, so counts are exact.
my $d3 = $h3 . <<'EOF3';
qubit[4] q;
bit[4] c;
x q[0];
c[0] = measure q[0];
if (c[0]) { x q[1]; } else { x q[2]; }
if (!c[0]) x q[3];
c[1] = measure q[1];
if (c == 3) { reset q[0]; } else { h q[0]; }
for uint i in [2:3] { c[i] = measure q[i]; if (c[i] == 0) x q[i]; }
c = measure q;
EOF3
my $d2 = $h2 . <<'EOF2';
qreg q[4];
creg c0[1]; creg c1[1]; creg c2[1]; creg c3[1];
x q[0];
measure q[0] -> c0[0];
if (c0 == 1) x q[1];
if (c0 == 0) x q[2];
if (c0 == 0) x q[3];
measure q[1] -> c1[0];
reset q[0];
measure q[2] -> c2[0];
if (c2 == 0) x q[2];
measure q[3] -> c3[0];
if (c3 == 0) x q[3];
measure q[0] -> c0[0]; measure q[1] -> c1[0]; measure q[2] -> c2[0]; measure q[3] -> c3[0];
EOF2
my $c3 = result('dyn.qasm', $d3, '--shots', 50);
my $c2 = result('dyn2.qasm', $d2, '--shots', 50);
is_deeply($c3->{counts}, { '1110' => 50 }, 'if/else, loops and reset give the expected outcome every shot')
    or diag(explain($c3->{counts}));
my %flat2 = map { (my $k = $_) =~ s/ //g; ($k => $c2->{counts}{$_}) } keys %{ $c2->{counts} // {} };
is_deeply($c3->{counts}, \%flat2, 'the same counts as the OpenQASM 2 circuit');

# Errors: exit 2 with FILE:LINE:COL.
my $free = write_file("$dir/free.qasm", "${h3}input float[64] theta;\nqubit q;\nrx(theta) q;\n");
my ($status, undef, $err) = run_tnemu('run', $free, '-q', '-o', "$dir/x.json");
is($status, 2, 'an unbound input exits 2');
like($err, qr/free\.qasm:3:17: error: input 'theta' has no value \(give it with --param theta=VALUE\)/, 'and names it');
($status, undef, $err) = run_tnemu('run', $free, '--param', 'theta', '-q', '-o', "$dir/x.json");
is($status, 2, '--param without a value exits 2');
like($err, qr/option --param: 'theta' is not NAME=VALUE/, 'and names the option');
($status, undef, $err) = run_tnemu('run', $free, '--param', 'theta=pi', '-q', '-o', "$dir/x.json");
like($err, qr/option --param: 'theta=pi' has no finite number/, '--param with a non-number is refused');
for my $case (["while (c[0]) { x q; }\n", 5, 1, 'while'], ["def f(qubit a) { x a; }\n", 5, 1, 'def'],
              ["c[0] = 1;\n", 5, 8, 'classical assignment'], ["float[64] x = 1.0;\n", 5, 1, 'float']) {
    my ($body, $line, $col, $what) = @$case;
    my $f = write_file("$dir/bad.qasm", "${h3}qubit q;\nbit[1] c;\n$body");
    ($status, undef, $err) = run_tnemu('run', $f, '-q', '-o', "$dir/x.json");
    is($status, 2, "'$what' exits 2");
    like($err, qr/bad\.qasm:$line:$col: error: OpenQASM 3 construct '\Q$what\E' is not supported/, "'$what' is named at $line:$col");
}
done_testing();
