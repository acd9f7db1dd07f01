#!/usr/bin/perl
# layer_threads_mpi.t - in a group of MPI ranks, each rank runs its own gates
# of a layer on OpenMP threads (src/mps_gates.c mps_apply_layer), and that
# changes no bit: on 2 and 3 ranks with OMP_NUM_THREADS 1, 2 and 3, the
# probabilities, amplitudes, expectation values, bond dimensions, fidelity
# estimate, its log and the discarded weight are the same text in the result
# file (the numbers compared as written, not as parsed) as one process on one
# thread, which shares no code path with the group's threads. The result says
# the threads were used (mpi.per_rank[].layer_threads and threaded_gates), and
# the group's trace (windows, the rank computing each, bonds before and after,
# rebalances) is the same on any thread count. Circuits: a brickwork; a
# brickwork on 2/3 of the chain (the segments go out of balance: rebalances
# between layers); a quantum-volume circuit (long-range pairs, swaps: the
# centre form's gate order, no layers, so no threads and still the same bits).
# Two CPU hogs keep both cores busy throughout, so which thread takes which
# gate varies; nothing here measures time.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Tnemu qw(tnemu read_json tmpdir gen_circuit write_file start_hogs stop_hogs);

my $dir = tmpdir();
my $bin = tnemu();
my $mpirun = 'OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_mpi_yield_when_idle=1 '
           . 'mpirun --oversubscribe --bind-to none';

sub slurp { my $f = shift; open(my $fh, '<', $f) or return ''; local $/; my $t = <$fh>; close $fh; return $t; }

# Runs tnemu with OMP_NUM_THREADS=threads on np ranks (0: no launcher);
# returns (parsed result, its text) or () on failure.
sub run_case {
    my ($threads, $np, $tag, @args) = @_;
    my $out = "$dir/$tag.json";
    my $launch = $np ? "$mpirun -n $np $bin" : $bin;
    my $cmd = join(' ', map { "'$_'" } @args);
    system("OMP_NUM_THREADS=$threads $launch $cmd -q -o $out >$dir/stdout 2>$dir/stderr </dev/null");
    return () if $? != 0;
    return (read_json($out), slurp($out));
}

# The text of a top-level field's value in a result file: an object or array
# up to its matching bracket, else up to the next comma or brace.
sub raw_field {
    my ($text, $key) = @_;
    return "missing $key" unless $text =~ /\n  "\Q$key\E": /g;
    my $start = pos($text);
    my $open = substr($text, $start, 1);
    if ($open ne '{' && $open ne '[') {
        $text =~ /\G([^,}\n]*)/g;
        return $1;
    }
    my $depth = 0;
    for (my $i = $start; $i < length $text; $i++) {
        my $ch = substr($text, $i, 1);
        $depth++ if $ch eq '{' || $ch eq '[';
        $depth-- if $ch eq '}' || $ch eq ']';
        return substr($text, $start, $i - $start + 1) if $depth == 0;
    }
    return "unterminated $key";
}

my @fields = qw(probabilities amplitudes expectation_values bond_dimensions fidelity_estimate
                log_fidelity_estimate discarded_weight decompositions swaps);
sub fingerprint {
    my $text = shift;
    return 'no result' unless defined $text;
    return join("\n", map { "$_: " . raw_field($text, $_) } @fields);
}

