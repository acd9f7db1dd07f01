#!/usr/bin/perl
# batch.t - `tnemu batch`: one JSON line per task in task order, each equal
# to `tnemu run` of the same circuit and options, the same on 1-4 ranks and
# any group count (dynamic farming), per-task errors recorded with exit 2,
# malformed manifests refused with one line.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use JSON::PP;
use Tnemu qw(tnemu run_tnemu read_json tmpdir write_file gen_circuit);

my $dir = tmpdir();
my $json = JSON::PP->new->canonical;
my $ghz = gen_circuit('ghz6.qasm', 'ghz', 6);
my $bw = gen_circuit('bw.qasm', 'brickwork', 14, 8, 2, 'measure');
system("cp $ghz $bw $dir/") == 0 or die;
my $bell = "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[2];\ncreg c[2];\nh q[0];\ncx q[0],q[1];\nmeasure q -> c;\n";
my @tasks = (
    { circuit => 'ghz6.qasm', name => 'ghz' },
    { circuit => 'bw.qasm', args => ['--chi', '6', '--observable', 'Z0 Z1', '--amplitude', '0' x 14] },
    { qasm => $bell, name => 'bell', args => ['--shots', '999'] },
    { originir => "QINIT 2\nCREG 2\nX q[1]\nMEASURE q[0],c[0]\nMEASURE q[1],c[1]\n" },
    { circuit => 'bw.qasm', args => ['--seed', '77', '--chi', '4'] },
    { circuit => 'ghz6.qasm', args => ['--noise', write_file("$dir/noise.json",
        '{"format":"tnemu-noise","gates":[{"channels":[{"type":"depolarizing","p":0.02}]}]}'), '--trajectories', '7'] },
);
my $manifest = write_file("$dir/m.json", $json->encode({ seed => 10, defaults => ['--shots', '300'], tasks => \@tasks }));

sub lines_of { my $f = shift; open(my $fh, '<', $f) or return (); my @l = map { decode_json($_) } grep { /\S/ } <$fh>; return @l; }
# what may differ between runs on other rank counts: timing, memory, MPI layout, rounding of sums and products
sub stable { my %d = %{ $_[0] }; delete @d{qw(timing peak_memory_bytes peak_state_bytes peak_tensor_bytes mpi discarded_weight fidelity_estimate command)}; return \%d; }

my ($status, undef, $err) = run_tnemu('batch', $manifest, '-o', "$dir/one.jsonl", '-q');
ok($status == 0, 'a 6-task batch runs') or diag($err);
my @one = lines_of("$dir/one.jsonl");
is(scalar @one, 6, 'six lines');
is_deeply([ map { $_->{task} } @one ], [0 .. 5], 'lines in task order');
is($one[0]{name}, 'ghz', 'names are kept');
is($one[2]{shots}, 999, 'per-task options override the defaults');
is($one[1]{shots}, 300, 'defaults apply');
is($one[0]{seed}, '10', 'task 0 draws with seed + 0');
is($one[4]{seed}, '77', 'a task sets its own seed');
ok($one[5]{noise} && $one[5]{noise}{trajectories} == 7, 'a noisy task with its own model');

# each line equals `tnemu run` of the same circuit and options
my ($s2) = run_tnemu('run', "$dir/bw.qasm", '--seed', '11', '--shots', '300', '--chi', '6', '--observable', 'Z0 Z1',
                     '--amplitude', '0' x 14, '-o', "$dir/bw.json", '-q');
my $single = read_json("$dir/bw.json");
is_deeply($one[1]{counts}, $single->{counts}, 'task 1 counts equal tnemu run with the same seed');
ok(abs($one[1]{expectation_values}{'Z0 Z1'} - $single->{expectation_values}{'Z0 Z1'}) < 1e-12, 'task 1 <Z0 Z1> equals tnemu run');

