#!/usr/bin/perl
# order.t - --order auto and the routing's figures in tnemu info and the result.
# auto never routes with more swaps or cuts wider than the identity, and
# lowers both on all-to-all circuits (a quantum-volume-style circuit, random
# long-range CX); on the device maps (brisbane's heavy-hex, Wukong's 12 x 6
# grid; skipped without ../shared/data) it keeps the identity unless another
# order routes with fewer swaps. A run with --order auto gives the same state
# as the identity order (amplitudes to 1e-10, no truncation). The result's
# swaps and fused_swaps are what tnemu info predicts.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use JSON::PP;
use Tnemu qw(run_tnemu read_json tmpdir gen_circuit shared_data write_file);

my $dir = tmpdir();

# tnemu info's figures for an order: swap distance, routed swaps, fused swaps, largest cut.
sub info_figures {
    my ($circ, $order) = @_;
    my ($status, $out, $err) = run_tnemu('info', $circ, '--order', $order);
    return undef if $status != 0;
    my ($dist) = $out =~ /swap distance (\d+)/;
    my ($swaps, $fused) = $out =~ /^routing\s+(\d+) swaps, (\d+) more fused/m;
    my $cut = 0;
    for ($out =~ /^\s+cut\s+\d+\s+(\d+) gates/mg) { $cut = $_ if $_ > $cut; }
    return defined $swaps ? {distance => $dist, swaps => $swaps, fused => $fused, cut => $cut} : undef;
}

sub show { my $f = shift; return $f ? "distance $f->{distance}, swaps $f->{swaps} + $f->{fused} fused, cut $f->{cut}" : 'failed'; }

my $qv = gen_circuit('qv.qasm', 'qv', 40, 10, 1);
my $rcx = gen_circuit('rcx.qasm', 'random-cx', 48, 12, 2);
for my $case (['QV 40 x 10', $qv], ['random CX 48 x 12', $rcx]) {
    my ($name, $circ) = @$case;
    my $id = info_figures($circ, 'identity');
    my $auto = info_figures($circ, 'auto');
    ok($id && $auto && $auto->{swaps} < $id->{swaps} && $auto->{cut} <= $id->{cut},
       "$name: auto routes with fewer swaps, no wider cut (identity: " . show($id) . '; auto: ' . show($auto) . ')');
}

SKIP: {
    my $data = shared_data();
    my ($brisbane, $wukong) = map { $data ? "$data/$_" : '' } ('ibm-backends/brisbane/conf_brisbane.json',
                                                               'origin/wukong72/grid-topology-derived.json');
    skip 'no ../shared/data (brisbane, wukong72)', 2 unless $data && -f $brisbane && -f $wukong;
    my $g = read_json($wukong);
    my $conf = write_file("$dir/wukong_conf.json", JSON::PP->new->encode({n_qubits => $g->{n_qubits},
                                                                         coupling_map => $g->{full_grid_edges_126}}));
    for my $case (['brisbane heavy-hex kicked Ising', $brisbane], ['Wukong 12 x 6 grid kicked Ising', $conf]) {
        my ($name, $c) = @$case;
        my $circ = gen_circuit("ki-$name.qasm" =~ s/ /_/gr, 'kicked-ising', $c, 3);
        my $id = info_figures($circ, 'identity');
        my $auto = info_figures($circ, 'auto');
        ok($id && $auto && $auto->{swaps} <= $id->{swaps} && $auto->{cut} <= $id->{cut},
           "$name: auto routes with no more swaps, no wider cut (identity: " . show($id) . '; auto: ' . show($auto) . ')');
    }
}

# the same state whatever the order, and the result's routing figures are info's
my $small = gen_circuit('qv12.qasm', 'qv', 12, 6, 5);
my @amps = ('000000000000', '101010101010', '111100001111');
my %r;
for my $order ('identity', 'auto') {
    my ($status, $out, $err) = run_tnemu('run', $small, '--order', $order, '--seed', '1', '-q', '-o', "$dir/$order.json",
                                         map { ('--amplitude', $_) } @amps);
    $r{$order} = $status == 0 ? read_json("$dir/$order.json") : undef;
    ok($r{$order}, "QV 12: runs with --order $order") or diag($err);
}
my $worst = 0;
for my $b (@amps) {
    my ($x, $y) = map { $r{$_} ? $r{$_}{amplitudes}{$b} : [9, 9] } qw(identity auto);
    my $d = sqrt(($x->[0] - $y->[0])**2 + ($x->[1] - $y->[1])**2);
    $worst = $d if $d > $worst;
}
ok($worst < 1e-10, "QV 12: --order auto gives the identity order's amplitudes (largest difference $worst)");
my $info = info_figures($small, 'auto');
ok($info && $r{auto} && $r{auto}{swaps} == $info->{swaps} && $r{auto}{fused_swaps} == $info->{fused},
   "QV 12: the result's swaps and fused_swaps are tnemu info's (" . show($info) . ')');

# what auto weighed: every candidate's figures in the result and in tnemu info, exactly one taken,
# and the taken one's routing is the run's
{
    my $cands = $r{auto} ? $r{auto}{order_auto} : undef;
    ok(ref $cands eq 'ARRAY' && @$cands >= 2 && (grep { $_->{order} eq 'identity' } @$cands),
       'QV 12: the result lists the orders auto weighed (' . join(', ', map { $_->{order} } @{$cands // []}) . ')');
    my @taken = grep { $_->{taken} } @{$cands // []};
    is(scalar @taken, 1, '... exactly one of them taken');
    ok(@taken && $taken[0]{routed_swaps} == $r{auto}{swaps} && $taken[0]{swap_distance} == $r{auto}{swap_distance},
       "... its routed swaps and swap distance are the run's ($r{auto}{swaps}, $r{auto}{swap_distance})");
    ok(!exists $r{identity}{order_auto}, '--order identity: no candidates listed');
    my ($status, $out) = run_tnemu('info', $small, '--order', 'auto');
    like($out, qr/^order auto   candidates .*\n  identity +cut +\d+ .*\n/m, 'tnemu info --order auto lists them too');
    like($out, qr/<- taken/, '... marking the one taken');
}

done_testing();
