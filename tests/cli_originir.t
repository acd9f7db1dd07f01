#!/usr/bin/perl
# cli_originir.t - OriginIR through the whole command line: `tnemu run x.ir`
# on a Bell pair counts only 00 and 11 (on 1 and 2 MPI ranks), the format is
# chosen by --format or the file name, `tnemu info` reads .ir, and a bad or
# unsupported program exits 2 with one FILE:LINE:COL line and no result file.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Tnemu qw(tnemu run_tnemu read_json tmpdir write_file);

$ENV{OMPI_ALLOW_RUN_AS_ROOT} = 1;
$ENV{OMPI_ALLOW_RUN_AS_ROOT_CONFIRM} = 1;
$ENV{OMPI_MCA_rmaps_base_oversubscribe} = 1;
$ENV{OPENBLAS_NUM_THREADS} = 1;

my $dir = tmpdir();
my $shots = 1000;
my $bell_text = "QINIT 3\nCREG 2\n// a Bell pair on q[0], q[2]\nH q[0]\nCNOT q[0],q[2]\nBARRIER q\n"
              . "MEASURE q[0],c[0]\nMEASURE q[2],c[1]\n";
my $bell = write_file("$dir/bell.ir", $bell_text);

# Counts only on 00 and 11, both present, all shots counted.
sub check_bell {
    my ($name, $r) = @_;
    return fail("$name: no result") unless $r;
    my %c = %{ $r->{counts} };
    my @bad = grep { $_ ne '00' && $_ ne '11' } keys %c;
    is(scalar @bad, 0, "$name: counts only on 00 and 11") or diag(join(' ', %c));
    my $total = 0;
    $total += $_ for values %c;
    is($total, $shots, "$name: $shots shots counted");
    ok(($c{'00'} // 0) > $shots / 4 && ($c{'11'} // 0) > $shots / 4, "$name: both 00 and 11 occur");
}

sub run_ok {
    my ($name, @args) = @_;
    my $out = "$dir/$name.json";
    my ($status, undef, $stderr) = run_tnemu('run', @args, '--shots', $shots, '--seed', 7, '-q', '-o', $out);
    is($status, 0, "$name runs") or diag($stderr);
    return $status == 0 ? read_json($out) : undef;
}

check_bell('bell.ir', run_ok('bell', $bell));
check_bell('--format originir on a .txt name', run_ok('txt', write_file("$dir/bell.txt", $bell_text), '--format', 'originir'));
check_bell('.originir name', run_ok('long', write_file("$dir/bell.originir", $bell_text)));

# The same pair through DAGGER and CONTROL: CONTROL q[0] { X q[2] } is a CNOT.
my $blocks = write_file("$dir/blocks.ir", "QINIT 3\nCREG 2\nDAGGER\nH q[0]\nENDDAGGER\nCONTROL q[0]\nX q[2]\nENDCONTROL\n"
                                        . "MEASURE q[0],c[0]\nMEASURE q[2],c[1]\n");
check_bell('DAGGER and CONTROL blocks', run_ok('blocks', $blocks));

{
    my $out = "$dir/mpi.json";
    my $bin = tnemu();
    system("timeout 300 mpirun -n 2 --oversubscribe $bin run $bell --shots $shots --seed 7 -q -o $out 2>$dir/mpi.err");
    is($? >> 8, 0, 'bell.ir runs on 2 MPI ranks');
    my $one = -e "$dir/bell.json" ? read_json("$dir/bell.json") : undef;
    my $two = -e $out ? read_json($out) : undef;
    is_deeply($two && $two->{counts}, $one && $one->{counts}, 'the same counts on 1 and 2 ranks for the same seed');
}

{
    my ($status, $stdout, $stderr) = run_tnemu('info', $bell);
    is($status, 0, 'tnemu info reads a .ir file') or diag($stderr);
    like($stdout, qr/3/, 'tnemu info prints a summary');
}

my @bad = (
    [ 'unknown gate', "QINIT 2\nCREG 2\nFOO q[0]\n", qr/^tnemu: \S*bad1\.ir:3:1: error: unknown gate 'FOO'$/ ],
    [ 'QIF', "QINIT 2\nCREG 2\nMEASURE q[0],c[0]\nQIF c[0]\nX q[1]\nENDQIF\n",
      qr/^tnemu: \S*bad2\.ir:4:1: error: QIF \(classical control flow\) is not supported$/ ],
    [ 'qubit out of range', "QINIT 2\nX q[2]\n", qr/^tnemu: \S*bad3\.ir:2:5: error: qubit index 2 is out of range/ ],
);
my $i = 0;
for my $case (@bad) {
    my ($name, $text, $want) = @$case;
    $i++;
    my $path = write_file("$dir/bad$i.ir", $text);
    my $out = "$dir/bad$i.json";
    my ($status, undef, $stderr) = run_tnemu('run', $path, '-q', '-o', $out);
    is($status, 2, "$name: exit status 2");
    chomp(my $line = $stderr);
    like($line, $want, "$name: one FILE:LINE:COL line") or diag($stderr);
    is(scalar(() = $stderr =~ /\n/g), 1, "$name: exactly one line");
    ok(!-e $out, "$name: no result file");
}

{
    my ($status, undef, $stderr) = run_tnemu('run', $bell, '--format', 'qasm', '-q', '-o', "$dir/q.json");
    is($status, 2, '--format qasm on OriginIR text is a QASM parse error');
    like($stderr, qr/bell\.ir:1:\d+: error:/, '--format qasm: the QASM parser names the position');
    ($status, undef, $stderr) = run_tnemu('run', $bell, '--format', 'quil');
    is($status, 2, '--format quil is a usage error');
    like($stderr, qr/option --format: 'quil' is not one of: qasm, originir/, '--format lists qasm and originir');
}

done_testing();
