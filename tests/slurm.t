#!/usr/bin/perl
# slurm.t - the slurm/ templates on a real SLURM cluster started here
# (scripts/slurm-local.sh: slurmctld and two slurmd "nodes", auth/none,
# loopback ports, stopped at the end). Checks: (a) a 2-node, 2-task run of
# slurm/run.sbatch equals the mpirun result; (b) the scaling study through
# SLURM writes the CSV, the predictions and the plots; (c) a job signalled
# before its end writes a checkpoint, requeues itself, resumes and ends with
# exactly the uninterrupted result; (d) a kill -9 during a checkpoint write
# leaves the previous checkpoint valid, and a later job resumes from it;
# (e) slurm/batch.sbatch across the 2 nodes over TCP (no MPI window, no
# OMPI_MCA_osc needed) equals the batch on one process; (f) the batch job,
# signalled (USR1 to its shell, as --signal=B:USR1 does), writes the results
# so far and exits 3; (g) srun steps (one node, srun --mpi=pmix): USR1
# (scancel --signal, as --signal=USR1@T delivers it) and a cancel (SIGTERM,
# then SIGKILL after KillWait, as at the time limit) each write a checkpoint,
# exit 3, and srun --resume ends with the uninterrupted result.
# Inside two-node allocations tnemu is launched with mpirun (TNEMU_LAUNCH=mpirun):
# two slurmd on one host share PMIx's per-node directory, so srun --mpi=pmix
# cannot start an MPI step across both; (g) uses one-node srun steps.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use File::Copy qw(copy);
use Time::HiRes qw(sleep time);
use Tnemu qw(tnemu read_json tmpdir gen_circuit);

my $root = "$FindBin::Bin/..";
plan skip_all => 'slurmctld/slurmd are not installed (apt-get install slurm-wlm)'
    unless -x '/usr/sbin/slurmctld' && -x '/usr/sbin/slurmd';
plan skip_all => 'the local SLURM cluster needs root' unless $> == 0;

my $dir = tmpdir();
my $cluster = "$dir/cluster";
my $started = system("sh $root/scripts/slurm-local.sh start $cluster 2 >$dir/start.log 2>&1") == 0;
END { system("sh $root/scripts/slurm-local.sh stop $cluster >/dev/null 2>&1") if $cluster && -d $cluster; }
ok($started, 'slurmctld and two slurmd nodes are up') or do { diag(`cat $dir/start.log; tail -20 $cluster/log/*`); done_testing(); exit; };
$ENV{SLURM_CONF} = "$cluster/slurm.conf";
$ENV{OMPI_ALLOW_RUN_AS_ROOT} = 1;
$ENV{OMPI_ALLOW_RUN_AS_ROOT_CONFIRM} = 1;
# one BLAS thread everywhere: inside the allocation Open MPI may see each rank alone on a "node" and
# give it both cores' threads, and threaded BLAS rounds differently from the direct run
$ENV{OPENBLAS_NUM_THREADS} = 1;
# the "nodes" share one host: Open MPI's shared-memory transport would mix the two nodes'
# segments (same job, same local ranks), so ranks talk over loopback TCP here
$ENV{OMPI_MCA_btl} = 'self,tcp';
my $bin = tnemu();
my $common = "TNEMU_HOME=$root,TNEMU=$bin,TNEMU_LAUNCH=mpirun,OVERSUBSCRIBE=1";

sub job_state { my $id = shift; my $s = `scontrol show job $id 2>/dev/null`; return $s =~ /JobState=(\w+)/ ? $1 : 'GONE'; }
sub restarts { my $id = shift; my $s = `scontrol show job $id 2>/dev/null`; return $s =~ /Restarts=(\d+)/ ? $1 : -1; }
sub wait_state {   # waits until the job's state matches; returns the state
    my ($id, $re, $limit) = @_;
    my $t0 = time;
    while (time - $t0 < $limit) {
        my $s = job_state($id);
        return $s if $s =~ $re;
        sleep 0.3;
    }
    return job_state($id);
}
sub submit { my $out = `sbatch --parsable @_ 2>&1`; chomp $out; return $out =~ /^(\d+)/ ? $1 : (diag("sbatch: $out"), 0); }
sub same { my ($a, $b) = @_; return 0 unless $a && $b;
    my $j = JSON::PP->new->canonical;
    return $j->encode($a->{counts}) eq $j->encode($b->{counts}) && $j->encode($a->{expectation_values}) eq $j->encode($b->{expectation_values})
        && $a->{fidelity_estimate} == $b->{fidelity_estimate}; }

