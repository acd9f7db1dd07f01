#!/usr/bin/perl
# compare.t - `tnemu compare`: metric values against hand computations on
# small distributions, the bootstrap and the verdict, every hardware format
# (Qiskit counts and Result, hexadecimal keys, Origin counts and probCount,
# plain), experiments chosen by name or index, intervals that hold their
# value and the true distance over many random cases, the redraws of noisy
# emulations, --report on a 10-bit case (all or nothing, plot failures told
# as what they are), the real Wukong Bell-pair result end to end, and
# malformed input (exit status 2, one line).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use JSON::PP;
use POSIX ();
use List::Util qw(sum);
use Tnemu qw(run_tnemu read_json shared_data tmpdir write_file gen_circuit);

my $dir = tmpdir();
my $json = JSON::PP->new->canonical;

sub near { my ($got, $want, $tol, $name) = @_;
    ok(defined $got && abs($got - $want) <= $tol, $name) or diag("got " . ($got // 'undef') . ", want $want"); }

# Runs compare; returns the metrics (from -o) or undef, and stderr.
sub compare {
    my @args = @_;
    my $out = "$dir/metrics.json";
    unlink $out;
    my ($status, undef, $err) = run_tnemu('compare', @args, '-o', $out, '-q');
    return ($status == 0 && -e $out ? read_json($out) : undef, $err, $status);
}

# ---- metrics by hand ---------------------------------------------------------
# emulation: exact probabilities 1/2, 1/2 on 00 and 11; hardware: 100 shots.
my $emu = write_file("$dir/emu.json", '{"tool":"tnemu","counts":{"00":50,"11":50},"probabilities":{"00":0.5,"11":0.5}}');
my %hw = ('00' => 40, '01' => 10, '10' => 5, '11' => 45);
my $hw = write_file("$dir/hw.json", $json->encode(\%hw));
my ($m, $err) = compare($emu, $hw, '--bootstrap', '400', '--seed', '7');
ok($m, 'compare of a plain hardware file runs') or diag($err);
my @keys = qw(00 01 10 11);
my %p = map { $_ => $hw{$_} / 100 } @keys;
my %q = ('00' => 0.5, '01' => 0, '10' => 0, '11' => 0.5);
my $bc = sum(map { sqrt($p{$_} * $q{$_}) } @keys);
my $hv = $m->{comparisons}{hardware_vs_emulated};
near($hv->{hellinger_fidelity}{value}, $bc**2, 1e-12, 'Hellinger fidelity = (sum sqrt(p q))^2, as Qiskit');
near($hv->{tvd}{value}, 0.15, 1e-12, 'TVD = 0.15 by hand');
# KL(hw || emu): counts + 1/2 (Jeffreys); probabilities mixed with 1e-6 of the uniform
my $kl = sum(map { my $a = ($hw{$_} + 0.5) / (100 + 0.5 * 4); my $b = (1 - 1e-6) * $q{$_} + 1e-6 / 4; $a * log($a / $b) } @keys);
near($hv->{kl_divergence}{value}, $kl, 1e-12, 'KL divergence with the stated smoothing');
like($m->{kl_smoothing}, qr/0\.5 added.*1e-6/, 'the smoothing is stated in the output');
near($m->{xeb}{hardware}{value}, (0.425 - 0.25) / (0.5 - 0.25), 1e-12, 'XEB = (sum p r - 1/D) / (sum r^2 - 1/D) = 0.7');
near($m->{xeb}{emulated}{value}, 1, 1e-12, 'XEB of the reference itself is 1');
near($m->{heavy_output}{hardware}{value}, 0.85, 1e-12, 'heavy outputs {00, 11} (above the median 0.25): 0.85');
is($m->{heavy_output}{heavy_outcomes_observed}, 2, 'two heavy outcomes');
near($m->{marginals_p1}[0]{hardware}{value}, 0.55, 1e-12, 'P(c0 = 1) = 0.55');
near($m->{marginals_p1}[1]{hardware}{value}, 0.50, 1e-12, 'P(c1 = 1) = 0.50');
my %z = map { $_->{string} => $_ } @{ $m->{z_expectations} };
near($z{Z0}{hardware}{value}, -0.1, 1e-12, '<Z0> = -0.1');
near($z{'Z0 Z1'}{hardware}{value}, 0.7, 1e-12, '<Z0 Z1> = 0.7');
near($z{'Z0 Z1'}{emulated}{value}, 1, 1e-12, '<Z0 Z1> of the emulation = 1');
my $ci_ok = 1;
for my $s ($hv->{hellinger_fidelity}, $hv->{tvd}, $m->{xeb}{hardware}, $z{Z0}{hardware}) {
    $ci_ok &&= $s->{ci95}[0] <= $s->{value} + 1e-12 && $s->{value} <= $s->{ci95}[1] + 1e-12 && $s->{ci95}[0] < $s->{ci95}[1];
}
ok($ci_ok, '95% bootstrap intervals surround the values');
# binomial check of the interval width of <Z0>: sd = 2 sqrt(p(1-p)/N) = 0.0995
my $width = $z{Z0}{hardware}{ci95}[1] - $z{Z0}{hardware}{ci95}[0];
ok($width > 0.6 * 3.92 * 0.0995 && $width < 1.4 * 3.92 * 0.0995, "interval width of <Z0> $width is about 3.92 standard deviations");
ok(!$m->{consistency}{consistent_with_emulated}, 'hardware with outcomes the emulation forbids is not consistent');
like($m->{verdict}, qr/NOT consistent with the emulation/, 'the verdict says so');
my ($m2) = compare($emu, $hw, '--bootstrap', '400', '--seed', '7');
is_deeply($m2->{comparisons}, $m->{comparisons}, 'the same seed gives the same intervals');

my $fair = write_file("$dir/fair.json", '{"00":49,"11":51}');
($m) = compare($emu, $fair, '--bootstrap', '400');
ok($m && $m->{consistency}{consistent_with_emulated}, 'a fair sample of the emulation is consistent with it')
    or diag($m && $m->{verdict});
near($m->{comparisons}{hardware_vs_emulated}{tvd}{value}, 0.01, 1e-12, 'its TVD is 0.01');

# emulation with counts only, and an ideal: all three comparisons, pooled test
my $emuc = write_file("$dir/emuc.json", '{"tool":"tnemu","counts":{"00":420,"01":80,"10":60,"11":440}}');
my $ideal = write_file("$dir/ideal.json", '{"tool":"tnemu","counts":{"00":500,"11":500},"probabilities":{"00":0.5,"11":0.5}}');
($m, $err) = compare($emuc, $hw, '--ideal', $ideal, '--bootstrap', '300');
ok($m && $m->{comparisons}{hardware_vs_ideal} && $m->{comparisons}{emulated_vs_ideal}, 'three comparisons with --ideal') or diag($err);
near($m->{comparisons}{emulated_vs_ideal}{tvd}{value}, 0.5 * (0.08 + 0.08 + 0.06 + 0.06), 1e-12, 'emulated vs ideal TVD by hand');
ok($m->{consistency}{consistent_with_emulated}, 'hardware close to a sampled noisy emulation is consistent (pooled test)')
    or diag($m->{verdict});
is($m->{xeb}{reference}, 'ideal', 'XEB against the ideal probabilities when given');

# ---- formats -------------------------------------------------------------------
my $emu3 = write_file("$dir/emu3.json", '{"tool":"tnemu","counts":{"001":5,"110":5}}');
my $qres = write_file("$dir/qres.json", '{"results":[{"header":{"memory_slots":3},"data":{"counts":{"0x1":5,"0x6":7}}}]}');
($m, $err) = compare($emu3, $qres, '--bootstrap', '0');
my %rows = $m ? map { $_->{key} => $_ } @{ $m->{distribution} } : ();
ok($m && $rows{'001'}{hardware} == 5 && $rows{'110'}{hardware} == 7 && $m->{inputs}{hardware}{format} eq 'qiskit',
   'a Qiskit Result with hexadecimal keys') or diag($err);
my $qhex = write_file("$dir/qhex.json", '{"counts":{"0x0":3,"0x5":2}}');
($m, $err) = compare($emu3, $qhex, '--clbits', '3', '--bootstrap', '0');
%rows = $m ? map { $_->{key} => $_ } @{ $m->{distribution} } : ();
ok($m && $rows{'000'}{hardware} == 3 && $rows{'101'}{hardware} == 2, 'hexadecimal counts with --clbits 3') or diag($err);
my $spaced = write_file("$dir/spaced.json", '{"counts":{"0 01":4,"1 10":6}}');
($m, $err) = compare($emu3, $spaced, '--bootstrap', '0');
%rows = $m ? map { $_->{key} => $_ } @{ $m->{distribution} } : ();
ok($m && $rows{'001'}{hardware} == 4 && $rows{'110'}{hardware} == 6, 'Qiskit register spaces are dropped') or diag($err);
my $pc = write_file("$dir/pc.json", $json->encode({task_id => 'X', raw_detail => {qcodeTaskNewVo => {taskResultList =>
    [{probCount => '{"key":["0x0", "0x3"],"value":[10, 30]}'}]}}}));
($m, $err) = compare($emu, $pc, '--bootstrap', '0');
%rows = $m ? map { $_->{key} => $_ } @{ $m->{distribution} } : ();
ok($m && $rows{'00'}{hardware} == 10 && $rows{'11'}{hardware} == 30 && $m->{inputs}{hardware}{format} eq 'origin',
   'an Origin probCount inside raw_detail') or diag($err);

# ---- the real Wukong Bell pair ---------------------------------------------------
SKIP: {
    my $data = shared_data();
    skip 'shared data absent (../shared/data)', 8 unless $data;
    my $res = "$data/origin/wukong72/hardware-results/bell_best_1_2026-03-08.json";
    my $cal = "$data/origin/wukong72/chip_config_2026-03-08.json";
    skip 'Wukong hardware results absent', 8 unless -e $res && -e $cal;
    my $doc = read_json($res);
    my $ir = write_file("$dir/bell.ir", $doc->{qprog} . "\n");
    my ($s1, undef, $e1) = run_tnemu('run', $ir, '--noise', $cal, '--shots', '1000', '--trajectories', '400',
                                     '--seed', '3', '--probabilities', '-q', '-o', "$dir/noisy.json");
    my ($s2, undef, $e2) = run_tnemu('run', $ir, '--shots', '1000', '--seed', '3', '--probabilities', '-q',
                                     '-o', "$dir/ideal.json");
    ok($s1 == 0 && $s2 == 0, 'the Bell qprog runs noisy and ideal') or diag("$e1$e2");
    my $noisy = read_json("$dir/noisy.json");
    my $total = sum(values %{ $noisy->{probabilities} });
    near($total, 1, 1e-9, 'noisy --probabilities sum to 1');
    ($m, $err) = compare("$dir/noisy.json", $res, '--ideal', "$dir/ideal.json", '--bootstrap', '500');
    ok($m, 'compare with the Origin result (hexadecimal counts)') or diag($err);
    %rows = $m ? map { $_->{key} => $_ } @{ $m->{distribution} } : ();
    ok($rows{'01'}{hardware} == $doc->{counts}{'0x1'} && $rows{'10'}{hardware} == $doc->{counts}{'0x2'},
       'hexadecimal 0x1 is c0 = 1 ("01"), 0x2 is c1 = 1 ("10")');
    my $c = $m->{comparisons};
    ok($c->{hardware_vs_emulated}{tvd}{value} < $c->{hardware_vs_ideal}{tvd}{value},
       sprintf('the hardware is closer to the noisy emulation (TVD %.4f) than to the ideal (%.4f)',
               $c->{hardware_vs_emulated}{tvd}{value}, $c->{hardware_vs_ideal}{tvd}{value}));
    ok(defined $m->{xeb}{hardware}{value} && $m->{xeb}{hardware}{value} < 1, 'an XEB below 1 for the hardware');
    SKIP: {
        skip 'no /usr/bin/python3 with matplotlib', 2 unless system('/usr/bin/python3 -c "import matplotlib" 2>/dev/null') == 0;
        my ($s3, undef, $e3) = run_tnemu('compare', "$dir/noisy.json", $res, '--ideal', "$dir/ideal.json",
                                         '--report', "$dir/report", '--bootstrap', '200', '-q');
        ok($s3 == 0 && -s "$dir/report/metrics.json", '--report writes metrics.json') or diag($e3);
        ok((grep { -s "$dir/report/$_" > 5000 } qw(distribution.png marginals.png metrics.png)) == 3,
           '--report draws three PNG plots');
    }
}

# ---- whole-number counts ---------------------------------------------------------
($m, $err) = compare($emu, write_file("$dir/real12.json", '{"00": 12.0, "11": 8}'), '--bootstrap', '50');
ok($m && $m->{inputs}{hardware}{shots} == 20, 'counts written as 12.0 are whole numbers: accepted') or diag($err);
my $huge = write_file("$dir/huge.json", '{"00": 4503599627370496, "01": 3, "11": 4503599627370000}');
($m, $err) = compare($emu, $huge, '--bootstrap', '200');
my $hh = $m && $m->{comparisons}{hardware_vs_emulated};
ok($hh && $hh->{tvd}{value} < 1e-9 && $hh->{tvd}{ci95}[0] == 0 && $hh->{tvd}{ci95}[1] < 1e-6
   && $m->{heavy_output}{hardware}{value} <= 1 && $hh->{hellinger_fidelity}{ci95}[1] <= 1,
   'counts near 2^52 (2^53 shots in all): redrawn in bounded time, every metric in range') or diag($err);

# ---- several experiments in one file -----------------------------------------------
my $multi = write_file("$dir/multi.json", $json->encode({results => [
    {header => {name => 'bell', memory_slots => 2}, data => {counts => {'0x0' => 48, '0x3' => 52}}},
    {header => {name => 'flip', memory_slots => 2}, data => {counts => {'0x1' => 90, '0x2' => 10}}},
    {header => {name => 'flip2'}, data => {counts => {'01' => 7}}}]}));
($m, $err) = compare($emu, $multi, '--experiment', 'flip', '--bootstrap', '0');
%rows = $m ? map { $_->{key} => $_ } @{ $m->{distribution} } : ();
ok($m && $rows{'01'}{hardware} == 90 && $rows{'10'}{hardware} == 10 && $m->{inputs}{hardware}{experiment} eq '1 (flip)',
   '--experiment flip: the Qiskit experiment of that header.name') or diag($err);
($m, $err) = compare($emu, $multi, '--experiment', '0', '--bootstrap', '0');
%rows = $m ? map { $_->{key} => $_ } @{ $m->{distribution} } : ();
ok($m && $rows{'00'}{hardware} == 48 && $rows{'11'}{hardware} == 52 && $m->{inputs}{hardware}{experiment} eq '0 (bell)',
   '--experiment 0: the first experiment, by 0-based index') or diag($err);
my $tasks = write_file("$dir/tasks.json", $json->encode({task_id => 'T', counts => {'0x0' => 1},
    raw_detail => {qcodeTaskNewVo => {taskResultList => [
        {taskName => 'bellA', probCount => '{"key":["0x0","0x3"],"value":[40,60]}'},
        {probCount => {key => ['0x1', '0x2'], value => [30, 70]}}]}}}));
($m, $err) = compare($emu, $tasks, '--experiment', '1', '--bootstrap', '0');
%rows = $m ? map { $_->{key} => $_ } @{ $m->{distribution} } : ();
ok($m && $rows{'01'}{hardware} == 30 && $rows{'10'}{hardware} == 70 && $m->{inputs}{hardware}{format} eq 'origin',
   '--experiment 1 of an Origin result of two tasks') or diag($err);
($m, $err) = compare($emu, $tasks, '--experiment', 'bellA', '--bootstrap', '0');
ok($m && $m->{inputs}{hardware}{experiment} eq '0 (bellA)', '--experiment bellA: an Origin task by its taskName') or diag($err);
($m, $err) = compare($emu3, $qres, '--experiment', '0', '--bootstrap', '0');
ok($m && $m->{inputs}{hardware}{experiment} eq '0' && $m->{inputs}{hardware}{shots} == 12,
   '--experiment 0 of a Result of one (unnamed) experiment reads it') or diag($err);
for my $case (
    [ 'several experiments and no --experiment', [$multi], qr/multi.json holds 3 experiments: 0 \(bell\), 1 \(flip\), 2 \(flip2\); choose one with --experiment NAME\|INDEX/ ],
    [ 'several Origin tasks and no --experiment', [$tasks], qr/tasks.json holds 2 tasks: 0 \(bellA\), 1; choose one with --experiment/ ],
    [ '--experiment index out of range', [$multi, '--experiment', '3'], qr/option --experiment: index 3 is out of range: .*multi.json holds 3 experiments/ ],
    [ '--experiment names none', [$multi, '--experiment', 'ghz'], qr/option --experiment: no experiments named 'ghz' in .*multi.json \(0 \(bell\)/ ],
    [ '--experiment of a plain file', [$hw, '--experiment', '0'], qr/option --experiment 0: .*hw.json is a plain file of one distribution/ ],
) {
    my ($name, $args, $want) = @$case;
    unlink "$dir/bad-out.json";
    my ($status, undef, $stderr) = run_tnemu('compare', $emu, @$args, '-o', "$dir/bad-out.json");
    my @lines = grep { length } split /\n/, $stderr;
    ok($status == 2 && @lines == 1 && $stderr =~ $want && !-e "$dir/bad-out.json", "$name: exit 2, one line")
        or diag("status $status\nstderr: $stderr");
}

# ---- intervals over many random cases ----------------------------------------------
# Fixed seeds. Hardware counts are drawn from a known p, emulations from a known
# q (exact probabilities or counts), an ideal from a known s: every pair's true
# TVD is known. Every interval must hold its value, every value and bound lie in
# its metric's range, and the TVD intervals hold the true distance (they are
# conservative by construction: at least 90% of them must).
sub random_dist { my ($k, $zeros) = @_; my @v = map { rand() < $zeros ? 0 : rand()**2 } 1 .. $k;
                  $v[int rand $k] += 0.05; my $t = sum(@v); return [map { $_ / $t } @v]; }
sub draw_counts { my ($p, $n) = @_; my @c = (0) x @$p;
                  for (1 .. $n) { my $u = rand(); my $i = 0; $u -= $p->[$i++] while $i < $#$p && $u >= $p->[$i]; $c[$i]++; }
                  return \@c; }
sub tvd_exact { my ($a, $b) = @_; return 0.5 * sum(map { abs($a->[$_] - $b->[$_]) } 0 .. $#$a); }
sub bits { my ($i, $w) = @_; return sprintf("%0${w}b", $i); }
my %range = (hellinger_fidelity => [0, 1], tvd => [0, 1], kl_divergence => [0, 1e308]);
my ($stats, $bad_stat, $pairs, $covered, $kl_ci) = (0, '', 0, 0, 0);
for my $case (0 .. 29) {
    srand(1000 + $case);
    my $w = 1 + $case % 4;
    my $k = 2**$w;
    my $q = random_dist($k, 0.3);
    my $lam = $case % 3 == 0 ? 0 : 0.5 * rand();
    my $r = random_dist($k, 0);
    my $p = [map { (1 - $lam) * $q->[$_] + $lam * $r->[$_] } 0 .. $k - 1];
    my $hwc = draw_counts($p, 30 + int(rand 1500));
    my %hwj = map { (bits($_, $w) => $hwc->[$_]) } grep { $hwc->[$_] } 0 .. $k - 1;
    my $emc = draw_counts($q, 200 + int(rand 3000));
    my %emu = (tool => 'tnemu', counts => {map { (bits($_, $w) => $emc->[$_]) } grep { $emc->[$_] } 0 .. $k - 1});
    $emu{probabilities} = {map { (bits($_, $w) => $q->[$_]) } grep { $q->[$_] } 0 .. $k - 1} if $case % 2 == 0;
    my @args = (write_file("$dir/r-emu.json", $json->encode(\%emu)), write_file("$dir/r-hw.json", $json->encode(\%hwj)));
    my $s = random_dist($k, 0.5);
    push @args, '--ideal', write_file("$dir/r-ideal.json", $json->encode({tool => 'tnemu', counts => {bits(0, $w) => 1},
        probabilities => {map { (bits($_, $w) => $s->[$_]) } grep { $s->[$_] } 0 .. $k - 1}})) if $case % 5 == 0;
    ($m, $err) = compare(@args, '--bootstrap', '200', '--seed', $case);
    unless ($m) { $bad_stat ||= "case $case: $err"; next; }
    my %truth = (hardware_vs_emulated => tvd_exact($p, $q), hardware_vs_ideal => tvd_exact($p, $s),
                 emulated_vs_ideal => tvd_exact($q, $s));
    my @all;   # [name, stat, lo, hi]
    for my $pair (keys %{ $m->{comparisons} }) {
        for my $metric (keys %range) { push @all, ["$case $pair $metric", $m->{comparisons}{$pair}{$metric}, @{ $range{$metric} }]; }
        my $t = $m->{comparisons}{$pair}{tvd}{ci95};
        $pairs++;
        $covered++ if $t && $t->[0] <= $truth{$pair} + 1e-12 && $truth{$pair} <= $t->[1] + 1e-12;
        $kl_ci++ if exists $m->{comparisons}{$pair}{kl_divergence}{ci95};
    }
    for my $src (qw(hardware emulated ideal)) {
        push @all, ["$case heavy_output $src", $m->{heavy_output}{$src}, 0, 1] if $m->{heavy_output}{$src};
        push @all, map { ["$case marginal $src", $_->{$src}, 0, 1] } grep { $_->{$src} } @{ $m->{marginals_p1} };
        push @all, map { ["$case z $src", $_->{$src}, -1, 1] } grep { $_->{$src} } @{ $m->{z_expectations} };
        push @all, ["$case xeb $src", $m->{xeb}{$src}, -1e308, 1e308] if $m->{xeb}{$src} && defined $m->{xeb}{$src}{value};
    }
    for my $a (@all) {
        my ($name, $st, $lo, $hi) = @$a;
        $stats++;
        my $v = $st->{value};
        my $ci = $st->{ci95};
        my $good = defined $v && $v >= $lo && $v <= $hi;
        $good &&= $ci->[0] <= $v && $v <= $ci->[1] && $ci->[0] >= $lo && $ci->[1] <= $hi if $ci;
        $bad_stat ||= "$name: value $v, ci95 " . ($ci ? "[$ci->[0], $ci->[1]]" : 'none') . " range [$lo, $hi]" unless $good;
    }
}
ok(!$bad_stat && $stats > 500, "30 random cases: all $stats values present (ranges and intervals hold by construction)")
    or diag($bad_stat);
ok($pairs >= 36 && $covered >= 0.9 * $pairs, "the TVD intervals hold the true distance between the distributions ($covered of $pairs)");
is($kl_ci, 0, 'KL divergence has no interval (no honest one at few shots)');
like($m->{bootstrap}{intervals}{'hellinger_fidelity, tvd'}, qr/triangle inequality/, 'the output says which interval the distances get');
like($m->{bootstrap}{intervals}{'xeb, heavy_output, marginals_p1, z_expectations'}, qr/percentile bootstrap/, '... and the linear statistics');

# ---- a noisy emulation's own sampling error --------------------------------------------
my $ghz = gen_circuit('ghz3.qasm', 'ghz', 3);
my $dep = write_file("$dir/dep.json", '{"format":"tnemu-noise","gates":[{"channels":[{"type":"depolarizing","p":0.05}]}]}');
my @noisy = ('run', $ghz, '--noise', $dep, '--shots', '1000', '--seed', '3', '-q');
my ($s1, undef, $e1) = run_tnemu(@noisy, '--trajectories', '100', '--probabilities', '-o', "$dir/n100.json");
my ($s2, undef, $e2) = run_tnemu(@noisy, '--trajectories', '2000', '--probabilities', '-o', "$dir/n2000.json");
my ($s3, undef, $e3) = run_tnemu(@noisy, '--trajectories', '100', '-o', "$dir/ncounts.json");
ok($s1 == 0 && $s2 == 0 && $s3 == 0, 'noisy GHZ runs: 100 and 2000 trajectories, with and without probabilities') or diag("$e1$e2$e3");
my $ghw = write_file("$dir/ghw.json", '{"000": 460, "111": 440, "001": 20, "010": 25, "100": 15, "011": 12, "101": 13, "110": 15}');
($m, $err) = compare("$dir/n100.json", $ghw, '--bootstrap', '300');
my $in = $m && $m->{inputs}{emulated};
ok($in && $in->{bootstrap_shots} > 100 && $in->{bootstrap_shots_from} =~ /spread is worth/,
   "probabilities of 100 trajectories x 10 shots: redrawn as $in->{bootstrap_shots} shots, from the counts' errors") or diag($err);
ok($m && $m->{heavy_output}{emulated}{ci95}[1] > $m->{heavy_output}{emulated}{ci95}[0],
   'so the emulated side has intervals of its own');
($m, $err) = compare("$dir/n2000.json", $ghw, '--bootstrap', '300');
ok($m && $m->{inputs}{emulated}{bootstrap_shots} == 2000 && $m->{inputs}{emulated}{bootstrap_shots_from} =~ /one shot per trajectory/,
   'probabilities of 2000 trajectories, under one shot each: bounded by 2000 shots') or diag($err);
($m, $err) = compare("$dir/ncounts.json", $ghw, '--bootstrap', '300');
$in = $m && $m->{inputs}{emulated};
ok($in && $in->{bootstrap_shots} < 1000 && $in->{bootstrap_shots_from} =~ /design effect/,
   "noisy counts of 100 trajectories: redrawn as $in->{bootstrap_shots} effective shots (clustered)") or diag($err);
($m, $err) = compare($emu, $fair, '--bootstrap', '100');
ok($m && !defined $m->{inputs}{emulated}{bootstrap_shots} && $m->{inputs}{emulated}{bootstrap_shots_from} =~ /exact/,
   'noiseless probabilities are exact: not redrawn');

# ---- --report on a 10-bit case ----------------------------------------------------------
# A random 10-qubit circuit, 2000 shots, and hardware counts drawn by numpy
# from the emulated probabilities with another seed: the case that once
# crashed the plot (an interval that did not hold its value).
SKIP: {
    skip 'no /usr/bin/python3 with numpy and matplotlib', 12
        unless system('/usr/bin/python3 -c "import numpy, matplotlib" 2>/dev/null') == 0;
    my $c10 = gen_circuit('b10.qasm', 'brickwork', 10, 6, 11, 'measure');
    my ($st, undef, $e) = run_tnemu('run', $c10, '--shots', '2000', '--seed', '5', '--probabilities', '-q', '-o', "$dir/r10.json");
    ok($st == 0, 'the 10-qubit circuit runs with --probabilities') or diag($e);
    my $py = <<'PY';
import json, sys
import numpy as np
r = json.load(open(sys.argv[1]))
keys = sorted(r["probabilities"])
p = np.array([r["probabilities"][k] for k in keys])
c = np.random.default_rng(99).multinomial(2000, p / p.sum())
json.dump({"counts": {k: int(n) for k, n in zip(keys, c) if n}}, open(sys.argv[2], "w"))
PY
    write_file("$dir/draw.py", $py);
    ok(system('/usr/bin/python3', "$dir/draw.py", "$dir/r10.json", "$dir/hw10.json") == 0, 'numpy draws 2000 hardware shots');
    my @cmp = ('compare', "$dir/r10.json", "$dir/hw10.json", '--bootstrap', '300', '-q');
    ($st, undef, $e) = run_tnemu(@cmp, '--report', "$dir/rep10", '-o', "$dir/m10.json");
    ok($st == 0 && $e eq '', '--report on the 10-bit case succeeds, silently') or diag("status $st: $e");
    ok(-s "$dir/m10.json" && -s "$dir/rep10/metrics.json" && (grep { -s "$dir/rep10/$_" > 5000 } qw(distribution.png marginals.png metrics.png)) == 3,
       '... and writes -o, metrics.json and three PNG plots');
    my $m10 = -s "$dir/m10.json" ? read_json("$dir/m10.json") : {};
    my $t10 = $m10->{comparisons}{hardware_vs_emulated}{tvd};
    ok($t10 && $t10->{ci95}[0] == 0, 'which holds 0, the true distance (same distribution, finite samples)');
    ok($m10->{consistency}{consistent_with_emulated}, 'and the verdict: consistent');
    opendir(my $dh, $dir);
    my @stale = grep { /^rep10\.tmp/ } readdir $dh;
    closedir $dh;
    is(scalar @stale, 0, 'no staging directory left behind');

    # a plot that fails: told as what it is, exit 1, -o written, the old report untouched
    my $bad_scripts = "$dir/bad-scripts";
    mkdir $bad_scripts;
    write_file("$bad_scripts/compare-plot.py", "import sys\nsys.stderr.write('Traceback (most recent call last):\\n  boom\\n')\n"
               . "sys.stderr.write(\"compare-plot: drawing metrics.png failed: ValueError: 'xerr' must not contain negative values\\n\")\nsys.exit(1)\n");
    my $before = -s "$dir/rep10/metrics.png";
    unlink "$dir/m10.json";
    {
        local $ENV{TNEMU_SCRIPTS} = $bad_scripts;
        ($st, undef, $e) = run_tnemu(@cmp, '--report', "$dir/rep10", '-o', "$dir/m10.json");
    }
    my @lines = grep { length } split /\n/, $e;
    ok($st == 1 && @lines == 1 && $e =~ /option --report: compare-plot.py failed: .*ValueError: 'xerr'/ && $e !~ /apt-get/,
       'a failing plot: exit 1, one line with its reason, no advice to install matplotlib') or diag("status $st: $e");
    ok(-s "$dir/m10.json" && -s "$dir/rep10/metrics.png" == $before, '... the -o metrics are written and the old report is left as it was');
    {
        local $ENV{TNEMU_SCRIPTS} = $bad_scripts;
        ($st, undef, $e) = run_tnemu(@cmp, '--report', "$dir/rep-new", '-o', "$dir/m10.json");
    }
    ok($st == 1 && !-e "$dir/rep-new", '... and a new report directory is not created at all');
    # matplotlib that cannot be imported: the one case that says to install it
    mkdir "$dir/fake-py"; mkdir "$dir/fake-py/matplotlib";
    write_file("$dir/fake-py/matplotlib/__init__.py", "raise ImportError('No module named matplotlib (test)')\n");
    {
        local $ENV{PYTHONPATH} = "$dir/fake-py";
        ($st, undef, $e) = run_tnemu(@cmp, '--report', "$dir/rep-nompl", '-o', "$dir/m10.json");
    }
    @lines = grep { length } split /\n/, $e;
    ok($st == 1 && @lines == 1 && $e =~ /cannot import matplotlib.*apt-get install python3-matplotlib/ && !-e "$dir/rep-nompl",
       'matplotlib missing: exit 1, one line that says to install it, no report') or diag("status $st: $e");
}

# ---- wide counts: 128 bits, adapter-like 2-qubit blocks ------------------------------
# 64 independent 2-qubit blocks (u3 on both, cx, u3) measured into 128 bits,
# run twice by tnemu (seeds 1 and 2, 2000 shots): the "hardware" is the second
# run, so every marginal agrees with the emulation's up to sampling.
sub blocks_circuit {
    my ($n, $seed) = @_;
    srand($seed);
    my $q = "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[$n];\ncreg c[$n];\n";
    for (my $a = 0; $a + 1 < $n; $a += 2) {
        $q .= sprintf("u3(%.6f,%.6f,%.6f) q[%d];\n", (map { rand 3 } 1 .. 3), $_) for ($a, $a + 1);
        $q .= sprintf("cx q[%d],q[%d];\nu3(%.6f,%.6f,%.6f) q[%d];\n", $a, $a + 1, (map { rand 3 } 1 .. 3), $a + 1);
    }
    return $q . "measure q -> c;\n";
}
my $b128 = write_file("$dir/blocks128.qasm", blocks_circuit(128, 7));
my @r128 = ('run', $b128, '--shots', '2000', '-q');
my ($w1, undef, $we1) = run_tnemu(@r128, '--seed', '1', '-o', "$dir/e128.json");
my ($w2, undef, $we2) = run_tnemu(@r128, '--seed', '2', '-o', "$dir/h128.json");
my $dep128 = write_file("$dir/dep128.json", '{"format":"tnemu-noise","gates":[{"channels":[{"type":"depolarizing","p":0.02}]}]}');
my ($w3, undef, $we3) = run_tnemu(@r128, '--seed', '3', '--noise', $dep128, '--trajectories', '2000', '-o', "$dir/n128.json");
my $h128 = read_json("$dir/h128.json");
ok($w1 == 0 && $w2 == 0 && $w3 == 0 && (grep { length($_) == 128 } keys %{ $h128->{counts} }) == keys %{ $h128->{counts} },
   'tnemu run of 128 measured bits writes 128-character keys') or diag("$we1$we2$we3");
# by hand: per-block counts, per-bit P(1), the parity of all bits
my (%block, @p1, $parity);
while (my ($k, $c) = each %{ $h128->{counts} }) {
    my $odd = 0;
    for my $j (0 .. 127) {
        my $bit = substr($k, 127 - $j, 1);
        $p1[$j] += $c * $bit / 2000;
        $odd ^= $bit;
    }
    $parity += ($odd ? -$c : $c) / 2000;
    for my $g (0 .. 63) { $block{$g}{ substr($k, 126 - 2 * $g, 2) } += $c; }
}
($m, $err) = compare("$dir/e128.json", "$dir/h128.json", '--block-size', '2', '--bootstrap', '200');
ok($m && $m->{bits} == 128 && !$m->{full_distribution}{computed} && !exists $m->{comparisons} && !exists $m->{xeb},
   '128-bit counts compare; the whole-distribution metrics are refused, with the reason') or diag($err);
like($m->{full_distribution}{reason} // '', qr/more than 64 bits.*measure the shots/, '... the reason is in the output');
my @groups = $m ? @{ $m->{groups} } : ();
is(scalar @groups, 64, '--block-size 2 on 128 bits: 64 groups');
my $hand = 1;
for my $g (0 .. $#groups) {
    my $grp = $groups[$g];
    $hand &&= "@{ $grp->{bits} }" eq (2 * $g) . ' ' . (2 * $g + 1) && $grp->{group} eq (2 * $g) . '-' . (2 * $g + 1);
    for my $row (@{ $grp->{distribution} }) { $hand &&= $row->{hardware} == ($block{$g}{ $row->{key} } // 0); }
    $hand &&= sum(map { $_->{hardware} } @{ $grp->{distribution} }) == 2000;
}
ok($hand, 'every group\'s marginal counts equal the per-block counts by hand (key: bit 2g+1 left, 2g right)');
my $gtvd = $groups[5]{comparisons}{hardware_vs_emulated}{tvd};
ok($gtvd && $gtvd->{ci95}[0] <= $gtvd->{value} && $gtvd->{value} <= $gtvd->{ci95}[1] && exists $groups[5]{comparisons}{hardware_vs_emulated}{hellinger_fidelity}{ci95},
   'a group has its own TVD and Hellinger fidelity with intervals');
my $p1ok = $m && @{ $m->{marginals_p1} } == 128;
for my $j (0 .. 127) { $p1ok &&= abs($m->{marginals_p1}[$j]{hardware}{value} - $p1[$j]) < 1e-12 && $m->{marginals_p1}[$j]{bit} == $j; }
ok($p1ok, 'per-bit P(1) of all 128 bits equal the hand computation');
my %z128 = map { $_->{string} => $_ } @{ $m->{z_expectations} };
my $all = join(' ', map { "Z$_" } 0 .. 127);
is(scalar keys %z128, 128 + 127 + 1, 'default Z strings: every bit, every neighbouring pair, all bits');
near($z128{$all}{hardware}{value}, $parity, 1e-12, '<Z0 ... Z127> = the parity of the keys by hand');
my $mc = $m->{marginal_consistency};
my ($minp) = sort { $a <=> $b } map { $_->{chi_square}{vs_emulated}{p_value} } @groups;
ok($mc && $mc->{over} eq 'groups' && $mc->{tests} == 64 && abs($mc->{p_value_vs_emulated} - ($minp * 64 > 1 ? 1 : $minp * 64)) < 1e-12,
   'the marginal test is the Bonferroni combination of the 64 groups\' tests');
like($m->{verdict}, qr/group marginals are consistent with the emulation/, 'two runs of one circuit: consistent (verdict from the groups)');
my $m128 = $m;
# Pearson's chi-square of group 0 by hand: two samples of 2000 shots, pooled
# cells, df = cells - 1; its p-value for df = 3 in closed form
my $g0 = $groups[0];
my ($x2, $cells) = (0, 0);
for my $row (@{ $g0->{distribution} }) {
    my ($p1, $p2) = ($row->{hardware_p}, $row->{emulated_p});
    my $pi = ($p1 + $p2) / 2;
    next unless $pi * 2000 >= 5;
    $x2 += ($p1 - $p2)**2 / ($pi * (2 / 2000));
    $cells++;
}
my $cs = $g0->{chi_square}{vs_emulated};
ok($cells == 4 && abs($cs->{chi2} - $x2) < 1e-9 * (1 + $x2) && $cs->{df} == 3, "group 0's chi-square $x2 on 3 degrees of freedom, by hand");
my $sf3 = exp(-$x2 / 2) * sqrt(2 * $x2 / 3.141592653589793) + POSIX::erfc(sqrt($x2 / 2));
near($cs->{p_value}, $sf3, 1e-12, 'its p-value: the chi-square tail for 3 degrees of freedom in closed form');
# a "hardware" of other blocks (other angles): the marginal verdict rejects it,
# with a p-value far below what 1000 bootstrap replicates could show
write_file("$dir/other128.qasm", blocks_circuit(128, 8));
my ($w4, undef, $we4) = run_tnemu('run', "$dir/other128.qasm", '--shots', '2000', '-q', '--seed', '4', '-o', "$dir/o128.json");
($m, $err) = compare("$dir/e128.json", "$dir/o128.json", '--block-size', '2', '--bootstrap', '200');
ok($w4 == 0 && $m && !$m->{marginal_consistency}{consistent_with_emulated} && $m->{marginal_consistency}{p_value_vs_emulated} < 1e-10
   && $m->{verdict} =~ /group marginals are NOT consistent/, 'counts of another circuit: NOT consistent (Bonferroni p < 1e-10)') or diag($err . $we4);

# the same counts with Qiskit's hexadecimal keys of 128 bits
my %hex;
while (my ($k, $c) = each %{ $h128->{counts} }) {
    my $h = '';
    for (my $i = 128; $i > 0; $i -= 4) { $h = sprintf('%x', oct('0b' . substr($k, $i - 4, 4))) . $h; }
    $h =~ s/^0+(?=.)//;
    $hex{"0x$h"} = $c;
}
write_file("$dir/h128hex.json", $json->encode({results => [{header => {memory_slots => 128}, data => {counts => \%hex}}]}));
($m, $err) = compare("$dir/e128.json", "$dir/h128hex.json", '--block-size', '2', '--bootstrap', '200');
ok($m && $json->encode($m->{groups}) eq $json->encode($m128->{groups}) && $json->encode($m->{marginals_p1}) eq $json->encode($m128->{marginals_p1}),
   'hexadecimal 128-bit keys (a Qiskit Result) give exactly the same groups and marginals') or diag($err);

# user groups (overlapping, non-consecutive), as text and as a JSON file; Z strings named
($m, $err) = compare("$dir/e128.json", "$dir/h128.json", '--groups', '0+5,1-3,3-4', '--zstrings', '0+1,0-127', '--bootstrap', '100');
my @ug = $m ? @{ $m->{groups} } : ();
my %g05;
while (my ($k, $c) = each %{ $h128->{counts} }) { $g05{ substr($k, 127 - 5, 1) . substr($k, 127, 1) } += $c; }
ok(@ug == 3 && "@{ $ug[0]{bits} }" eq '0 5' && "@{ $ug[1]{bits} }" eq '1 2 3' && $ug[2]{group} eq '3-4'
   && (grep { $_->{hardware} == ($g05{ $_->{key} } // 0) } @{ $ug[0]{distribution} }) == @{ $ug[0]{distribution} },
   '--groups 0+5,1-3,3-4: three groups (overlap allowed), group 0+5 keyed bit 5 left, bit 0 right') or diag($err);
ok($m && @{ $m->{z_expectations} } == 2 && $m->{z_expectations}[1]{string} eq $all
   && abs($m->{z_expectations}[1]{hardware}{value} - $parity) < 1e-12, '--zstrings 0+1,0-127: the two strings asked for');
write_file("$dir/groups.json", '{"groups": [[0, 5], "1-3", [3, 4]]}');
my ($mf) = compare("$dir/e128.json", "$dir/h128.json", '--groups', "$dir/groups.json", '--zstrings', '0+1,0-127', '--bootstrap', '100');
ok($mf && $json->encode($mf->{groups}) eq $json->encode($m->{groups}), '--groups FILE.json: the same groups as the text');

# a noisy emulation of the 128 bits: its own sampling error in the marginals' intervals
($m, $err) = compare("$dir/n128.json", "$dir/h128.json", '--block-size', '2', '--bootstrap', '200');
my $e5 = $m && $m->{marginals_p1}[5]{emulated};
ok($e5 && $e5->{ci95}[1] - $e5->{ci95}[0] > 0.02 && $m->{inputs}{emulated}{bootstrap_shots} > 0,
   'a noisy 128-bit emulation: its marginals have intervals of their own (redrawn as its shots)') or diag($err);
ok($m && !exists $m->{inputs}{emulated}{note}, '... one shot per trajectory: no note on its intervals');
my ($w5, undef, $we5) = run_tnemu(@r128, '--seed', '3', '--noise', $dep128, '--trajectories', '100', '-o', "$dir/n128b.json");
($m, $err) = compare("$dir/n128b.json", "$dir/h128.json", '--block-size', '2', '--bootstrap', '50');
like($m && $m->{inputs}{emulated}{note} // '', qr/several shots per trajectory.*may understate/,
     '20 shots per trajectory: the output warns that the marginals\' intervals may understate the emulation\'s error') or diag($err . $we5);

# narrow counts with groups: the whole distribution and the groups
($m, $err) = compare($emu, $hw, '--groups', '0,1', '--zstrings', '0+1', '--bootstrap', '100');
ok($m && $m->{comparisons}{hardware_vs_emulated} && @{ $m->{groups} } == 2 && @{ $m->{z_expectations} } == 1
   && abs($m->{z_expectations}[0]{hardware}{value} - 0.7) < 1e-12 && $m->{marginal_consistency}{tests} == 2,
   '2-bit counts with --groups 0,1 and --zstrings 0+1: whole metrics, two groups, <Z0 Z1> = 0.7') or diag($err);
near($m->{groups}[0]{comparisons}{hardware_vs_emulated}{tvd}{value}, 0.05, 1e-12, 'bit 0\'s marginal TVD |0.55 - 0.5| by hand');

# ---- the emulated side's Monte Carlo error in XEB and TVD intervals ------------------------
# Two independent noisy emulations of one circuit (seeds s and s + 1000, one
# shot per trajectory): the "hardware" is the second, the XEB reference the
# first's probabilities, themselves a mean of 400 trajectories. The true XEB
# is 1 and the true TVD 0; the intervals must hold them at their stated 95%
# (and they are conservative: the reference's error is bounded by one shot per
# trajectory). Then the same probabilities taken as exact (a noiseless
# result): the XEB interval is narrower, so the emulated side's error is in it.
my ($xeb_in, $tvd_in, $runs, $wider, $self_ci) = (0, 0, 0, 0, 0);
my $ghz3 = gen_circuit('ghz3x.qasm', 'ghz', 3);
for my $s (1 .. 20) {
    my @n = ('run', $ghz3, '--noise', $dep, '--shots', '400', '--trajectories', '400', '-q');
    my ($sa) = run_tnemu(@n, '--seed', $s, '--probabilities', '-o', "$dir/xa.json");
    my ($sb) = run_tnemu(@n, '--seed', $s + 1000, '-o', "$dir/xb.json");
    next unless $sa == 0 && $sb == 0;
    ($m) = compare("$dir/xa.json", "$dir/xb.json", '--bootstrap', '400', '--seed', $s);
    next unless $m;
    $runs++;
    my $x = $m->{xeb}{hardware};
    $xeb_in++ if $x->{ci95}[0] <= 1 && 1 <= $x->{ci95}[1];
    $tvd_in++ if $m->{comparisons}{hardware_vs_emulated}{tvd}{ci95}[0] == 0;
    $self_ci++ if !exists $m->{xeb}{emulated}{ci95} && $m->{xeb}{emulated}{value} == 1;
    next if $s > 5;
    my $exact = read_json("$dir/xa.json");
    delete $exact->{noise};
    my ($me) = compare(write_file("$dir/xe.json", $json->encode($exact)), "$dir/xb.json", '--bootstrap', '400', '--seed', $s);
    my $we = $me && $me->{xeb}{hardware}{ci95}[1] - $me->{xeb}{hardware}{ci95}[0];
    $wider++ if $we && $x->{ci95}[1] - $x->{ci95}[0] > 1.2 * $we;
}
is($runs, 20, '20 pairs of independent noisy emulations (fixed seeds) compared');
ok($xeb_in >= 19, "the hardware's XEB interval holds the true XEB 1 in $xeb_in of 20 (stated: 95%)");
ok($tvd_in >= 19, "the TVD interval holds the true distance 0 in $tvd_in of 20");
is($wider, 5, 'with the reference a noisy mean, the XEB interval is more than 1.2 times as wide as with it exact (5 of 5)');
is($self_ci, 20, "the emulation's XEB against itself: 1 by definition, no interval");

# ---- bad input -----------------------------------------------------------------
my @bad = (
    [ 'JSON syntax error',   [$emu, write_file("$dir/b1.json", "{\n\"00\": 4,\n}")],   qr/b1.json:3:\d+: error:/ ],
    [ 'negative count',      [$emu, write_file("$dir/b2.json", '{"00": -4}')],         qr/b2.json: count of '00' is -4, not a whole number in \[0, 2\^53\]/ ],
    [ 'count a string',      [$emu, write_file("$dir/b3.json", '{"00": "4"}')],        qr/b3.json: count of '00' is the string "4", not a whole number/ ],
    [ 'count a word',        [$emu, write_file("$dir/b3b.json", '{"00": 3, "11": "many"}')], qr/b3b.json: count of '11' is the string "many", not a whole number/ ],
    [ 'fractional count',    [$emu, write_file("$dir/b3c.json", '{"00": 1.5, "11": 3}')], qr/b3c.json: count of '00' is 1.5, not a whole number in \[0, 2\^53\]/ ],
    [ 'count 1e300',         [$emu, write_file("$dir/b3d.json", '{"00": 1e300}')],     qr/b3d.json: count of '00' is 1e\+300, not a whole number/ ],
    [ 'count 2^53 + 1',      [$emu, write_file("$dir/b3e.json", '{"00": 9007199254740993}')], qr/b3e.json: count of '00' is 9007199254740993, not a whole number/ ],
    [ 'shots above 2^53',    [$emu, write_file("$dir/b3f.json", '{"00": 9007199254740992, "11": 1}')], qr/b3f.json: the counts add up to more than 2\^53 shots/ ],
    [ 'null count',          [$emu, write_file("$dir/b3g.json", '{"00": null}')],      qr/b3g.json: count of '00' is null, not a whole number/ ],
    [ 'fractional in a Result', [$emu, write_file("$dir/b3h.json", '{"results":[{"data":{"counts":{"0x0":2.5}}}]}')], qr/b3h.json: results\[0\].data.counts: count of '0x0' is 2.5, not a whole number/ ],
    [ 'fractional probCount', [$emu, write_file("$dir/b3i.json", '{"probCount":{"key":["0x0"],"value":[0.25]}}')], qr/b3i.json: probCount: count of '0x0' is 0.25, not a whole number/ ],
    [ 'probability above 1', [write_file("$dir/b3j.json", '{"tool":"tnemu","counts":{"00":1},"probabilities":{"00":1.5}}'), $hw], qr/b3j.json: probabilities: probability of '00' is 1.5, not a number in \[0, 1\]/ ],
    [ 'bad key',             [$emu, write_file("$dir/b4.json", '{"0a": 4}')],          qr/b4.json: key '0a' is not a bitstring/ ],
    [ 'width mismatch',      [$emu, write_file("$dir/b5.json", '{"000": 4}')],         qr/b5.json: key '000' has 3 bits, expected 2/ ],
    [ 'hex above width',     [$emu, write_file("$dir/b6.json", '{"counts":{"0x7": 4}}')], qr/b6.json: key '0x7' has a bit above the 2 classical bits/ ],
    [ 'hex without width',   [write_file("$dir/b7.json", '{"counts":{"0x1": 4}}'), $hw], qr/b7.json: hexadecimal key '0x1' needs the number of classical bits \(option --clbits N\)/ ],
    [ 'empty counts',        [$emu, write_file("$dir/b8.json", '{}')],                 qr/b8.json: no counts/ ],
    [ 'zero shots',          [$emu, write_file("$dir/b9.json", '{"00": 0}')],          qr/b9.json: the counts add up to 0 shots/ ],
    [ 'probCount unequal',   [$emu, write_file("$dir/b10.json", '{"probCount":{"key":["0x0"],"value":[1,2]}}')], qr/b10.json: probCount needs arrays/ ],
    [ 'counts not object',   [$emu, write_file("$dir/b11.json", '{"counts":[1,2]}')],  qr/b11.json: "counts" is not an object/ ],
    [ 'not an object',       [$emu, write_file("$dir/b12.json", '[1,2]')],             qr/b12.json: expected a JSON object of counts/ ],
    [ 'duplicate key',       [$emu, write_file("$dir/b13.json", '{"00": 1, "00": 2}')], qr/b13.json:1:\d+: error: duplicate object key/ ],
    [ 'missing file',        [$emu, "$dir/absent.json"],                               qr/cannot read '.*absent.json'/ ],
    [ 'one file',            [$emu],                                                   qr/needs EMULATED.json and HARDWARE.json/ ],
    [ 'three files',         [$emu, $hw, $hw],                                         qr/takes two files; '.*' is a third/ ],
    [ 'bootstrap range',     [$emu, $hw, '--bootstrap', '-1'],                         qr/option --bootstrap: '-1' is not an integer in \[0, 100000\]/ ],
    [ 'clbits range',        [$emu, $hw, '--clbits', '65537'],                         qr/option --clbits: '65537' is not an integer in \[1, 65536\]/ ],
    [ 'unknown option',      [$emu, $hw, '--frob', '1'],                               qr/unknown option '--frob' for 'tnemu compare'/ ],
    [ 'ideal width',         [$emu, $hw, '--ideal', $emu3],                            qr/emu3.json: key '001' has 3 bits, expected 2/ ],
    [ 'group out of range',  ["$dir/e128.json", "$dir/h128.json", '--groups', '0-1,128'], qr/option --groups: bit 128 in '128' is out of range for 128-bit counts \(valid: 0\.\.127\)/ ],
    [ 'group syntax',        ["$dir/e128.json", "$dir/h128.json", '--groups', '0-1,x'], qr/option --groups: 'x' is not a set of bits \(positions and ranges a-b joined by '\+'/ ],
    [ 'bit twice in a group', ["$dir/e128.json", "$dir/h128.json", '--groups', '0-3+2'], qr/option --groups: bit 2 is twice in the set '0-3\+2'/ ],
    [ 'group too wide',      ["$dir/e128.json", "$dir/h128.json", '--groups', '0-16'], qr/option --groups: the set '0-16' has more than 16 bits \(valid: 1\.\.16 bits\)/ ],
    [ 'empty range',         ["$dir/e128.json", "$dir/h128.json", '--groups', '5-2'], qr/option --groups: the range '5-2' is empty/ ],
    [ 'block size range',    ["$dir/e128.json", "$dir/h128.json", '--block-size', '17'], qr/option --block-size: '17' is not an integer in \[1, 16\]/ ],
    [ 'block size above width', [$emu, $hw, '--block-size', '3'],                    qr/option --block-size: 3 is more than the 2 bits of the counts \(valid: 1\.\.2\)/ ],
    [ 'groups and block size', [$emu, $hw, '--groups', '0', '--block-size', '1'],    qr/options --groups and --block-size both name groups: give one/ ],
    [ 'Z string out of range', ["$dir/e128.json", "$dir/h128.json", '--zstrings', '0+200'], qr/option --zstrings: bit 200 in '0\+200' is out of range for 128-bit counts/ ],
    [ 'groups file bad bit', ["$dir/e128.json", "$dir/h128.json", '--groups', write_file("$dir/g-bad.json", '[[0,1],[2,300]]')], qr/g-bad.json: set 1: bit 300 in 'the array' is out of range for 128-bit counts \(valid: 0\.\.127\)/ ],
    [ 'groups file syntax',  ["$dir/e128.json", "$dir/h128.json", '--groups', write_file("$dir/g-syn.json", "[[0,1],\n[2,]]")], qr/g-syn.json:2:\d+: error:/ ],
    [ 'groups file shape',   ["$dir/e128.json", "$dir/h128.json", '--groups', write_file("$dir/g-obj.json", '{"groups": 3}')], qr/g-obj.json: expected a non-empty array of sets of bits/ ],
    [ 'wide widths differ',  ["$dir/e128.json", write_file("$dir/h127.json", '{"' . ('0' x 127) . '": 5}')], qr/h127.json: key '0{40}\.\.\.' has 127 bits, expected 128/ ],
    [ 'wide hex above width', ["$dir/e128.json", write_file("$dir/hx129.json", '{"counts":{"0x1' . ('0' x 32) . '": 5}}')], qr/hx129.json: key '0x10{32}' has a bit above the 128 classical bits/ ],
    [ 'report of wide counts', ["$dir/e128.json", "$dir/h128.json", '--report', "$dir/rep128"], qr/option --report: the plots show whole distributions, of at most 64 bits; these counts have 128/ ],
    [ 'report is a file',    [$emu, $hw, '--report', $hw],                             qr/option --report: .*hw.json exists and is not a directory/ ],
);
for my $case (@bad) {
    my ($name, $args, $want) = @$case;
    my $out = "$dir/bad-out.json";
    unlink $out;
    my ($status, undef, $stderr) = run_tnemu('compare', @$args, '-o', $out);
    my @lines = grep { length } split /\n/, $stderr;
    ok($status == 2 && @lines == 1 && $stderr =~ $want && !-e $out, "bad input: $name: exit 2, one line, no output")
        or diag("status $status\nstderr: $stderr\nwant: $want");
}
done_testing();
