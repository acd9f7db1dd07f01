#!/usr/bin/perl
# input.t - input that used to crash or mislead: hostile expression nesting,
# directories where files belong, circuits from standard input and pipes
# (also under mpirun, where rank 0 alone reads), byte-order marks, unknown
# keys in specs, manifests and tnemu noise files, noise entries for qubits
# the circuit lacks, calibrated qubits without T1/T2, and checkpoints whose
# checksum is right but whose contents are not. Every refusal: exit 2, one
# line naming the file (and FILE:LINE:COL or the JSON path), no result file.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use JSON::PP;
use Tnemu qw(tnemu run_tnemu read_json tmpdir write_file gen_circuit);

my $dir = tmpdir();
my $bin = tnemu();
my $out = "$dir/result.json";
my $head = "OPENQASM 2.0;\ninclude \"qelib1.inc\";\n";
my $bell = write_file("$dir/bell.qasm", "${head}qreg q[2];\ncreg c[2];\nh q[0];\ncx q[0],q[1];\nmeasure q -> c;\n");

# Runs a shell command line; returns (exit status, stdout, stderr).
sub sh {
    my ($cmd) = @_;
    system('bash', '-c', "$cmd >$dir/sh.out 2>$dir/sh.err");
    my $st = $? == -1 ? -1 : ($? & 127 ? 128 + ($? & 127) : $? >> 8);
    return ($st, slurp("$dir/sh.out"), slurp("$dir/sh.err"));
}

