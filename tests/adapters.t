#!/usr/bin/perl
# adapters.t - `tnemu adapters` end to end: outputs against U x computed here
# (Gauss-Jordan in Perl, 10^6 shots, signs; k = 3 with a real K compiled
# merged and separately, 2*10^5 shots), a 156-qubit circuit of 78 blocks
# (bond dimension, each block equal to the block emulated alone), the same
# output on 1 and 2 ranks and any group count, device specs from the shared
# calibrations with noise, and malformed specs.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use JSON::PP;
use List::Util qw(max sum);
use Math::BigInt;
use Tnemu qw(tnemu run_tnemu read_json shared_data tmpdir write_file);

my $dir = tmpdir();
my $json = JSON::PP->new->canonical;

# U = (I - K/2)(I + K/2)^-1 for a real skew-symmetric K, by Gauss-Jordan.
sub cayley {
    my ($k) = @_;
    my $d = @$k;
    my @a = map { my $i = $_; [ (map { ($i == $_) + 0.5 * $k->[$i][$_] } 0 .. $d - 1), (map { $i == $_ ? 1 : 0 } 0 .. $d - 1) ] } 0 .. $d - 1;
    for my $c (0 .. $d - 1) {
        my ($p) = sort { abs($a[$b][$c]) <=> abs($a[$a][$c]) } $c .. $d - 1;
        @a[$c, $p] = @a[$p, $c];
        my $piv = $a[$c][$c];
        $_ /= $piv for @{ $a[$c] };
        for my $r (0 .. $d - 1) {
            next if $r == $c;
            my $f = $a[$r][$c];
            $a[$r][$_] -= $f * $a[$c][$_] for 0 .. 2 * $d - 1;
        }
    }
    return [ map { my $i = $_; [ map { my $j = $_; sum(map { (($i == $_) - 0.5 * $k->[$i][$_]) * $a[$_][$d + $j] } 0 .. $d - 1) } 0 .. $d - 1 ] } 0 .. $d - 1 ];
}

# ---- 10^6 shots against U x --------------------------------------------------
my @gen = (0.3, -0.7, 0.2, 1.1, -0.4, 0.9);   # K[0][1], K[0][2], K[0][3], K[1][2], K[1][3], K[2][3]
my @k = map { [ (0) x 4 ] } 0 .. 3;
my $at = 0;
for my $i (0 .. 3) { for my $j ($i + 1 .. 3) { $k[$i][$j] = $gen[$at]; $k[$j][$i] = -$gen[$at]; $at++ } }
my $u = cayley(\@k);
my @x = (0.5, -1.2, 0.8, 0.3, -0.6, 0.1, 0.9, -0.4);   # two pieces
my $spec = write_file("$dir/exact.json", $json->encode({
    device => { kind => 'line', qubits => 4 }, block_qubits => 2, generators => [ \@gen ],
    inputs => [ \@x ], shots => 1000000, seed => 5, compile => 'merged' }));
my ($status, undef, $err) = run_tnemu('adapters', $spec, '-o', "$dir/exact.out.json", '-q');
ok($status == 0, 'adapters runs a 2-block line spec') or diag($err);
my $r = read_json("$dir/exact.out.json");
my $worst = 0;
my $signs = 1;
for my $p (0 .. 1) {
    my @xp = @x[4 * $p .. 4 * $p + 3];
    my $norm = sqrt(sum(map { $_ * $_ } @xp));
    for my $i (0 .. 3) {
        my $y = sum(map { $u->[$i][$_] * $xp[$_] } 0 .. 3);
        my $got = $r->{inputs}[0]{output}[4 * $p + $i];
        my $sd = $norm / (2 * sqrt(1e6));        # sd of sqrt(p-hat) |x|
        $worst = max($worst, abs($got - $y) / $sd);
        $signs &&= ($got <=> 0) == ($y <=> 0) || abs($y) < 1e-3;
    }
}
ok($worst < 5, sprintf('10^6 shots reproduce U x (Cayley computed here) within shot noise (worst %.2f sd)', $worst));
ok($signs, 'the signs restored from the exact U x are right');
is($r->{two_qubit_gates_per_block}, 1, 'compile merged (an option): encoding + U merged into one preparation: 1 CZ per 2-qubit block');
ok($r->{mean_relative_error} < 0.01, "mean relative error $r->{mean_relative_error} at 10^6 shots");

