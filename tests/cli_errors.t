#!/usr/bin/perl
# cli_errors.t - every bad option or input: exit status 2, one line naming the
# option and valid range (or FILE:LINE:COL), and no result file left behind.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Tnemu qw(run_tnemu tmpdir write_file gen_circuit);

my $dir = tmpdir();
my $good = gen_circuit('ghz4.qasm', 'ghz', 4);
my $out = "$dir/result.json";

my @cases = (
    [ 'no command',            [],                                             qr/usage: tnemu/ ],
    [ 'unknown command',       ['frobnicate'],                                 qr/unknown command 'frobnicate'/ ],
    [ 'run without circuit',   ['run'],                                        qr/no circuit given/ ],
    [ 'two circuits',          ['run', $good, $good],                          qr/takes one circuit/ ],
    [ 'unknown option',        ['run', $good, '--frob', '1'],                  qr/unknown option '--frob'/ ],
    [ 'option without value',  ['run', $good, '--chi'],                        qr/option --chi needs a value/ ],
    [ 'chi not a number',      ['run', $good, '--chi', 'abc'],                 qr/option --chi: 'abc' is not an integer in \[0, 1048576\]/ ],
    [ 'chi negative',          ['run', $good, '--chi', '-1'],                  qr/option --chi: '-1' is not an integer in \[0, 1048576\]/ ],
    [ 'chi too large',         ['run', $good, '--chi', '99999999'],            qr/option --chi: .*\[0, 1048576\]/ ],
    [ 'cutoff above 1',        ['run', $good, '--cutoff', '2'],                qr/option --cutoff: '2' is not a number in \[0, / ],
    [ 'cutoff nan',            ['run', $good, '--cutoff', 'nan'],              qr/option --cutoff: 'nan'/ ],
    [ 'shots negative',        ['run', $good, '--shots', '-5'],                qr/option --shots: '-5' is not an integer in \[0, 1000000000\]/ ],
    [ 'shots trailing junk',   ['run', $good, '--shots', '10x'],               qr/option --shots: '10x'/ ],
    [ 'seed negative',         ['run', $good, '--seed', '-3'],                 qr/option --seed: '-3' is not an integer in \[0, 18446744073709551615\]/ ],
    [ 'seed overflow',         ['run', $good, '--seed', '99999999999999999999999'], qr/option --seed:/ ],
    [ 'observable bad letter', ['run', $good, '--observable', 'Q1'],           qr/option --observable: 'Q1' is not a list of P<qubit>/ ],
    [ 'observable bad qubit',  ['run', $good, '--observable', 'Z9'],           qr/option --observable: qubit 9 in 'Z9' is out of range \[0, 3\]/ ],
    [ 'observable repeated',   ['run', $good, '--observable', 'Z1 X1'],        qr/qubit 1 appears twice/ ],
    [ 'observable empty',      ['run', $good, '--observable', ' '],            qr/names no Pauli/ ],
    [ 'amplitude too short',   ['run', $good, '--amplitude', '01'],            qr/option --amplitude: '01' has 2 bits, the circuit has 4 qubits/ ],
    [ 'amplitude bad char',    ['run', $good, '--amplitude', '01a1'],          qr/option --amplitude: character 3 of the bitstring is 'a'/ ],
    [ 'noise file missing',    ['run', $good, '--noise', "$dir/none.json"],   qr/option --noise: cannot read '.*none.json'/ ],
    [ 'noise not a model',     ['run', $good, '--noise', write_file("$dir/n1.json", '{"a":1}')], qr/n1.json: not a noise model tnemu knows/ ],
    [ 'noise malformed JSON',  ['run', $good, '--noise', write_file("$dir/n2.json", "{\n\"format\": }")], qr/n2.json:2:\d+: error:/ ],
    [ 'noise bad probability', ['run', $good, '--noise', write_file("$dir/n3.json", '{"format":"tnemu-noise","gates":[{"channels":[{"type":"depolarizing","p":2}]}]}')], qr/n3.json: gates\[0\].channels\[0\]: depolarizing parameter 2 is out of range \[0, 1.33333\]/ ],
    [ 'noise non-CPTP Kraus',  ['run', $good, '--noise', write_file("$dir/n4.json", '{"format":"tnemu-noise","gates":[{"channels":[{"type":"kraus","operators":[[[1,0],[0,0.5]]]}]}]}')], qr/n4.json: gates\[0\].channels\[0\]: the Kraus operators are not trace preserving/ ],
    [ 'noise overrotation not a number', ['run', $good, '--noise', write_file("$dir/n6.json", '{"format":"tnemu-noise","gates":[{"gate":"cx","overrotation":"big"}]}')], qr/n6.json: gates\[0\]: "overrotation" is not a number/ ],
    [ 'noise zz NaN',          ['run', $good, '--noise', write_file("$dir/n7.json", '{"format":"tnemu-noise","couplers":[{"qubits":[0,1],"zz":NaN}]}')], qr/n7.json:1:\d+: error:/ ],
    [ 'noise zz self pair',    ['run', $good, '--noise', write_file("$dir/n8.json", '{"format":"tnemu-noise","couplers":[{"qubits":[2,2],"zz":1e4}]}')], qr/n8.json: couplers\[0\]: qubits 2 and 2 are not a coupled pair/ ],
    [ 'noise zz off the circuit', ['run', $good, '--noise', write_file("$dir/n9.json", '{"format":"tnemu-noise","couplers":[{"qubits":[0,7],"zz":1e4}]}')], qr/n9.json: couplers\[0\]: qubit 7 is out of range for the 4-qubit circuit/ ],
    [ 'noise scale negative',  ['run', $good, '--noise', "$dir/n1.json", '--noise-scale', '-1'], qr/option --noise-scale: '-1' is not a number in \[0, 1000\]/ ],
    [ 'noise scale junk',      ['run', $good, '--noise-scale', 'x'],           qr/option --noise-scale: 'x'/ ],
    [ 'noise format unknown',  ['run', $good, '--noise-format', 'qiskit'],     qr/option --noise-format: 'qiskit' is not one of: ibm, origin, tnemu/ ],
    [ 't2 unknown',            ['run', $good, '--t2', 'foo'],                  qr/option --t2: 'foo' is not one of: ramsey, echo/ ],
    [ 't2 without noise',      ['run', $good, '--t2', 'echo'],                 qr/--t2 .*need --noise FILE/ ],
    [ 't2 on a tnemu model',   ['run', $good, '--t2', 'ramsey', '--noise', write_file("$dir/nt2.json", '{"format":"tnemu-noise"}')], qr/option --t2: .*nt2.json is a tnemu noise model with one T2 per qubit/ ],
    [ 'trajectories zero',     ['run', $good, '--trajectories', '0'],          qr/option --trajectories: '0' is not an integer in \[1, 100000000\]/ ],
    [ 'trajectories without noise', ['run', $good, '--trajectories', '5'],     qr/need --noise FILE/ ],
    [ 'dephasing malformed',   ['run', $good, '--dephasing-1f', '1e4'],        qr/option --dephasing-1f: '1e4' is not AMPLITUDE,ALPHA/ ],
    [ 'dephasing alpha range', ['run', $good, '--dephasing-1f', '1e4,5'],      qr/0 < ALPHA <= 3/ ],
    [ 'amplitude with noise',  ['run', $good, '--noise', write_file("$dir/n5.json", '{"format":"tnemu-noise"}'), '--amplitude', '0000'], qr/option --amplitude: a noisy run is a mixture of trajectories/ ],
    [ 'order bad file',        ['run', $good, '--order', "$dir/nope.txt"],     qr/option --order: '.*nope.txt' is not identity, auto or a readable file/ ],
    [ 'order out of range',    ['run', $good, '--order', write_file("$dir/o1.txt", "0 1 2 7\n")], qr/o1.txt:1:7: error: qubit 7 is out of range for a 4-qubit circuit/ ],
    [ 'order repeated qubit',  ['run', $good, '--order', write_file("$dir/o2.txt", "0 1\n1 2\n")], qr/o2.txt:2:1: error: qubit 1 is listed twice/ ],
    [ 'order too short',       ['run', $good, '--order', write_file("$dir/o3.txt", "0 1 2\n")], qr/o3.txt:.*lists 3 qubits, the circuit has 4/ ],
    [ 'order junk',            ['run', $good, '--order', write_file("$dir/o4.txt", "0 1 x 2 3\n")], qr/o4.txt:1:5: error: expected a qubit index/ ],
    [ 'format unknown',        ['run', $good, '--format', 'quil'],             qr/option --format: 'quil' is not one of/ ],
    [ 'canonical unknown',     ['run', $good, '--canonical', 'bogus'],         qr/option --canonical: 'bogus' is not vidal or center/ ],
    [ 'canonical without value', ['run', $good, '--canonical'],                qr/option --canonical needs a value/ ],
    [ 'missing circuit file',  ['run', "$dir/absent.qasm"],                    qr/absent.qasm/ ],
    [ 'qasm syntax error',     ['run', write_file("$dir/bad1.qasm", "OPENQASM 2.0;\nqreg q[2];\nh q[0]\ncx q[0],q[1];\n")], qr/bad1.qasm:\d+:\d+: error: / ],
    [ 'qasm unknown gate',     ['run', write_file("$dir/bad2.qasm", "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[2];\nfoo q[0];\n")], qr/bad2.qasm:4:1: error: .*foo/ ],
    [ 'qasm qubit range',      ['run', write_file("$dir/bad3.qasm", "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[2];\nx q[5];\n")], qr/bad3.qasm:4:\d+: error: .*5/ ],
    [ 'qasm undeclared reg',   ['run', write_file("$dir/bad4.qasm", "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg r[2];\ncreg c[2];\nmeasure q[0] -> c[0];\n")], qr/bad4.qasm:5:\d+: error: .*'?q'?/ ],
    [ 'amplitude on dynamic',  ['run', write_file("$dir/dyn.qasm", "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[1];\ncreg c[1];\nh q[0];\nmeasure q[0] -> c[0];\nif(c==1) x q[0];\n"), '--amplitude', '0'], qr/option --amplitude: .*mid-circuit/ ],
    [ 'info unknown option',   ['info', $good, '--frob'],                      qr/unknown option '--frob' for 'tnemu info'/ ],
    [ 'info bad chi',          ['info', $good, '--chi', 'x'],                  qr/option --chi: 'x' is not an integer/ ],
);

for my $case (@cases) {
    my ($name, $args, $want) = @$case;
    unlink $out;
    my @argv = @$args;
    splice(@argv, 1, 0, '-o', $out) if @argv && $argv[0] eq 'run';
    my ($status, $stdout, $stderr) = run_tnemu(@argv);
    my @lines = grep { length } split /\n/, $stderr;
    ok($status == 2 && $stderr =~ $want && ($name eq 'no command' || @lines == 1) && !-e $out,
       "$name: exit 2, one-line message, no result file")
        or diag("status $status\nstderr: $stderr\nwant: $want");
}
done_testing();
