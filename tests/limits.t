#!/usr/bin/perl
# limits.t - running out of bounds cleanly: --max-memory stops a run with one
# line before the limit would be passed (on 1 and 2 ranks, no result file,
# no hang), a generous limit changes nothing; a rank killed with SIGKILL in
# the middle of a run ends the whole MPI job promptly, and the last
# checkpoint stays valid.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Time::HiRes qw(sleep time);
use Tnemu qw(tnemu run_tnemu read_json tmpdir gen_circuit);

my $dir = tmpdir();
my $bw = gen_circuit('bw.qasm', 'brickwork', 40, 40, 2, 'measure');
my $bin = tnemu();
my $mpirun = 'OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 mpirun --oversubscribe';

my ($st, undef, $err) = run_tnemu('run', $bw, '--chi', '256', '--max-memory', '40M', '-o', "$dir/a.json");
my @l = grep { length } split /\n/, $err;
ok($st == 1 && @l == 1 && $err =~ /^tnemu: option --max-memory: 41943040 bytes would be exceeded \(\d+ at start, \d+ in the state and workspace, \d+ more needed\)/
   && !-e "$dir/a.json", '--max-memory 40M at chi 256: one line, exit 1, no result') or diag("status $st: $err");
($st) = run_tnemu('run', $bw, '--chi', '16', '--shots', '100', '--seed', '1', '-q', '-o', "$dir/b.json");
my ($st2) = run_tnemu('run', $bw, '--chi', '16', '--shots', '100', '--seed', '1', '--max-memory', '2G', '-q', '-o', "$dir/c.json");
ok($st == 0 && $st2 == 0 && JSON::PP->new->canonical->encode(read_json("$dir/b.json")->{counts})
   eq JSON::PP->new->canonical->encode(read_json("$dir/c.json")->{counts}), 'a limit that is not reached changes nothing');

my $t0 = time;
system("$mpirun -n 2 $bin run $bw --chi 256 --max-memory 40M -o $dir/d.json >$dir/out 2>$dir/err");
my $code = $? >> 8;
my $e = `cat $dir/err`;
ok($code == 1 && $e =~ /^tnemu: option --max-memory: .* would be exceeded/m && !-e "$dir/d.json" && time - $t0 < 60,
   sprintf('2 ranks: both stop with the message, exit 1, in %.1f s', time - $t0)) or diag("exit $code: $e");

for my $c (['5X', qr/option --max-memory: '5X' is not a size in \[1M, 1e18\] bytes \(suffixes K, M, G, T\)/],
           ['512K', qr/'512K' is not a size in \[1M/], ['-3G', qr/'-3G' is not a size/]) {
    ($st, undef, $err) = run_tnemu('run', $bw, '--max-memory', $c->[0]);
    ok($st == 2 && $err =~ $c->[1], "--max-memory $c->[0] is refused with the valid range") or diag($err);
}

# a rank killed with SIGKILL: the job ends, the checkpoint written before stays valid
my $long = gen_circuit('long.qasm', 'brickwork', 40, 70, 3, 'measure');
my $ck = "$dir/ck";
my $pid = fork();
if ($pid == 0) {
    exec("$mpirun -n 2 $bin run $long --chi 64 --seed 1 --checkpoint $ck --checkpoint-every 1 -q -o $dir/e.json >$dir/kout 2>$dir/kerr");
    exit 127;
}
my $waited = 0;
sleep 0.2 until -e "$ck/checkpoint.tnck" || ($waited += 0.2) > 30;
my @ranks = grep { /\S/ } split /\n/, `pgrep -f '^$bin run $long'`;   # the ranks, not mpirun
my $victim = (sort { $a <=> $b } @ranks)[-1];
kill 'KILL', $victim if $victim;
$t0 = time;
waitpid($pid, 0);
my $elapsed = time - $t0;
ok($victim && $? != 0 && $elapsed < 30, sprintf('a rank killed with SIGKILL ends the job in %.1f s (mpirun status %d)', $elapsed, $? >> 8));
sleep 0.5;
my @left = grep { /\S/ } split /\n/, `pgrep -f '^$bin run $long'`;
ok(!@left, 'no rank is left running');
($st, undef, $err) = run_tnemu('run', $long, '--chi', '64', '--seed', '1', '--resume', $ck, '-q', '-o', "$dir/f.json");
ok($st == 0 && -s "$dir/f.json", 'the last checkpoint is valid and resumes') or diag($err);
done_testing();
