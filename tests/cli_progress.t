#!/usr/bin/perl
# cli_progress.t - `tnemu run --progress S` through the command line: every
# progress line fits an 80-column terminal, the counts only grow and never pass
# their total, the percentage never goes back, and the last line is 100% with
# the count the summary gives (gates, trajectories), ending "done"; in both
# canonical forms, with checkpoints, noisy, dynamic, on two ranks (one set of
# lines, from rank 0); --progress 0 and -q alone write none. No timing is
# asserted: --progress 1e-9 makes every step due.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Tnemu qw(tnemu run_tnemu tmpdir gen_circuit write_file);

my $dir = tmpdir();
my $bw = gen_circuit('bw16.qasm', 'brickwork', 16, 12, 4, 'measure');

# Checks the progress lines of one run's stderr against the count its
# summary gives ($count: a regex capturing it in stderr, or the number).
sub check_lines {
    my ($name, $err, $what, $count) = @_;
    my @lines = grep { /^tnemu: \Q$what\E \d+\/\d+ / } split /\n/, $err;
    my @wide = grep { length($_) > 80 } @lines;
    ok(!@wide, "$name: every progress line fits 80 columns") or diag(join("\n", @wide));
    ok(@lines >= 2, "$name: progress lines written (" . scalar(@lines) . ")") or return diag($err);
    my ($prev_done, $prev_pct, $total, $sane) = (0, 0, undef, 1);
    for my $l (@lines) {
        my ($d, $t, $pct) = $l =~ m{^tnemu: \Q$what\E (\d+)/(\d+) ([\d.]+)%} or do { $sane = 0; next };
        $total //= $t;
        $sane &&= $t == $total && $d <= $t && $d >= $prev_done && $pct >= $prev_pct && $pct <= 100;
        ($prev_done, $prev_pct) = ($d, $pct);
    }
    ok($sane, "$name: counts grow up to one total, the percentage never goes back") or diag(join("\n", @lines));
    ($count) = $err =~ $count if ref $count;
    like($lines[-1], qr{^tnemu: \Q$what\E (\d+)/\1 100\.0%, .*, done$}, "$name: the last line is 100%, done");
    my ($last) = $lines[-1] =~ m{ (\d+)/};
    is($last, $count, "$name: its count is the summary's ($count $what)") if defined $count;
    ok(defined $count, "$name: the summary gives the count") unless defined $count;
    is(scalar(grep { /, done$/ } @lines), 1, "$name: one last line");
}

my $gates_re = qr/^tnemu: \S+: \d+ qubits, (\d+) gates/m;
for my $form ('vidal', 'center') {
    my ($st, undef, $err) = run_tnemu('run', $bw, '--chi', '16', '--shots', '50', '--seed', '2', '--canonical', $form,
                                      '--progress', '1e-9', '-o', "$dir/$form.json");
    is($st, 0, "$form form runs with --progress") or diag($err);
    check_lines("$form form", $err, 'gates', $gates_re);
}

my ($st, undef, $err) = run_tnemu('run', $bw, '--chi', '16', '--shots', '50', '--seed', '2', '--checkpoint', "$dir/ck",
                                  '--progress', '1e-9', '-o', "$dir/ck.json");
is($st, 0, 'a run with --checkpoint runs with --progress') or diag($err);
check_lines('with checkpoints', $err, 'gates', $gates_re);

my $noise = write_file("$dir/noise.json", '{"format":"tnemu-noise","gates":[{"channels":[{"type":"depolarizing","p":0.01}]}]}');
my $small = gen_circuit('bw8.qasm', 'brickwork', 8, 4, 1, 'measure');
($st, undef, $err) = run_tnemu('run', $small, '--noise', $noise, '--trajectories', '30', '--shots', '60', '--seed', '2',
                               '--progress', '1e-9', '-o', "$dir/noisy.json");
is($st, 0, 'a noisy run with --progress') or diag($err);
check_lines('noisy', $err, 'trajectories', qr/(\d+) trajectories, /);

# a dynamic circuit: the gates before the first measurement are "prefix gates"
my $dyn = write_file("$dir/dyn.qasm", "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[3];\ncreg c[3];\n"
                     . "h q[0];\ncx q[0],q[1];\ncx q[1],q[2];\nmeasure q[0] -> c[0];\nx q[0];\nmeasure q -> c;\n");
($st, undef, $err) = run_tnemu('run', $dyn, '--shots', '20', '--seed', '2', '--progress', '1e-9', '-q');
is($st, 0, 'a dynamic circuit with --progress') or diag($err);
check_lines('dynamic prefix', $err, 'prefix gates', 3);   # h, cx, cx before the first measure
unlike($err, qr/^tnemu: gates /m, 'dynamic: the prefix is not called the circuit\'s gates');

# off: --progress 0, and -q without --progress
($st, undef, $err) = run_tnemu('run', $bw, '--chi', '16', '--shots', '5', '--progress', '0', '-o', "$dir/off.json");
unlike($err, qr/^tnemu: gates \d/m, '--progress 0 writes no progress');
($st, undef, $err) = run_tnemu('run', $bw, '--chi', '16', '--shots', '5', '-q', '-o', "$dir/quiet.json");
is($err, '', '-q alone writes nothing on stderr');

# two ranks: one set of lines, from rank 0
$ENV{OMPI_ALLOW_RUN_AS_ROOT} = 1;
$ENV{OMPI_ALLOW_RUN_AS_ROOT_CONFIRM} = 1;
$ENV{OPENBLAS_NUM_THREADS} = 1;
my $bin = tnemu();
system("timeout 300 mpirun -n 2 --oversubscribe $bin run $bw --chi 16 --shots 50 --seed 2 --progress 1e-9 "
       . "-o $dir/two.json 2>$dir/two.err </dev/null");
is($? >> 8, 0, 'two ranks run with --progress');
$err = do { local $/; my $fh; open($fh, '<', "$dir/two.err") ? <$fh> // '' : '' };
check_lines('two ranks', $err, 'gates', $gates_re);

done_testing();
