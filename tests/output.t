#!/usr/bin/perl
# output.t - where tnemu writes (src/outfile.c): -o to a device stays a device
# (/dev/null, /dev/full), to a FIFO reaches its reader, to a symbolic link
# writes the link's target and keeps the link; a regular file is replaced
# atomically (a new inode, its permissions kept); write failures (a full
# device, a parent that is a file, a directory, stdout on a full device) exit
# 1 with one line, not 2 (that is for bad input); temporaries a kill -9 left
# (checkpoint.tnck.tmp.PID, FILE.tmp.PID) are removed by the next run when
# their process is gone and kept when it lives; the same for compare and
# adapters (-o, --report, --emit).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Fcntl qw(:flock);
use POSIX qw(mkfifo);
use JSON::PP;
use Tnemu qw(tnemu run_tnemu read_json tmpdir write_file gen_circuit);

my $dir = tmpdir();
my $ghz = gen_circuit('ghz4.qasm', 'ghz', 4);
my @run = ('run', $ghz, '--shots', '100', '--seed', '1', '-q');

# Device nodes of our own in $dir where we may make them (as root), so that a
# regression replaces a file of this test and never the machine's /dev/null;
# otherwise the system's (a user who cannot mknod cannot replace those either).
sub device {
    my ($name, $minor) = @_;
    my $p = "$dir/$name";
    return system("mknod '$p' c 1 $minor 2>/dev/null") == 0 ? $p : "/dev/$name";
}
my $null = device('null', 3);
my $full = device('full', 7);