sub slurp { my $f = shift; open(my $fh, '<:raw', $f) or return ''; local $/; my $t = <$fh>; close $fh; return $t // ''; }

sub shq { my $s = shift; $s =~ s/'/'\\''/g; return "'$s'"; }

# A refusal: exit 2, one line matching $want on stderr, no result file.
sub refused {
    my ($name, $want, @args) = @_;
    unlink $out;
    splice(@args, 1, 0, '-o', $out) if $args[0] ne 'info' && $args[0] ne 'compare';
    my ($st, $stdout, $stderr) = run_tnemu(@args);
    my @lines = grep { length } split /\n/, $stderr;
    ok($st == 2 && @lines == 1 && $stderr =~ $want && !-e $out, "$name: exit 2, one line, no result")
        or diag("status $st\nstderr: $stderr\nwant: $want");
}

# ---- 1. expressions nested deeper than 200 ----------------------------------------------
my $parens = write_file("$dir/parens.qasm", "${head}qreg q[1];\nrx(" . ('(' x 30000) . '1' . (')' x 30000) . ") q[0];\n");
my $minus = write_file("$dir/minus.qasm", "${head}qreg q[1];\nrx(" . ('-' x 100000) . "1) q[0];\n");
my $ir_parens = write_file("$dir/parens.ir", "QINIT 1\nCREG 1\nRX q[0],(" . ('(' x 30000) . '1' . (')' x 30000) . ")\n");
my $ir_minus = write_file("$dir/minus.ir", "QINIT 1\nCREG 1\nRX q[0],(" . ('-' x 100000) . "1)\n");
for my $cmd ('run', 'info') {
    refused("$cmd: 30,000 parentheses", qr/parens.qasm:4:\d+: error: expression nests more than 200 deep/, $cmd, $parens);
    refused("$cmd: 100,000 minus signs", qr/minus.qasm:4:\d+: error: expression nests more than 200 deep/, $cmd, $minus);
    refused("$cmd: OriginIR parentheses", qr/parens.ir:3:\d+: error: expression nests more than 200 deep/, $cmd, $ir_parens);
    refused("$cmd: OriginIR minus signs", qr/minus.ir:3:\d+: error: expression nests more than 200 deep/, $cmd, $ir_minus);
}
my ($st) = run_tnemu('run', write_file("$dir/ok200.qasm", "${head}qreg q[1];\nrx(" . ('(' x 200) . 'pi' . (')' x 200) . ") q[0];\n"),
                     '-q', '-o', $out);
ok($st == 0, '200 parentheses still parse');

# ---- 2. a directory where a file belongs --------------------------------------------------
mkdir "$dir/adir";
mkdir "$dir/ck-dir";
mkdir "$dir/ck-dir/checkpoint.tnck";
my $d = "$dir/adir";
refused('run DIR', qr/^tnemu: .*adir: Is a directory$/, 'run', $d);
refused('info DIR', qr/^tnemu: .*adir: Is a directory$/, 'info', $d);
refused('run DIR --format originir', qr/adir: Is a directory/, 'run', $d, '--format', 'originir');
refused('--noise DIR', qr/option --noise: .*adir: Is a directory/, 'run', $bell, '--noise', $d);
refused('--order DIR', qr/option --order: .*adir.* \(Is a directory\)/, 'run', $bell, '--order', $d);
refused('--resume with a directory for the checkpoint', qr/option --resume: cannot read .*checkpoint.tnck: Is a directory/,
        'run', $bell, '--resume', "$dir/ck-dir");
refused('batch DIR', qr/adir: Is a directory/, 'batch', $d);
refused('adapters DIR', qr/adir: Is a directory/, 'adapters', $d);
refused('qnn DIR', qr/adir: Is a directory/, 'qnn', $d);
refused('compare DIR (hardware)', qr/adir: Is a directory/, 'compare', $d, $d);
my $task_dir = write_file("$dir/taskdir.json", '{"tasks": [{"circuit": "adir"}]}');
my ($bst, undef, $berr) = run_tnemu('batch', $task_dir, '-q', '-o', "$dir/batch.jsonl");
ok($bst == 2 && $berr =~ /adir: Is a directory/, 'batch: a task whose circuit is a directory fails as one') or diag($berr);
refused('adapters: device file is a directory', qr/adir: Is a directory/, 'adapters',
        write_file("$dir/devdir.json", qq({"device": {"kind": "ibm", "file": "$d"}, "block_qubits": 2})));
refused('adapters: inputs file is a directory', qr/cannot read inputs file .*adir: Is a directory/, 'adapters',
        write_file("$dir/indir.json", qq({"device": {"kind": "line", "qubits": 4}, "block_qubits": 2, "inputs": {"file": "$d"}})));

# ---- 3. circuits from standard input and pipes ---------------------------------------------
my $reference = do { run_tnemu('run', $bell, '--seed', '5', '-q', '-o', "$dir/ref.json"); read_json("$dir/ref.json") };
my $bell_text = slurp($bell);
my $ir_text = "QINIT 2\nCREG 2\nH q[0]\nCNOT q[0],q[1]\nMEASURE q[0],c[0]\nMEASURE q[1],c[1]\n";
write_file("$dir/bell.ir", $ir_text);
for my $case (['run -', "cat " . shq($bell) . " | " . shq($bin) . " run - --seed 5 -q -o $dir/s.json"],
              ['run /dev/stdin', shq($bin) . " run /dev/stdin --seed 5 -q -o $dir/s.json < " . shq($bell)],
              ['run <(...)', shq($bin) . " run <(cat " . shq($bell) . ") --seed 5 -q -o $dir/s.json"],
              ['run - --format originir', "cat $dir/bell.ir | " . shq($bin) . " run - --format originir --seed 5 -q -o $dir/s.json"]) {
    unlink "$dir/s.json";
    my ($s, undef, $e) = sh($case->[1]);
    my $got = $s == 0 && -e "$dir/s.json" ? read_json("$dir/s.json") : undef;
    ok($got && JSON::PP->new->canonical->encode($got->{counts}) eq JSON::PP->new->canonical->encode($reference->{counts}),
       "$case->[0]: the same counts as the file") or diag("status $s: $e");
}
my ($ist, $iout) = sh("cat " . shq($bell) . " | " . shq($bin) . " info -");
ok($ist == 0 && $iout =~ /qubits\s+2/, 'info - reads standard input') or diag($iout);
my ($est, undef, $eerr) = sh("printf '${head}qreg q[1];\\nh q[0;\\n' | " . shq($bin) . " run - -q");
ok($est == 2 && $eerr =~ /^tnemu: <stdin>:4:6: error: expected '\]'/, 'an error in standard input names <stdin>:LINE:COL') or diag($eerr);
SKIP: {
    skip 'mpirun is not installed', 1 unless system('command -v mpirun >/dev/null 2>&1') == 0;
    my $mpirun = 'OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1 timeout 300 mpirun --oversubscribe -n 2';
    unlink "$dir/m.json";
    my ($ms, undef, $me) = sh("cat " . shq($bell) . " | $mpirun " . shq($bin) . " run - --seed 5 -q -o $dir/m.json");
    my $got = $ms == 0 && -e "$dir/m.json" ? read_json("$dir/m.json") : undef;
    ok($got && $got->{mpi}{ranks} == 2 &&
       JSON::PP->new->canonical->encode($got->{counts}) eq JSON::PP->new->canonical->encode($reference->{counts}),
       'mpirun -n 2 run -: rank 0 reads standard input and broadcasts it') or diag("status $ms: $me");
}

# ---- 4. byte-order marks ------------------------------------------------------------------
my $bom = "\xef\xbb\xbf";
for my $case (['OpenQASM', write_file("$dir/bom.qasm", $bom . $bell_text)],
              ['OriginIR', write_file("$dir/bom.ir", $bom . $ir_text)]) {
    my ($s, undef, $e) = run_tnemu('run', $case->[1], '--seed', '5', '-q', '-o', $out);
    ok($s == 0, "$case->[0] with a byte-order mark runs") or diag($e);
}
my ($nst, undef, $nerr) = run_tnemu('run', $bell, '--noise', write_file("$dir/bom-noise.json", $bom . '{"format": "tnemu-noise"}'),
                                    '-q', '-o', $out);
ok($nst == 0, 'a tnemu noise file with a byte-order mark loads') or diag($nerr);
my ($mst, undef, $merr) = run_tnemu('batch', write_file("$dir/bom-manifest.json", $bom . '{"tasks": [{"circuit": "bell.qasm"}]}'),
                                    '-q', '-o', "$dir/b.jsonl");
ok($mst == 0, 'a batch manifest with a byte-order mark loads') or diag($merr);

# ---- 5. unknown keys --------------------------------------------------------------------
my $line = '"device": {"kind": "line", "qubits": 4}, "block_qubits": 2, "generators": {"random": 1}, "inputs": {"random": 2, "count": 1, "pieces": 2}, "shots": 10';
my $qnn = '"device": {"kind": "line", "qubits": 3}, "qubits": 2, "layers": 1, "parameters": {"random": 1}, "inputs": {"random": 2, "count": 1}';
my @keys = (
    ['adapters: a typo at the top', 'adapters', qq({$line, "noize": "x.json"}),
     qr/a1.json: unknown key "noize" \(valid: device, block_qubits, .*, sweep\)$/],
    ['adapters: device', 'adapters', qq({"device": {"kind": "line", "qubit": 4}, "block_qubits": 2}),
     qr/a2.json: device: unknown key "qubit" \(valid: kind, qubits\)/],
    ['adapters: inputs', 'adapters', qq({"device": {"kind": "line", "qubits": 4}, "block_qubits": 2, "generators": {"random": 1}, "inputs": {"random": 2, "count": 1, "piece": 2}}),
     qr/a3.json: inputs: unknown key "piece" \(valid: random, count, pieces\)/],
    ['adapters: generators', 'adapters', qq({"device": {"kind": "line", "qubits": 4}, "block_qubits": 2, "inputs": {"random": 2, "count": 1, "pieces": 2}, "generators": {"random": 1, "scal": 2}}),
     qr/a4.json: generators: unknown key "scal" \(valid: random, scale\)/],
    ['qnn: a typo at the top', 'qnn', qq({$qnn, "layer": 2}), qr/a5.json: unknown key "layer" \(valid: device, qubits, /],
    ['qnn: parameters', 'qnn', qq({"device": {"kind": "line", "qubits": 3}, "qubits": 2, "layers": 1, "parameters": {"random": 1, "counts": 2}}),
     qr/a6.json: parameters: unknown key "counts" \(valid: random, count\)/],
    ['batch: a typo at the top', 'batch', '{"tasks": [{"circuit": "bell.qasm"}], "default": ["--chi", "4"]}',
     qr/a7.json: unknown key "default" \(valid: seed, defaults, tasks\)/],
    ['batch: "arg" in a task', 'batch', '{"tasks": [{"circuit": "bell.qasm"}, {"circuit": "bell.qasm"}, {"circuit": "bell.qasm"}, {"circuit": "bell.qasm", "arg": ["--shots", "5"]}]}',
     qr/a8.json: tasks\[3\]: unknown key "arg" \(valid: circuit, qasm, originir, name, args\)/],
);
my $k = 0;
for my $case (@keys) {
    my ($name, $cmd, $json, $want) = @$case;
    $k++;
    refused($name, $want, $cmd, write_file("$dir/a$k.json", $json));
}
my @noise_keys = (
    ['noise: "noize" at the top', '{"format": "tnemu-noise", "noize": 0.1}', qr/n1.json: unknown key "noize" \(valid: format, nqubits, /],
    ['noise: durations', '{"format": "tnemu-noise", "durations": {"1q": 1e-8, "cx": 1e-7}}', qr/n2.json: durations: unknown key "cx" \(valid: 1q, 2q, measure\)/],
    ['noise: qubits[0]', '{"format": "tnemu-noise", "qubits": [{"qubit": 0, "T1": 1e-4}]}', qr/n3.json: qubits\[0\]: unknown key "T1" \(valid: qubit, t1, t2, readout\)/],
    ['noise: gates[0]', '{"format": "tnemu-noise", "gates": [{"gate": "cx", "chanels": []}]}', qr/n4.json: gates\[0\]: unknown key "chanels" \(valid: gate, qubits, duration, channels, overrotation\)/],
    ['noise: a channel', '{"format": "tnemu-noise", "gates": [{"channels": [{"type": "amplitude_damping", "gamma": 0.1, "p": 0.1}]}]}',
     qr/n5.json: gates\[0\].channels\[0\]: unknown key "p" \(valid: type, on, gamma\)/],
);
$k = 0;
for my $case (@noise_keys) {
    $k++;
    refused($case->[0], $case->[2], 'run', $bell, '--noise', write_file("$dir/n$k.json", $case->[1]));
}

# Sizes no spec means: a clear refusal before any allocation (was "out of memory", exit 1).
refused('adapters: 10^12 random inputs', qr/inputs: 1000000 vectors of 1000000 pieces of 4 numbers are more than 268435456 numbers/,
        'adapters', write_file("$dir/big1.json", '{"device": {"kind": "line", "qubits": 4}, "block_qubits": 2, "generators": {"random": 1}, "inputs": {"random": 2, "count": 1000000, "pieces": 1000000}}'));
refused('adapters: 10^6 random 32x32 generators', qr/generators: one 32x32 generator per piece for 1000000 pieces is more than/,
        'adapters', write_file("$dir/big2.json", '{"device": {"kind": "line", "qubits": 10}, "block_qubits": 5, "generators": {"random": 1}, "inputs": {"random": 2, "count": 1, "pieces": 1000000}}'));
refused('qnn: 10^12 circuits', qr/1000000 parameter sets x 1000000 inputs make 1e\+12 circuits; at most 10000000/,
        'qnn', write_file("$dir/big3.json", '{"device": {"kind": "line", "qubits": 3}, "qubits": 2, "layers": 1, "parameters": {"random": 1, "count": 1000000}, "inputs": {"random": 2, "count": 1000000}}'));

# ---- 6. noise entries for qubits the circuit lacks; qubits without T1/T2 ---------------------
refused('noise: a qubits entry past the circuit', qr/r1.json: qubits\[1\]: qubit 7 is out of range for the 2-qubit circuit .*bell.qasm \(qubits 0 to 1\)/,
        'run', $bell, '--noise', write_file("$dir/r1.json", '{"format": "tnemu-noise", "qubits": [{"qubit": 0, "t1": 1e-4, "t2": 1e-4}, {"qubit": 7, "t1": 1e-4, "t2": 1e-4}]}'));
refused('noise: a gate rule past the circuit', qr/r2.json: gates\[0\]: qubit 2 is out of range for the 2-qubit circuit .*\(qubits 0 to 1\)/,
        'run', $bell, '--noise', write_file("$dir/r2.json", '{"format": "tnemu-noise", "gates": [{"gate": "cx", "qubits": [1, 2], "channels": [{"type": "depolarizing", "p": 0.01, "qubits": 2}]}]}'));
refused('noise: a qubits entry past "nqubits"', qr/r3.json: qubits\[0\]: qubit 3 is out of range for the 3-qubit model/,
        'run', $bell, '--noise', write_file("$dir/r3.json", '{"format": "tnemu-noise", "nqubits": 3, "qubits": [{"qubit": 3, "t1": 1e-4, "t2": 1e-4}]}'));
# A three-qubit IBM calibration written here: qubit 1 lacks T1, qubit 2 both.
my $param = sub { my ($n, $u, $v) = @_; return qq({"name": "$n", "unit": "$u", "value": $v}) };
my $gate = sub { my ($g, $q, $e, $l) = @_; return qq({"gate": "$g", "qubits": [$q], "parameters": [) . $param->('gate_error', '', $e) . ', ' . $param->('gate_length', 'ns', $l) . ']}' };
my $props = '{"backend_name": "tnemu_test3", "qubits": [[' .
    join(', ', $param->('T1', 'us', 100), $param->('T2', 'us', 80), $param->('readout_error', '', 0.01)) . '], [' .
    join(', ', $param->('T2', 'us', 80), $param->('readout_error', '', 0.02)) . '], [' .
    $param->('readout_error', '', 0.02) . ']], "gates": [' .
    join(', ', map({ $gate->('sx', $_, 0.001, 35), $gate->('x', $_, 0.001, 35), $gate->('rz', $_, 0, 0) } 0 .. 2),
         $gate->('cx', '0, 1', 0.01, 300), $gate->('cx', '1, 2', 0.01, 300)) . ']}';
write_file("$dir/props_tnemu_test3.json", $props);
my $bell_dev = write_file("$dir/bell-dev.qasm", "${head}qreg q[2];\ncreg c[2];\nsx q[0];\ncx q[0],q[1];\nmeasure q -> c;\n");
my ($ps, undef, $perr) = run_tnemu('run', $bell_dev, '--noise', "$dir/props_tnemu_test3.json", '--shots', '50', '--seed', '3',
                                   '-q', '-o', $out);
my $pres = $ps == 0 ? read_json($out) : undef;
ok($pres, 'a 3-qubit calibration runs a 2-qubit circuit (device calibrations may be larger)') or diag($perr);
is($pres && $pres->{noise}{qubits_without_t1_t2}, 2, 'IBM qubits without T1 or T2 are counted');
is($pres && join(',', @{ $pres->{noise}{qubits_without_t1_t2_list} // [] }), '1,2', 'and named');

# ---- 7. checkpoints with a right checksum and wrong contents ----------------------------------
my $bw = gen_circuit('bw.qasm', 'brickwork', 6, 6, 4, 'measure');
my @ck = ($bw, '--chi', '8', '--shots', '20', '--seed', '2', '-q');
system("TNEMU_INJECT=signal\@0 " . shq($bin) . " run " . join(' ', map { shq($_) } @ck) . " --checkpoint $dir/ck -o $dir/x.json 2>/dev/null");
my $ckbytes = slurp("$dir/ck/checkpoint.tnck");
our $ck_version;
ok(length $ckbytes > 40, 'a checkpoint was written to tamper with');
{
    $ck_version = unpack('V', substr($ckbytes, 8, 4));   # the format version this tnemu writes
    my $hlen = unpack('V', substr($ckbytes, 12, 4));
    my $header = substr($ckbytes, 16, $hlen);   # kept as text: identities compare numbers by type
    my $payload = substr($ckbytes, 16 + $hlen + 8, length($ckbytes) - 32 - $hlen);
    (my $long = $header) =~ s/"done":\[[^\]]*\]/'"done":[' . join(',', (0) x 1000) . ']'/e;
    write_checkpoint("$dir/ck-long", $long, $payload);
    refused('a checkpoint listing more gates than the circuit has', qr/checkpoint lists 1000 gates done, the circuit has \d+/,
            'run', @ck, '--resume', "$dir/ck-long");
    my $bad = $payload;
    substr($bad, 48, 4) = pack('l<', 99);   # site_of[0], after the 48-byte header of the saved state
    write_checkpoint("$dir/ck-order", $header, $bad);
    refused('a checkpoint whose qubit order is not a permutation', qr/the saved state has a bad qubit order/,
            'run', @ck, '--resume', "$dir/ck-order");
}

# Writes DIR/checkpoint.tnck with the header text and payload and a right checksum (FNV-1a 64).
sub write_checkpoint {
    my ($to, $text, $payload) = @_;
    mkdir $to;
    my $bytes = 'TNEMUCKP' . pack('V', $ck_version) . pack('V', length $text) . $text . pack('Q<', length $payload) . $payload;
    write_file("$to/checkpoint.tnck", $bytes . pack('q<', fnv1a($bytes)));
}

sub fnv1a {
    use integer;   # 64-bit arithmetic that wraps, as the C code's
    my $h = -3750763034362895579;   # 0xcbf29ce484222325
    $h = ($h ^ $_) * 1099511628211 for unpack('C*', $_[0]);
    return $h;
}

done_testing();
