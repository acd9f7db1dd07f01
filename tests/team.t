#!/usr/bin/perl
# team.t - tnemu run --team-size T: teams of T ranks own one segment, the
# leader holding the sites. In Vidal form a window whose Gram matrix has at
# least --scalapack-min rows is split whole on the team's ScaLAPACK grid
# (theta, its Gram matrix, the eigensolve and the new sites formed there:
# mpi/scal_window.c); elsewhere the team joins the leader's eigensolves of
# that size. On 2 and 4 ranks with teams of 1, 2 and 4 (a small
# --scalapack-min, so that the grid really runs on small circuits), in the
# Vidal and the centre form and noisy: the probabilities, amplitudes and
# expectation values agree with one rank to 1e-10 (not bitwise: pzheevd
# rounds differently from zheevd), and an untruncated run agrees with a
# numpy state vector; the result says the team size, each rank's team and
# the windows and eigensolves it joined (> 0 in a team). A window one Gram
# pass cannot resolve is split by the grid's SVD; with its windows on the
# grid, a leader holds less than one rank alone, a member a fraction of it.
# Bad values fail at once with exit 2; a failure injected on a leader or on
# a member ends every rank promptly with exit 1.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Tnemu qw(tnemu read_json tmpdir gen_circuit mpi_as_root);
use JSON::PP;

sub slurp { return Tnemu::slurp(@_) }

mpi_as_root();
my $dir = tmpdir();
my $bin = tnemu();

# Runs tnemu run on P ranks; returns (exit status, decoded result or undef, stderr, seconds).
our $timeout = 120;   # seconds; a team's members wait busily inside ScaLAPACK, slow on a loaded machine
sub mpirun {
    my ($p, $out, @args) = @_;
    my $cmd = join(' ', "timeout $timeout mpirun -n", $p, '--oversubscribe', $bin, 'run', (map { "'$_'" } @args), '-q',
                   '-o', $out, "2>$out.err");
    my $t0 = time;
    system($cmd);
    my $status = $? >> 8;
    return ($status, $status == 0 && -e $out ? read_json($out) : undef, slurp("$out.err"), time - $t0);
}

