#!/usr/bin/perl
# slurm.t - the slurm/ templates on a real SLURM cluster started here
# (scripts/slurm-local.sh: slurmctld and two slurmd "nodes", auth/none,
# loopback ports, stopped at the end). Checks: (a) a 2-node, 2-task run of
# slurm/run.sbatch equals the mpirun result; (b) the scaling study through
# SLURM writes the CSV, the predictions and the plots; (c) a job signalled
# before its end writes a checkpoint, requeues itself, resumes and ends with
# exactly the uninterrupted result; (d) a kill -9 during a checkpoint write
# leaves the previous checkpoint valid, and a later job resumes from it.
# Inside the allocation tnemu is launched with mpirun (TNEMU_LAUNCH=mpirun):
# two slurmd on one host share PMIx's per-node directory, so srun --mpi=pmix
# cannot start MPI steps on this single-machine cluster.
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
done_testing();