# ---- (a) run.sbatch on two nodes == mpirun -n 2 ---------------------------------------------
my $bw = gen_circuit('bw.qasm', 'brickwork', 20, 10, 3, 'measure');
system("mpirun --oversubscribe -n 2 $bin run $bw --chi 16 --shots 500 --seed 7 -q -o $dir/direct.json >/dev/null 2>&1");
my $id = submit("-W -N 2 -n 2 -o $dir/run-%j.out",
                "--export=ALL,$common,CIRCUIT=$bw,CHI=16,SHOTS=500,SEED=7,OUT=$dir/slurm.json",
                "$root/slurm/run.sbatch");
ok($id && -s "$dir/slurm.json", "run.sbatch ran as job $id on 2 nodes") or diag(`cat $dir/run-*.out`);
my $direct = read_json("$dir/direct.json");
my $viaslurm = -s "$dir/slurm.json" ? read_json("$dir/slurm.json") : undef;
ok($viaslurm && $viaslurm->{mpi}{ranks} == 2 && JSON::PP->new->canonical->encode($viaslurm->{counts})
   eq JSON::PP->new->canonical->encode($direct->{counts}) && $viaslurm->{fidelity_estimate} == $direct->{fidelity_estimate},
   'the 2-node, 2-task SLURM run equals mpirun -n 2 (counts, fidelity)');

# ---- (b) a scaling sweep through SLURM ---------------------------------------------------------
my $sd = "$dir/scaling";
my $ok = system("cd $root && MODE=slurm NODES=2 TNEMU_LAUNCH=mpirun OVERSUBSCRIBE=1 QUBITS=16 DEPTH=6 CHI=16 SHOTS=50 "
                . "sh scripts/scaling-study.sh run $sd 1 2 >$dir/scaling.log 2>&1") == 0;
ok($ok, 'scaling-study.sh submits the sweep to SLURM and collects it') or diag(`cat $dir/scaling.log`);
my @csv = -e "$sd/scaling.csv" ? do { open(my $f, '<', "$sd/scaling.csv"); <$f> } : ();
ok(@csv == 3 && $csv[0] =~ /^ranks,wall_s,.*speedup,efficiency,model_s/, 'scaling.csv: a header and rows for 1 and 2 ranks');
my @pred = -e "$sd/predictions.csv" ? do { open(my $f, '<', "$sd/predictions.csv"); <$f> } : ();
ok(@pred == 4 && join('', @pred) =~ /^16,.*\n64,.*\n256,/m, 'predictions for 16, 64 and 256 nodes');
like(join('', `cat $dir/scaling.log`), qr/prediction: 256 nodes/, 'the predictions are printed beside the measurements');
SKIP: {
    skip 'no /usr/bin/python3 with matplotlib', 1 unless system('/usr/bin/python3 -c "import matplotlib" 2>/dev/null') == 0;
    ok(-s "$sd/scaling.png" > 10000, 'scaling.png: time, speedup, efficiency, memory');
}

# ---- (c) signalled, requeued, resumed ---------------------------------------------------------
my $long = gen_circuit('long.qasm', 'brickwork', 40, 56, 1, 'measure');
system("mpirun --oversubscribe -n 2 $bin run $long --chi 64 --shots 300 --seed 2 -q -o $dir/long-direct.json >/dev/null 2>&1");
my $ck = "$dir/ck";
$id = submit("-N 2 -n 2 -o $dir/ckpt.out",
             "--export=ALL,$common,CIRCUIT=$long,CHI=64,SHOTS=300,SEED=2,DIR=$ck,OUT=$dir/long-slurm.json",
             "$root/slurm/checkpoint.sbatch");