# The trace without its header, per-rank lines and seconds: which gate, which
# window on which rank, bonds before and after, rebalances.
sub trace_core {
    my $f = shift;
    open(my $fh, '<', $f) or return 'no trace';
    my @keep;
    while (my $l = <$fh>) {
        next if $l =~ /^(tnemu-trace|\{|p |#)/;
        $l =~ s/ [0-9.]+\n$/\n/ if $l =~ /^w /;
        push @keep, $l;
    }
    close $fh;
    return join('', @keep);
}

# Four measured qubits: probabilities over 16 outcomes.
sub measured {
    my ($name, $n, @gen) = @_;
    my $qasm = slurp(gen_circuit("$name.src", @gen));
    $qasm =~ s/creg c\[\d+\];/creg c[4];/;
    my @q = (0, 1, $n / 2, $n - 1);
    $qasm .= "measure q[$q[$_]] -> c[$_];\n" for 0 .. 3;
    return write_file("$dir/$name.qasm", $qasm);
}
my $bw = measured('bw', 24, 'brickwork', 24, 20, 7);
# gates on qubits 0..15 of 24 only: the first segments cost far more (rebalances)
my $lop = slurp(gen_circuit('lop.src', 'brickwork', 16, 40, 9));
$lop =~ s/qreg q\[16\];/qreg q[24];/;
$lop =~ s/creg c\[16\];/creg c[4];/;
$lop .= "u3(0.3,0.2,0.1) q[$_];\n" for 16 .. 23;
$lop .= "cx q[15],q[16];\ncx q[22],q[23];\n";
my @lq = (0, 1, 15, 23);
$lop .= "measure q[$lq[$_]] -> c[$_];\n" for 0 .. 3;
$lop = write_file("$dir/lop.qasm", $lop);
my $qv = measured('qv', 16, 'qv', 16, 10, 3);

my @cases = (
    ['brickwork', $bw, 1, '--chi', '24'],
    ['brickwork on 2/3 of the chain', $lop, 1, '--chi', '32'],
    ['quantum volume (swaps)', $qv, 0, '--chi', '12'],
);

start_hogs();
for my $case (@cases) {
    my ($name, $circ, $layered, @opts) = @$case;
    my $n = $circ eq $qv ? 16 : 24;
    my @args = ('run', $circ, @opts, '--seed', '3', '--probabilities', '--amplitude', '0' x $n,
                '--amplitude', '1' x $n, '--observable', 'Z0 Z1', '--observable', 'X2 Y3 Z4');
    my ($ref, $ref_text) = run_case(1, 0, 'ref', @args);
    ok($ref && $ref->{fidelity_estimate} < 1 && keys %{ $ref->{probabilities} } == 16,
       "$name: one process on one thread, with truncation (fidelity estimate "
       . ($ref ? $ref->{fidelity_estimate} : '-') . ')') or diag(slurp("$dir/stderr"));
    my $want = $ref ? fingerprint($ref_text) : 'no reference';
    for my $np (2, 3) {
        my ($one, $one_trace, $rebalances);
        for my $threads (1, 2, 3) {
            my ($r, $text) = run_case($threads, $np, "r$np-$threads", @args, '--trace', "$dir/t$np-$threads.txt");
            my $tag = "$name, $np ranks x $threads threads";
            ok($r, "$tag: runs") or diag(slurp("$dir/stderr"));
            is(fingerprint($text), $want, "$tag: the same numbers, as written, as one process on one thread");
            my @per = $r ? @{ $r->{mpi}{per_rank} // [] } : ();
            my $threaded = 0;
            $threaded += $_->{threaded_gates} // 0 for @per;
            my @lt = map { $_->{layer_threads} // -1 } @per;
            is("@lt", join(' ', ($threads) x $np), "$tag: every rank reports layer_threads $threads");
            if ($threads == 1 || !$layered) {
                is($threaded, 0, "$tag: no gate ran on threads");
            } else {
                my $each = !grep { ($_->{threaded_gates} // 0) == 0 } @per;
                ok($threaded > 0 && $each, "$tag: every rank ran gates of its own on threads ($threaded in all)");
            }
            my $core = trace_core("$dir/t$np-$threads.txt");
            if ($threads == 1) {
                ($one, $one_trace, $rebalances) = ($r, $core, $r ? $r->{mpi}{rebalances} : -1);
            } else {
                ok($core eq $one_trace && $r && $r->{mpi}{rebalances} == $rebalances,
                   "$tag: the trace's gates, windows, ranks, bonds and rebalances are those on one thread");
            }
        }
        if ($name =~ /2\/3/) {
            ok($rebalances > 0, "$name, $np ranks: the segments were rebalanced ($rebalances times) between layers");
        }
    }
}
stop_hogs();

done_testing();
