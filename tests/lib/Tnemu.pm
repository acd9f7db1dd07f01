# Tnemu.pm - helpers for the Perl TAP tests of the tnemu command line:
# running the binary, reading result JSON, generating circuits, shared data.
package Tnemu;
use strict;
use warnings;
use File::Spec;
use File::Temp qw(tempdir);
use JSON::PP;
use Exporter 'import';
our @EXPORT_OK = qw(tnemu run_tnemu read_json shared_data tmpdir gen_circuit write_file mpi_as_root start_hogs
                    stop_hogs);

my $root = $ENV{TNEMU_ROOT} // '.';

# Path of the binary under test (the build named by TNEMU_BUILD).
sub tnemu { my $b = $ENV{TNEMU_BUILD} // 'build'; return -x "$root/$b/tnemu" ? "$root/$b/tnemu" : "$root/bin/tnemu"; }

# Runs tnemu with the arguments; returns (exit status, stdout, stderr).
sub run_tnemu {
    my @args = @_;
    my $dir = tmpdir();
    my $cmd = join(' ', map { quote($_) } (tnemu(), @args));
    system("$cmd >$dir/out 2>$dir/err </dev/null");
    my $status = $? == -1 ? -1 : ($? & 127 ? 128 + ($? & 127) : $? >> 8);
    return ($status, slurp("$dir/out"), slurp("$dir/err"));
}

sub quote { my $s = shift; $s =~ s/'/'\\''/g; return "'$s'"; }

sub slurp { my $f = shift; open(my $fh, '<', $f) or return ''; local $/; my $t = <$fh>; close $fh; return $t // ''; }

sub write_file { my ($f, $t) = @_; open(my $fh, '>', $f) or die "$f: $!"; print $fh $t; close $fh; return $f; }

sub read_json { my $f = shift; return JSON::PP->new->decode(slurp($f)); }

# The shared data folder as an absolute path (file names in specs are
# relative to the spec's folder), or undef if it is absent.
sub shared_data {
    my $d = $ENV{TNEMU_SHARED_DATA} // "$root/../shared/data";
    return -d $d ? File::Spec->rel2abs($d) : undef;
}

my @dirs;
sub tmpdir { my $d = tempdir(CLEANUP => 1); push @dirs, $d; return $d; }

# Writes a generated circuit (scripts/gen-circuit.sh ARGS) to a file; returns its path.
sub gen_circuit {
    my ($name, @args) = @_;
    my $dir = tmpdir();
    system("sh $root/scripts/gen-circuit.sh @args > $dir/$name") == 0 or die "gen-circuit @args failed";
    return "$dir/$name";
}

# The environment of tests that start mpirun themselves: as root, more ranks
# than cores, BLAS on one thread per rank.
sub mpi_as_root {
    $ENV{OMPI_ALLOW_RUN_AS_ROOT} = 1;
    $ENV{OMPI_ALLOW_RUN_AS_ROOT_CONFIRM} = 1;
    $ENV{OMPI_MCA_rmaps_base_oversubscribe} = 1;
    $ENV{OPENBLAS_NUM_THREADS} = 1;
}

# Two CPU hogs (`yes`), for checks that must hold on a busy machine; stopped
# by stop_hogs or when the test ends.
my @hogs;
sub start_hogs {
    for (1 .. 2) {
        my $pid = fork();
        die "fork: $!" unless defined $pid;
        if ($pid == 0) { open(STDOUT, '>', '/dev/null'); exec('yes') or exit 1; }
        push @hogs, $pid;
    }
}
sub stop_hogs { kill 'TERM', @hogs; waitpid($_, 0) for @hogs; @hogs = (); }
END { stop_hogs() if @hogs; }

1;
