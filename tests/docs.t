#!/usr/bin/perl
# docs.t - the man page (docs/tnemu.1), the --help texts and the code agree:
# every command of `tnemu --help` has its options in the man page; every
# option `tnemu CMD --help` lists is in the man page's section for CMD and
# the other way round; the command's parser compares arguments with exactly
# those options (its strcmp calls);
# every environment variable the sources read is under ENVIRONMENT; the exit
# statuses the code uses are under EXIT STATUS.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use File::Spec;
use Tnemu qw(run_tnemu);

my $root = File::Spec->rel2abs($ENV{TNEMU_ROOT} // '.');
sub slurp { my $f = shift; open(my $fh, '<', $f) or die "$f: $!"; local $/; my $t = <$fh>; return $t // ''; }

# The man page as plain text: groff escapes for - and fonts removed.
my $man = slurp("$root/docs/tnemu.1");
(my $plain = $man) =~ s/\\-/-/g;
$plain =~ s/\\f[BIRP]//g;

# The options of a --help text: those starting a line of the option list ("  -o, --output FILE")
# and those in brackets on the usage line ("[--order ...]"); --help itself is not listed.
sub help_options {
    my $text = shift;
    my %o;
    for my $line (split /\n/, $text) {
        if ($line =~ /^usage:/) { $o{$1} = 1 while $line =~ /\[(--?[a-zA-Z][\w-]*)/g; next }
        next unless $line =~ /^ {2}(-[\w-]+(?:, -[\w-]+)?)/;
        $o{$_} = 1 for split /, /, $1;
    }
    return \%o;
}

# The options of the man page's section `.SS "tnemu CMD"`: the .TP headers in it.
sub man_options {
    my $cmd = shift;
    my ($section) = $plain =~ /^\.SS "tnemu \Q$cmd\E"\n(.*?)(?=^\.S[SH] )/ms or return undef;
    my %o;
    while ($section =~ /^\.TP\n\.BR? (.*)$/mg) {
        my $head = $1;
        $o{$1} = 1 while $head =~ /(?:^|, )(--?[a-zA-Z][\w-]*)/g;
    }
    return \%o;
}

my ($st, $main_help) = run_tnemu('--help');
is($st, 0, 'tnemu --help');
my ($command_list) = $main_help =~ /^commands:\n(.*?)\n\n/ms;
my @commands = ($command_list // '') =~ /^ {2}(\w+) [A-Z]/mg;
is_deeply([ sort @commands ], [ sort qw(run info plan adapters qnn batch compare) ], 'tnemu --help lists the seven commands')
    or diag($main_help);

my %source_of = (run => 'src/cli.c', info => 'src/info.c', plan => 'src/plan.c', compare => 'src/compare_cmd.c', adapters => 'src/adapters.c',
                 qnn => 'src/qnn.c', batch => 'src/batch.c');
for my $cmd (@commands) {
    my ($status, $help) = run_tnemu($cmd, '--help');
    is($status, 0, "tnemu $cmd --help");
    my $from_help = help_options($help);
    my $from_man = man_options($cmd);
    ok($from_man, "the man page has a section \"tnemu $cmd\" under OPTIONS") or next;
    my @missing = grep { !$from_man->{$_} } sort keys %$from_help;
    my @extra = grep { !$from_help->{$_} } sort keys %$from_man;
    ok(!@missing, "every option of tnemu $cmd --help is in the man page (" . scalar(keys %$from_help) . ')')
        or diag("not in docs/tnemu.1: @missing");
    ok(!@extra, "every option the man page gives tnemu $cmd is in its --help") or diag("not in --help: @extra");

    # the parser compares arguments with exactly the options --help lists
    my $src = slurp("$root/$source_of{$cmd}");
    $src .= slurp("$root/src/options.c") if $src =~ /options_parse_engine\(/;   # the shared engine options
    my %in_code;
    $in_code{$1} = 1 while $src =~ /strcmp\(\s*(?:a|opt|arg|argv\[i\])\s*,\s*"(-[-\w]+)"\s*\)/g;
    delete @in_code{qw(--help -h --version)};
    my @unknown = grep { !$in_code{$_} } sort keys %$from_help;
    ok(!@unknown, "$source_of{$cmd} parses every option tnemu $cmd --help lists") or diag("not parsed: @unknown");
    my @undocumented = grep { !$from_help->{$_} } sort keys %in_code;
    ok(%in_code && !@undocumented, "tnemu $cmd --help lists every option $source_of{$cmd} parses ("
       . scalar(keys %in_code) . ')') or diag("parsed but not in --help: @undocumented");
}

# environment variables the binary reads
my ($env_section) = $plain =~ /^\.SH ENVIRONMENT\n(.*?)(?=^\.SH )/ms;
ok($env_section, 'the man page has an ENVIRONMENT section');
my %getenv;
for my $f (glob("$root/src/*.c"), glob("$root/mpi/*.c"), glob("$root/tensor/*.c")) {
    my $t = slurp($f);
    $getenv{$1} = 1 while $t =~ /getenv\("([A-Z_0-9]+)"\)/g;
}
ok(exists $getenv{OMP_NUM_THREADS}, 'the sources read OMP_NUM_THREADS');
my @env_missing = grep { ($env_section // '') !~ /^\.B \Q$_\E$/m } sort keys %getenv;
ok(!@env_missing, 'every variable the sources read is under ENVIRONMENT: ' . join(' ', sort keys %getenv))
    or diag("missing: @env_missing");
like($env_section // '', qr/TNEMU_INJECT\n[^\n]*[Ff]or tests only/, 'TNEMU_INJECT is marked test-only');

# exit statuses: the codes tn_exit_status returns
my ($exit_section) = $plain =~ /^\.SH EXIT STATUS\n(.*?)(?=^\.SH )/ms;
my %codes;
my $error_c = slurp("$root/src/error.c");
$codes{$1} = 1 while $error_c =~ /return (\d);/g;
my @codes_missing = grep { ($exit_section // '') !~ /\b$_\b/ } sort keys %codes;
ok(%codes && !@codes_missing, 'EXIT STATUS names every exit status (' . join(', ', sort keys %codes) . ')')
    or diag("missing: @codes_missing");
my (undef, $run_help) = run_tnemu('run', '--help');
like($run_help, qr/3 stopped at a\s+checkpoint/, 'tnemu run --help names exit status 3');

# the sections a reader looks for
like($plain, qr/^\.SH EXAMPLES$/m, 'the man page has EXAMPLES');
like($plain, qr/^\.SH FILES$/m, 'the man page has FILES');

done_testing();