my $t0 = time;
sleep 0.2 until (time - $t0 > 60 || `cat $dir/ckpt.out 2>/dev/null` =~ /started/);
sleep 1.5;
system("scancel --signal=USR1 --batch $id");
my $st = wait_state($id, qr/PENDING|COMPLETED|FAILED/, 60);
ok($st eq 'PENDING' && restarts($id) == 1 && -s "$ck/checkpoint.tnck", "job $id: signalled, checkpoint written, requeued ($st)")
    or diag(`cat $dir/ckpt.out`);
copy("$ck/checkpoint.tnck", "$dir/first.tnck");
# a requeued job starts again cred_expire + 1 s later (10 s on the local cluster); forcing it earlier
# makes SLURM kill it ("Job credential revoked")
$st = wait_state($id, qr/COMPLETED|FAILED|CANCELLED|TIMEOUT/, 120);
my $resumed = -s "$dir/long-slurm.json" ? read_json("$dir/long-slurm.json") : undef;
ok($st eq 'COMPLETED' && $resumed && $resumed->{checkpoint}{resumed}, 'the requeued job resumed and completed') or diag(`cat $dir/ckpt.out`);
ok(same(read_json("$dir/long-direct.json"), $resumed), 'its result equals the uninterrupted run exactly')
    or diag(sprintf('fidelity %.17g vs %.17g', read_json("$dir/long-direct.json")->{fidelity_estimate}, $resumed ? $resumed->{fidelity_estimate} : -1));

# ---- (d) kill -9 during a checkpoint write -----------------------------------------------------
my $ck2 = "$dir/ck2";
mkdir $ck2;
copy("$dir/first.tnck", "$ck2/checkpoint.tnck");
$id = submit("-W -N 2 -n 2 -o $dir/kill.out",
             "--export=ALL,$common,CIRCUIT=$long,CHI=64,SHOTS=300,SEED=2,DIR=$ck2,OUT=$dir/killed.json,"
             . "TNEMU_INJECT=signal\@0:checkpoint-kill\@0", "$root/slurm/checkpoint.sbatch");
ok(!-e "$dir/killed.json" && job_state($id) =~ /FAILED|COMPLETED/ && `cat $dir/kill.out` =~ /resuming/,
   'a job that resumes and is killed in the middle of its next checkpoint write');
ok(system("cmp -s $dir/first.tnck $ck2/checkpoint.tnck") == 0, 'the previous checkpoint is untouched');
$id = submit("-W -N 2 -n 2 -o $dir/after.out",
             "--export=ALL,$common,CIRCUIT=$long,CHI=64,SHOTS=300,SEED=2,DIR=$ck2,OUT=$dir/after.json",
             "$root/slurm/checkpoint.sbatch");
ok(same(read_json("$dir/long-direct.json"), -s "$dir/after.json" ? read_json("$dir/after.json") : undef),
   'a later job resumes from it to the exact result') or diag(`cat $dir/after.out`);
# ---- (e) batch.sbatch on two nodes ------------------------------------------------------------
delete $ENV{OMPI_MCA_osc};   # the farm must work with Open MPI's default one-sided component, i.e. without one
my $bell = "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[2];\ncreg c[2];\nh q[0];\ncx q[0],q[1];\nmeasure q -> c;\n";
my $small = gen_circuit('b12.qasm', 'brickwork', 12, 6, 4, 'measure');
my $manifest = "$dir/batch.json";
open(my $mf, '>', $manifest) or die;
print $mf JSON::PP->new->canonical->encode({ seed => 5, defaults => ['--shots', '200'],
    tasks => [{ qasm => $bell, name => 'bell' }, map { { circuit => $small, args => ['--chi', "$_"] } } 2 .. 9] });
close $mf;
system("$bin batch $manifest -q -o $dir/batch1.jsonl") == 0 or die 'the one-process batch failed';
sub jsonl { my $f = shift; open(my $fh, '<', $f) or return (); return map { JSON::PP->new->decode($_) } grep { /\S/ } <$fh>; }
sub stable { my %d = %{ $_[0] }; delete @d{qw(timing peak_memory_bytes peak_state_bytes peak_tensor_bytes mpi discarded_weight fidelity_estimate command)};
             return JSON::PP->new->canonical->encode(\%d); }