my $mpirun = 'OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 mpirun --oversubscribe';
my $bin = tnemu();
for my $case ([2, ''], [3, ''], [4, '--groups 2'], [4, '--groups 1']) {
    my ($np, $g) = @$case;
    unlink "$dir/par.jsonl";
    system("$mpirun -n $np $bin batch $manifest $g -q -o $dir/par.jsonl >/dev/null 2>&1");
    my @par = lines_of("$dir/par.jsonl");
    my $same = @par == 6;
    for my $i (0 .. $#one) {
        $same &&= $par[$i] && $json->encode(stable($par[$i])) eq $json->encode(stable($one[$i]));
        $same &&= abs(($par[$i]{discarded_weight} // 0) - ($one[$i]{discarded_weight} // 0)) <= 1e-12;
        # a group of several ranks multiplies its ranks' truncation factors in another order
        $same &&= abs(($par[$i]{fidelity_estimate} // 0) - ($one[$i]{fidelity_estimate} // 0)) <= 1e-12;
    }
    ok($same, "$np ranks $g: every line equals the one-process line");
}

# per-task errors
my $bad = write_file("$dir/bad.json", $json->encode({ tasks => [
    { circuit => 'ghz6.qasm' }, { circuit => 'missing.qasm' }, { circuit => 'ghz6.qasm', args => ['--chi', '-3'] },
    { qasm => "OPENQASM 2.0;\nqreg q[1];\nfoo q[0];\n" }, { circuit => 'ghz6.qasm', args => ['-o', 'x.json'] } ] }));
($status, undef, $err) = run_tnemu('batch', $bad, '-o', "$dir/bad.jsonl");
my @b = lines_of("$dir/bad.jsonl");
ok($status == 2 && $err =~ /tnemu: 4 of 5 tasks failed; the first: cannot open .*missing.qasm/, 'failed tasks: exit 2 and a one-line summary')
    or diag("status $status: $err");
ok(@b == 5 && $b[0]{counts} && !$b[0]{error}, 'the good task still has its result');
like($b[1]{error} // '', qr/cannot open .*missing.qasm/, 'a missing circuit is recorded');
like($b[2]{error} // '', qr/option --chi: '-3' is not an integer in \[0, 1048576\]/, 'a bad option is recorded with its range');
like($b[3]{error} // '', qr/tasks\[3\]:3:1: error: .*foo/, 'an inline syntax error names the task, line and column');
like($b[4]{error} // '', qr/belong to tnemu batch/, '-o in a task is refused');

# malformed manifests
my @cases = (
    [ 'syntax',          "{\n\"tasks\": [,]}",                             qr/m2.json:2:\d+: error:/ ],
    [ 'no tasks',        '{"tasks": []}',                                    qr/"tasks" must be a non-empty list/ ],
    [ 'two sources',     '{"tasks": [{"circuit": "a", "qasm": "b"}]}',       qr/tasks\[0\]: give exactly one of "circuit", "qasm", "originir"/ ],
    [ 'args not strings','{"tasks": [{"circuit": "a", "args": [1]}]}',       qr/tasks\[0\]: "args" must be a list of strings/ ],
    [ 'bad seed',        '{"seed": -1, "tasks": [{"circuit": "a"}]}',        qr/"seed" must be an integer >= 0/ ],
);
for my $c (@cases) {
    my ($name, $text, $want) = @$c;
    my $f = write_file("$dir/m2.json", $text);
    unlink "$dir/m2.jsonl";
    my ($s, undef, $e) = run_tnemu('batch', $f, '-o', "$dir/m2.jsonl");
    my @l = grep { length } split /\n/, $e;
    ok($s == 2 && @l == 1 && $e =~ $want && !-e "$dir/m2.jsonl", "bad manifest: $name") or diag("status $s: $e");
}

# --checkpoint and --resume: the tasks done are kept; a resumed batch runs only the rest
{
    use POSIX ':sys_wait_h';
    use Time::HiRes qw(sleep);
    my $bell = "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[2];\ncreg c[2];\nh q[0];\ncx q[0],q[1];\nmeasure q -> c;\n";
    my $jm = write_file("$dir/jm.json", JSON::PP->new->canonical->encode({ seed => 5, defaults => ['--shots', '64', '-q'],
        tasks => [map { { name => "t$_", qasm => $bell, args => ['--seed', "$_"] } } 1 .. 5] }));
    my $norm = sub {   # a line without what differs between any two runs (times, memory)
        my $d = JSON::PP->new->decode(shift);
        delete @$d{qw(timing peak_memory_bytes peak_state_bytes peak_tensor_bytes)};
        delete $d->{mpi}{per_rank} if ref $d->{mpi};
        return JSON::PP->new->canonical->encode($d);
    };
    my $lines = sub { [map { $norm->($_) } grep { /\S/ } split /\n/, Tnemu::slurp(shift)] };
    my ($s0) = run_tnemu('batch', $jm, '-q', '-o', "$dir/jfull.jsonl");
    local $ENV{TNEMU_STOP_AFTER_TASKS} = 2;
    my ($s1, undef, $e1) = run_tnemu('batch', $jm, '-q', '--checkpoint', "$dir/jck", '-o', "$dir/jpart.jsonl");
    delete $ENV{TNEMU_STOP_AFTER_TASKS};
    my @jl = grep { /^\d+ / } split /\n/, Tnemu::slurp("$dir/jck/journal");
    ok($s0 == 0 && $s1 == 3 && @jl == 2 && $e1 =~ /stopped by a signal after 2 of 5 tasks/,
       'TNEMU_STOP_AFTER_TASKS=2: exit 3, two tasks in the journal') or diag($e1);
    my ($s2, undef, $e2) = run_tnemu('batch', $jm, '-q', '--resume', "$dir/jck", '-o', "$dir/jres.jsonl");
    is_deeply($lines->("$dir/jres.jsonl"), $lines->("$dir/jfull.jsonl"), 'resumed: every line as in an uninterrupted batch')
        or diag($e2);
    my @kept = grep { /^\d+ / } split /\n/, Tnemu::slurp("$dir/jck/journal");
    ok($s2 == 0 && @kept == 5 && index(Tnemu::slurp("$dir/jres.jsonl"), substr($jl[0], index($jl[0], ' ') + 1)) >= 0,
       'the journaled lines are reused as they were, the journal now holds all 5');
    my ($s3, undef, $e3) = run_tnemu('batch', $jm, '-q', '--resume', "$dir/jck", '--groups', '1', '-o', "$dir/jres2.jsonl");
    ok($s3 == 0 && $e3 eq '', 'a finished journal: resuming runs nothing and succeeds (--groups does not change the job)');
    my $jm2 = write_file("$dir/jm2.json", Tnemu::slurp($jm) =~ s/"seed":5/"seed":6/r);
    my ($s4, undef, $e4) = run_tnemu('batch', $jm2, '-q', '--resume', "$dir/jck", '-o', "$dir/jres3.jsonl");
    ok($s4 == 2 && $e4 =~ /the journal in .* is of another job/, 'another manifest cannot resume this journal') or diag($e4);

    # the real signal path: SIGUSR1 while the first task waits (TNEMU_INJECT=pause-batch@0), then resume
    my $pid = fork();
    die "fork: $!" unless defined $pid;
    if ($pid == 0) {
        exec('sh', '-c', "exec env TNEMU_INJECT=pause-batch\@0 " . tnemu() . " batch $jm -q --checkpoint $dir/jsig -o $dir/jsig.jsonl >/dev/null 2>$dir/jsig.err </dev/null") or exit 127;
    }
    my $paused = 0;
    for (1 .. 3000) {
        if (Tnemu::slurp("$dir/jsig.err") =~ /waiting for a signal/) { $paused = 1; last; }
        last if waitpid($pid, WNOHANG) == $pid;
        sleep 0.1;
    }
    kill($paused ? 'USR1' : 'KILL', $pid);
    waitpid($pid, 0);
    my $sst = $? >> 8;
    my ($s5) = run_tnemu('batch', $jm, '-q', '--resume', "$dir/jsig", '-o', "$dir/jsigres.jsonl");
    my @sj = grep { /^\d+ / } split /\n/, Tnemu::slurp("$dir/jsig/journal");
    ok($paused && $sst == 3 && $s5 == 0 && join("\n", @{ $lines->("$dir/jsigres.jsonl") }) eq join("\n", @{ $lines->("$dir/jfull.jsonl") }),
       "SIGUSR1 stops the batch (exit $sst) with its done tasks journaled; --resume completes it identically");

    # kill -9 after the first task: its line is already in the leader's part of the journal
    $pid = fork();
    die "fork: $!" unless defined $pid;
    if ($pid == 0) {
        exec('sh', '-c', "exec env TNEMU_INJECT=pause-batch\@0 " . tnemu() . " batch $jm -q --checkpoint $dir/jkill -o $dir/jkill.jsonl >/dev/null 2>$dir/jkill.err </dev/null") or exit 127;
    }
    $paused = 0;
    for (1 .. 3000) {
        if (Tnemu::slurp("$dir/jkill.err") =~ /waiting for a signal/) { $paused = 1; last; }
        last if waitpid($pid, WNOHANG) == $pid;
        sleep 0.1;
    }
    kill('KILL', $pid);
    waitpid($pid, 0);
    my @part = split /\n/, Tnemu::slurp("$dir/jkill/journal.part.0");
    ok($paused && !-e "$dir/jkill.jsonl" && -e "$dir/jkill/journal" && @part == 4 && $part[3] =~ /^0 \{"task":0,/,
       'kill -9 after the first task: no output, and the task\'s line in DIR/journal.part.0') or diag(join("\n", @part));
    # a line cut short by the kill is not a task done
    open(my $fh, '>>', "$dir/jkill/journal.part.0") or die;
    print $fh '3 {"task":3,"name":"t4","coun';
    close $fh;
    my ($s6, undef, $e6) = run_tnemu('batch', $jm, '-q', '--resume', "$dir/jkill", '-o', "$dir/jkillres.jsonl");
    my @kj = grep { /^\d+ / } split /\n/, Tnemu::slurp("$dir/jkill/journal");
    ok($s6 == 0 && join("\n", @{ $lines->("$dir/jkillres.jsonl") }) eq join("\n", @{ $lines->("$dir/jfull.jsonl") })
       && @kj == 5 && !glob("$dir/jkill/journal.part.*"),
       '--resume after kill -9: the part merged (its cut line ignored), the output as uninterrupted, no parts left')
        or diag($e6);
    # a part of another job is refused like a journal of another job
    write_file("$dir/jkill/journal.part.7", "tnemu journal part 1\nidentity tnemu batch 0 0\ntasks 5\n0 {}\n");
    my ($s7, undef, $e7) = run_tnemu('batch', $jm, '-q', '--resume', "$dir/jkill", '-o', "$dir/jkill2.jsonl");
    ok($s7 == 2 && $e7 =~ /the journal in .* is of another job/ && !-e "$dir/jkill2.jsonl",
       'a journal part of another job: exit 2, nothing written') or diag($e7);
}
done_testing();
