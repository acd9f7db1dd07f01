#!/usr/bin/perl
# checkpoint.t - checkpoint and restart of `tnemu run`: a signal halfway
# (injected deterministically with TNEMU_INJECT=signal@0, as SLURM's --signal
# would send it) writes a checkpoint and stops with exit 3; --resume ends with
# exactly the uninterrupted result (static runs on 1 and 2 ranks, resumed on
# 1, 2 and 3; noisy runs); periodic checkpoints; a kill -9 in the middle of a
# write leaves the previous checkpoint valid; corrupt, truncated and
# mismatched checkpoints are refused with one line.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use JSON::PP;
use File::Copy qw(copy);
use Tnemu qw(tnemu run_tnemu read_json tmpdir write_file gen_circuit);

my $dir = tmpdir();
my $bw = gen_circuit('bw.qasm', 'brickwork', 30, 30, 4, 'measure');
my @args = ($bw, '--chi', '24', '--shots', '400', '--seed', '8', '--observable', 'Z0 Z1', '--observable', 'X5', '-q');
my $bin = tnemu();
my $mpirun = 'OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 mpirun --oversubscribe';

sub run_env {
    my ($env, $np, @a) = @_;
    my $cmd = join(' ', map { "'$_'" } @a);
    my $launch = $np ? "$mpirun -n $np $bin" : $bin;
    system("$env $launch $cmd >$dir/out 2>$dir/err");
    my $st = $? & 127 ? 128 + ($? & 127) : $? >> 8;
    open(my $fh, '<', "$dir/err");
    local $/;
    my $err = <$fh> // '';
    return ($st, $err);
}

sub same_result {
    my ($a, $b, $tol) = @_;
    return 0 unless $a && $b && $JSON::PP::true;
    my $ok = JSON::PP->new->canonical->encode($a->{counts}) eq JSON::PP->new->canonical->encode($b->{counts});
    for my $k (keys %{ $a->{expectation_values} }) {
        $ok &&= abs($a->{expectation_values}{$k} - $b->{expectation_values}{$k}) <= $tol;
    }
    $ok &&= abs($a->{fidelity_estimate} - $b->{fidelity_estimate}) <= $tol;
    $ok &&= "@{$a->{bond_dimensions}}" eq "@{$b->{bond_dimensions}}";
    return $ok;
}

