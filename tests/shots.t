#!/usr/bin/perl
# shots.t - counting shots in memory that grows with the distinct outcomes,
# not with the shots: a Bell pair with 10^7 shots under --max-memory stays
# near the resident memory of a 1,000-shot run; counts are the same bits on
# 1, 2 and 3 ranks (one group over several ranks, and one group per rank),
# across chunk boundaries, for static, dynamic and noisy runs, and within a
# chi-square bound of the exact Born probabilities; keys wider than 64 bits
# are counted bit for bit; a limit too small for the counts stops the run
# with one line naming --max-memory and the counts, on 1 and 2 ranks.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Tnemu qw(tnemu run_tnemu read_json tmpdir gen_circuit write_file mpi_as_root);

mpi_as_root();
my $dir = tmpdir();
my $bin = tnemu();
my $canon = JSON::PP->new->canonical;

# Runs tnemu run on P ranks; returns (exit status, result or undef, stderr).
sub mpirun {
    my ($p, $out, @args) = @_;
    system(join(' ', 'timeout 300 mpirun -n', $p, '--oversubscribe', $bin, 'run', (map { "'$_'" } @args), '-q',
                '-o', $out, "2>$out.err"));
    my $status = $? >> 8;
    my $err = '';
    if (open(my $fh, '<', "$out.err")) { local $/; $err = <$fh> // ''; close $fh; }
    return ($status, $status == 0 && -e $out ? read_json($out) : undef, $err);
}

sub total { my $c = shift; my $s = 0; $s += $_ for values %$c; return $s; }

# The upper 1e-6 tail of chi-square with k degrees of freedom (Wilson-Hilferty).
sub chi2_bound { my $k = shift; my $z = 4.753; return $k * (1 - 2 / (9 * $k) + $z * sqrt(2 / (9 * $k)))**3; }

# Pearson's statistic of counts against probabilities (outcomes expected >= 5
# times; the rest pooled into one cell) and its degrees of freedom.
sub chi2 {
    my ($counts, $probs, $shots) = @_;
    my ($stat, $cells, $rest_o, $rest_e) = (0, 0, 0, 0);
    my %keys = map { $_ => 1 } (keys %$counts, keys %$probs);
    for my $k (keys %keys) {
        my ($o, $e) = ($counts->{$k} // 0, ($probs->{$k} // 0) * $shots);
        if ($e < 5) { $rest_o += $o; $rest_e += $e; next; }
        $stat += ($o - $e)**2 / $e;
        $cells++;
    }
    if ($rest_e > 0) { $stat += ($rest_o - $rest_e)**2 / $rest_e; $cells++; }
    elsif ($rest_o > 0) { $stat = 1e300; }   # outcomes of probability 0
    return ($stat, $cells - 1);
}

# ---- 10^7 shots of a Bell pair in bounded memory ------------------------------------
my $bell = write_file("$dir/bell.qasm", "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[2];\ncreg c[2];\n"
                      . "h q[0];\ncx q[0],q[1];\nmeasure q -> c;\n");
my ($st, undef, $err) = run_tnemu('run', $bell, '--shots', '1000', '--seed', '3', '-q', '-o', "$dir/small.json");
my $small_peak = $st == 0 ? read_json("$dir/small.json")->{peak_memory_bytes} : 0;
my $shots = 10_000_000;   # about 1 s here; the shots before this change took 0.5 GB
($st, undef, $err) = run_tnemu('run', $bell, '--shots', $shots, '--seed', '3', '--max-memory', '256M', '-q', '-o',
                               "$dir/big.json");
my $big = $st == 0 ? read_json("$dir/big.json") : {counts => {}, peak_memory_bytes => 1e300};
my $grown = ($big->{peak_memory_bytes} - $small_peak) / 1048576;
ok($st == 0 && total($big->{counts}) == $shots && join(',', sort keys %{$big->{counts}}) eq '00,11',
   "Bell pair, $shots shots under --max-memory 256M: counts of 00 and 11 add up to the shots") or diag("$st: $err");
ok($small_peak > 0 && $grown < 64, sprintf('peak resident memory %.1f MiB above a 1000-shot run (bound 64 MiB)', $grown));
my ($stat, $dof) = chi2($big->{counts}, {'00' => 0.5, '11' => 0.5}, $shots);
ok($stat < chi2_bound($dof), sprintf('Bell counts within chi-square %.2f < %.2f of 1/2, 1/2', $stat, chi2_bound($dof)));

# ---- the same bits on 1, 2 and 3 ranks, within chi-square of the Born rule ------------
my $bw = gen_circuit('bw6.qasm', 'brickwork', 6, 4, 5, 'measure');
my @layouts = ([1], [2], [3, '--groups', '3'], [2, '--groups', '2']);
my %runs;
for my $l (@layouts) {
    my ($p, @g) = @$l;
    my $name = "bw_${p}_" . (@g ? $g[1] : 1);
    ($st, my $r, $err) = mpirun($p, "$dir/$name.json", $bw, '--shots', '200000', '--seed', '11', '--probabilities', @g);
    $runs{$name} = $r;
    ok($r && total($r->{counts}) == 200000, "brickwork 6 qubits on $p rank(s) @g: counts add up to the shots")
        or diag($err);
}
my $one = $canon->encode($runs{bw_1_1}{counts} // {});
ok(!grep({ $canon->encode($runs{$_}{counts} // {}) ne $one } keys %runs), 'the same counts on 1, 2 and 3 ranks, 1 to 3 groups');
($stat, $dof) = chi2($runs{bw_1_1}{counts} // {}, $runs{bw_1_1}{probabilities} // {}, 200000);
ok($dof > 10 && $stat < chi2_bound($dof),
   sprintf('counts within chi-square %.1f < %.1f (%d degrees of freedom) of the exact probabilities', $stat,
           chi2_bound($dof), $dof));

# ---- keys wider than 64 bits, across chunk boundaries --------------------------------
# 70 qubits: q3 and q64 always 1, q0 and (q66 = q69) fair coins; 300,000
# shots are three chunks of a 70-qubit sample
my $wide = write_file("$dir/wide.qasm", "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[70];\ncreg c[70];\n"
                      . "h q[0];\nh q[66];\ncx q[66],q[69];\nx q[3];\nx q[64];\nmeasure q -> c;\n");
sub key_of { my %one = map { $_ => 1 } @_; return join('', map { $one{69 - $_} ? '1' : '0' } 0 .. 69); }
my %want = map { key_of(3, 64, @$_) => 0.25 } ([], [0], [66, 69], [0, 66, 69]);
my %wide;
for my $l ([1], [2], [3, '--groups', '3']) {
    my ($p, @g) = @$l;
    ($st, $wide{$p}, $err) = mpirun($p, "$dir/wide$p.json", $wide, '--shots', '300000', '--seed', '5', @g);
}
my $w = $wide{1}{counts} // {};
($stat, $dof) = chi2($w, \%want, 300000);
ok(join(',', sort keys %$w) eq join(',', sort keys %want) && total($w) == 300000 && $stat < chi2_bound($dof),
   sprintf('70-bit keys: exactly the four outcomes, 1/4 each within chi-square %.2f', $stat))
    or diag(join(' ', sort keys %$w));
ok($wide{2} && $wide{3} && $canon->encode($wide{2}{counts}) eq $canon->encode($w)
   && $canon->encode($wide{3}{counts}) eq $canon->encode($w), '70-bit keys: the same counts on 1, 2 and 3 ranks');

# a dynamic circuit with 70 classical bits in two registers: b[29] (c69) copies a[0] through if()
my $dyn = write_file("$dir/dyn70.qasm", "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[70];\ncreg a[40];\ncreg b[30];\n"
                     . "h q[0];\nmeasure q[0] -> a[0];\nif(a==1) x q[69];\nx q[65];\nmeasure q[69] -> b[29];\n"
                     . "measure q[65] -> b[25];\nreset q[0];\nmeasure q[0] -> a[0];\n");
my %dyn;
for my $p (1, 3) { ($st, $dyn{$p}, $err) = mpirun($p, "$dir/dyn$p.json", $dyn, '--shots', '400', '--seed', '8'); }
my $d = $dyn{1}{counts} // {};
my %dwant = (key_of(65) => 1, key_of(65, 69) => 1);
ok(join(',', sort keys %$d) eq join(',', sort keys %dwant) && total($d) == 400 && $d->{key_of(65)} > 150
   && $d->{key_of(65, 69)} > 150, 'dynamic, 70 classical bits: the two outcomes the if() allows')
    or diag($canon->encode($d));
ok($dyn{3} && $canon->encode($dyn{3}{counts}) eq $canon->encode($d), 'dynamic, 70 bits: the same counts on 1 and 3 ranks');

# ---- noisy: counts and their standard errors over trajectories, any rank count ------
my $noise = write_file("$dir/noise.json", '{"format":"tnemu-noise","gates":[{"channels":[{"type":"depolarizing","p":0.02}]}],'
                       . '"qubits":[{"qubit":0,"readout":[0.02,0.05]},{"qubit":1,"readout":[0.03,0.04]}]}');
my %nz;
for my $p (1, 3) {
    ($st, $nz{$p}, $err) = mpirun($p, "$dir/nz$p.json", $bw, '--noise', $noise, '--trajectories', '30', '--shots',
                                  '30000', '--seed', '4');
}
my $n1 = $nz{1} // {counts => {}, noise => {}};
my ($se_ok, $se_pos) = (keys %{$n1->{counts}} > 0, 0);
for my $k (keys %{$n1->{counts}}) {
    # sum_t (c_t - p n_t)^2 <= N_k^2 (1 + 1/T) with T = 30 equal trajectories: se <= 1.04 N_k
    my $se = $n1->{noise}{count_stderr}{$k};
    $se_ok = 0 unless defined $se && $se >= 0 && $se <= 1.04 * $n1->{counts}{$k};
    $se_pos++ if defined $se && $se > 0;
}
ok(total($n1->{counts}) == 30000 && $se_ok && $se_pos > 0,
   'noisy: counts add up to the shots, every count has a standard error in [0, 1.04 count]');
ok($nz{3} && $canon->encode([$nz{3}{counts}, $nz{3}{noise}{count_stderr}])
   eq $canon->encode([$n1->{counts}, $n1->{noise}{count_stderr}]),
   'noisy: counts and standard errors the same on 1 and 3 ranks');

# ---- a limit too small for the counts ------------------------------------------------
my $h = write_file("$dir/h20.qasm", "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[20];\ncreg c[20];\nh q;\nmeasure q -> c;\n");
my $limit = int($small_peak / 1048576) + 24;   # room for the run, not for ~600,000 distinct outcomes
my $counts_msg = qr/^tnemu: option --max-memory: \d+ bytes would be exceeded \(\d+ at start, \d+ in use, \d+ more needed for (the counts of \d+ distinct outcomes|the list of \d+ counts|the result JSON of \d+ counts)\); raise the limit\n\z/;
($st, undef, $err) = run_tnemu('run', $h, '--shots', '1000000', '--seed', '1', '--max-memory', "${limit}M", '-q', '-o',
                               "$dir/h.json");
ok($st == 1 && $err =~ $counts_msg && !-e "$dir/h.json",
   "--max-memory ${limit}M and 10^6 shots of 20 random bits: one line naming the counts, exit 1, no result")
    or diag("$st: $err");
($st, undef, $err) = mpirun(2, "$dir/h2.json", $h, '--shots', '1000000', '--seed', '1', '--groups', '2', '--max-memory',
                            "${limit}M");
ok($st == 1 && $err =~ /option --max-memory: .* more needed for the (counts|list|result JSON)/ && !-e "$dir/h2.json",
   '2 groups: the same stop, exit 1, no result, no hang') or diag("$st: $err");
done_testing();