sub lines { return grep { length } split /\n/, shift // ''; }
sub slurp { my $f = shift; open(my $fh, '<', $f) or return ''; local $/; my $t = <$fh>; return $t // ''; }
sub is_result { my $f = shift; my $r = eval { JSON::PP->new->decode(slurp($f)) }; return $r && $r->{counts}; }
sub temporaries { my $d = shift; opendir(my $dh, $d) or return (); return grep { /\.tmp\.\d+$/ } readdir $dh; }

# Runs tnemu with stdout to the given file ('>>FILE' appends); returns (exit
# status, stderr).
sub run_stdout_to {
    my ($stdout, @args) = @_;
    my $cmd = join(' ', map { my $s = $_; $s =~ s/'/'\\''/g; "'$s'" } (tnemu(), @args));
    my $redirect = $stdout =~ s/^>>// ? '>>' : '>';
    system("$cmd $redirect'$stdout' 2>'$dir/err' </dev/null");
    return ($? & 127 ? 128 + ($? & 127) : $? >> 8, slurp("$dir/err"));
}

# A PID that no process has: a child that has exited and been reaped.
sub dead_pid { my $pid = fork() // die "fork: $!"; POSIX::_exit(0) if $pid == 0; waitpid($pid, 0); return $pid; }

# Runs tnemu writing into a FIFO while a child reads it into $copy. Both ends
# are opened here first (O_RDWR on a FIFO does not block on Linux), so the
# child reads that FIFO whatever becomes of its name, and sees the end of the
# data once tnemu and this process have closed it: no hang if tnemu fails.
sub through_fifo {
    my ($fifo, $copy, @args) = @_;
    sysopen(my $hold, $fifo, POSIX::O_RDWR() | POSIX::O_NONBLOCK()) or die "$fifo: $!";
    open(my $in, '<', $fifo) or die "$fifo: $!";
    my $reader = fork() // die "fork: $!";
    if ($reader == 0) {
        close $hold;
        open(my $out, '>', $copy) or POSIX::_exit(1);
        print $out $_ while <$in>;
        close $out;
        POSIX::_exit(0);
    }
    close $in;
    my ($status, undef, $err) = run_tnemu(@args);
    close $hold;
    waitpid($reader, 0);
    return ($status, $err);
}

# ---- devices ------------------------------------------------------------------
my ($st, $out, $err) = run_tnemu(@run, '-o', $null);
ok($st == 0 && -c $null, "-o $null: the run succeeds and it is still a character device") or diag("status $st: $err");
ok(!(grep { /^null\.tmp\./ } temporaries($dir)), 'no temporary left beside it');
($st, $out, $err) = run_tnemu(@run, '-o', $full);
ok($st == 1 && lines($err) == 1 && $err =~ /^tnemu: cannot write \S*full: No space left on device$/ && -c $full,
   "-o $full: exit 1, one line naming the reason, still a character device") or diag("status $st: $err");

# ---- FIFO ---------------------------------------------------------------------------
mkfifo("$dir/fifo", 0600) or die "mkfifo: $!";
($st, $err) = through_fifo("$dir/fifo", "$dir/from-fifo.json", @run, '-o', "$dir/fifo");
ok($st == 0 && is_result("$dir/from-fifo.json"), '-o FIFO: its reader receives the result JSON') or diag("status $st: $err");
ok(-p "$dir/fifo", 'and the FIFO is still a FIFO');

# ---- symbolic links -------------------------------------------------------------------
mkdir "$dir/real";
write_file("$dir/real/target.json", "old\n");
symlink("real/target.json", "$dir/link.json") or die "symlink: $!";
($st, $out, $err) = run_tnemu(@run, '-o', "$dir/link.json");
ok($st == 0 && -l "$dir/link.json" && readlink("$dir/link.json") eq 'real/target.json',
   '-o a symbolic link: the link stays, pointing where it did') or diag("status $st: $err");
ok(is_result("$dir/real/target.json"), 'and its target holds the result');
ok(!temporaries("$dir/real") && !temporaries($dir), 'no temporary left beside the link or the target');
symlink($null, "$dir/link-null") or die "symlink: $!";
($st, $out, $err) = run_tnemu(@run, '-o', "$dir/link-null");
ok($st == 0 && -l "$dir/link-null" && -c $null, '-o a link to a device: written through, both stay')
    or diag("status $st: $err");

# ---- our own stdout by another name -----------------------------------------------------
write_file("$dir/log.txt", "before\n");
my $log_inode = (stat "$dir/log.txt")[1];
($st, $err) = run_stdout_to(">>$dir/log.txt", @run, '-o', '/dev/stdout');
ok($st == 0 && (stat "$dir/log.txt")[1] == $log_inode && slurp("$dir/log.txt") =~ /\Abefore\n\{\n.*"counts"/s,
   '-o /dev/stdout with stdout appended to a file: appended through stdout, the file neither replaced nor truncated')
    or diag("status $st: $err");

# ---- a regular file: atomic replacement -------------------------------------------------
write_file("$dir/r.json", "old\n");
chmod 0640, "$dir/r.json";
my $inode = (stat "$dir/r.json")[1];
($st, $out, $err) = run_tnemu(@run, '-o', "$dir/r.json");
ok($st == 0 && is_result("$dir/r.json") && (stat "$dir/r.json")[1] != $inode,
   'a regular file is replaced by a rename (a new inode: no reader sees half of it)') or diag("status $st: $err");
is((stat "$dir/r.json")[2] & 07777, 0640, 'with the permissions it had');

# ---- write failures: exit 1, one line ---------------------------------------------------
# Root ignores permissions, so a read-only directory would not fail here; a
# parent that is a regular file fails for everyone (ENOTDIR), and so does a
# directory named as the output file (EISDIR).
write_file("$dir/plain", "x\n");
($st, $out, $err) = run_tnemu(@run, '-o', "$dir/plain/r.json");
ok($st == 1 && lines($err) == 1 && $err =~ m{cannot write \S*plain/r.json: Not a directory},
   '-o under a regular file: exit 1, one line (Not a directory)') or diag("status $st: $err");
mkdir "$dir/adir";
($st, $out, $err) = run_tnemu(@run, '-o', "$dir/adir");
ok($st == 1 && lines($err) == 1 && $err =~ /cannot write \S*adir: Is a directory/ && -d "$dir/adir",
   '-o a directory: exit 1, one line, the directory untouched') or diag("status $st: $err");
($st, $err) = run_stdout_to($full, @run);
ok($st == 1 && lines($err) == 1 && $err =~ /^tnemu: cannot write to standard output: No space left on device$/,
   'run with stdout on a full device: exit 1, one line') or diag("status $st: $err");
($st, $err) = run_stdout_to($full, 'info', $ghz);
ok($st == 1 && lines($err) == 1 && $err =~ /cannot write to standard output/, 'info with stdout on a full device: exit 1')
    or diag("status $st: $err");
($st, $err) = run_stdout_to($full, '--help');
ok($st == 1 && lines($err) == 1, '--help with stdout on a full device: exit 1') or diag("status $st: $err");
($st, $out, $err) = run_tnemu('run', "$dir/absent.qasm", '-o', "$dir/x.json");
ok($st == 2 && lines($err) == 1, 'an input file that cannot be read is still exit 2') or diag("status $st: $err");
($st, $out, $err) = run_tnemu(@run, '--checkpoint', "$dir/plain/ck", '-o', "$dir/x.json");
ok($st == 0, 'looking for stale temporaries never fails a run (a --checkpoint DIR under a file, never written)')
    or diag("status $st: $err");

# ---- stale temporaries -------------------------------------------------------------------
my $bw = gen_circuit('bw.qasm', 'brickwork', 12, 10, 2, 'measure');
my @ck = ('run', $bw, '--chi', '8', '--shots', '50', '--seed', '3', '-q');
my $bin = tnemu();
sub run_env { my ($env, @a) = @_; system(join(' ', $env, map { "'$_'" } $bin, @a) . " >$dir/out 2>$dir/err </dev/null");
              return ($? & 127 ? 128 + ($? & 127) : $? >> 8, slurp("$dir/err")); }
($st, $err) = run_env('TNEMU_INJECT=signal@0', @ck, '--checkpoint', "$dir/ck", '-o', "$dir/x.json");
ok($st == 3 && -s "$dir/ck/checkpoint.tnck", 'a checkpoint written (signal halfway)') or diag("status $st: $err");
($st, $err) = run_env('TNEMU_INJECT=signal@0,checkpoint-kill@0', @ck, '--resume', "$dir/ck", '--checkpoint', "$dir/ck",
                      '-o', "$dir/x.json");
my @left = temporaries("$dir/ck");
ok($st == 137 && @left == 1 && $left[0] =~ /^checkpoint\.tnck\.tmp\.\d+$/,
   "kill -9 in the middle of the next write leaves @left") or diag("status $st: $err");
($st, $err) = run_env('', @ck, '--resume', "$dir/ck", '-o', "$dir/resumed.json");
ok($st == 0 && !temporaries("$dir/ck") && -s "$dir/ck/checkpoint.tnck",
   'the next run resuming from that directory removes it (its process is gone)') or diag("status $st: $err");

mkdir "$dir/ck2";
my ($dead, $dead_locked, $live) = (dead_pid(), dead_pid(), $$);
my %planted = map { $_ => write_file("$dir/ck2/$_", "x" x 1000) }
    ("checkpoint.tnck.tmp.$dead", "checkpoint.tnck.tmp.$live", "checkpoint.tnck.tmp.$dead_locked",
     "checkpoint.tnck.tmp.$dead.bak", "other.tmp.$dead");
# a PID that is free here but a lock that is held: a writer on another node
open(my $held, '>>', "$dir/ck2/checkpoint.tnck.tmp.$dead_locked") or die;
flock($held, LOCK_EX) or die "flock: $!";
($st, $err) = run_env('', @ck, '--checkpoint', "$dir/ck2", '-o', "$dir/x.json");
ok($st == 0 && !-e "$dir/ck2/checkpoint.tnck.tmp.$dead", "a checkpointing run removes checkpoint.tnck.tmp.<dead pid>")
    or diag("status $st: $err");
ok(-e "$dir/ck2/checkpoint.tnck.tmp.$live", 'keeps the temporary of a live process');
ok(-e "$dir/ck2/checkpoint.tnck.tmp.$dead_locked", 'keeps one whose lock is held (a live writer elsewhere)');
ok(-e "$dir/ck2/checkpoint.tnck.tmp.$dead.bak" && -e "$dir/ck2/other.tmp.$dead", 'and touches no other name');
close $held;

write_file("$dir/res.json.tmp.$dead", "half a result");
write_file("$dir/res.json.tmp.$live", "being written");
($st, $out, $err) = run_tnemu(@run, '-o', "$dir/res.json");
ok($st == 0 && !-e "$dir/res.json.tmp.$dead" && -e "$dir/res.json.tmp.$live",
   '-o FILE removes FILE.tmp.<dead pid> and keeps FILE.tmp.<live pid>') or diag("status $st: $err");
unlink "$dir/res.json.tmp.$live", "$dir/ck2/checkpoint.tnck.tmp.$live";

# ---- compare and adapters -----------------------------------------------------------------
my $emu = write_file("$dir/emu.json", '{"tool":"tnemu","counts":{"00":50,"11":50}}');
my $hw = write_file("$dir/hw.json", '{"00":40,"01":10,"10":5,"11":45}');
my @cmp = ('compare', $emu, $hw, '--bootstrap', '50', '-q');
($st, $out, $err) = run_tnemu(@cmp, '-o', $null);
ok($st == 0 && -c $null, "compare -o $null: still a character device") or diag("status $st: $err");
($st, $err) = through_fifo("$dir/fifo", "$dir/from-fifo2.json", @cmp, '-o', "$dir/fifo");
ok($st == 0 && slurp("$dir/from-fifo2.json") =~ /"hellinger_fidelity"/ && -p "$dir/fifo", 'compare -o FIFO: the reader gets the metrics')
    or diag("status $st: $err");
($st, $out, $err) = run_tnemu(@cmp, '-o', $full);
ok($st == 1 && lines($err) == 1 && -c $full, 'compare -o a full device: exit 1, one line') or diag("status $st: $err");
($st, $out, $err) = run_tnemu(@cmp, '--report', "$dir/plain/report");
ok($st == 1 && lines($err) == 1 && $err =~ /option --report: cannot create/, 'compare --report under a file: exit 1')
    or diag("status $st: $err");

my $spec = write_file("$dir/spec.json", JSON::PP->new->encode({ device => { kind => 'line', qubits => 4 }, block_qubits => 2,
    generators => [[0.3, -0.7, 0.2, 1.1, -0.4, 0.9]], inputs => [[0.5, -1.2, 0.8, 0.3]], shots => 100, seed => 5 }));
mkdir "$dir/emit";
symlink($null, "$dir/emit/circuit-0.qasm") or die "symlink: $!";
($st, $out, $err) = run_tnemu('adapters', $spec, '--emit', "$dir/emit", '-o', $null, '-q');
ok($st == 0 && -l "$dir/emit/circuit-0.qasm" && -c $null, 'adapters --emit onto a link to a device, -o a device: both stay')
    or diag("status $st: $err");
($st, $out, $err) = run_tnemu('adapters', $spec, '--emit', "$dir/emit2", '-o', "$dir/a.json", '-q');
ok($st == 0 && -s "$dir/emit2/circuit-0.qasm" && slurp("$dir/a.json") =~ /"mean_relative_error"/,
   'adapters --emit into a new directory and -o FILE')
    or diag("status $st: $err");
($st, $out, $err) = run_tnemu('adapters', $spec, '--emit', "$dir/plain/emit", '-q');
ok($st == 1 && lines($err) == 1 && $err =~ /option --emit: cannot create directory/, 'adapters --emit under a file: exit 1')
    or diag("status $st: $err");
($st, $err) = run_stdout_to($full, 'adapters', $spec, '-q');
ok($st == 1 && lines($err) == 1 && $err =~ /cannot write to standard output/, 'adapters with stdout on a full device: exit 1')
    or diag("status $st: $err");
done_testing();