# Largest difference between two maps of numbers or [re, im] pairs (a key on one side only: its value vs 0).
sub max_diff {
    my ($a, $b) = @_;
    my $worst = 0;
    for my $k (keys %{ { %$a, %$b } }) {
        my @x = map { ref $_ ? @$_ : ($_) } $a->{$k} // (ref $b->{$k} ? [0, 0] : 0);
        my @y = map { ref $_ ? @$_ : ($_) } $b->{$k} // (ref $a->{$k} ? [0, 0] : 0);
        for my $i (0 .. $#x) { my $d = abs($x[$i] - $y[$i]); $worst = $d if $d > $worst; }
    }
    return $worst;
}

# The run on P ranks in teams of T agrees with the 1-rank result $ref and reports its teams.
sub check_teams {
    my ($name, $ref, $p, $t, @args) = @_;
    my $file = "$name.$p.$t" =~ s/\W+/_/gr;
    my ($s, $r, $e) = mpirun($p, "$dir/$file.json", @args, '--team-size', $t);
    my $label = "$name: $p ranks, teams of $t";
    ok($s == 0 && $r, "$label: runs") or return diag($e);
    my $worst = 0;
    for my $key (qw(expectation_values amplitudes probabilities)) {
        my $d = max_diff($ref->{$key} // {}, $r->{$key} // {});
        $worst = $d if $d > $worst;
    }
    ok($worst < 1e-10, "$label: probabilities, amplitudes and expectation values agree with 1 rank to 1e-10")
        or diag("largest difference $worst");
    is_deeply($r->{counts}, $ref->{counts}, "$label: counts identical") if %{ $ref->{counts} };
    ok(abs($r->{fidelity_estimate} - $ref->{fidelity_estimate}) < 1e-10, "$label: fidelity estimate agrees");
    my $mpi = $r->{mpi};
    ok($mpi->{team_size} == $t && $mpi->{teams} == $p / $t, "$label: result says team size $t, " . $p / $t . " teams");
    my @per = @{ $mpi->{per_rank} };
    is_deeply([map { $_->{team} } @per], [map { int($_ / $t) } 0 .. $p - 1], "$label: each rank's team");
    if ($t > 1) {
        # every member joined exactly its leader's eigensolves and windows, and some ran; in Vidal form
        # the windows themselves (theta, its Gram matrix and the new sites formed on the grid)
        # (a noisy two-qubit gate draws its Kraus operator from the leader's theta: the leader's split)
        my $vidal = $mpi->{canonical_form} eq 'vidal' && !grep { $_ eq '--noise' } @args;
        my @bad = grep { my $l = $_ - $_ % $t;
                         $per[$_]{scalapack_solves} != $per[$l]{scalapack_solves}
                         || $per[$_]{team_windows} != $per[$l]{team_windows} } 0 .. $p - 1;
        my @none = grep { ($vidal ? $per[$_]{team_windows} : $per[$_]{scalapack_solves} + $per[$_]{team_windows}) <= 0 }
                   0 .. $p - 1;
        ok(!@bad && !@none, "$label: every rank joined its team's " . ($vidal ? 'windows' : 'eigensolves')
           . ' on the grid (> 0)')
            or diag(join ' ', map { "rank $_->{rank}: $_->{scalapack_solves} solves, $_->{team_windows} windows" } @per);
    }
    return $r;
}

sub over_layouts {
    my ($name, $layouts, @args) = @_;
    my ($s1, $ref, $e1) = mpirun(1, "$dir/" . ($name =~ s/\W+/_/gr) . '.1.json', @args);
    ok($s1 == 0 && $ref, "$name: runs on 1 rank") or return diag($e1);
    check_teams($name, $ref, @$_, @args) for @$layouts;
    return $ref;
}

my @layouts = ([2, 1], [2, 2], [4, 1], [4, 2], [4, 4]);
my $bw = gen_circuit('bw14.qasm', 'brickwork', 14, 14, 2);
my @obs = ('--observable', 'Z0', '--observable', 'Z6 Z7', '--observable', 'X3 Y4', '--expectation-method', 'state');
over_layouts('brickwork14 chi 48 (Vidal)', \@layouts, $bw, '--chi', 48, '--scalapack-min', 16, @obs,
             '--amplitude', '0' x 14, '--amplitude', '01' x 7, '--probabilities');
over_layouts('brickwork14 chi 48 (centre form)', [[2, 2], [4, 4]], $bw, '--chi', 48, '--scalapack-min', 16,
             '--canonical', 'center', @obs, '--amplitude', '0' x 14);
my $noise = Tnemu::write_file("$dir/noise.json", '{"format":"tnemu-noise","t1":5e-5,"t2":4e-5,"readout":[0.02,0.04],'
    . '"gates":[{"channels":[{"type":"depolarizing","p":0.01}]},'
    . '{"gate":"cx","channels":[{"type":"amplitude_damping","gamma":0.02}]}]}');
my $bwm = gen_circuit('bw14m.qasm', 'brickwork', 14, 14, 2, 'measure');
over_layouts('brickwork14 noisy, 4 trajectories', [[2, 2], [4, 2]], $bwm, '--chi', 48, '--scalapack-min', 16,
             '--noise', $noise, '--trajectories', 4, '--shots', 200, '--seed', 3, '--observable', 'Z2',
             '--expectation-method', 'state', '--probabilities');

# untruncated: the amplitudes of a numpy state vector (u3 and cx, written here)
my $exact = gen_circuit('bw14d.qasm', 'brickwork', 14, 16, 3);
SKIP: {
    skip 'no /usr/bin/python3 with numpy', 3 unless system('/usr/bin/python3 -c "import numpy" 2>/dev/null') == 0;
    Tnemu::write_file("$dir/sv.py", <<'PY');
import json, re, sys
import numpy as np
text = open(sys.argv[1]).read()
n = int(re.search(r"qreg q\[(\d+)\]", text).group(1))
psi = np.zeros([2] * n, complex)
psi[(0,) * n] = 1
axis = lambda q: n - 1 - q   # C order: qubit 0 is the last axis (the rightmost bit)
for op, args, qs in re.findall(r"^(u3|cx)(?:\(([^)]*)\))? ([^;]*);", text, re.M):
    q = [int(x) for x in re.findall(r"\d+", qs)]
    if op == "u3":
        t, p, l = (float(x) for x in args.split(","))
        u = np.array([[np.cos(t / 2), -np.exp(1j * l) * np.sin(t / 2)],
                      [np.exp(1j * p) * np.sin(t / 2), np.exp(1j * (p + l)) * np.cos(t / 2)]])
        psi = np.moveaxis(np.tensordot(u, psi, axes=([1], [axis(q[0])])), 0, axis(q[0]))
    else:
        idx = [slice(None)] * n
        idx[axis(q[0])] = 1
        sub = psi[tuple(idx)]
        tgt = axis(q[1]) - (axis(q[1]) > axis(q[0]))
        psi[tuple(idx)] = np.flip(sub, axis=tgt).copy()
flat = psi.reshape(-1)
out = {"amplitudes": {}, "probabilities": {}}
for bits in sys.argv[2:]:
    a = flat[int(bits, 2)]
    out["amplitudes"][bits] = [a.real, a.imag]
p = np.abs(flat) ** 2
for i in np.nonzero(p > 1e-16)[0]:
    out["probabilities"][format(i, "0%db" % n)] = p[i]
print(json.dumps(out))
PY
    my @bits = ('0' x 14, '1' x 14, '10' x 7, '0011' x 3 . '01');
    my $want = JSON::PP->new->decode(`/usr/bin/python3 $dir/sv.py $exact @bits`);
    my @amps = map { ('--amplitude', $_) } @bits;
    for my $layout ([1, 1], [2, 2], [4, 4]) {
        my ($p, $t) = @$layout;
        my ($s, $r, $e) = mpirun($p, "$dir/exact.$p.$t.json", $exact, '--scalapack-min', 16, @amps, '--probabilities',
                                 $t > 1 ? ('--team-size', $t) : ());
        my $d = $r ? max_diff($want->{amplitudes}, $r->{amplitudes}) + max_diff($want->{probabilities}, $r->{probabilities}) : 1e300;
        ok($s == 0 && $d < 1e-10 && ($t == 1 || $r->{mpi}{per_rank}[0]{team_windows} > 0),
           "brickwork14 untruncated, $p ranks in teams of $t: amplitudes and probabilities of a state vector to 1e-10"
           . ($t > 1 ? ', windows on the grid' : '')) or diag("status $s, difference $d\n$e");
    }
}

# a Schmidt value of 5e-7 next to 1 (a Gram eigenvalue of 2.5e-13, below what one Gram matrix
# resolves): the grid splits that window by its SVD, exact like one rank's
{
    my $tiny = Tnemu::write_file("$dir/tiny.qasm", "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[4];\n"
        . "u3(1e-6,0.3,0.2) q[1];\ncx q[1],q[2];\nh q[0];\ncx q[0],q[1];\nu3(0.4,0.1,0.2) q[3];\ncx q[2],q[3];\n");
    my @args = ($tiny, '--scalapack-min', 2, '--probabilities', '--observable', 'Z1', '--observable', 'X2 X3',
                '--expectation-method', 'state', map { ('--amplitude', $_) } qw(0000 0110 0111 1111));
    my ($s1, $ref) = mpirun(1, "$dir/tiny.1.json", @args);
    my ($s2, $r, $e) = mpirun(2, "$dir/tiny.2.json", @args, '--team-size', 2);
    my $d = $ref && $r ? max_diff($ref->{amplitudes}, $r->{amplitudes})
                         + max_diff($ref->{probabilities}, $r->{probabilities})
                         + max_diff($ref->{expectation_values}, $r->{expectation_values}) : 1e300;
    my @per = $r ? @{ $r->{mpi}{per_rank} } : ();
    ok($s1 == 0 && $s2 == 0 && $d < 1e-10, "a Schmidt value of 5e-7: teams of 2 agree with one rank to 1e-10 ($d)")
        or diag($e);
    ok(@per == 2 && !grep({ $_->{team_windows_svd} < 1 || $_->{team_windows_returned} != 0 } @per),
       'the grid split the unresolved window by its SVD, on both ranks, and handed none back')
        or diag(join ' ', map { "rank $_->{rank}: svd $_->{team_windows_svd}, returned $_->{team_windows_returned}" }
                          @per);
}

# memory: chi 128 on 16 qubits (windows of 256 x 256), a team of 4 (a 2 x 2 grid) splitting every window of
# 128 Gram rows or more. The ledger's peaks are the same on any machine; the run is slow on a busy one (4
# ranks on 2 cores, the members waiting busily inside ScaLAPACK: a minute beside two CPU hogs), hence the
# longer timeout.
{
    local $timeout = 900;
    my $bw16 = gen_circuit('bw16.qasm', 'brickwork', 16, 16, 1);
    my @args = ($bw16, '--chi', 128, '--scalapack-min', 128, '--observable', 'Z5', '--observable', 'X7 Z8',
                '--expectation-method', 'state', '--amplitude', '0' x 16);
    my ($s1, $one, $e1) = mpirun(1, "$dir/mem.1.json", @args);
    my ($s4, $team, $e4) = mpirun(4, "$dir/mem.4.json", @args, '--team-size', 4);
    my @per = $team ? @{ $team->{mpi}{per_rank} } : ();
    my $alone = $one ? $one->{peak_tensor_bytes} : 0;
    my $d = $one && $team ? max_diff($one->{amplitudes}, $team->{amplitudes})
                            + max_diff($one->{expectation_values}, $team->{expectation_values}) : 1e300;
    ok($s1 == 0 && $s4 == 0 && $d < 1e-10 && abs($one->{fidelity_estimate} - $team->{fidelity_estimate}) < 1e-10,
       'chi 128 on 16 qubits, a team of 4: agrees with one rank to 1e-10') or diag("$e1\n$e4");
    # one rank: 9.9 MiB, its sites and its window buffers; the leader: the same sites, its smaller windows'
    # buffers and its quarter of the grid's matrices (8.0 MiB); a member only that quarter (2.3 MiB)
    ok(@per == 4 && $per[0]{team_windows} > 0 && $per[0]{peak_tensor_bytes} < 0.9 * $alone
       && !grep({ $_->{peak_tensor_bytes} > 0.3 * $alone } @per[1 .. 3]),
       sprintf('its leader holds less than one rank alone, each member under 0.3 of it (%.1f MiB alone; %s)',
               $alone / 2**20, join(', ', map { sprintf '%.1f', ($_->{peak_tensor_bytes} // 0) / 2**20 } @per)));
}

# the trace of a team run: the leaders' windows, with the team size, replayable by scaling-sim.py
{
    my ($s, $r, $e) = mpirun(4, "$dir/traced.json", $bw, '--chi', 48, '--scalapack-min', 16, '--team-size', 2,
                             '--trace', "$dir/team.trace");
    my @head = split /\n/, slurp("$dir/team.trace");
    my $h = @head > 1 ? JSON::PP->new->decode($head[1]) : {};
    ok($s == 0 && ($h->{ranks} // 0) == 2 && ($h->{team_size} // 0) == 2, 'a traced run of 2 teams of 2: the trace '
       . 'holds 2 segments and says teams of 2') or diag($e);
    my $sim = `python3 $FindBin::Bin/../scripts/scaling-sim.py $dir/team.trace --ranks 4 --team-size 2 2>&1`;
    like($sim, qr/"segments": 2/, 'scaling-sim.py replays it on 4 ranks in teams of 2');
    my $other = system("python3 $FindBin::Bin/../scripts/scaling-sim.py $dir/team.trace --ranks 4 >/dev/null 2>&1") >> 8;
    is($other, 2, 'scaling-sim.py refuses to replay its measured times without the teams (exit 2)');
}

# bad values: one line naming the option and the valid values, exit 2, on every rank at once
for my $case ([4, ['--team-size', 3], qr/^tnemu: option --team-size: 3 does not divide the 4 ranks \(valid: a divisor of 4\)$/m],
              [2, ['--team-size', 0], qr/^tnemu: option --team-size: '0' is not an integer in \[1, 2\]$/m],
              [2, ['--team-size', 4], qr/^tnemu: option --team-size: '4' is not an integer in \[1, 2\]$/m],
              [2, ['--team-size', 2, '--scalapack-min', 0], qr/^tnemu: option --team-size: .*--scalapack-min 0/m],
              [4, ['--team-size', 2, '--groups', 3], qr/^tnemu: option --groups: 3 is out of range \[1, 2\] for 2 teams of 2 ranks$/m]) {
    my ($p, $bad, $want) = @$case;
    my ($s, $r, $e, $secs) = mpirun($p, "$dir/bad.json", $bw, '--chi', 8, @$bad);
    my @ours = grep { /^tnemu:/ } split /\n/, $e;
    ok($s == 2 && @ours == 1 && $e =~ $want && !-e "$dir/bad.json" && $secs < 60, "@$bad on $p ranks: exit 2, one line")
        or diag("status $s\n$e");
}
{
    my $manifest = Tnemu::write_file("$dir/batch.json", qq({"tasks": [{"circuit": "$bw", "args": ["--team-size", "2"]}]}));
    my $out = `timeout 60 mpirun -n 2 --oversubscribe $bin batch $manifest -q 2>&1`;
    my $s = $? >> 8;
    ok($s == 2 && $out =~ /option --team-size: a batch task runs on one group without teams/,
       'a batch task on 2 ranks refuses --team-size 2 (exit 2)') or diag("status $s\n$out");
}

# failures injected on a leader (gate@R, alloc@R) or a member (team@R): every rank ends, exit 1, one message
for my $case (['gate@0', qr/^tnemu: numerical failure injected on rank 0 halfway/m],
              ['team@1', qr/^tnemu: numerical failure injected on rank 1 \(TNEMU_INJECT\)/m],
              ['alloc@2', qr/^tnemu: out of memory: allocation failure injected on rank 2/m],
              ['team@3', qr/^tnemu: numerical failure injected on rank 3 \(TNEMU_INJECT\)/m]) {
    my ($inj, $want) = @$case;
    local $ENV{TNEMU_INJECT} = $inj;
    my ($s, $r, $e, $secs) = mpirun(4, "$dir/inject.json", $bw, '--chi', 48, '--scalapack-min', 16, '--team-size', 2);
    my @ours = grep { /^tnemu:/ } split /\n/, $e;
    ok($s == 1 && @ours == 1 && $e =~ $want && !-e "$dir/inject.json" && $secs < 60,
       "failure $inj on 4 ranks in teams of 2: every rank ends, exit 1, one message, no result") or diag("status $s\n$e");
}
done_testing();
