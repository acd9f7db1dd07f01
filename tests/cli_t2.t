#!/usr/bin/perl
# cli_t2.t - `tnemu run --t2 ramsey|echo` with an Origin chip configuration
# (a small fixture written here): the result's noise section records which T2
# was used and the qubits that fell back to the other, the summary line says
# it, the default is the measured one (echo; README "Which T2"), and a
# checkpoint written with one T2 is not resumed with the other.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Tnemu qw(run_tnemu tmpdir write_file read_json);

my $dir = tmpdir();
# qubit 0: both T2s; qubit 1: no echo T2 (Ts2 0.00)
my $cal = write_file("$dir/cloud_chip_config.json", <<'JSON');
{"qubitNum": 2,
 "adjJSON": {
  "0": {"T1": "20.0", "T2": "1.00", "Ts2": "8.00", "averageFidelity": "0.999", "readFidelity": "0.99/0.98"},
  "1": {"T1": "20.0", "T2": "4.00", "Ts2": "0.00", "averageFidelity": "0.999", "readFidelity": "0.99/0.98"}},
 "gateJSON": {"0_1": {"fidelity": "0.98"}}}
JSON
my $ir = write_file("$dir/bell.ir", "QINIT 2\nCREG 2\nH q[0]\nCNOT q[0],q[1]\nMEASURE q[0],c[0]\nMEASURE q[1],c[1]\n");

for my $case (['ramsey', ['--t2', 'ramsey']], ['echo', ['--t2', 'echo']], ['echo', []]) {
    my ($want, $opts) = @$case;
    my $label = @$opts ? "--t2 $want" : "no --t2 (default $want)";
    my $out = "$dir/result.json";
    unlink $out;
    my ($status, undef, $stderr) = run_tnemu('run', $ir, '--noise', $cal, @$opts, '--shots', '20', '--trajectories', '4',
                                             '--seed', '3', '-o', $out);
    is($status, 0, "$label: runs") or diag($stderr);
    my $noise = -e $out ? read_json($out)->{noise} : {};
    is($noise->{t2}, $want, "$label: the result's noise section says T2 $want");
    # ramsey: qubit 0 and 1 have a Ramsey T2, none falls back; echo: qubit 1 has no Ts2
    my @want_list = $want eq 'echo' ? (1) : ();
    is_deeply([ $noise->{t2_fallback_qubits}, $noise->{t2_fallback_qubits_list} ], [ scalar @want_list, \@want_list ],
              "$label: qubits relaxing with the other T2 counted and listed");
    like($stderr, qr/^tnemu: noise \S+ \(origin, scale 1, T2 \Q$want\E\):/m, "$label: the summary line names T2 $want");
}

my ($status, undef, $stderr) = run_tnemu('run', $ir, '--noise', $cal, '--t2', 'foo', '-o', "$dir/bad.json");
ok($status == 2 && $stderr =~ /option --t2: 'foo' is not one of: ramsey, echo/ && !-e "$dir/bad.json",
   '--t2 foo: exit 2 naming the valid values, no result') or diag("status $status: $stderr");

# a checkpoint records the T2: resuming it with the other one is refused by name
my @ck = ('run', $ir, '--noise', $cal, '--shots', '120', '--trajectories', '60', '--seed', '5', '-q');
{
    local $ENV{TNEMU_INJECT} = 'signal@0';
    ($status) = run_tnemu(@ck, '--t2', 'ramsey', '--checkpoint', "$dir/ck", '-o', "$dir/ck.json");
}
is($status, 3, 'a --t2 ramsey run stopped at a checkpoint');
($status, undef, $stderr) = run_tnemu(@ck, '--t2', 'echo', '--resume', "$dir/ck", '-o', "$dir/ck.json");
ok($status == 2 && $stderr =~ /written with t2 = "ramsey", this run has "echo"/ && !-e "$dir/ck.json",
   'resuming it with --t2 echo is refused naming t2') or diag("status $status: $stderr");
($status, undef, $stderr) = run_tnemu(@ck, '--t2', 'ramsey', '--resume', "$dir/ck", '-o', "$dir/ck.json");
is($status, 0, 'resuming it with --t2 ramsey runs') or diag($stderr);

my (undef, $help) = run_tnemu('run', '--help');
like($help, qr/^  --t2 KIND +ramsey or echo/m, 'tnemu run --help lists --t2 ramsey|echo');
done_testing();
