#!/usr/bin/perl
# signals.t - real signals sent with kill to a running tnemu (or to the mpirun
# that launched it), in every long phase: the gate loop, sampling, expectation
# values, trajectories, a batch. Each run first reaches a known point and says
# so (TNEMU_INJECT=pause@R: world rank R waits there for a real SIGUSR1 or
# SIGTERM), so the signal never races the run. A stopped run exits 3 with one
# line, leaves a checkpoint, and --resume gives the uninterrupted result.
# mpirun (Open MPI 4.1) forwards SIGUSR1; SIGTERM it does not forward: it
# aborts the job, passes SIGTERM to the ranks odls_base_sigkill_timeout
# seconds later and exits 1 (slurm/common.sh sets that timeout to 10 s).
# Also: every phase of a run is timed in the result JSON.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use JSON::PP;
use POSIX qw(:sys_wait_h);
use Time::HiRes qw(sleep time);
use Tnemu qw(tnemu run_tnemu read_json tmpdir write_file gen_circuit);

my $dir = tmpdir();
my $bin = tnemu();
my $mpirun = 'mpirun --oversubscribe';
$ENV{OMPI_ALLOW_RUN_AS_ROOT} = 1;
$ENV{OMPI_ALLOW_RUN_AS_ROOT_CONFIRM} = 1;
my $canon = JSON::PP->new->canonical;