# the same inputs from a text file (numpy.savetxt style: a header comment, commas or spaces)
my $acts = write_file("$dir/acts.txt", "# activations\n" . join(', ', @x[0 .. 3]) . "  " . join(' ', @x[4 .. 7]) . "\n\n");
$spec = write_file("$dir/fromfile.json", $json->encode({
    device => { kind => 'line', qubits => 4 }, block_qubits => 2, generators => [ \@gen ],
    inputs => { file => $acts }, shots => 1000000, seed => 5, compile => 'merged' }));
($status, undef, $err) = run_tnemu('adapters', $spec, '-o', "$dir/fromfile.out.json", '-q');
ok($status == 0, 'inputs from a text file') or diag($err);
is_deeply(read_json("$dir/fromfile.out.json")->{inputs}, $r->{inputs}, 'inputs from a file give the same outputs as inline');

# the same with the encoding and U compiled one after the other (U by its KAK
# decomposition, at most 3 CZ): the same outputs within shot noise
$spec = write_file("$dir/separate.json", $json->encode({
    device => { kind => 'line', qubits => 4 }, block_qubits => 2, generators => [ \@gen ],
    inputs => [ \@x ], shots => 1000000, seed => 6, compile => 'separate' }));   # its own shots: per-block draws of one seed would match
($status, undef, $err) = run_tnemu('adapters', $spec, '-o', "$dir/separate.out.json", '-q');
ok($status == 0, 'compile: separate runs') or diag($err);
my $sep = read_json("$dir/separate.out.json");
my $worst_sep = 0;
for my $i (0 .. 7) {
    my $sd = 2 / (2 * sqrt(1e6));
    $worst_sep = max($worst_sep, abs($sep->{inputs}[0]{output}[$i] - $r->{inputs}[0]{output}[$i]) / $sd);
}
ok($worst_sep < 7, sprintf('separate and merged compilation agree within shot noise (worst %.2f sd)', $worst_sep));
ok($sep->{compile} eq 'separate' && $sep->{two_qubit_gates_per_block} <= 4 && $sep->{two_qubit_gates_per_block} >= 2,
   "separate: the encoding (1 CZ) and U (3 CZ) give $sep->{two_qubit_gates_per_block} CZ per block");

# a real K at k = 3, compiled separately: U is real orthogonal, and some
# one-qubit factors of its Shannon decomposition are diagonal up to rounding;
# their U3 angles once took a phase from that rounding, and this block came
# out wrong (relative error 0.022 against 0.0035 merged at 2*10^5 shots).
# Against U x computed here, both compilations.
my @gen3 = (0.5596, -0.3239, 0.3174, 0.8160, -0.0836, 0.4978, 0.2597, 0.5009, -0.5344, -0.5527, -0.4337, -0.5980,
            0.3581, 0.3357, 0.5430, 0.8814, -0.0020, 0.9961, -0.3139, -0.7245, 0.8175, 0.7403, 0.9769, 0.4508,
            0.4731, -0.8340, 0.2401, 0.0779);