# ---- static, one process ----------------------------------------------------------
my ($s) = run_tnemu('run', @args, '-o', "$dir/full.json");
my $full = read_json("$dir/full.json");
my ($st, $err) = run_env('TNEMU_INJECT=signal@0', 0, 'run', @args, '--checkpoint', "$dir/ck", '-o', "$dir/part.json");
ok($st == 3 && $err =~ /^tnemu: stopped by a signal after \d+ of \d+ gates; checkpoint written to .*ck \(continue with --resume/m,
   'a signal halfway: checkpoint written, exit 3, one line') or diag("status $st: $err");
ok(!-e "$dir/part.json", 'no result file from the stopped run');
($st, $err) = run_env('', 0, 'run', @args, '--resume', "$dir/ck", '-o', "$dir/res.json");
my $res = $st == 0 ? read_json("$dir/res.json") : undef;
ok(same_result($full, $res, 0), 'resumed: counts, expectations, fidelity and bonds equal the uninterrupted run exactly')
    or diag($err);
ok($res && $res->{checkpoint}{resumed}, 'the result says it was resumed');

# ---- static, written on 2 ranks ---------------------------------------------------
my ($st2) = run_env('', 2, 'run', @args, '-o', "$dir/full2.json");
my $full2 = read_json("$dir/full2.json");
($st, $err) = run_env('TNEMU_INJECT=signal@1', 2, 'run', @args, '--checkpoint', "$dir/ck2", '-o', "$dir/p2.json");
ok($st == 3, 'a signal on rank 1 of 2 stops both with exit 3') or diag($err);
for my $np (2, 1, 3) {
    ($st, $err) = run_env('', $np, 'run', @args, '--resume', "$dir/ck2", '-o', "$dir/r$np.json");
    my $r = $st == 0 ? read_json("$dir/r$np.json") : undef;
    my $tol = $np == 2 ? 0 : 1e-10;
    ok(same_result($np == 2 ? $full2 : $full, $r, $tol),
       "written on 2 ranks, resumed on $np: equal to the uninterrupted run" . ($tol ? ' (1e-10)' : ' exactly')) or diag($err);
}

# ---- noisy ------------------------------------------------------------------------
my $noise = write_file("$dir/noise.json", '{"format":"tnemu-noise","gates":[{"channels":[{"type":"depolarizing","p":0.01}]}],'
                       . '"qubits":[{"qubit":0,"readout":[0.02,0.05]}]}');
my $small = gen_circuit('bw12.qasm', 'brickwork', 12, 10, 2, 'measure');
my @nargs = ($small, '--noise', $noise, '--trajectories', '60', '--shots', '600', '--seed', '4', '--observable', 'Z0', '-q');
run_tnemu('run', @nargs, '-o', "$dir/nfull.json");
my $nfull = read_json("$dir/nfull.json");
($st, $err) = run_env('TNEMU_INJECT=signal@0', 0, 'run', @nargs, '--checkpoint', "$dir/nck", '-o', "$dir/np.json");
ok($st == 3 && $err =~ /after \d+ of 60 trajectories/, 'noisy: stopped between trajectories') or diag($err);
($st, $err) = run_env('', 0, 'run', @nargs, '--resume', "$dir/nck", '-o', "$dir/nres.json");
my $nres = $st == 0 ? read_json("$dir/nres.json") : undef;
ok(same_result($nfull, $nres, 0) && JSON::PP->new->canonical->encode($nfull->{noise}{count_stderr})
   eq JSON::PP->new->canonical->encode($nres->{noise}{count_stderr}), 'noisy: resumed result equals the uninterrupted one exactly')
    or diag($err);
run_env('', 2, 'run', @nargs, '-o', "$dir/nfull2.json");
($st, $err) = run_env('TNEMU_INJECT=signal@0', 2, 'run', @nargs, '--checkpoint', "$dir/nck2", '-o', "$dir/x.json");
($st, $err) = run_env('', 2, 'run', @nargs, '--resume', "$dir/nck2", '-o', "$dir/nres2.json");
ok($st == 0 && same_result(read_json("$dir/nfull2.json"), read_json("$dir/nres2.json"), 0),
   'noisy on 2 groups: stopped and resumed, exactly equal') or diag($err);
($st, $err) = run_env('', 0, 'run', @nargs, '--resume', "$dir/nck2", '-o', "$dir/x.json");
ok($st == 2 && $err =~ /written by 2 group\(s\); resume with --groups 2/, 'noisy: a different group count is refused by name');

# ---- kill -9 during a write ---------------------------------------------------------
copy("$dir/ck/checkpoint.tnck", "$dir/before.tnck");
($st) = run_env('TNEMU_INJECT=signal@0,checkpoint-kill@0', 0, 'run', @args, '--resume', "$dir/ck", '--checkpoint', "$dir/ck",
                '-o', "$dir/x.json");
ok($st == 137, 'killed (SIGKILL) in the middle of writing the next checkpoint');
ok(system("cmp -s $dir/before.tnck $dir/ck/checkpoint.tnck") == 0, 'the previous checkpoint is untouched');
($st, $err) = run_env('', 0, 'run', @args, '--resume', "$dir/ck", '-o', "$dir/after.json");
ok($st == 0 && same_result($full, read_json("$dir/after.json"), 0), 'and still resumes to the exact result') or diag($err);

# ---- periodic ---------------------------------------------------------------------
my $long = gen_circuit('bw60.qasm', 'brickwork', 40, 70, 5, 'measure');
my @largs = ($long, '--chi', '48', '--shots', '100', '--seed', '2', '-q');
run_tnemu('run', @largs, '-o', "$dir/lfull.json");
my $lfull = read_json("$dir/lfull.json");
($st, $err) = run_env('', 0, 'run', @largs, '--checkpoint', "$dir/lck", '--checkpoint-every', '1', '-o', "$dir/lper.json");
my $lper = $st == 0 ? read_json("$dir/lper.json") : undef;
SKIP: {
    skip 'the run took less than a second here', 1 unless $lper && $lfull->{timing}{total} > 1.5;
    ok($lper->{checkpoint}{written} >= 1, "--checkpoint-every 1: $lper->{checkpoint}{written} checkpoint(s) during the run");
}
ok(same_result($lfull, $lper, 0), 'periodic checkpoints do not change the result');

# ---- progress in logs ------------------------------------------------------------------
($st, $err) = run_env('', 0, 'run', $long, '--chi', '48', '--shots', '10', '--progress', '0.2', '-o', "$dir/prog.json");
my @prog = grep { m{^tnemu: gates \d+/\d+ [\d.]+%, bond \d+, fidelity [\d.]+, \S+, ETA \S+$} } split /\n/, $err;
SKIP: {
    skip 'the run took less than half a second here', 1 unless $lfull->{timing}{total} > 0.5;
    ok(@prog >= 1, scalar(@prog) . ' progress line(s) in the log with --progress 0.2') or diag($err);
}

# ---- refusals -------------------------------------------------------------------------
sub refuse {
    my ($name, $want, @a) = @_;
    my ($code, $e) = run_env('', 0, 'run', @a, '-o', "$dir/ref.json");
    my @l = grep { length } split /\n/, $e;
    ok($code == 2 && @l == 1 && $e =~ $want && !-e "$dir/ref.json", "refused: $name") or diag("status $code: $e");
}
refuse('another --chi', qr/the checkpoint was written with chi = 24, this run has 32/, $bw, '--chi', '32', '--shots', '400',
       '--seed', '8', '--observable', 'Z0 Z1', '--observable', 'X5', '--resume', "$dir/ck");
refuse('another circuit', qr/written with circuit_hash = /, $small, '--chi', '24', '--shots', '400', '--seed', '8',
       '--resume', "$dir/ck");
refuse('another seed', qr/written with seed = "8", this run has "9"/, $bw, '--chi', '24', '--shots', '400', '--seed', '9',
       '--observable', 'Z0 Z1', '--observable', 'X5', '--resume', "$dir/ck");
mkdir "$dir/bad";
open(my $fh, '<:raw', "$dir/ck/checkpoint.tnck");
local $/;
my $bytes = <$fh>;
close $fh;
my $flip = $bytes;
substr($flip, length($flip) - 100, 1) = chr(ord(substr($flip, length($flip) - 100, 1)) ^ 1);
write_file("$dir/bad/checkpoint.tnck", $flip);
refuse('a flipped bit', qr/checksum does not match \(corrupt file\)/, @args, '--resume', "$dir/bad");
write_file("$dir/bad/checkpoint.tnck", substr($bytes, 0, length($bytes) / 2));
refuse('a truncated file', qr/truncated/, @args, '--resume', "$dir/bad");
my $v2 = $bytes;
substr($v2, 8, 4) = pack('V', 99);
write_file("$dir/bad/checkpoint.tnck", $v2);
refuse('another version', qr/checkpoint format version 99; this tnemu reads version 2/, @args, '--resume', "$dir/bad");
write_file("$dir/bad/checkpoint.tnck", "hello");
refuse('not a checkpoint', qr/not a tnemu checkpoint/, @args, '--resume', "$dir/bad");
refuse('no checkpoint', qr/option --resume: cannot read .*nowhere\/checkpoint.tnck/, @args, '--resume', "$dir/nowhere");
refuse('every without dir', qr/option --checkpoint-every needs --checkpoint DIR/, @args, '--checkpoint-every', '5');
refuse('every range', qr/option --checkpoint-every: '0' is not a number in \[1, /, @args, '--checkpoint', "$dir/z", '--checkpoint-every', '0');
my $dyn = write_file("$dir/dyn.qasm", "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[1];\ncreg c[1];\nh q[0];\nmeasure q[0] -> c[0];\nif(c==1) x q[0];\n");
refuse('noiseless dynamic circuit', qr/checkpoints are not supported for that case yet/, $dyn, '--checkpoint', "$dir/z");
done_testing();
