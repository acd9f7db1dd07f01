#!/usr/bin/perl
# demo.t - the demo (scripts/demo.sh, make demo) keeps what README.md says it
# keeps: every demo/ file README names is written (into DEMO_DIR, a temporary
# folder here), the files demo.sh writes are the ones README names, the JSON
# results parse and say what the demo prints (GHZ: two outcomes, <Z0 Z155> = 1;
# brickwork: truncated at bond 64), and the last line names the folder.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use File::Spec;
use Tnemu qw(tnemu read_json tmpdir);

my $root = File::Spec->rel2abs($ENV{TNEMU_ROOT} // '.');
my $bin = File::Spec->rel2abs(tnemu());
sub slurp { my $f = shift; open(my $fh, '<', $f) or return ''; local $/; my $t = <$fh>; return $t // ''; }

my %readme = map { $_ => 1 } slurp("$root/README.md") =~ m{`demo/([\w.-]+)`}g;
my %script = map { $_ => 1 } slurp("$root/scripts/demo.sh") =~ m{"\$out/([\w.-]+)"}g;
ok(keys %readme >= 4, 'README names the demo\'s files: ' . join(', ', sort keys %readme));
is_deeply([ sort keys %script ], [ sort keys %readme ], 'demo.sh writes exactly the files README names');

my $out = tmpdir();
$ENV{OPENBLAS_NUM_THREADS} = 1;
my $status = system("cd '$root' && DEMO_DIR='$out' TNEMU='$bin' timeout 600 sh scripts/demo.sh >'$out/stdout' 2>'$out/stderr'");
is($status >> 8, 0, 'the demo runs') or diag(slurp("$out/stderr"));
for my $f (sort keys %readme) {
    ok(-s "$out/$f", "demo/$f is kept");
    next unless $f =~ /\.json$/;
    my $r = eval { read_json("$out/$f") };
    ok($r && ref $r eq 'HASH', "demo/$f is a JSON object");
}
my $ghz = eval { read_json("$out/ghz.json") } // {};
is_deeply([ sort keys %{ $ghz->{counts} // {} } ], [ '0' x 156, '1' x 156 ], 'ghz.json: only 0...0 and 1...1');
ok(abs(($ghz->{expectation_values}{'Z0 Z155'} // 0) - 1) < 1e-12, 'ghz.json: <Z0 Z155> = 1');
my $brick = eval { read_json("$out/brick.json") } // {};
ok(($brick->{max_bond_dimension} // 0) == 64 && ($brick->{fidelity_estimate} // 1) < 1,
   'brick.json: bond 64, truncated (fidelity estimate below 1)');
like(slurp("$out/brick156-info.txt"), qr/^qubits\s+156$/m, 'brick156-info.txt is tnemu info on 156 qubits');
my @lines = split /\n/, slurp("$out/stdout");
like($lines[-1] // '', qr/in \Q$out\E\//, 'the last line says where the files are');

done_testing();
