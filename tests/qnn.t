#!/usr/bin/perl
# qnn.t - `tnemu qnn`: expectation values against a closed form, parameter-
# shift gradients against central finite differences (noiseless, small n,
# 1e-6), task groups and rank/group counts that do not change the numbers,
# noise that shrinks the expectations, malformed specs.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use JSON::PP;
use List::Util qw(max);
use Tnemu qw(tnemu run_tnemu read_json tmpdir write_file);

my $dir = tmpdir();
my $json = JSON::PP->new->canonical;

sub qnn {
    my ($spec, @args) = @_;
    my $f = write_file("$dir/spec.json", $json->encode($spec));
    unlink "$dir/out.json";
    my ($s, undef, $e) = run_tnemu('qnn', $f, '-o', "$dir/out.json", '-q', @args);
    return ($s == 0 ? read_json("$dir/out.json") : undef, $e);
}

# one qubit, one layer: <Z> = cos(x + a) whatever b; d/da = -sin(x + a), d/db = 0
my ($r, $err) = qnn({ device => { kind => 'line', qubits => 3 }, qubits => [1], layers => 1,
                      parameters => [0.4, 1.3], inputs => [[0.2], [1.1]], mode => 'gradient' });
ok($r, 'a one-qubit model runs') or diag($err);
my $worst = 0;
for my $i (0, 1) {
    my $x = (0.2, 1.1)[$i];
    my $res = $r->{results}[$i];
    $worst = max($worst, abs($res->{expectation}[0] - cos($x + 0.4)), abs($res->{gradient}[0][0] + sin($x + 0.4)),
                 abs($res->{gradient}[0][1]));
}
ok($worst < 1e-12, "<Z> = cos(x + a), d/da = -sin(x + a), d/db = 0 (worst $worst)");

# parameter shift vs finite differences on 4 qubits of a grid, 2 layers
my $base = { device => { kind => 'grid', rows => 3, cols => 3 }, qubits => [0, 1, 4, 3], layers => 2,
             inputs => [[0.3, -0.8, 1.2, 0.5]], observables => ['Z0', 'Z1 Z2', 'X3', 'Y0 Z3'] };
my @theta = map { sin(1.7 * $_ + 0.3) } 0 .. 15;
($r, $err) = qnn({ %$base, parameters => \@theta, mode => 'gradient' });
ok($r && $r->{circuits} == 33, 'gradient mode: 1 + 2 x 16 circuits') or diag($err);
my $h = 1e-5;
my @sets = ([@theta]);
for my $j (0 .. 15) { for my $sgn (1, -1) { my @t = @theta; $t[$j] += $sgn * $h; push @sets, \@t; } }
my ($fd) = qnn({ %$base, parameters => \@sets, mode => 'expectation' });
$worst = 0;
for my $k (0 .. 3) {
    for my $j (0 .. 15) {
        my $d = ($fd->{results}[1 + 2 * $j]{expectation}[$k] - $fd->{results}[2 + 2 * $j]{expectation}[$k]) / (2 * $h);
        $worst = max($worst, abs($d - $r->{results}[0]{gradient}[$k][$j]));
    }
}
ok($worst < 1e-6, sprintf('parameter-shift gradients equal central finite differences (worst %.2g)', $worst));
ok(abs($fd->{results}[0]{expectation}[2] - $r->{results}[0]{expectation}[2]) < 1e-12, 'several parameter sets in one run');

# task groups and ranks do not change the numbers
my ($tg) = qnn({ %$base, parameters => \@theta, mode => 'gradient', task_group => 5 });
is($tg->{task_groups}, 7, '33 circuits in task groups of 5: 7 rounds');
is_deeply($tg->{results}, $r->{results}, 'the same results in task groups of 5 as in one of 200');
my $spec = write_file("$dir/par.json", $json->encode({ %$base, parameters => \@theta, mode => 'gradient', task_group => 4 }));
my $bin = tnemu();
for my $np (2, 3) {
    unlink "$dir/par.out.json";
    system("OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 mpirun --oversubscribe -n $np $bin qnn $spec -q -o $dir/par.out.json >/dev/null 2>&1");
    my $p = -e "$dir/par.out.json" ? read_json("$dir/par.out.json") : {};
    my $d = 0;
    for my $k (0 .. 3) { for my $j (0 .. 15) { $d = max($d, abs(($p->{results}[0]{gradient}[$k][$j] // 9) - $r->{results}[0]{gradient}[$k][$j])); } }
    ok($d < 1e-12 && $p->{mpi}{groups} == $np, "$np ranks in $np groups: the same gradients ($d)");
}

# noise: depolarizing after every gate shrinks |<Z0>|
my $noise = write_file("$dir/noise.json", '{"format":"tnemu-noise","gates":[{"channels":[{"type":"depolarizing","p":0.05}]}]}');
my ($clean) = qnn({ %$base, parameters => \@theta });
my ($noisy, $e2) = qnn({ %$base, parameters => \@theta, noise => $noise, trajectories => 400 });
ok($noisy && abs($noisy->{results}[0]{expectation}[0]) < abs($clean->{results}[0]{expectation}[0])
   && $noisy->{results}[0]{stderr}[0] > 0, sprintf('noise shrinks <Z0> (%.3f vs %.3f) and gives a standard error',
   $noisy ? $noisy->{results}[0]{expectation}[0] : 0, $clean->{results}[0]{expectation}[0])) or diag($e2);

# malformed specs
my @bad = (
    [ 'no layers',        { %$base, parameters => \@theta, layers => 0 },                     qr/"layers" must be a number in \[1, 1000\]/ ],
    [ 'parameter count',  { %$base, parameters => [1, 2, 3] },                                 qr/"parameters"\[0\] must have 16 numbers/ ],
    [ 'qubit twice',      { %$base, qubits => [0, 0] , parameters => { random => 1 } },        qr/qubit 0 is listed twice/ ],
    [ 'not coupled',      { %$base, parameters => \@theta, couplers => [[0, 2]] },             qr/couplers\[0\]: qubits 0 and 4 are not coupled/ ],
    [ 'bad observable',   { %$base, parameters => \@theta, observables => ['Q1'] },            qr/observable 'Q1': expected P<position>/ ],
    [ 'observable range', { %$base, parameters => \@theta, observables => ['Z7'] },            qr/position in \[0, 4\)/ ],
    [ 'mode',             { %$base, parameters => \@theta, mode => 'hessian' },                qr/"mode" must be expectation or gradient/ ],
    [ 't2 unknown',       { %$base, parameters => \@theta, noise => $noise, t2 => 'foo' },    qr/"t2" must be "ramsey" or "echo"/ ],
    [ 't2 on a tnemu model', { %$base, parameters => \@theta, noise => $noise, t2 => 'echo' }, qr/--t2: .* a tnemu noise model with one T2 per qubit/ ],
);
for my $c (@bad) {
    my ($name, $s, $want) = @$c;
    my $f = write_file("$dir/bad.json", $json->encode($s));
    my ($st, undef, $e) = run_tnemu('qnn', $f, '-o', "$dir/bad.out.json");
    my @l = grep { length } split /\n/, $e;
    ok($st == 2 && @l == 1 && $e =~ $want && !-e "$dir/bad.out.json", "bad spec: $name") or diag("status $st: $e");
}
my ($st, undef, $e) = run_tnemu('qnn', write_file("$dir/ok.json", $json->encode({ %$base, parameters => \@theta })), '--mode', 'x');
ok($st == 2 && $e =~ /option --mode: 'x' is not one of: expectation, gradient/, 'bad --mode');
done_testing();