my @k3 = map { [ (0) x 8 ] } 0 .. 7;
$at = 0;
for my $i (0 .. 7) { for my $j ($i + 1 .. 7) { $k3[$i][$j] = $gen3[$at]; $k3[$j][$i] = -$gen3[$at]; $at++ } }
my $u3 = cayley(\@k3);
my $x3norm = sqrt(sum(map { $_ * $_ } @x));
my %k3err;
for my $mode ('merged', 'separate') {
    my $f = write_file("$dir/k3-$mode.json", $json->encode({
        device => { kind => 'line', qubits => 3 }, block_qubits => 3, generators => [ \@gen3 ], inputs => [ \@x ],
        shots => 200000, seed => $mode eq 'merged' ? 5 : 6, compile => $mode }));
    ($status, undef, $err) = run_tnemu('adapters', $f, '-o', "$dir/k3-$mode.out.json", '-q');
    my $out = $status == 0 ? read_json("$dir/k3-$mode.out.json") : { inputs => [ { output => [] } ] };
    my $worst3 = 0;
    for my $i (0 .. 7) {
        my $y = sum(map { $u3->[$i][$_] * $x[$_] } 0 .. 7);
        $worst3 = max($worst3, abs(($out->{inputs}[0]{output}[$i] // 1e9) - $y) / ($x3norm / (2 * sqrt(2e5))));
    }
    $k3err{$mode} = $out->{mean_relative_error} // 'none';
    ok($status == 0 && $worst3 < 5, sprintf('k=3, real K, %s: 2*10^5 shots reproduce U x within shot noise (worst %.2f sd)',
                                            $mode, $worst3)) or diag($err);
}
ok($k3err{separate} ne 'none' && $k3err{separate} < 1.5 * $k3err{merged},
   "k=3, real K: separate at the merged level (relative error $k3err{separate} vs $k3err{merged})");

# ---- 156 qubits, 78 blocks -----------------------------------------------------
my @big = map { sin(0.37 * $_ + 0.1) } 0 .. 78 * 4 - 1;
my $bigspec = write_file("$dir/big.json", $json->encode({
    device => { kind => 'line', qubits => 156 }, block_qubits => 2, generators => [ \@gen ],
    inputs => [ \@big ], shots => 2000 }));
($status, undef, $err) = run_tnemu('adapters', $bigspec, '-o', "$dir/big.out.json", '--emit', "$dir/big", '-q');
ok($status == 0, '78 pieces on a 156-qubit line') or diag($err);
$r = read_json("$dir/big.out.json");
is($r->{blocks_per_circuit}, 78, '78 two-qubit blocks in one circuit');
ok(-s "$dir/big/circuit-0.qasm", '--emit writes the OpenQASM circuit');
is($r->{compile}, 'separate', 'the default compilation is the protocol a device runs: encode x, then the circuit of U');
is($r->{method}, 'per-block', 'noiseless: each block sampled from its own distribution by default');
($status) = run_tnemu('adapters', $bigspec, '-o', "$dir/big.again.json", '-q');
is_deeply(read_json("$dir/big.again.json")->{inputs}, $r->{inputs}, 'per-block sampling: the same outputs for the same seed');
my $bigseed = write_file("$dir/bigseed.json", $json->encode({
    device => { kind => 'line', qubits => 156 }, block_qubits => 2, generators => [ \@gen ],
    inputs => [ \@big ], shots => 2000, seed => 2 }));
($status) = run_tnemu('adapters', $bigseed, '-o', "$dir/bigseed.out.json", '-q');
my $other_seed = read_json("$dir/bigseed.out.json");
ok($status == 0 && $json->encode($other_seed->{inputs}) ne $json->encode($r->{inputs}), 'and other outputs for another seed');
($status, undef, $err) = run_tnemu('adapters', $bigspec, '--method', 'mps', '-o', "$dir/big.mps.json", '-q');
my $bigmps = read_json("$dir/big.mps.json");
ok($status == 0 && $bigmps->{method} eq 'mps' && $bigmps->{max_bond_dimension} <= 4,
   "--method mps: the whole 156-qubit circuit as one MPS, bond dimension at most 4 ($bigmps->{max_bond_dimension})")
    or diag($err);
# each block alone: the distribution of two bits is fixed by <Za>, <Zb>, <Za Zb>
my @probe = (0, 13, 40, 77);
my @obs = map { my $b = $_; ("Z" . 2 * $b, "Z" . (2 * $b + 1), "Z" . 2 * $b . " Z" . (2 * $b + 1)) } @probe;
($status, undef, $err) = run_tnemu('run', "$dir/big/circuit-0.qasm", '--shots', '0', (map { ('--observable', $_) } @obs),
                                   '-o', "$dir/big.run.json", '-q');
my $bigrun = read_json("$dir/big.run.json");
my $same = $status == 0;
for my $b (@probe) {
    my $one = write_file("$dir/one$b.json", $json->encode({
        device => { kind => 'line', qubits => 2 }, block_qubits => 2, generators => [ \@gen ],
        inputs => [ [ @big[4 * $b .. 4 * $b + 3] ] ], shots => 10 }));
    run_tnemu('adapters', $one, '--emit', "$dir/one$b", '-o', "$dir/one$b.out.json", '-q');
    my ($s2) = run_tnemu('run', "$dir/one$b/circuit-0.qasm", '--shots', '0', '--observable', 'Z0', '--observable', 'Z1',
                         '--observable', 'Z0 Z1', '-o', "$dir/one$b.run.json", '-q');
    my $small = read_json("$dir/one$b.run.json");
    my ($a, $c) = (2 * $b, 2 * $b + 1);
    $same &&= $s2 == 0 && abs($small->{expectation_values}{Z0} - $bigrun->{expectation_values}{"Z$a"}) < 1e-12
        && abs($small->{expectation_values}{Z1} - $bigrun->{expectation_values}{"Z$c"}) < 1e-12
        && abs($small->{expectation_values}{'Z0 Z1'} - $bigrun->{expectation_values}{"Z$a Z$c"}) < 1e-12;
}
ok($same, 'blocks 0, 13, 40, 77 of the 156-qubit circuit equal each block emulated alone (<Z>, <ZZ> to 1e-12)');

# ---- --hardware-counts: counts of the emitted circuits ----------------------------------
# The "hardware" here is tnemu run on the emitted circuit; each output's
# magnitude must be sqrt(f) |x| for the frequencies f of its block's two bits,
# read here from the keys (B blocks: 2B-character keys); then the same counts
# with Qiskit's hexadecimal keys. 64-bit keys (32 blocks) always; 156-bit keys
# (78 blocks) once the counts reader takes keys wider than 64 bits (branch
# `wide`), skipped before with that reason.
sub hardware_case {
    my ($label, $spec, $emitted, $xs, $B) = @_;
    my $hwdir = "$dir/hw-$label";
    mkdir $hwdir;
    my ($st, undef, $er) = run_tnemu('run', "$emitted/circuit-0.qasm", '--shots', '3000', '--seed', '4', '-o', "$hwdir/circuit-0.json", '-q');
    ok($st == 0, "$label: counts of the emitted circuit from tnemu run") or diag($er);
    ($st, undef, $er) = run_tnemu('adapters', $spec, '--hardware-counts', $hwdir, '-o', "$hwdir.out.json", '-q');
    return (0, $er) if $st != 0 && $er =~ /at most 64/;
    my $res = $st == 0 ? read_json("$hwdir.out.json") : {};
    my $hw = $res->{hardware} // {};
    my $counts = -e "$hwdir/circuit-0.json" ? read_json("$hwdir/circuit-0.json")->{counts} : {};
    my @freq = map { [ (0) x 4 ] } 0 .. $B - 1;
    for my $key (keys %$counts) {
        my @bits = reverse split //, $key;   # bit 0 rightmost
        $freq[$_][ $bits[2 * $_] + 2 * $bits[2 * $_ + 1] ] += $counts->{$key} / 3000 for 0 .. $B - 1;
    }
    my ($worst_mag, $signs_hw) = (0, 1);
    for my $p (0 .. $B - 1) {
        my $norm = sqrt(sum(map { $_ * $_ } @$xs[4 * $p .. 4 * $p + 3]));
        for my $i (0 .. 3) {
            my $got = $hw->{inputs}[0]{output}[4 * $p + $i] // 1e9;
            $worst_mag = max($worst_mag, abs(abs($got) - sqrt($freq[$p][$i]) * $norm));
            my $emu = $res->{inputs}[0]{output}[4 * $p + $i] // 0;
            $signs_hw &&= $got == 0 || $emu == 0 || ($got <=> 0) == ($emu <=> 0);
        }
    }
    ok($st == 0 && $hw->{circuits} == 1 && $hw->{shots} == 3000 && $worst_mag < 1e-12,
       sprintf('%s: --hardware-counts: each output is sqrt(f) |x| of its block in the %d-bit counts (worst %.2g)',
               $label, 2 * $B, $worst_mag)) or diag($er);
    ok($signs_hw, "$label: and carries the signs of the exact U x, as the emulated outputs do");
    ok(($hw->{mean_block_tvd_from_emulation} // 1) < 0.06 && ($hw->{mean_relative_error} // 1) < 0.1,
       sprintf('%s: noiseless counts agree with the emulation within shot noise (block TVD %.4f, relative error %.4f vs %.4f)',
               $label, $hw->{mean_block_tvd_from_emulation} // -1, $hw->{mean_relative_error} // -1, $res->{mean_relative_error} // -1));
    mkdir "$hwdir-hex";
    write_file("$hwdir-hex/circuit-0.json", $json->encode({ counts => { map { (Math::BigInt->from_bin("0b$_")->as_hex() => $counts->{$_}) } keys %$counts } }));
    ($st, undef, $er) = run_tnemu('adapters', $spec, '--hardware-counts', "$hwdir-hex", '-o', "$hwdir-hex.out.json", '-q');
    ok($st == 0 && $json->encode(read_json("$hwdir-hex.out.json")->{hardware}{inputs}) eq $json->encode($hw->{inputs}),
       sprintf('%s: hexadecimal keys of %d bits give the same outputs', $label, 2 * $B)) or diag($er);
    mkdir "$hwdir-bad";
    for my $case ([ 'absent', undef, qr/cannot read '.*-bad\/circuit-0.json'/ ],
                  [ 'width', '{"counts": {"0101": 10}}', qr/circuit-0.json: key '0101' has 4 bits, expected ${\(2 * $B)}/ ]) {
        my ($name, $text, $want) = @$case;
        write_file("$hwdir-bad/circuit-0.json", $text) if defined $text;
        unlink "$hwdir-bad.out.json";
        my ($s, undef, $e) = run_tnemu('adapters', $spec, '--hardware-counts', "$hwdir-bad", '-o', "$hwdir-bad.out.json");
        ok($s == 2 && (grep { length } split /\n/, $e) == 1 && $e =~ $want && !-e "$hwdir-bad.out.json",
           "$label: --hardware-counts, counts file $name: exit 2, one line") or diag("status $s: $e");
    }
    return (1, '');
}
my @x64 = map { cos(0.29 * $_ - 0.2) } 0 .. 32 * 4 - 1;
my $spec64 = write_file("$dir/hw64.json", $json->encode({
    device => { kind => 'line', qubits => 64 }, block_qubits => 2, generators => [ \@gen ], inputs => [ \@x64 ], shots => 3000 }));
($status, undef, $err) = run_tnemu('adapters', $spec64, '--emit', "$dir/hw64emit", '-o', "$dir/hw64emit.json", '-q');
ok($status == 0, '64 qubits, 32 blocks: emitted') or diag($err);
hardware_case('64-bit', $spec64, "$dir/hw64emit", \@x64, 32);
SKIP: {
    my ($ran, $why) = hardware_case('156-bit', $bigspec, "$dir/big", \@big, 78);
    chomp $why;
    skip "counts wider than 64 bits are not read by this build's counts reader ($why)", 6 unless $ran;
}

# ---- ranks and groups ------------------------------------------------------------
my $farm = write_file("$dir/farm.json", $json->encode({
    device => { kind => 'grid', rows => 2, cols => 3 }, block_qubits => 2, generators => { random => 3 },
    inputs => { random => 4, count => 5, pieces => 3 }, shots => 3000, seed => 9 }));
($status, undef, $err) = run_tnemu('adapters', $farm, '-o', "$dir/farm1.json", '-q');
ok($status == 0, 'a 5-circuit batch on one process') or diag($err);
my $mpirun = 'OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 mpirun --oversubscribe';
my $bin = tnemu();
for my $case ([2, 2], [3, 1], [3, 3]) {
    my ($np, $g) = @$case;
    system("$mpirun -n $np $bin adapters $farm --groups $g -q -o $dir/farm-$np-$g.json >/dev/null 2>&1");
    my $other = -e "$dir/farm-$np-$g.json" ? read_json("$dir/farm-$np-$g.json") : {};
    my $one = read_json("$dir/farm1.json");
    is_deeply($other->{inputs}, $one->{inputs}, "$np ranks, $g groups: the same outputs as one process");
}

# ---- devices from the shared calibrations -----------------------------------------
SKIP: {
    my $data = shared_data();
    skip 'shared data absent (../shared/data)', 3 unless $data;
    my $fez = write_file("$dir/fez.json", $json->encode({
        device => { kind => 'ibm', file => "$data/ibm-backends/fez/conf_fez.json" }, block_qubits => 2,
        generators => { random => 1 }, inputs => { random => 2, count => 1, pieces => 64 }, shots => 4000,
        noise => "$data/ibm-backends/fez/props_fez.json", trajectories => 20 }));
    ($status, undef, $err) = run_tnemu('adapters', $fez, '-o', "$dir/fez.out.json", '-q', '--emit', "$dir/fez");
    ok($status == 0, 'fez with its calibration') or diag($err);
    my $noisy = read_json("$dir/fez.out.json");
    ($status) = run_tnemu('adapters', $fez, '--noise-scale', '0', '-o', "$dir/fez0.out.json", '-q');
    my $clean = read_json("$dir/fez0.out.json");
    ok($noisy->{blocks_per_circuit} >= 50 && $clean->{blocks_per_circuit} == 64,
       "fez: $clean->{blocks_per_circuit} blocks (the maximum matching of heavy-hex), $noisy->{blocks_per_circuit} on working couplers");
    ok($noisy->{mean_relative_error} > $clean->{mean_relative_error},
       sprintf('noise raises the error (%.4f noisy vs %.4f noiseless)', $noisy->{mean_relative_error}, $clean->{mean_relative_error}));
    ok($noisy->{noise_method} eq 'exact-per-block' && !defined $noisy->{trajectories},
       "fez noise couples no blocks: exact per-block distributions ($noisy->{noise_method})");

    # exact per block against the trajectory path, entry by entry: f = (y/|x|)^2
    # has a standard error of at most sqrt(f (1 - f) / S) from the shots and
    # sqrt(f (1 - f) / T) from the trajectories (a trajectory's probability is
    # in [0, 1] with mean f)
    my @xs = map { sin(0.61 * $_ + 0.3) } 0 .. 64 * 4 - 1;
    my ($S, $T) = (8192, 300);
    my %out;
    for my $method ('auto', 'mps') {
        my $f = write_file("$dir/fez-$method.json", $json->encode({
            device => { kind => 'ibm', file => "$data/ibm-backends/fez/conf_fez.json" }, block_qubits => 2,
            generators => { random => 1 }, inputs => [ \@xs ], shots => $S, seed => 3,
            noise => "$data/ibm-backends/fez/props_fez.json", trajectories => $T, method => $method }));
        ($status, undef, $err) = run_tnemu('adapters', $f, '-o', "$dir/fez-$method.out.json", '-q');
        $out{$method} = $status == 0 ? read_json("$dir/fez-$method.out.json") : undef;
        diag($err) if $status;
    }
    my ($worst_z, $n) = (0, 0);
    if ($out{auto} && $out{mps} && @{ $out{auto}{inputs}[0]{output} } == @xs) {
        for my $p (0 .. 63) {
            my $norm2 = sum(map { $_ * $_ } @xs[4 * $p .. 4 * $p + 3]);
            for my $i (0 .. 3) {
                my ($a, $b) = map { $out{$_}{inputs}[0]{output}[4 * $p + $i] ** 2 / $norm2 } 'auto', 'mps';
                my $f = ($a + $b) / 2;
                my $se = sqrt(max($f * (1 - $f), 1 / $S) * (2 / $S + 1 / $T));
                $worst_z = max($worst_z, abs($a - $b) / $se);
                $n++;
            }
        }
    }
    ok($n == 256 && $out{mps}{noise_method} eq 'trajectories' && $worst_z < 5,
       sprintf('fez: exact per-block outcome frequencies and %d trajectories agree within 5 standard errors on %d entries '
               . '(worst %.2f; mean relative error %.4f vs %.4f)', $T, $n, $worst_z,
               $out{auto}{mean_relative_error} // -1, $out{mps}{mean_relative_error} // -1));
}

# ---- noise that couples blocks: the trajectory path ---------------------------------
my $zz = write_file("$dir/zz.json", '{"format":"tnemu-noise","t1":5e-5,"t2":4e-5,"couplers":[{"qubits":[1,2],"zz":3e4}],'
                                    . '"gates":[{"channels":[{"type":"depolarizing","p":0.01}]}]}');
my $zzspec = write_file("$dir/zzspec.json", $json->encode({
    device => { kind => 'line', qubits => 4 }, block_qubits => 2, generators => [ \@gen ], inputs => [ \@x ],
    shots => 2000, noise => $zz, trajectories => 20 }));
($status, undef, $err) = run_tnemu('adapters', $zzspec, '-o', "$dir/zz.out.json", '-q');
my $zzout = $status == 0 ? read_json("$dir/zz.out.json") : {};
ok($status == 0 && $zzout->{noise_method} eq 'trajectories' && ($zzout->{method_reason} // '') =~ /couples qubits of different blocks/
   && $zzout->{trajectories} == 20, 'a ZZ coupler between blocks: the trajectory path, and the result says why') or diag($err);
($status, undef, $err) = run_tnemu('adapters', $zzspec, '--method', 'per-block', '-o', "$dir/zz-pb.out.json");
ok($status == 2 && (grep { length } split /\n/, $err) == 1 && $err =~ /method per-block: the noise model couples/ && !-e "$dir/zz-pb.out.json",
   '--method per-block with such a model: exit 2, one line') or diag($err);

# ---- sweep over block sizes and noise scales ---------------------------------------
my $nz = write_file("$dir/sweep-noise.json", '{"format":"tnemu-noise","gates":[{"channels":[{"type":"depolarizing","p":0.03}]}]}');
my $sweep = write_file("$dir/sweep.json", $json->encode({
    device => { kind => 'grid', rows => 3, cols => 4 }, block_qubits => 2, generators => { random => 2 },
    inputs => { random => 3, count => 2, pieces => 4 }, shots => 20000, noise => $nz, trajectories => 50,
    sweep => { block_qubits => [1, 2, 3], noise_scale => [0, 1] } }));
($status, undef, $err) = run_tnemu('adapters', $sweep, '--sweep', "$dir/sweep", '-q');
my @rows = grep { /^\d/ } split /\n/, (-e "$dir/sweep/sweep.csv" ? do { local (@ARGV, $/) = ("$dir/sweep/sweep.csv"); <> } : '');
ok($status == 0 && @rows == 6, '--sweep writes six CSV rows (3 block sizes x 2 noise scales)') or diag($err);
my %err = map { my @f = split /,/; ("$f[0]/$f[1]" => $f[2]) } @rows;
ok((grep { $err{"$_/1"} > $err{"$_/0"} } 1 .. 3) == 3, 'for every block size the error grows with noise');
SKIP: {
    skip 'no /usr/bin/python3 with matplotlib', 1 unless system('/usr/bin/python3 -c "import matplotlib" 2>/dev/null') == 0;
    ok(-s "$dir/sweep/sweep.png" > 5000, '--sweep draws sweep.png');
}

# ---- malformed specs ---------------------------------------------------------------
my @bad = (
    [ 'JSON syntax',        "{\n\"device\": ,}",                                                   qr/:2:\d+: error:/ ],
    [ 'no device kind',     '{"device": {}}',                                                      qr/"device" needs "kind"/ ],
    [ 'unknown device',     '{"device": {"kind": "torus"}}',                                       qr/"device.kind" must be one of: ibm, origin, line, grid/ ],
    [ 'block size',         '{"device": {"kind": "line", "qubits": 4}, "block_qubits": 9}',        qr/"block_qubits" must be a number in \[1, 5\]/ ],
    [ 'input length',       '{"device": {"kind": "line", "qubits": 4}, "block_qubits": 2, "inputs": [[1,2,3]]}', qr/inputs\[0\] has 3 numbers, not a multiple of 2\^k = 4/ ],
    [ 'generator length',   '{"device": {"kind": "line", "qubits": 4}, "block_qubits": 2, "inputs": [[1,2,3,4]], "generators": [[1,2]]}', qr/a real generator of a 2-qubit block has 6 numbers/ ],
    [ 'generator count',    '{"device": {"kind": "line", "qubits": 4}, "block_qubits": 2, "inputs": [[1,2,3,4,5,6,7,8,1,2,3,4]], "generators": [[1,2,3,4,5,6],[1,2,3,4,5,6]]}', qr/2 generators for 3 pieces per input: give 1 or 3/ ],
    [ 'ragged inputs',      '{"device": {"kind": "line", "qubits": 4}, "block_qubits": 2, "inputs": [[1,2,3,4],[1,2]]}', qr/inputs\[1\] is not a list of 4 numbers/ ],
    [ 'shots range',        '{"device": {"kind": "line", "qubits": 4}, "block_qubits": 2, "inputs": [[1,2,3,4]], "generators": [[1,2,3,4,5,6]], "shots": 0}', qr/"shots" must be a number in \[1, 1e\+09\]/ ],
    [ 'compile mode',       '{"device": {"kind": "line", "qubits": 4}, "block_qubits": 2, "compile": "fused"}', qr/"compile" must be merged or separate/ ],
    [ 'method',             '{"device": {"kind": "line", "qubits": 4}, "block_qubits": 2, "method": "exact"}', qr/"method" must be auto, per-block or mps/ ],
    [ 't2 unknown',         '{"device": {"kind": "line", "qubits": 4}, "block_qubits": 2, "inputs": [[1,2,3,4]], "generators": [[1,2,3,4,5,6]], "t2": "hahn"}', qr/"t2" must be "ramsey" or "echo"/ ],
    [ 'no room',            '{"device": {"kind": "line", "qubits": 2}, "block_qubits": 3, "inputs": [[1,2,3,4,5,6,7,8]], "generators": {"random": 1}}', qr/no connected 3-qubit set/ ],
    [ 'device file absent', '{"device": {"kind": "ibm", "file": "/nonexistent/conf.json"}}',       qr/cannot read device file/ ],
);
my $badacts = write_file("$dir/badacts.txt", "1 2 3 4\n5 6 x 8\n");
my $shortacts = write_file("$dir/shortacts.txt", "1 2 3 4 5 6 7 8\n1 2 3 4\n");
push @bad, [ 'inputs file number',  '{"device": {"kind": "line", "qubits": 4}, "block_qubits": 2, "inputs": {"file": "' . $badacts . '"}}', qr/badacts.txt:2:5: error: expected a finite number/ ],
           [ 'inputs file lengths', '{"device": {"kind": "line", "qubits": 4}, "block_qubits": 2, "inputs": {"file": "' . $shortacts . '"}}', qr/shortacts.txt:2:1: error: 4 numbers, not 8 like the first vector/ ],
           [ 'inputs file absent',  '{"device": {"kind": "line", "qubits": 4}, "block_qubits": 2, "inputs": {"file": "/nonexistent/acts.txt"}}', qr/cannot read inputs file/ ];
for my $case (@bad) {
    my ($name, $text, $want) = @$case;
    my $f = write_file("$dir/bad.json", $text);
    unlink "$dir/bad.out.json";
    my ($s, undef, $e) = run_tnemu('adapters', $f, '-o', "$dir/bad.out.json");
    my @lines = grep { length } split /\n/, $e;
    ok($s == 2 && @lines == 1 && $e =~ $want && !-e "$dir/bad.out.json", "bad spec: $name: exit 2, one line")
        or diag("status $s\nstderr: $e\nwant: $want");
}
my ($s, undef, $e) = run_tnemu('adapters', $spec, '--method', 'fast');
ok($s == 2 && $e =~ /option --method: 'fast' is not one of auto, per-block, mps/, 'bad option: --method');
($s, undef, $e) = run_tnemu('adapters', $spec, '--sweep', "$dir/sw", '--hardware-counts', $dir);
ok($s == 2 && $e =~ /--hardware-counts: not with --sweep/, 'bad option: --hardware-counts with --sweep');
($s, undef, $e) = run_tnemu('adapters', $spec, '--groups', '5');
ok($s == 2 && $e =~ /option --groups: '5' is not an integer in \[1, 1\]/, 'bad option: --groups beyond the ranks');
done_testing();
