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

# engine options: the shared parser reaches every circuit
{
    my ($t1, $e) = qnn({ %$base, parameters => \@theta, mode => 'gradient' }, '--chi', '1');
    ok($t1 && $t1->{engine}{chi} == 1 && $t1->{engine}{max_bond_dimension} == 1 && $t1->{engine}{min_fidelity_estimate} < 1
       && abs($t1->{results}[0]{expectation}[1] - $r->{results}[0]{expectation}[1]) > 1e-6,
       '--chi 1 truncates every circuit to a product state (and says so)') or diag($e);
    my ($t64) = qnn({ %$base, parameters => \@theta, mode => 'gradient' }, '--chi', '64', '--canonical', 'center', '--cutoff', '0');
    my $dmax = max(map { abs($t64->{results}[0]{gradient}[1][$_] - $r->{results}[0]{gradient}[1][$_]) } 0 .. 15);
    ok($dmax < 1e-10, "--chi above the exact bond and --canonical center: the exact gradients ($dmax)");
    my ($st2, undef, $e2) = run_tnemu('qnn', write_file("$dir/ok2.json", $json->encode({ %$base, parameters => \@theta })), '--chi', '-3');
    ok($st2 == 2 && $e2 =~ /option --chi: '-3' is not an integer in \[0, 1048576\]/, 'a bad engine option: the same message as run');
}

# finite shots: values and gradients with their shot-noise standard errors
{
    my ($sh, $e) = qnn({ %$base, parameters => \@theta, mode => 'gradient' }, '--shots', '4000', '--seed', '7');
    my ($sh2) = qnn({ %$base, parameters => \@theta, mode => 'gradient' }, '--shots', '4000', '--seed', '7');
    ok($sh, '--shots runs') or diag($e);
    my ($zsum, $n, $se_ok) = (0, 0, 1);
    for my $k (0 .. 3) {
        my ($got, $se) = ($sh->{results}[0]{expectation}[$k], $sh->{results}[0]{stderr}[$k]);
        $se_ok &&= abs($se - sqrt((1 - $got * $got) / 3999)) < 1e-12;
        for my $j (0 .. 15) {
            my $gse = $sh->{results}[0]{gradient_stderr}[$k][$j];
            $se_ok &&= $gse > 0 && $gse < 0.5 * sqrt(2 / 3999) + 1e-12;
            $zsum += (($sh->{results}[0]{gradient}[$k][$j] - $r->{results}[0]{gradient}[$k][$j]) / $gse)**2;
            $n++;
        }
    }
    ok($se_ok, 'stderr = sqrt((1 - <O>^2) / (N - 1)) per value; gradient stderr = sqrt(se+^2 + se-^2) / 2 (at most sqrt(2/(N-1))/2)');
    my $rms = sqrt($zsum / $n);
    ok($rms > 0.6 && $rms < 1.5, sprintf('shot-noise gradients scatter about the exact ones by their stderr (rms z %.2f over %d)', $rms, $n));
    is_deeply($sh2->{results}, $sh->{results}, 'the same seed: the same shot noise');
    my ($nz, $e3) = qnn({ %$base, parameters => \@theta, mode => 'gradient', noise => $noise, trajectories => 20 });
    ok($nz && $nz->{results}[0]{gradient_stderr}[0][0] > 0 && $nz->{engine}{trajectories} == 20,
       'noisy gradients come with standard errors (trajectories)') or diag($e3);
}

# --emit: every circuit, measured, in the device's language; it is the circuit run
{
    my ($em, $e) = qnn({ %$base, parameters => \@theta, mode => 'gradient' }, '--emit', "$dir/emit");
    my @files = glob("$dir/emit/circuit-*.qasm");
    is(scalar @files, 33, '--emit writes all 33 circuits') or diag($e);
    my ($st, $out) = run_tnemu('run', "$dir/emit/circuit-0.qasm", '--shots', '0', '--observable', 'Z1 Z4', '-q');
    my $v = $st == 0 ? JSON::PP->new->decode($out)->{expectation_values}{'Z1 Z4'} : 9;
    ok(abs($v - $r->{results}[0]{expectation}[1]) < 1e-12, "tnemu run of an emitted circuit gives qnn's value ($v)");
}

