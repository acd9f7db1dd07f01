#!/usr/bin/perl
# scaling_sim.t - the gate trace (--trace) and the replay simulator
# (scripts/scaling-sim.py): the trace's format, that it is written whole or
# not at all, and that its bonds do not depend on the rank count; the
# simulator's partition, layer order, rebalances and bytes against real
# oversubscribed runs on 2, 3, 4 and 8 ranks (schedule and bytes, never
# time); the synthetic bond model against a real trace; a routed circuit's
# trace on 1 and 2 threads (its updates run as tasks); bad options.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Tnemu qw(tnemu run_tnemu tmpdir gen_circuit write_file);

my $py = '/usr/bin/python3';
plan skip_all => "$py is missing (the simulator needs it)" unless -x $py;
$ENV{OMPI_ALLOW_RUN_AS_ROOT} = 1;
$ENV{OMPI_ALLOW_RUN_AS_ROOT_CONFIRM} = 1;
$ENV{OMPI_MCA_rmaps_base_oversubscribe} = 1;
$ENV{OPENBLAS_NUM_THREADS} = 1;
$ENV{OMP_NUM_THREADS} = 1;
my $root = "$FindBin::Bin/..";
my $sim = "$root/scripts/scaling-sim.py";
my $bin = tnemu();
my $dir = tmpdir();

sub slurp { my $f = shift; open(my $fh, '<', $f) or return ''; local $/; my $t = <$fh>; close $fh; return $t; }

# Runs tnemu on P ranks writing a trace; returns the trace's path (undef on failure).
sub traced {
    my ($p, $circuit, $name, @args) = @_;
    my $trace = "$dir/$name.trace";
    my $cmd = join(' ', "timeout 300 mpirun -n $p --oversubscribe", $bin, 'run', $circuit, @args, '--seed 1 -q',
                   "--trace $trace -o $dir/$name.json 2>$dir/$name.err");
    return system($cmd) == 0 ? $trace : undef;
}

