#!/usr/bin/perl
# install.t - `make install` installs what the installed command calls: the
# binary, the man page and every helper script the sources run (src/report.c
# callers), and the installed binary finds its scripts under
# PREFIX/share/tnemu by its own location (/proc/self/exe), not in the checkout.
# It installs the library too (include/tnemu.h, lib/libtnemu.so and .a,
# lib/pkgconfig/tnemu.pc): examples/c/bell.c builds with pkg-config against a
# temporary PREFIX, dynamically and statically, and counts as `tnemu run` does.
# Installs the binary under test into a temporary DESTDIR with PREFIX=/usr/local.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use File::Spec;
use Tnemu qw(tnemu read_json tmpdir write_file);

my $root = File::Spec->rel2abs($ENV{TNEMU_ROOT} // '.');
my $bin = File::Spec->rel2abs(tnemu());
my $json = JSON::PP->new->canonical;
delete $ENV{TNEMU_SCRIPTS};
delete $ENV{TNEMU_PYTHON};
# The build under test decides which library is installed: under make check SANITIZE=1
# (TNEMU_BUILD=build-san) the instrumented one, and the example is then built with the
# same -fsanitize flags (an ASan library cannot load into an uninstrumented program:
# "ASan runtime does not come first"). SANITIZE is never taken from the environment,
# where the outer make check SANITIZE=1 puts it.
my $san = ($ENV{TNEMU_BUILD} // '') =~ /-san$/;
my $make = 'env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u SANITIZE make -s' . ($san ? ' SANITIZE=1' : '');
my $cc_san = $san ? ' -fsanitize=address,undefined' : '';

sub slurp { my $f = shift; open(my $fh, '<', $f) or return ''; local $/; my $t = <$fh>; return $t // ''; }

# ---- every script the sources run is in the Makefile's install list ------------------
my @called;
for my $src (glob("$root/src/*.c")) {
    my $text = slurp($src);
    push @called, $text =~ /report_run_script\(\s*"([^"]+)"/g;
    push @called, $text =~ /report_write_dir\([^;]*?"([\w-]+\.py)"/g;
}
my ($list) = slurp("$root/Makefile") =~ /^HELPER_SCRIPTS\s*:=\s*(.*)$/m;
my %installed = map { (m{([^/]+)$})[0] => 1 } split ' ', $list // '';
ok(@called >= 2, 'the sources run helper scripts: ' . join(', ', @called));
for my $name (@called) {
    ok(-f "$root/scripts/$name", "$name is in scripts/");
    ok($installed{$name}, "$name is in the Makefile's HELPER_SCRIPTS (make install installs it)");
}

# ---- make install DESTDIR=... PREFIX=/usr/local --------------------------------------
my $dest = tmpdir();
my $log = "$dest/make.log";
my $status = system("cd '$root' && $make install DESTDIR='$dest' "
                    . "PREFIX=/usr/local INSTALL_BIN='$bin' >'$log' 2>&1");
is($status, 0, 'make install DESTDIR=TMP PREFIX=/usr/local') or diag(slurp($log));
my $prefix = "$dest/usr/local";
my $installed_bin = "$prefix/bin/tnemu";
ok(-x $installed_bin, 'bin/tnemu installed');
ok(-f "$prefix/share/man/man1/tnemu.1", 'the man page installed');
ok(-x "$prefix/share/tnemu/$_", "share/tnemu/$_ installed") for @called;
is(`'$installed_bin' --version`, "tnemu 0.1.0\n", 'the installed binary runs');

# ---- the installed binary finds its helpers in PREFIX/share/tnemu --------------------
# A stand-in for python records which script it was given; no matplotlib needed.
my $work = tmpdir();
my $calls = "$work/calls";
my $fake = write_file("$work/fake-python", "#!/bin/sh\necho \"\$1\" >> '$calls'\n");
chmod 0755, $fake;

my $bell = write_file("$work/bell.qasm", "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[2];\ncreg c[2];\n"
                                       . "h q[0];\ncx q[0],q[1];\nmeasure q -> c;\n");
my $hw = write_file("$work/hw.json", '{"00": 480, "11": 510, "01": 10}');
system("'$installed_bin' run '$bell' --shots 1000 --seed 3 --probabilities -q -o '$work/emu.json' 2>'$work/err'") == 0
    or diag(slurp("$work/err"));
my $sweep_spec = write_file("$work/sweep.json", $json->encode({
    device => { kind => 'line', qubits => 2 }, block_qubits => 1, generators => { random => 2 },
    inputs => { random => 3, count => 1, pieces => 2 }, shots => 200, sweep => { block_qubits => [1], noise_scale => [0] } }));

# Runs the installed binary from another folder with TNEMU_PYTHON=$py; returns (status, stderr).
sub installed {
    my ($py, @args) = @_;
    my $cmd = join(' ', map { "'$_'" } ($installed_bin, @args));
    my $env = $py ? "TNEMU_PYTHON='$py' " : '';
    system("cd '$work' && $env$cmd >/dev/null 2>'$work/err' </dev/null");
    return ($? >> 8, slurp("$work/err"));
}

my ($st, $err) = installed($fake, 'compare', "$work/emu.json", $hw, '--report', "$work/report", '-q', '-o', "$work/m.json");
is($st, 0, 'installed: compare --report runs its helper') or diag($err);
($st, $err) = installed($fake, 'adapters', $sweep_spec, '--sweep', "$work/sweep", '-q');
is($st, 0, 'installed: adapters --sweep runs its helper') or diag($err);
is_deeply([ split /\n/, slurp($calls) ], [ map { "$prefix/bin/../share/tnemu/$_" } 'compare-plot.py', 'sweep-plot.py' ],
          'the installed binary ran the scripts in PREFIX/share/tnemu, not the checkout\'s');

# the same commands with the real /usr/bin/python3 and matplotlib, when the machine has them
SKIP: {
    skip '/usr/bin/python3 with matplotlib absent: the plots themselves not drawn', 2
        unless system("/usr/bin/python3 -c 'import matplotlib' >/dev/null 2>&1") == 0;
    ($st, $err) = installed(undef, 'compare', "$work/emu.json", $hw, '--report', "$work/report2", '-q', '-o', "$work/m2.json");
    ok($st == 0 && glob("$work/report2/*.png"), 'installed: compare --report draws its PNGs') or diag($err);
    ($st, $err) = installed(undef, 'adapters', $sweep_spec, '--sweep', "$work/sweep2", '-q');
    ok($st == 0 && -s "$work/sweep2/sweep.png", 'installed: adapters --sweep draws sweep.png') or diag($err);
}

# ---- the library: header, shared and static library, pkg-config file -----------------
ok(-f "$prefix/include/tnemu.h", 'include/tnemu.h installed');
ok(-f "$prefix/lib/libtnemu.a", 'lib/libtnemu.a installed');
ok(-f "$prefix/lib/libtnemu.so.0.1.0" && readlink("$prefix/lib/libtnemu.so") eq 'libtnemu.so.0.1.0'
   && readlink("$prefix/lib/libtnemu.so.0") eq 'libtnemu.so.0.1.0', 'lib/libtnemu.so -> .so.0 -> .so.0.1.0 installed');
like(slurp("$prefix/lib/pkgconfig/tnemu.pc"), qr{^prefix=/usr/local$}m, 'lib/pkgconfig/tnemu.pc names the PREFIX');
my @exported = grep { /\s[TDB]\s/ } split /\n/, `nm -D --defined-only '$prefix/lib/libtnemu.so.0.1.0'`;
my @foreign = grep { !/\s(tnemu_\w+|zgemv_)(@@?\w+)?$/ } @exported;   # name@@TNEMU_0: the version node
ok(@exported > 50 && !@foreign, scalar(@exported) . ' symbols exported, all tnemu_* (and zgemv_, the fixed ZGEMV)')
    or diag("@foreign[0..4]");
ok((grep { /\szgemv_(@@?\w+)?$/ } @exported) == 1, 'zgemv_ is exported: OpenBLAS 0.3.21\'s broken ZGEMV is replaced in library users too');

# ---- examples/c/bell.c built with pkg-config against an install in a temporary PREFIX ---
my $pre = tmpdir();
$status = system("cd '$root' && $make install PREFIX='$pre' "
                 . "INSTALL_BIN='$bin' >'$log' 2>&1");
is($status, 0, 'make install PREFIX=TMP') or diag(slurp($log));
$ENV{PKG_CONFIG_PATH} = "$pre/lib/pkgconfig";
is(`pkg-config --modversion tnemu 2>&1`, "0.1.0\n", 'pkg-config finds tnemu 0.1.0 in the temporary prefix');
my $flags = `pkg-config --cflags --libs tnemu`;
chomp $flags;
like($flags, qr{-I\Q$pre\E/include\b.*-L\Q$pre\E/lib -ltnemu}, "pkg-config --cflags --libs tnemu: -I and -L of the prefix");
my $cc = system("sh -c 'command -v cc' >/dev/null 2>&1") == 0 ? 'cc' : 'gcc';
$status = system("$cc -Wall -Werror$cc_san -o '$work/bell' '$root/examples/c/bell.c' $flags >'$work/cc.log' 2>&1");
is($status, 0, "examples/c/bell.c compiles and links with `$cc bell.c \$(pkg-config --cflags --libs tnemu)`")
    or diag(slurp("$work/cc.log"));
my $out = `cd '$work' && LD_LIBRARY_PATH='$pre/lib' ./bell 2>&1`;
is($?, 0, 'the example runs against the installed libtnemu.so (exit status 0, no signal)') or diag("wait status $?: $out");
my %lib = $out =~ /^([01]{2}) (\d+)$/mg;
like($out, qr/^tnemu 0\.1\.0$/m, 'the example prints the library version');
like($out, qr/^<Z0 Z1> = 1\.000000, fidelity estimate 1\.000000$/m, 'the example prints <Z0 Z1> = 1 and fidelity 1');
# the command, same circuit, shots and seed: the same counts
my $bell_cli = "$work/bell-cli.json";
system("'$bin' run '$bell' --shots 1000 --seed 7 -q -o '$bell_cli' 2>'$work/err'") == 0 or diag(slurp("$work/err"));
is_deeply(\%lib, read_json($bell_cli)->{counts}, 'the example\'s counts equal tnemu run\'s (1000 shots, seed 7)');
# static: libtnemu.a with pkg-config --static
my $static = `pkg-config --static --libs tnemu`;
chomp $static;
$static =~ s/-ltnemu\b//;
$status = system("$cc$cc_san -o '$work/bell-static' '$root/examples/c/bell.c' -I'$pre/include' '$pre/lib/libtnemu.a' $static "
                 . ">'$work/cc.log' 2>&1");
is($status, 0, 'the example links statically with libtnemu.a and pkg-config --static --libs') or diag(slurp("$work/cc.log"));
is(`cd '$work' && ./bell-static 2>&1`, $out, 'the static example prints the same');

# ---- a checkout binary finds them in scripts/ -----------------------------------------
unlink $calls;
($st, $err) = (system("cd '$work' && TNEMU_PYTHON='$fake' '$bin' compare '$work/emu.json' '$hw' --report '$work/r3' -q "
                      . "-o '$work/m3.json' 2>'$work/err'") >> 8, undef);
is($st, 0, 'the checkout binary runs compare --report') or diag(slurp("$work/err"));
like(slurp($calls), qr{/\.\./scripts/compare-plot\.py$}m, 'the checkout binary runs scripts/compare-plot.py');

done_testing();
