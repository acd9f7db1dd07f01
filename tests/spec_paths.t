#!/usr/bin/perl
# spec_paths.t - file names inside specs resolve relative to the spec's own
# folder, not the working directory: an adapters spec's device file, inputs
# file and noise file, a qnn spec's device and noise files, and a batch
# manifest's circuit files and the files its tasks' --noise and --order name.
# Every command is run from another working directory, with the spec itself
# named by a relative path; a file that exists only beside the working
# directory is not found.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use JSON::PP;
use File::Path qw(make_path);
use File::Spec;
use Tnemu qw(tnemu read_json tmpdir write_file);

my $json = JSON::PP->new->canonical;
my $bin = File::Spec->rel2abs(tnemu());
my $base = tmpdir();
make_path("$base/specs/data", "$base/specs/circuits", "$base/elsewhere");

# Runs tnemu in folder $cwd; returns (exit status, stderr).
sub run_in {
    my ($cwd, @args) = @_;
    my $cmd = join(' ', map { my $s = $_; $s =~ s/'/'\\''/g; "'$s'" } ($bin, @args));
    system("cd '$cwd' && $cmd >'$base/out' 2>'$base/err' </dev/null");
    open(my $fh, '<', "$base/err") or die;
    local $/;
    my $err = <$fh> // '';
    return ($? >> 8, $err);
}

my $noise_text = '{"format":"tnemu-noise","gates":[{"channels":[{"type":"depolarizing","p":0.02}]}]}';
write_file("$base/specs/data/noise.json", $noise_text);
write_file("$base/specs/data/line4.json", '{"backend_name":"line4-file","n_qubits":4,"coupling_map":[[0,1],[1,2],[2,3]]}');
write_file("$base/specs/data/acts.txt", "0.5 -1.2 0.8 0.3 -0.6 0.1 0.9 -0.4\n");
write_file("$base/elsewhere/only-here.json", $noise_text);   # beside the working directory only

# ---- tnemu adapters -----------------------------------------------------------------
my %adapter = (device => { kind => 'ibm', file => 'data/line4.json' }, block_qubits => 2,
               generators => { random => 3 }, inputs => { file => 'data/acts.txt' }, shots => 2000, seed => 5,
               noise => 'data/noise.json', trajectories => 4);
write_file("$base/specs/adapters.json", $json->encode(\%adapter));
my ($status, $err) = run_in("$base/elsewhere", 'adapters', '../specs/adapters.json', '-o', "$base/a1.json", '-q');
is($status, 0, 'adapters: device, inputs and noise files found beside the spec, run from another folder') or diag($err);
my $a1 = $status == 0 ? read_json("$base/a1.json") : {};
is($a1->{device}{name}, 'line4-file', 'adapters: the device is the spec folder\'s data/line4.json');
is(scalar @{ $a1->{inputs} // [] }, 1, 'adapters: one input vector, read from the spec folder\'s data/acts.txt');
like($a1->{noise}{model} // '', qr{specs/data/noise\.json$}, 'adapters: the noise model is the spec folder\'s data/noise.json');
($status, $err) = run_in("$base/specs", 'adapters', 'adapters.json', '-o', "$base/a2.json", '-q');
is($status, 0, 'adapters: the same spec run from its own folder') or diag($err);
is_deeply($status == 0 ? read_json("$base/a2.json")->{inputs} : undef, $a1->{inputs},
          'adapters: the same outputs from either working directory');

write_file("$base/specs/adapters-cwd.json", $json->encode({ %adapter, noise => 'only-here.json' }));
($status, $err) = run_in("$base/elsewhere", 'adapters', '../specs/adapters-cwd.json', '-q');
ok($status == 2 && $err =~ m{specs/only-here\.json}, 'adapters: a noise file beside the working directory is not taken')
    or diag("status $status: $err");

# ---- tnemu qnn ----------------------------------------------------------------------
write_file("$base/specs/qnn.json", $json->encode({
    device => { kind => 'ibm', file => 'data/line4.json' }, qubits => [0, 1], layers => 1,
    parameters => { random => 5 }, inputs => { random => 6, count => 1 }, noise => 'data/noise.json',
    trajectories => 4 }));
($status, $err) = run_in("$base/elsewhere", 'qnn', '../specs/qnn.json', '-o', "$base/q.json", '-q');
is($status, 0, 'qnn: device and noise files found beside the spec, run from another folder') or diag($err);
like($status == 0 ? read_json("$base/q.json")->{noise}{model} // '' : '', qr{specs/data/noise\.json$},
     'qnn: the noise model is the spec folder\'s data/noise.json');

# ---- tnemu batch --------------------------------------------------------------------
write_file("$base/specs/circuits/bell.qasm",
           "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[3];\ncreg c[3];\nh q[0];\ncx q[0],q[2];\nmeasure q -> c;\n");
write_file("$base/specs/data/order.txt", "2 0 1\n");
write_file("$base/specs/manifest.json", $json->encode({ seed => 3, defaults => ['--shots', '50'], tasks => [
    { circuit => 'circuits/bell.qasm', args => ['--noise', 'data/noise.json', '--trajectories', '3'] },
    { circuit => 'circuits/bell.qasm', args => ['--order', 'data/order.txt'] },
    { circuit => 'circuits/bell.qasm', args => ['--order', 'auto'] },
    { circuit => 'circuits/bell.qasm', args => ['--noise', 'only-here.json'] } ] }));
($status, $err) = run_in("$base/elsewhere", 'batch', '../specs/manifest.json', '-o', "$base/b.jsonl", '-q');
open(my $fh, '<', "$base/b.jsonl");
my @lines = $fh ? map { decode_json($_) } grep { /\S/ } <$fh> : ();
is(scalar @lines, 4, 'batch: four result lines, run from another folder') or diag($err);
ok(!$lines[0]{error} && $lines[0]{noise} && ($lines[0]{noise}{model} // '') =~ m{specs/data/noise\.json$},
   'batch: the circuit file and --noise file are found beside the manifest') or diag(explain($lines[0]));
ok(!$lines[1]{error}, 'batch: an --order file beside the manifest is found') or diag(explain($lines[1]));
is_deeply($lines[1]{qubit_sites}, [1, 2, 0], 'batch: that order is used (qubit 2 first, then 0, then 1)');
ok(!$lines[2]{error}, 'batch: --order auto is a keyword, not a file');
like($lines[3]{error} // '', qr{specs/only-here\.json}, 'batch: a --noise file beside the working directory is not taken');
is($status, 2, 'batch: exit status 2 for the task with a missing file');

done_testing();