# Parses a trace: { w => [[seq, rank, first, k, before..., after..., s]], r => [...], p => {rank => bytes} }.
sub parse {
    my $t = { w => [], r => [], p => {}, lines => [split /\n/, slurp(shift)] };
    for (@{ $t->{lines} }) {
        my @f = split ' ';
        push @{ $t->{w} }, [@f[1 .. $#f]] if $f[0] eq 'w';
        push @{ $t->{r} }, [@f[2 .. $#f]] if $f[0] eq 'r';
        $t->{p}{ $f[2] } = $f[4] if $f[0] eq 'p';
    }
    return $t;
}

# Runs the simulator; returns (exit status, decoded JSON or undef, stderr).
sub simulate {
    my @args = @_;
    my $cmd = join(' ', $py, $sim, @args, ">$dir/sim.out 2>$dir/sim.err");
    system($cmd);
    my $st = $? >> 8;
    my $out = slurp("$dir/sim.out");
    return ($st, $st == 0 && $out =~ /\S/ ? JSON::PP->new->decode($out) : undef, slurp("$dir/sim.err"));
}

# ---- the trace ------------------------------------------------------------

my $bw = gen_circuit('bw24.qasm', 'brickwork', 24, 30, 2);
my $t1 = traced(1, $bw, 'bw1', '--chi 16');
ok($t1, 'a 1-rank run writes its trace') or BAIL_OUT('no trace: ' . slurp("$dir/bw1.err"));
my $tr1 = parse($t1);
my @lines = @{ $tr1->{lines} };
is($lines[0], 'tnemu-trace 1', 'the first line names the format');
like($lines[1], qr/^\{.*"qubits":24,.*"chi":16,.*"ranks":1,.*"form":"vidal"/, 'the header line is JSON with qubits, chi, ranks, form');
is($lines[-1], 'end', 'the last line is end');
my $bad = grep { !/^(?:g \d+ \d+ [01]|o \d+ \d+|w \d+ \d+ \d+ \d+( \d+)+ \d+\.\d+|r \d+( \d+)+|p 0 \d+ \d+\.\d+ \d+)$/ } @lines[2 .. $#lines - 1];
is($bad, 0, 'every event line has the documented form');
my @w = @{ $tr1->{w} };
is(scalar(@w), 345, 'one window per two-qubit gate of the 24-qubit, 30-layer brickwork (no swaps)');
my $seq_ok = 1;
for my $i (1 .. $#w) { $seq_ok = 0 unless $w[$i][0] > $w[$i - 1][0]; }
ok($seq_ok, 'events are in sequence order');
my ($bond_ok, $max) = (1, 0);
for my $e (@w) {
    my $k = $e->[3];
    my @b = @$e[4 .. 4 + $k];
    my @a = @$e[5 + $k .. 5 + 2 * $k];
    $bond_ok = 0 unless $b[0] == $a[0] && $b[$k] == $a[$k] && $a[1] <= 16;
    $max = $a[1] if $a[1] > $max;
}
ok($bond_ok, 'a window keeps its outer bonds and truncates its inner bond to chi');
is($max, 16, 'bonds reach chi 16');
ok(!glob("$dir/bw1.trace.tmp*"), 'no temporary file is left beside the trace');

my %trace;
for my $p (2, 4, 8) {
    $trace{$p} = traced($p, $bw, "bw$p", '--chi 16');
    ok($trace{$p}, "a $p-rank oversubscribed run writes its trace") or diag(slurp("$dir/bw$p.err"));
}
SKIP: {
    skip 'no 2-rank trace', 1 unless $trace{2};
    my $tr2 = parse($trace{2});
    my $same = join(';', map { join(',', @$_[2 .. $#$_ - 1]) } sort { $a->[2] <=> $b->[2] || $a->[0] <=> $b->[0] } @w)
            eq join(';', map { join(',', @$_[2 .. $#$_ - 1]) } sort { $a->[2] <=> $b->[2] || $a->[0] <=> $b->[0] } @{ $tr2->{w} });
    ok($same, 'the windows and their bonds are the same on 1 and 2 ranks');
}

# ---- the simulator against real runs: schedule and bytes --------------------

for my $p (2, 4, 8) {
    SKIP: {
        skip "no $p-rank trace", 4 unless $trace{$p};
        my $real = parse($trace{$p});
        my ($st, $res, $err) = simulate($t1, '--ranks', $p, '--schedule');
        is($st, 0, "simulating the 1-rank trace on $p ranks succeeds") or diag($err);
        my @want = map { $_->[1] } @{ $real->{w} };
        my @got = map { $_->[1] } @{ $res->{schedule} // [] };
        is_deeply(\@got, \@want, "$p ranks: the rank computing each window, in order, is tnemu's");
        is_deeply($res->{bytes_sent_per_rank}, [map { $real->{p}{$_} + 0 } 0 .. $p - 1],
                  "$p ranks: bytes sent per rank in the gate phase equal tnemu's");
        is_deeply([map { [map { $_ + 0 } @{ $_->[1] }] } @{ $res->{rebalances} // [] }],
                  [map { [map { $_ + 0 } @$_] } @{ $real->{r} }], "$p ranks: the same rebalances to the same partitions");
    }
}
ok(scalar(@{ parse($trace{8} // $t1)->{r} }) >= 1, 'the 8-rank run rebalanced (the comparison covers it)');

# a circuit with long-range gates: swaps, windows in the scheduler's focus order
my $qv = gen_circuit('qv.qasm', 'qv', 12, 4, 3);
my ($q1, $q3) = (traced(1, $qv, 'qv1', '--chi 16'), traced(3, $qv, 'qv3', '--chi 16'));
SKIP: {
    skip 'no quantum-volume traces', 3 unless $q1 && $q3;
    my $real = parse($q3);
    my ($st, $res, $err) = simulate($q1, '--ranks', 3, '--schedule');
    is($st, 0, 'simulating the swap circuit on 3 ranks succeeds') or diag($err);
    is_deeply([map { $_->[1] } @{ $res->{schedule} // [] }], [map { $_->[1] } @{ $real->{w} }],
              'swaps: the rank computing each window is tnemu\'s (3 ranks, uneven segments)');
    is_deeply($res->{bytes_sent_per_rank}, [map { $real->{p}{$_} + 0 } 0 .. 2], 'swaps: bytes per rank equal tnemu\'s');
}

# A brickwork on 22 of 24 qubits: the even cut of 2 ranks is out of balance by
# less than the centre form's 1.25 and more than Vidal form's 1.05 (the two
# idle sites cost almost nothing), so Vidal form recuts it, and the simulator
# does the same.
{
    my $bw22 = gen_circuit('bw22.qasm', 'brickwork', 22, 30, 2);
    (my $text = slurp($bw22)) =~ s/q\[22\]/q[24]/;
    $text =~ s/c\[22\]/c[24]/;
    write_file("$dir/bw22of24.qasm", $text);
    my $t = traced(2, "$dir/bw22of24.qasm", 'bw22x2', '--chi 16');
    SKIP: {
        skip 'no trace of the 22-of-24-qubit brickwork', 3 unless $t;
        my $real = parse($t);
        is_deeply([map { [map { $_ + 0 } @$_] } @{ $real->{r} }], [[0, 11, 24]],
                  'Vidal form recuts an even cut 13% out of balance (threshold 1.05): sites 0-10 and 11-23');
        my ($st, $res, $err) = simulate($t, '--ranks', 2, '--schedule');
        is($st, 0, 'simulating it on 2 ranks succeeds') or diag($err);
        is_deeply([map { [map { $_ + 0 } @{ $_->[1] }] } @{ $res->{rebalances} // [] }], [[0, 11, 24]],
                  'the simulator recuts it the same way');
    }
}

# A routed circuit on 2 threads runs its updates as tasks (src/mps_gates.c,
# "deferred updates"): its trace is that of one thread but for the times.
{
    my $rcx = gen_circuit('rcx24.qasm', 'random-cx', 24, 10, 2);
    my %cut;
    for my $threads (1, 2) {
        my $trace = "$dir/rcx-t$threads.trace";
        system("OMP_NUM_THREADS=$threads $bin run $rcx --chi 32 --seed 1 -q --trace $trace -o $dir/rcx-t$threads.json "
               . "2>$dir/rcx.err");
        my @lines = grep { !/^p / } split /\n/, slurp($trace);
        splice(@lines, 0, 2);   # the format line, and the header (its thread count differs)
        s/ [0-9.]+$// for grep { /^w / } @lines;
        $cut{$threads} = join("\n", @lines);
    }
    my $res = eval { JSON::PP->new->decode(slurp("$dir/rcx-t2.json")) };
    ok($res && $res->{mpi}{per_rank}[0]{threaded_gates} > 0, 'a routed circuit on 2 threads ran updates as tasks ('
       . ($res ? $res->{mpi}{per_rank}[0]{threaded_gates} : '-') . ')');
    ok(length($cut{1}) > 1000 && $cut{1} eq $cut{2},
       'its trace on 2 threads is the one thread\'s: the same gates, windows, sites and bonds, in order');
}

# ---- the prediction's shape ------------------------------------------------

{
    my ($st, $res) = simulate($t1, '--ranks', 2, '--times', 'trace');
    my $sum = 0;
    $sum += $_->[-1] for @w;
    ok($st == 0 && $res->{predicted_seconds} > 0, 'a prediction in seconds');
    ok($res->{predicted_seconds} >= $sum / 2 * 0.99, 'two ranks take at least half the serial window time');
    is(scalar(@{ $res->{memory_per_rank_bytes} }), 2, 'memory per rank for each rank');
    my ($st1, $one) = simulate($t1, '--ranks', 1, '--times', 'trace');
    ok($one->{predicted_seconds} >= $sum * 0.999 && $one->{predicted_seconds} <= $sum * 1.2,
       'one rank: the windows\' own seconds plus the one-qubit gates');
    my ($st4, $team) = simulate($t1, '--ranks', 4, '--team-size', 2, '--machine', "$root/docs/scaling/machine-here.json");
    is($team->{segments}, 2, 'teams of 2 on 4 ranks own 2 segments');
}

# ---- memory per rank against the engine's own ledger ------------------------
# The engine counts what its site tensors, scratch buffers and distributed
# eigensolves hold (peak_tensor_bytes per rank, the ledger of --max-memory);
# the simulator predicts it from the trace's bonds. Chi 256 on 20 qubits:
# windows of 512 rows, whose buffers (about 26 MiB) are most of it, and
# splits that take later Gram passes. One rank, two, and teams of two on 2
# and 4 ranks and of four on 4 (a 2 x 2 grid): a team splits each window of
# at least --scalapack-min Gram rows whole on its grid (mpi/scal_window.c),
# so its leader holds its segment, the buffers of its smaller windows and
# its share of the grid's matrices; a member only that share. The model
# counts the buffers of later passes always and the larger of the grid's
# Gram and SVD paths (a plan must not say a run fits that does not): at
# most 25% over, never more than 10% under (a lent site's copy, freed when
# delivered, is 2 MiB).

{
    my $bw20 = gen_circuit('bw20.qasm', 'brickwork', 20, 20, 1);
    for my $case ([1, 1], [2, 1], [2, 2], [4, 2], [4, 4]) {
        my ($p, $team) = @$case;
        my $name = "mem-p$p-t$team";
        my $t = traced($p, $bw20, $name, '--chi 256', ($team > 1 ? ('--team-size', $team, '--scalapack-min 256') : ()));
        SKIP: {
            skip "no trace of $name: " . slurp("$dir/$name.err"), 3 unless $t;
            my $run = JSON::PP->new->decode(slurp("$dir/$name.json"));
            my @ledger = $p > 1 ? map { $_->{peak_tensor_bytes} } @{ $run->{mpi}{per_rank} } : ($run->{peak_tensor_bytes});
            my ($st, $res, $err) = simulate($t, '--ranks', $p, '--team-size', $team, '--times', 'trace');
            is($st, 0, "$name: the simulator replays it") or diag($err);
            my @model = @{ $res->{memory_per_rank_bytes} // [] };
            is(scalar(@model), $p, "$name: a prediction for each rank");
            my ($largest) = sort { $ledger[$b] <=> $ledger[$a] } 0 .. $p - 1;
            my @checked = $team > 1 ? (0 .. $p - 1) : ($largest);   # without teams: the rank that sets the need
            my @off = grep { !($ledger[$_] > 0) || !defined $model[$_] || $model[$_] < 0.9 * $ledger[$_]
                             || $model[$_] > 1.25 * $ledger[$_] } @checked;
            ok(!@off, "$name: predicted memory from 10% under to 25% over the ledger's peak ("
               . join(', ', map { sprintf('%.2f/%.2f MiB', ($model[$_] // 0) / 2**20, ($ledger[$_] // 0) / 2**20) } 0 .. $p - 1)
               . ($team > 1 ? ', every rank of the team' : ', the largest rank') . ')');
        }
    }
}

# ---- the synthetic bond model against a real trace ---------------------------

{
    my $small = gen_circuit('bw16.qasm', 'brickwork', 16, 12, 5);
    my $real = traced(1, $small, 'bw16', '--chi 8');
    my ($st, undef, $err) = simulate('--synthetic', $small, '--chi', 8, '--tnemu', $bin, '--write-trace', "$dir/syn.trace");
    is($st, 0, 'a synthetic trace from the circuit and chi') or diag($err);
    my @r = @{ parse($real)->{w} };
    my @s = @{ parse("$dir/syn.trace")->{w} };
    is(scalar(@s), scalar(@r), 'the synthetic trace has the real one\'s windows');
    my $match = 0;
    for my $i (0 .. $#r) { $match++ if join(',', @{ $r[$i] }[2 .. 8]) eq join(',', @{ $s[$i] // [] }[2 .. 8]); }
    ok($match >= 0.95 * @r, "the saturating bond model gives the real bonds for $match of " . scalar(@r) . ' windows');
}

SKIP: {   # swaps: the entanglement bound keeps a swap of unentangled qubits from growing a bond
    my $data = Tnemu::shared_data();
    skip 'no shared data (../shared/data) for the heavy-hex map', 3 unless $data;
    my $ki = gen_circuit('ki.qasm', 'kicked-ising', "$data/ibm-backends/fez/conf_fez.json", 3);
    my $real = traced(1, $ki, 'ki', '--chi 8 --order auto --shots 0');
    my ($st, undef, $err) = simulate('--synthetic', $ki, '--chi', 8, '--run-args', "'--order auto'", '--tnemu', $bin,
                                     '--write-trace', "$dir/kis.trace");
    is($st, 0, 'a synthetic trace of the 156-qubit kicked-Ising circuit') or diag($err);
    my @r = @{ parse($real)->{w} };
    my @s = @{ parse("$dir/kis.trace")->{w} };
    my $match = 0;
    for my $i (0 .. $#r) { $match++ if join(',', @{ $r[$i] }[2 .. 8]) eq join(',', @{ $s[$i] // [] }[2 .. 8]); }
    ok($match >= 0.9 * @r, "heavy-hex with swaps: the model gives the real bonds for $match of " . scalar(@r) . ' windows');
    my $m = "$root/docs/scaling/machine-here.json";
    my (undef, $a) = simulate($real, '--times', 'model', '--machine', $m);
    my (undef, $b) = simulate("$dir/kis.trace", '--times', 'model', '--machine', $m);
    my $ratio = $b->{predicted_seconds} / $a->{predicted_seconds};
    ok($ratio > 0.9 && $ratio < 1.1, "and the modelled work within 10% of the real trace's ($ratio)");
}

# ---- bad input ------------------------------------------------------------

my @bad = (
    [[$t1, '--ranks', 0], qr/^scaling-sim: --ranks: 0 is out of range/],
    [[$t1, '--ranks', 4, '--team-size', 3], qr/^scaling-sim: --ranks 4 is not a multiple of --team-size 3/],
    [["$dir/none.trace"], qr/^scaling-sim: .*none.trace: No such file/],
    [[write_file("$dir/bad.trace", "tnemu-trace 1\n{}\nw 1 x\nend\n")], qr/^scaling-sim: .*bad.trace:3:1: not a trace line/],
    [[write_file("$dir/cut.trace", "tnemu-trace 1\n{}\ng 1 2 1\n")], qr/^scaling-sim: .*cut.trace: the trace ends early/],
    [['--synthetic', $bw], qr/^scaling-sim: --synthetic needs --chi/],
);
for my $b (@bad) {
    my ($st, undef, $err) = simulate(@{ $b->[0] });
    is($st, 2, "exit 2: @{ $b->[0] }[1 .. $#{ $b->[0] }]");
    like($err, $b->[1], 'one line naming the problem');
    is(scalar(() = $err =~ /\n/g), 1, 'exactly one line');
}
{
    my ($st, undef, $err) = run_tnemu('run', $bw, '--trace', '');
    is($st, 2, 'tnemu run --trace with an empty name exits 2');
    like($err, qr/option --trace: expected a file name/, 'and says what it expected');
    my $dyn = write_file("$dir/dyn.qasm", "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[2];\ncreg c[2];\nh q[0];\n"
                         . "measure q[0] -> c[0];\nif(c==1) x q[1];\n");
    ($st, undef, $err) = run_tnemu('run', $dyn, '--trace', "$dir/dyn.trace");
    is($st, 2, 'a trace of a circuit with mid-circuit measurement is refused (exit 2)');
    like($err, qr/option --trace: only a noiseless run without mid-circuit measurement/, 'with the reason');
    ($st, undef, $err) = run_tnemu('run', $bw, '--chi', 4, '--trace', "$dir/no/such/dir/t.trace");
    is($st, 1, 'a trace that cannot be written exits 1');
    ok(!-e "$dir/no/such/dir/t.trace", 'and leaves nothing');
}

done_testing();