# checkpoint and resume: a journal of the circuits done; the same output
{
    my $spec2 = write_file("$dir/ck.json", $json->encode({ %$base, parameters => \@theta, mode => 'gradient', task_group => 4 }));
    my ($st0) = run_tnemu('qnn', $spec2, '-q', '-o', "$dir/full.json");
    local $ENV{TNEMU_STOP_AFTER_TASKS} = 10;
    my ($st, undef, $e) = run_tnemu('qnn', $spec2, '-q', '--checkpoint', "$dir/ck", '-o', "$dir/part.json");
    ok($st == 3 && $e =~ /stopped after 12 of 33 tasks.*--resume/ && !-e "$dir/part.json" && -e "$dir/ck/journal",
       'TNEMU_STOP_AFTER_TASKS: stops after the task group, exit 3, no output, a journal') or diag("$st: $e");
    delete $ENV{TNEMU_STOP_AFTER_TASKS};
    my ($st2, undef, $e2) = run_tnemu('qnn', $spec2, '--resume', "$dir/ck", '-o', "$dir/res.json");
    my $strip = sub { my $f = shift; return "(no $f)" unless -s $f; my $o = read_json($f); delete @$o{qw(timing mpi)};
                      return JSON::PP->new->canonical->encode($o); };
    ok($st2 == 0 && $e2 =~ /\(12 from the journal\)/ && $strip->("$dir/full.json") eq $strip->("$dir/res.json"),
       'resumed: only the 21 other circuits run, the output equals an uninterrupted run (but its timing)') or diag($e2);
    my ($st3, undef, $e3) = run_tnemu('qnn', $spec2, '--resume', "$dir/ck", '--chi', '2', '-o', "$dir/res2.json");
    ok($st3 == 2 && $e3 =~ /the journal in .* is of another job/, 'resuming another job is refused');
    my ($st4, undef, $e4) = run_tnemu('qnn', $spec2, '--resume', "$dir/nothing", '-o', "$dir/res2.json");
    ok($st4 == 2 && $e4 =~ /has no journal to resume/, '--resume of a folder without a journal');
    local $ENV{TNEMU_SIGNAL_AFTER_TASKS} = 4;   # a real SIGTERM, raised at a known point
    system("OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 mpirun --oversubscribe -n 2 $bin qnn $spec2 -q --checkpoint $dir/ck2 -o $dir/p2.json >/dev/null 2>&1");
    my $sst = $? >> 8;
    delete $ENV{TNEMU_SIGNAL_AFTER_TASKS};
    system("OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 mpirun --oversubscribe -n 2 $bin qnn $spec2 -q --resume $dir/ck2 -o $dir/r2.json >/dev/null 2>&1");
    ok($sst == 3 && !-e "$dir/p2.json" && $? == 0 && $strip->("$dir/r2.json") eq $strip->("$dir/full.json"),
       "SIGTERM on 2 ranks stops after the task group (status $sst); resumed on 2 ranks: the same results");
}

# "qubits": N follows the calibration (Wukong: usable qubits and couplers)
SKIP: {
    my $sd = Tnemu::shared_data(); my $data = $sd && -d "$sd/origin/wukong72" ? "$sd/origin/wukong72" : undef;
    skip 'shared data ../shared/data/origin/wukong72 is absent', 4 unless $data;
    my $dev = { kind => 'origin', file => "$data/grid-topology-derived.json" };
    my $cal = "$data/chip_config_2026-03-08.json";
    my %avail = map { $_ => 1 } @{ read_json($cal)->{AvailableQubits} };
    my $w = { device => $dev, layers => 1, parameters => { random => 3 }, inputs => { random => 4, count => 1 }, noise => $cal, trajectories => 2 };
    my ($q12, $e) = qnn({ %$w, qubits => 12 }, '--chi', '8');
    ok($q12 && 12 == grep({ $avail{$_} } @{ $q12->{qubits} }), '"qubits": 12 picks 12 qubits the calibration lists as usable')
        or diag($e);
    my ($none, $e2) = qnn({ %$w, qubits => 72 });
    ok(!$none && $e2 =~ /no connected region of 72 usable qubits .* the largest region has \d+\).*--allow-faulty/, '"qubits": 72 on Wukong: says the largest usable region and --allow-faulty') or diag($e2);
    my ($bad, $e3) = qnn({ %$w, qubits => [4, 5] });
    ok(!$bad && $e3 =~ /qubits\[1\]: the calibration marks qubit 5 unusable \(pass --allow-faulty/, 'a listed unusable qubit is named');
    my ($all, $e4) = qnn({ %$w, qubits => 72, layers => 1, inputs => [[0.1]] }, '--allow-faulty', '--allow-uncalibrated', '--chi', '2');
    ok($all && @{ $all->{qubits} } == 72 && $all->{couplers_per_layer} == 126, '--allow-faulty: all 72 qubits and 126 couplers') or diag($e4);
}
done_testing();
