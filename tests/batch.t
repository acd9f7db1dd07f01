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
sub stable { my %d = %{ $_[0] }; delete @d{qw(timing peak_memory_bytes peak_state_bytes mpi discarded_weight fidelity_estimate command)}; return \%d; }

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
done_testing();