my @one = jsonl("$dir/batch1.jsonl");
$id = submit("-W -N 2 -n 4 -o $dir/batch-%j.out", "--export=ALL,$common,MANIFEST=$manifest,OUT=$dir/batch2.jsonl,DIR=$dir/bj2",
             "$root/slurm/batch.sbatch");
my @two = jsonl("$dir/batch2.jsonl");
ok($id && @two == 9 && `cat $dir/batch-$id.out` =~ /9 tasks on 4 group\(s\) of 4 rank\(s\), 0 failed/,
   "batch.sbatch ran job $id: 4 groups on 2 nodes over TCP") or diag(`cat $dir/batch-*.out`);
ok(@two == 9 && !(grep { stable($one[$_]) ne stable($two[$_]) } 0 .. 8), 'every line equals the one-process batch');

# ---- (f) the batch job signalled ------------------------------------------------------------------
sub wait_output { my ($f, $re, $limit) = @_; my $t = time; sleep 0.2 until (time - $t > $limit || `cat $f 2>/dev/null` =~ $re);
                  return `cat $f 2>/dev/null` =~ $re; }
$id = submit("-N 2 -n 2 -o $dir/bsig.out", "--export=ALL,$common,MANIFEST=$manifest,OUT=$dir/bsig.jsonl,DIR=$dir/bjsig,REQUEUE=0,"
             . "TNEMU_INJECT=pause-batch\@0", "$root/slurm/batch.sbatch");
my $paused = wait_output("$dir/bsig.out", qr/waiting for a signal/, 120);
system("scancel --signal=USR1 --batch $id") if $paused;
system("scancel $id") unless $paused;
$st = wait_state($id, qr/COMPLETED|FAILED|CANCELLED/, 60);
my @part = jsonl("$dir/bsig.jsonl");
my @ran = grep { !$_->{error} } @part;
ok($paused && $st eq 'FAILED' && `scontrol show job $id` =~ /ExitCode=3:0/
   && `cat $dir/bsig.out` =~ /stopped by a signal after \d+ of 9 tasks/, "batch job $id: USR1 to its shell stops it, exit 3")
    or diag(`cat $dir/bsig.out`);
ok(@part == 9 && @ran >= 1 && @ran < 9 && !(grep { !$_->{error} && stable($_) ne stable($one[$_->{task}]) } @part),
   'the results so far equal the full batch, the rest are marked "not run"') or diag(`cat $dir/bsig.jsonl`);

