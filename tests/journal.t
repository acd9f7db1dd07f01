#!/usr/bin/perl
# journal.t - checkpoint and resume of `tnemu adapters` through the task
# journal (src/journal.c): a stop after some circuits (test hook, and a real
# SIGTERM on 2 ranks), a resume that runs only the rest and writes the same
# result, a journal of another job refused. qnn's and batch's journals are
# tested in qnn.t and batch.t.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use JSON::PP;
use Tnemu qw(tnemu run_tnemu read_json tmpdir write_file);

my $dir = tmpdir();
my $bin = tnemu();
my $spec = write_file("$dir/a.json", JSON::PP->new->encode({ device => { kind => 'line', qubits => 8 }, block_qubits => 2,
    generators => { random => 7, scale => 1.0 }, inputs => { random => 3, count => 5, pieces => 4 }, shots => 2000, seed => 1 }));
# the result without what differs between any two runs (times)
sub result { my $r = read_json(shift); delete $r->{timing}; delete $r->{seconds_per_circuit}; return JSON::PP->new->canonical->encode($r); }

my ($s0, undef, $e0) = run_tnemu('adapters', $spec, '-q', '-o', "$dir/full.json");
ok($s0 == 0, 'an uninterrupted run') or diag($e0);
{
    local $ENV{TNEMU_STOP_AFTER_TASKS} = 2;
    my ($s, undef, $e) = run_tnemu('adapters', $spec, '-q', '--checkpoint', "$dir/ck", '-o', "$dir/part.json");
    ok($s == 3 && !-e "$dir/part.json" && $e =~ /adapters: stopped after 2 of 5 tasks .*continue with --resume/,
       'TNEMU_STOP_AFTER_TASKS=2: exit 3 after two circuits, no result') or diag("$s: $e");
}
my ($s1, undef, $e1) = run_tnemu('adapters', $spec, '-q', '--resume', "$dir/ck", '-o', "$dir/res.json");
my @rec = grep { /^\d+ / } split /\n/, Tnemu::slurp("$dir/ck/journal");
ok($s1 == 0 && @rec == 5 && result("$dir/res.json") eq result("$dir/full.json"),
   'resumed: the three other circuits run, the result equals the uninterrupted one') or diag($e1);
my ($s2, undef, $e2) = run_tnemu('adapters', $spec, '-q', '--resume', "$dir/ck", '--shots', '100', '-o', "$dir/x.json");
ok($s2 == 2 && $e2 =~ /the journal in .* is of another job/, 'other options that change results: refused') or diag($e2);
my ($s3, undef, $e3) = run_tnemu('adapters', $spec, '-q', '--checkpoint', "$dir/ck", '--sweep', "$dir/sw");
ok($s3 == 2 && $e3 =~ /journal one run, not a --sweep/, '--checkpoint with --sweep: a usage error');

# a real SIGTERM (raised on world rank 0 after 2 circuits) on 2 ranks, resumed on 2 ranks
my $mpirun = 'OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 mpirun --oversubscribe -n 2';
system("TNEMU_SIGNAL_AFTER_TASKS=2 $mpirun -x TNEMU_SIGNAL_AFTER_TASKS $bin adapters $spec -q --checkpoint $dir/ck2 -o $dir/p2.json >/dev/null 2>&1");
my $st = $? >> 8;
system("$mpirun $bin adapters $spec -q --resume $dir/ck2 -o $dir/r2.json >/dev/null 2>&1");
my $rs = $? >> 8;
my $norm = sub { my $t = result(shift); $t =~ s/"mpi":\{[^}]*\}//; $t };
ok($st == 3 && !-e "$dir/p2.json" && $rs == 0 && $norm->("$dir/r2.json") eq $norm->("$dir/full.json"),
   "SIGTERM on 2 ranks: exit $st, the circuits done kept; the resumed result equals the uninterrupted one");
done_testing();
