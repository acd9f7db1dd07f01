#!/usr/bin/perl
# compare.t - `tnemu compare`: metric values against hand computations on
# small distributions, the bootstrap and the verdict, every hardware format
# (Qiskit counts and Result, hexadecimal keys, Origin counts and probCount,
# plain), the real Wukong Bell-pair result end to end with --report, and
# malformed input (exit status 2, one line).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use JSON::PP;
use List::Util qw(sum);
use Tnemu qw(run_tnemu read_json shared_data tmpdir write_file);

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

# ---- bad input -----------------------------------------------------------------
my @bad = (
    [ 'JSON syntax error',   [$emu, write_file("$dir/b1.json", "{\n\"00\": 4,\n}")],   qr/b1.json:3:\d+: error:/ ],
    [ 'negative count',      [$emu, write_file("$dir/b2.json", '{"00": -4}')],         qr/b2.json: count of '00' is -4, not a finite number >= 0/ ],
    [ 'count not a number',  [$emu, write_file("$dir/b3.json", '{"00": "4"}')],        qr/b3.json: count of '00' is not a number/ ],
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
    [ 'clbits range',        [$emu, $hw, '--clbits', '65'],                            qr/option --clbits: '65' is not an integer in \[1, 64\]/ ],
    [ 'unknown option',      [$emu, $hw, '--frob', '1'],                               qr/unknown option '--frob' for 'tnemu compare'/ ],
    [ 'ideal width',         [$emu, $hw, '--ideal', $emu3],                            qr/emu3.json: key '001' has 3 bits, expected 2/ ],
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