sub slurp { my $f = shift; open(my $fh, '<', $f) or return ''; local $/; my $t = <$fh>; return $t // ''; }
sub quoted { return join(' ', map { "'$_'" } @_); }

# Starts CMD (a shell command line) with its own PID (exec), stderr to ERR.
sub start {
    my ($cmd, $err) = @_;
    my $pid = fork();
    die "fork: $!" unless defined $pid;
    if ($pid == 0) { exec('sh', '-c', "exec env $cmd >/dev/null 2>$err </dev/null") or exit 127; }
    return $pid;
}

# Waits until ERR shows the pause line (the run is at its point) or the process ended.
sub wait_paused {
    my ($pid, $err) = @_;
    my $t0 = time;
    while (time - $t0 < 300) {
        return 1 if slurp($err) =~ /waiting for a signal/;
        return 0 if waitpid($pid, WNOHANG) == $pid;
        sleep 0.1;
    }
    return 0;
}

# Runs CMD until it pauses, sends SIG to it, returns (exit status, stderr, paused).
sub signalled {
    my ($cmd, $sig, $err) = @_;
    my $pid = start($cmd, $err);
    my $paused = wait_paused($pid, $err);
    kill($sig, $pid) if $paused;
    kill('KILL', $pid) unless $paused;   # never leave a run behind
    waitpid($pid, 0);
    my $st = $? & 127 ? 128 + ($? & 127) : $? >> 8;
    return ($st, slurp($err), $paused);
}

sub same {
    my ($a, $b, $tol) = @_;
    return 0 unless $a && $b;
    return 0 unless $canon->encode($a->{counts}) eq $canon->encode($b->{counts});
    for my $k (keys %{ $a->{expectation_values} }) {
        return 0 unless abs($a->{expectation_values}{$k} - $b->{expectation_values}{$k}) <= $tol;
    }
    for my $k (keys %{ $a->{amplitudes} }) {
        return 0 unless abs($a->{amplitudes}{$k}[0] - $b->{amplitudes}{$k}[0]) <= $tol
            && abs($a->{amplitudes}{$k}[1] - $b->{amplitudes}{$k}[1]) <= $tol;
    }
    return abs($a->{fidelity_estimate} - $b->{fidelity_estimate}) <= $tol;
}

sub resumed_equals {
    my ($np, $args, $ck, $full, $tol, $name) = @_;
    my $launch = $np ? "$mpirun -n $np $bin" : $bin;
    unlink "$dir/res.json";
    system("$launch run $args --resume $ck -o $dir/res.json >/dev/null 2>$dir/res.err");
    my $res = -s "$dir/res.json" ? read_json("$dir/res.json") : undef;
    ok($res && $res->{checkpoint}{resumed} && same($full, $res, $tol), $name) or diag(slurp("$dir/res.err"));
}

my $long = gen_circuit('long.qasm', 'brickwork', 30, 40, 3, 'measure');
my $args = quoted($long, '--chi', '32', '--shots', '300', '--seed', '5', '--observable', 'Z0 Z1', '-q');
system("$bin run $args -o $dir/full1.json") == 0 or die 'the uninterrupted run failed';
system("$mpirun -n 2 $bin run $args -o $dir/full2.json >/dev/null 2>&1") == 0 or die 'the 2-rank run failed';
my ($full1, $full2) = (read_json("$dir/full1.json"), read_json("$dir/full2.json"));
my $gates_line = qr/^tnemu: stopped by a signal after (\d+) of (\d+) gates; checkpoint written to \S+ \(continue with --resume \S+\)$/m;

# ---- the gate loop, one process: SIGTERM and SIGUSR1 ---------------------------------
for my $sig ('TERM', 'USR1') {
    my $ck = "$dir/ck-$sig";
    my ($st, $err, $paused) = signalled("TNEMU_INJECT=pause\@0 $bin run $args --checkpoint $ck -o $dir/x.json", $sig,
                                        "$dir/err-$sig");
    ok($paused && $st == 3 && $err =~ $gates_line && $1 < $2, "SIG$sig in the gate loop: exit 3, one line ($st)")
        or diag($err);
    ok(-s "$ck/checkpoint.tnck" && !-e "$dir/x.json", "SIG$sig: a checkpoint, no result file");
    resumed_equals(0, $args, $ck, $full1, 0, "SIG$sig: --resume equals the uninterrupted run exactly");
}

# ---- mpirun -n 2 ---------------------------------------------------------------------
{
    my $ck = "$dir/ck-mpi-usr1";
    my ($st, $err, $paused) = signalled("TNEMU_INJECT=pause\@1 $mpirun -x TNEMU_INJECT -n 2 $bin run $args --checkpoint $ck "
                                        . "-o $dir/x.json", 'USR1', "$dir/err-mpi-usr1");
    ok($paused && $st == 3 && $err =~ $gates_line, "SIGUSR1 to mpirun -n 2 (paused on rank 1): forwarded, exit 3 ($st)")
        or diag($err);
    resumed_equals(2, $args, $ck, $full2, 0, 'SIGUSR1 to mpirun: --resume on 2 ranks equals the uninterrupted run exactly');

    $ck = "$dir/ck-mpi-term";
    ($st, $err, $paused) = signalled("TNEMU_INJECT=pause\@0 $mpirun -x TNEMU_INJECT --mca odls_base_sigkill_timeout 10 -n 2 "
                                     . "$bin run $args --checkpoint $ck -o $dir/x.json", 'TERM', "$dir/err-mpi-term");
    ok($paused && $err =~ $gates_line && -s "$ck/checkpoint.tnck",
       'SIGTERM to mpirun -n 2: the ranks get SIGTERM from mpirun, write the checkpoint and say so') or diag($err);
    is($st, 1, "SIGTERM to mpirun: mpirun's own exit status is 1 (it aborted the job)");
    resumed_equals(2, $args, $ck, $full2, 0, 'SIGTERM to mpirun: --resume on 2 ranks equals the uninterrupted run exactly');
}

# ---- sampling, expectation values and amplitudes ----------------------------------------
my $small = gen_circuit('s14.qasm', 'brickwork', 14, 6, 2, 'measure');
my $sargs = quoted($small, '--shots', '60000', '--seed', '9', '--observable', 'Z0', '--observable', 'X3 Y4',
                   '--observable', 'Z7', '--amplitude', '0' x 14, '-q');
system("$bin run $sargs -o $dir/sfull.json") == 0 or die;
my $sfull = read_json("$dir/sfull.json");
{
    my ($st, $err, $paused) = signalled("TNEMU_INJECT=pause-sampling\@0 $bin run $sargs --checkpoint $dir/ck-s -o $dir/x.json",
                                        'TERM', "$dir/err-s");
    ok($paused && $st == 3 && $err =~ /^tnemu: stopped by a signal while sampling; checkpoint of the state after all \d+ gates written to \S+ \(continue with --resume \S+\)$/m,
       "SIGTERM while sampling: exit 3, one line ($st)") or diag($err);
    resumed_equals(0, $sargs, "$dir/ck-s", $sfull, 0, 'stopped while sampling: --resume equals the uninterrupted run exactly');

    ($st, $err, $paused) = signalled("TNEMU_INJECT=pause-observing\@0 $bin run $sargs --checkpoint $dir/ck-o -o $dir/x.json",
                                     'USR1', "$dir/err-o");
    ok($paused && $st == 3 && $err =~ /^tnemu: stopped by a signal while computing expectation values and amplitudes; checkpoint of the state after all \d+ gates/m,
       "SIGUSR1 between expectation values: exit 3, one line ($st)") or diag($err);
    # the state went on to sampling and to the first expectation values, which move its orthogonality centre:
    # the resumed run samples and measures it again, equal to rounding
    resumed_equals(0, $sargs, "$dir/ck-o", $sfull, 1e-12,
                   'stopped between expectation values: --resume gives the same counts, values to 1e-12');

    ($st, $err, $paused) = signalled("TNEMU_INJECT=pause-sampling\@1 $mpirun -x TNEMU_INJECT -n 2 $bin run $sargs --groups 2 "
                                     . "--checkpoint $dir/ck-s2 -o $dir/x.json", 'USR1', "$dir/err-s2");
    ok($paused && $st == 3 && $err =~ /stopped by a signal while sampling/, '2 groups sampling their shares: both stop at one poll')
        or diag($err);
    system("$mpirun -n 2 $bin run $sargs --groups 2 -o $dir/sfull2.json >/dev/null 2>&1");
    resumed_equals(2, "$sargs --groups 2", "$dir/ck-s2", read_json("$dir/sfull2.json"), 0,
                   'stopped while sampling on 2 groups: --resume equals the uninterrupted run exactly');
}

# ---- inside a trajectory ------------------------------------------------------------------
{
    my $noise = write_file("$dir/noise.json", '{"format":"tnemu-noise","gates":[{"channels":[{"type":"depolarizing","p":0.01}]}],'
                           . '"qubits":[{"qubit":0,"readout":[0.02,0.05]}]}');
    my $nargs = quoted(gen_circuit('n12.qasm', 'brickwork', 12, 12, 2, 'measure'), '--noise', $noise, '--trajectories', '9',
                       '--shots', '450', '--seed', '4', '--observable', 'Z0');
    system("$mpirun -n 3 $bin run $nargs -q -o $dir/nfull.json >/dev/null 2>&1");
    my ($st, $err, $paused) = signalled("TNEMU_INJECT=pause-trajectory\@2 $mpirun -x TNEMU_INJECT --mca odls_base_sigkill_timeout 10 "
                                        . "-n 3 $bin run $nargs "
                                        . "--checkpoint $dir/ck-n -q -o $dir/x.json", 'TERM', "$dir/err-n");
    ok($paused && $err =~ /^tnemu: stopped by a signal after 0 of 9 trajectories; checkpoint written to/m,
       'SIGTERM in the middle of a trajectory (3 groups, through mpirun): checkpoint of the rounds finished') or diag($err);
    resumed_equals(3, "$nargs -q", "$dir/ck-n", read_json("$dir/nfull.json"), 0,
                   'stopped inside a trajectory: --resume equals the uninterrupted run exactly');
}

# ---- a batch ---------------------------------------------------------------------------------
{
    my $bell = "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[2];\ncreg c[2];\nh q[0];\ncx q[0],q[1];\nmeasure q -> c;\n";
    my $m = write_file("$dir/m.json", $canon->encode({ seed => 2, defaults => ['--shots', '100'],
        tasks => [{ qasm => $bell, name => 'bell' }, map { { circuit => $small, args => ['--seed', "$_"] } } 1 .. 5] }));
    system("$bin batch $m -q -o $dir/ball.jsonl") == 0 or die;
    my @all = map { decode_json($_) } grep { /\S/ } split /\n/, slurp("$dir/ball.jsonl");
    for my $np (0, 2) {
        my $launch = $np ? "$mpirun -x TNEMU_INJECT -n $np $bin" : $bin;
        my ($st, $err, $paused) = signalled("TNEMU_INJECT=pause-batch\@0 $launch batch $m -q -o $dir/b.jsonl", 'USR1',
                                            "$dir/err-b$np");
        my @got = map { decode_json($_) } grep { /\S/ } split /\n/, slurp("$dir/b.jsonl");
        my @done = grep { !$_->{error} } @got;
        my @not = grep { ($_->{error} // '') eq 'not run: the batch was stopped by a signal' } @got;
        my $n = @done;
        ok($paused && $st == 3 && $err =~ /^tnemu: stopped by a signal after $n of 6 tasks; their results are written to \S+, the other tasks are marked "not run"$/m,
           ($np ? "mpirun -n $np" : 'one process') . ": SIGUSR1 stops the batch after the tasks in progress, exit 3 ($st)")
            or diag($err);
        ok(@got == 6 && @done + @not == 6 && @done >= 1 && @not >= 1 && $got[0]{counts}
           && $canon->encode($got[0]{counts}) eq $canon->encode($all[0]{counts}),
           "the results so far in task order ($n done), the rest marked \"not run\"");
    }
}

# ---- timing -------------------------------------------------------------------------------------
{
    my $r = read_json("$dir/sfull.json");
    my $t = $r->{timing};
    my @phases = qw(parse plan gates sample observe collect result);
    my $sum = 0;
    $sum += $t->{$_} // -1e9 for @phases;
    ok(!(grep { !defined $t->{$_} || $t->{$_} < 0 } @phases, 'counts', 'total'),
       'timing has parse, plan, gates, sample, observe, collect, counts, result, total');
    ok($t->{counts} <= $t->{collect} + 1e-9 && $sum <= $t->{total} + 1e-6, 'the phases do not overlap');
    ok($t->{total} - $sum <= 0.2 * $t->{total} + 0.3,
       sprintf('the phases account for the run: %.3f of %.3f s', $sum, $t->{total})) or diag($canon->encode($t));
}

done_testing();