# ---- (h) qnn.sbatch and adapters.sbatch: threads per rank, stop, requeue, resume -------------------
{
    my $qspec = "$dir/qnn.json";
    open(my $qf, '>', $qspec) or die;
    print $qf JSON::PP->new->encode({ device => { kind => 'grid', rows => 3, cols => 3 }, qubits => 6, layers => 2,
        parameters => { random => 4 }, inputs => { random => 5, count => 1 }, mode => 'gradient', task_group => 5 });
    close $qf;
    system("$bin qnn $qspec --chi 8 -q -o $dir/qnn-direct.json") == 0 or die 'the direct qnn run failed';
    my $strip = sub { my $f = shift; return undef unless -s $f; my $r = read_json($f); delete @$r{qw(timing mpi)};
                      return JSON::PP->new->canonical->encode($r); };
    # 2 ranks with 2 cores each; stopped by the test hook after 30 circuits, requeued, resumed
    {
        local $ENV{ARGS} = '--chi 8';               # --export=ALL passes these on
        local $ENV{TNEMU_STOP_AFTER_TASKS} = 30;
        $id = submit("-N 2 -n 2 -c 2 -o $dir/qnn.out", "--export=ALL,$common,SPEC=$qspec,OUT=$dir/qnn-slurm.json,DIR=$dir/qj",
                     "$root/slurm/qnn.sbatch");
    }
    my $qst = wait_state($id, qr/COMPLETED|FAILED|CANCELLED|TIMEOUT/, 300);
    my $log = `cat $dir/qnn.out`;
    ok($qst eq 'COMPLETED' && restarts($id) >= 1 && $log =~ /2 thread\(s\) per rank/ && $log =~ /requeueing job $id/
       && $log =~ /resuming from the journal/, "qnn.sbatch job $id: 2 threads per rank, stopped, requeued, resumed ($qst)")
        or diag($log);
    ok(defined $strip->("$dir/qnn-slurm.json") && $strip->("$dir/qnn-slurm.json") eq $strip->("$dir/qnn-direct.json"),
       'the requeued qnn job wrote the result of an uninterrupted run');

    my $aspec = "$root/examples/adapters/line-k2.json";
    system("$bin adapters $aspec -q -o $dir/ad-direct.json") == 0 or die 'the direct adapters run failed';
    $id = submit("-W -N 2 -n 2 -o $dir/ad.out", "--export=ALL,$common,SPEC=$aspec,OUT=$dir/ad-slurm.json,DIR=$dir/aj",
                 "$root/slurm/adapters.sbatch");
    my $ad = -s "$dir/ad-slurm.json" ? read_json("$dir/ad-slurm.json") : {};
    my $want = read_json("$dir/ad-direct.json");
    ok($id && ($ad->{mean_relative_error} // -1) == $want->{mean_relative_error} && -s "$dir/aj/journal"
       && `cat $dir/ad.out` =~ /1 thread\(s\) per rank/, "adapters.sbatch job $id ran on 2 nodes with a journal; the same result")
        or diag(`cat $dir/ad.out`);
}

# ---- (g) srun steps: USR1 and a cancel --------------------------------------------------------------
SKIP: {
    skip 'this SLURM has no pmix plugin (srun --mpi=list)', 6 unless `srun --mpi=list 2>&1` =~ /pmix/;
    my $mid = gen_circuit('mid.qasm', 'brickwork', 30, 24, 6, 'measure');
    my @run = ($bin, 'run', $mid, '--chi', '32', '--shots', '200', '--seed', '3', '-q');
    system("mpirun --oversubscribe -n 2 @run -o $dir/mid-direct.json >/dev/null 2>&1");
    my $direct_mid = read_json("$dir/mid-direct.json");
    for my $how ('USR1', 'cancel') {
        my $ck3 = "$dir/ck-srun-$how";
        my $name = "tnemu-srun-$how";
        my $pid = fork();
        if ($pid == 0) {
            exec('sh', '-c', "TNEMU_INJECT=pause\@0 exec srun -J $name -N 1 -n 2 --mpi=pmix @run --checkpoint $ck3 "
                 . "-o $dir/x.json >/dev/null 2>$dir/srun-$how.err </dev/null") or exit 127;
        }
        $paused = wait_output("$dir/srun-$how.err", qr/waiting for a signal/, 120);
        my $job = `squeue -h -n $name -o %i`;
        chomp $job;
        system($how eq 'USR1' ? "scancel --signal=USR1 $job" : "scancel $job") if $paused && $job;
        kill('KILL', $pid) unless $paused && $job;
        waitpid($pid, 0);
        my $code = $? >> 8;
        my $err = `cat $dir/srun-$how.err`;
        ok($paused && $code == 3 && $err =~ /stopped by a signal after \d+ of \d+ gates; checkpoint written/,
           "srun step, " . ($how eq 'USR1' ? 'USR1 (scancel --signal=USR1)' : 'cancelled (SIGTERM, then SIGKILL after KillWait)')
           . ": checkpoint, exit 3 ($code)") or diag($err);
        ok(-s "$ck3/checkpoint.tnck", "$how: the checkpoint is there");
        system("srun -N 1 -n 2 --mpi=pmix @run --resume $ck3 -o $dir/srun-res.json >/dev/null 2>$dir/srun-res.err");
        ok(same($direct_mid, -s "$dir/srun-res.json" ? read_json("$dir/srun-res.json") : undef),
           "$how: srun --resume equals the uninterrupted mpirun -n 2 run exactly") or diag(`cat $dir/srun-res.err`);
        unlink "$dir/srun-res.json";
    }
}
done_testing();
