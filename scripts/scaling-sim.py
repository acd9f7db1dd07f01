#!/usr/bin/python3
"""scaling-sim.py - replays a tnemu gate trace on P ranks and predicts the run.

    scripts/scaling-sim.py TRACE --ranks P [--threads T] [--team-size S]
                           [--machine FILE] [--ranks-per-node R] [--times trace|model]
                           [--schedule]
    scripts/scaling-sim.py --synthetic CIRCUIT --chi N [--run-args "..."] --ranks P ...
    scripts/scaling-sim.py --synthetic CIRCUIT --chi N --write-trace FILE

Prints one JSON object: predicted_seconds (the gate phase), memory_per_rank_bytes,
state_bytes_per_rank, bytes_sent_per_rank, compute_seconds_per_rank,
idle_seconds_per_rank, windows_per_rank, boundary_windows, rebalances, ...

The model (docs/scaling.md): every rank walks the trace's events in order, as
tnemu's ranks walk the circuit. A window update (a gate's or a swap's two or
more adjacent sites) runs on the owner of its first site; the owners of its
other sites (the lenders) send them there (dimensions, tensor, Schmidt
values). A rank's clock advances by the cost of its own windows; a window
across a boundary starts when the worker has reached it and the lent sites
have arrived (latency + bytes / bandwidth). With --protocol async (tnemu's
lazy returns, the default) a lender goes on at once and waits only when it
next needs the sites, which are back latency + bytes / bandwidth after the
window ends; with --protocol blocking (TNEMU_BLOCKING_LENDERS) it waits
until they are back. The run takes the slowest rank. Partition, rebalancing rule and byte
counts are tnemu's own (mpi/part.c, src/mps.c and src/mps_gates.c,
reimplemented here; the test tests/scaling_sim.t checks they agree with real
multi-rank traces).

Costs: --times trace uses each window's measured seconds (valid for the
machine that wrote the trace); --times model (the default with --machine or
--synthetic) counts its floating-point work from the bond dimensions (the
flop count of scripts/bench-gate.c, generalised to unequal bonds) and divides
by the Vidal-gate rate bench-gate measured at that size.

Synthetic traces: tnemu runs CIRCUIT at --chi 2 on one process to record the
gate structure (windows, swaps, layers: none of it depends on chi), and the
bond dimensions are replaced by the saturating bond model (saturate()): a
window's inner bond becomes the largest its gate can make it, bounded by chi,
by the outer bonds times 2^j, and by the old bond times the gate's operator
Schmidt rank (2 for cx, cz, rzz; 4 for swaps and generic blocks). tests/scaling_sim.t compares that with
a real trace at small chi.
"""
import argparse
import bisect
import json
import math
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# src/mps_gates.c
REBALANCE_EVERY = 64
REBALANCE_EVERY_VIDAL = 256
REBALANCE_THRESHOLD_VIDAL = 1.05
PART_TARGET_SLACK = 1e-9     # mpi/part.h
SCALAPACK_MIN = 1024          # src/options.h OPTIONS_DEFAULT_SCALAPACK_MIN

DEFAULT_MACHINE = os.path.join(ROOT, "docs", "scaling", "machine-here.json")


def fail(msg, code=2):
    sys.stderr.write("scaling-sim: %s\n" % msg)
    sys.exit(code)


# ---- the partition: mpi/part.c ------------------------------------------------

def part_even(n, size):
    return [(n * r) // size for r in range(size + 1)]


def part_owner(lo, size, s):
    a, b = 0, size - 1
    while a < b:
        mid = (a + b + 1) // 2
        if lo[mid] <= s:
            a = mid
        else:
            b = mid - 1
    while a > 0 and lo[a] == lo[a + 1]:
        a -= 1
    return a


def segments_needed(cost, bound):
    segs, acc = 1, 0.0
    for c in cost:
        if acc + c > bound and acc > 0:
            segs += 1
            acc = 0.0
        acc += c
    return segs


def largest_segment(size, cost, lo):
    return max(sum(cost[lo[r]:lo[r + 1]]) for r in range(size))


def part_targets(n, size, cost, total):
    """Cuts nearest the prefix targets total * r / size, no segment empty."""
    if n < size:
        return None
    lo = [0] * (size + 1)
    lo[size] = n
    pre, c = 0.0, 0
    for r in range(1, size):
        t = total * r / size
        while c < lo[r - 1] + 1:
            pre += cost[c]
            c += 1
        while c < n - (size - r) and abs(pre + cost[c] - t) <= abs(pre - t):
            pre += cost[c]
            c += 1
        lo[r] = c
    return lo


def part_balanced(n, size, cost):
    total, biggest = 0.0, 0.0
    for c in cost:
        total += c
        if c > biggest:
            biggest = c
    if size <= 1 or total <= 0:
        return part_even(n, size)
    a = biggest if biggest > total / size else total / size
    b = total
    for _ in range(60):
        mid = 0.5 * (a + b)
        if segments_needed(cost, mid) <= size:
            b = mid
        else:
            a = mid
    lo = [0] * (size + 1)
    r, acc = 0, 0.0
    for s in range(n):
        if r + 1 < size and ((acc + cost[s] > b and acc > 0) or n - s <= size - 1 - r):
            r += 1
            lo[r] = s
            acc = 0.0
        acc += cost[s]
    while r + 1 < size:
        r += 1
        lo[r] = n
    lo[size] = n
    near = part_targets(n, size, cost, total)   # mpi/part.c: the same largest segment, spread over every rank
    if near is not None and largest_segment(size, cost, near) <= largest_segment(size, cost, lo) * (1 + PART_TARGET_SLACK):
        return near
    return lo


def part_imbalance(n, size, cost, lo):
    total, worst = 0.0, 0.0
    for c in cost:
        total += c
    for r in range(size):
        seg = 0.0
        for s in range(lo[r], lo[r + 1]):
            seg += cost[s]
        if seg > worst:
            worst = seg
    return worst / (total / size) if total > 0 else 1.0


# ---- traces ---------------------------------------------------------------------

class Trace:
    """events: ('g', seq, k, layer_begins) ('o', seq, site)
    ('w', seq, rank, first, k, before, after, seconds) ('r', seq, lo)."""

    def __init__(self):
        self.header = {}
        self.events = []
        self.ranks = {}     # rank -> (gate seconds, bytes sent)


def read_trace(path):
    t = Trace()
    try:
        f = open(path)
    except OSError as e:
        fail("%s: %s" % (path, e.strerror))
    with f:
        first = f.readline()
        if first.strip() != "tnemu-trace 1":
            fail("%s:1:1: not a tnemu trace (expected 'tnemu-trace 1')" % path)
        try:
            t.header = json.loads(f.readline())
        except ValueError:
            fail("%s:2:1: the header is not a JSON object" % path)
        ended = False
        for no, line in enumerate(f, 3):
            p = line.split()
            try:
                kind = p[0]
                if kind == "w":
                    k = int(p[4])
                    dims = [int(x) for x in p[5:5 + 2 * (k + 1)]]
                    t.events.append(("w", int(p[1]), int(p[2]), int(p[3]), k, dims[:k + 1], dims[k + 1:],
                                     float(p[5 + 2 * (k + 1)])))
                elif kind == "g":
                    t.events.append(("g", int(p[1]), int(p[2]), int(p[3])))
                elif kind == "o":
                    t.events.append(("o", int(p[1]), int(p[2])))
                elif kind == "r":
                    t.events.append(("r", int(p[1]), [int(x) for x in p[2:]]))
                elif kind == "p":
                    t.ranks[int(p[2])] = (float(p[3]), int(p[4]))
                elif kind == "end":
                    ended = True
                else:
                    raise ValueError
            except (ValueError, IndexError):
                fail("%s:%d:1: not a trace line: %s" % (path, no, line.strip()[:60]))
        if not ended:
            fail("%s: the trace ends early (no 'end' line)" % path)
    return t


def write_trace(t, path):
    tmp = path + ".tmp.%d" % os.getpid()
    with open(tmp, "w") as f:
        f.write("tnemu-trace 1\n%s\n" % json.dumps(t.header, separators=(",", ":")))
        for e in t.events:
            if e[0] == "w":
                f.write("w %d %d %d %d %s %s %.9f\n" % (e[1], e[2], e[3], e[4], " ".join(map(str, e[5])),
                                                         " ".join(map(str, e[6])), e[7]))
            elif e[0] == "g":
                f.write("g %d %d %d\n" % e[1:])
            elif e[0] == "o":
                f.write("o %d %d\n" % e[1:])
            elif e[0] == "r":
                f.write("r %d %s\n" % (e[1], " ".join(map(str, e[2]))))
        f.write("end\n")
    os.replace(tmp, path)


def structure_trace(circuit, run_args, tnemu):
    """The gate structure of circuit: a trace of tnemu at --chi 2 on one process."""
    if not os.access(tnemu, os.X_OK):
        fail("%s is not built (make)" % tnemu)
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "structure.trace")
        env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
        cmd = [tnemu, "run", circuit, "--chi", "2", "--shots", "0", "--seed", "1", "-q", "--trace", path,
               "-o", os.path.join(d, "r.json")] + run_args
        p = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
        if p.returncode != 0:
            fail("tnemu could not trace %s: %s" % (circuit, p.stderr.strip().splitlines()[-1:] or "?"))
        return read_trace(path)


def saturate(t, chi, gate_rank=2):
    """Replaces the bond dimensions of t by the saturating bond model at chi.
    A window's inner bond becomes the largest its gate can make it: at most
    chi; at most the outer bonds times 2^j; at most the old bond times the
    operator Schmidt rank r of what the window applies across it (a swap, every
    window of a gate but its last: 4; the gate itself: gate_rank, 2 for cx, cz,
    rzz and every controlled or ZZ-type gate; 4^min(j, k-j) for a k-qubit
    block); and at most 2^e, e the number of gates so far between a qubit left
    of the bond and one right of it (each adds at most one bit of entanglement
    across every cut that separates its qubits; swaps only move qubits, so
    this is what keeps a swap of unentangled qubits from growing a bond)."""
    n = t.header["qubits"]
    cap = chi if chi > 0 else 1 << 62
    bond = [1] * (n + 1)
    qubit_at = list(range(n))      # the sites' qubits; any labelling works
    site_of = list(range(n))
    adj = [dict() for _ in range(n)]   # qubit -> {partner: gates between them so far}
    crossing = [0] * (n + 1)       # crossing[b]: gates so far between a qubit left of bond b and one right of it
    ev = t.events
    events = []
    for i, e in enumerate(ev):
        if e[0] != "w":
            events.append(e)
            continue
        _, seq, rank, first, k, _, _, _ = e
        own = i + 1 == len(ev) or ev[i + 1][0] != "w"   # the gate's own window, not a swap
        if own:
            for x in range(k):
                for y in range(x + 1, k):   # sites first + x < first + y: bonds between them
                    qa, qb = qubit_at[first + x], qubit_at[first + y]
                    adj[qa][qb] = adj[qa].get(qb, 0) + 1
                    adj[qb][qa] = adj[qb].get(qa, 0) + 1
                    for b in range(first + x + 1, first + y + 1):
                        crossing[b] += 1
        elif k == 2:   # a swap: qubit a moves right across bond first + 1, qubit b left
            a, b = qubit_at[first], qubit_at[first + 1]
            delta = 0
            for q, sign in ((a, 1), (b, -1)):
                for p, c in adj[q].items():
                    if p == a or p == b:
                        continue
                    delta += sign * c if site_of[p] < first else -sign * c
            crossing[first + 1] += delta
            qubit_at[first], qubit_at[first + 1] = b, a
            site_of[a], site_of[b] = first + 1, first
        before = bond[first:first + k + 1]
        after = list(before)
        for j in range(1, k):
            s = first + j
            r = (gate_rank if k == 2 else 4 ** min(j, k - j)) if own else 4
            after[j] = min(cap, before[0] << j, before[k] << (k - j), before[j] * r,
                           1 << min(s, n - s, crossing[s], 62))
        bond[first:first + k + 1] = after
        events.append(("w", seq, rank, first, k, before, after, 0.0))
    out = Trace()
    out.header = dict(t.header, chi=chi, synthetic=True)
    out.events = events
    return out


# ---- memory ---------------------------------------------------------------------

def eigen_rows(before):
    """Rows of a window's Gram matrix: the columns of theta, the side the
    Vidal-form split works on (tensor/tsvd.c splits theta^dagger), which a
    team solves on its grid from --scalapack-min rows on."""
    k = len(before) - 1
    return (1 << (k - 1)) * before[k]


BUFFERS = ("block", "scratch", "transpose", "gram", "eigen", "kept", "vectors", "passes", "svd_u", "svd_vt",
           "svd_work")
GRAM_MIN_DIM = 96             # tensor/tsvd.h TSVD_GRAM_MIN_DIM: smaller splits may take the SVD


def window_buffers(before, after, chi):
    """Bytes of each scratch buffer a window update needs (src/mps_gates.c
    contract_block and split_block_vidal, tensor/tsvd.c's Gram split): theta
    and its weighted copy (R x C each, R = 2 chi_l rows, C the columns), the
    conjugate transpose of a theta that is not square (a square one is
    transposed in place), the Gram matrix of the C side, the eigensolver's
    tridiagonal vectors and real workspace (C^2 doubles each), the kept
    eigenvectors (C x min(chi, C)) and V_k^dagger where it does not fit in
    the transpose's place (more directions than rows); from GRAM_MIN_DIM on,
    a later Gram pass's R factor, remainder and projections (3 C x
    min(chi, C), counted always: whether a split needs a second pass depends
    on its spectrum, and a plan must not say a run fits that does not); a split with a side
    under GRAM_MIN_DIM may take the SVD (zgesdd on a copy in the transpose's
    buffer, U, V^dagger and its workspace). Buffers only grow, so
    a rank holds each one's largest (tests/scaling_sim.t checks the sum
    against the engine's own ledger, peak_tensor_bytes)."""
    k = len(before) - 1
    rows, cols = 2 * before[0], (1 << (k - 1)) * before[k]
    kept = max(after[1:k]) if k > 1 else 1
    limit = min(chi, cols) if chi else cols
    r, svd = min(rows, cols), min(rows, cols) < GRAM_MIN_DIM
    return {"block": 16 * rows * cols, "scratch": 16 * rows * cols,
            "transpose": 16 * rows * cols if rows != cols or svd else 0,
            "gram": 16 * cols * cols, "eigen": 16 * cols * cols, "kept": 16 * cols * limit,
            "vectors": 16 * kept * cols if kept > rows else 0,
            "passes": 3 * 16 * limit * max(rows, cols) if not svd else 0,
            "svd_u": 16 * rows * r if svd else 0, "svd_vt": 16 * r * cols if svd else 0,
            "svd_work": 16 * (r * r + 2 * r + max(rows, cols)) if svd else 0}


SCAL_BLOCK = 64               # mpi/scalapack_grid.h: the grid's block-cyclic block size


def numroc(n, nprocs, iproc=0):
    """ScaLAPACK's NUMROC: rows or columns of an n-long dimension in blocks of
    SCAL_BLOCK on grid row or column iproc of nprocs (0 holds the most)."""
    blocks = n // SCAL_BLOCK
    num = (blocks // nprocs) * SCAL_BLOCK
    extra = blocks % nprocs
    if iproc < extra:
        num += SCAL_BLOCK
    elif iproc == extra:
        num += n % SCAL_BLOCK
    return num


def team_grid(team):
    """The team's grid, the squarest pr x pc = team (mpi/scalapack.c)."""
    pr = max(d for d in range(1, team + 1) if d * d <= team and team % d == 0)
    return pr, team // pr


def team_window_bytes(before, after, team):
    """Bytes one rank of a team holds while its grid splits a two-site Vidal
    window whole (mpi/scal_window.c), at their largest: theta's two blocks
    (chi_l x C each, C = 2 chi_r) and the eigenvectors (C x C) throughout; on
    top, the sites spread over the grid while theta is formed, or the
    weighted theta, the Gram matrix and pzheevd's workspaces, or (where one
    Gram pass cannot resolve what is kept) the grid's SVD: the stacked
    theta, V^dagger and pzgesvd's workspace (bounded), or the kept vectors,
    their transpose and the new left part. Each matrix as the grid's rank 0
    holds it (the most of any rank), allocated lld x local columns."""
    pr, pc = team_grid(team)
    chil, c, chir = before
    k = after[1]
    rows, C = 2 * chil, 2 * chir

    def loc(m, n):
        return max(1, numroc(m, pr)) * max(1, numroc(n, pc))
    np_, nq = numroc(C, pr), numroc(C, pc)
    lld = max(1, np_)
    heevd = (16 * (C + (np_ + nq + SCAL_BLOCK) * SCAL_BLOCK + 1)
             + 8 * ((2 + 9 * C + 3 * np_ * nq) + (1 + 9 * C + 3 * lld * max(1, nq) + lld * (SCAL_BLOCK + max(1, nq))
                                                     + 2 * C))
             + 4 * (7 * C + 8 * pc + 3))
    small, big = min(rows, C), max(rows, C)
    svd = (16 * (2 * loc(chil, C) + loc(rows, C) + loc(small, C) + loc(C, k)
                 + 2 * big + small * (-(-C // pc) + 4 * SCAL_BLOCK)) + 8 * (1 + 4 * big))
    always = 16 * (2 * loc(chil, C) + loc(C, C))
    phases = (16 * (2 * loc(chil, c) + loc(c, C)),                       # forming theta
              16 * (2 * loc(chil, C) + loc(C, C)) + heevd,                 # the Gram matrix and its eigensolve
              svd,                                                         # or the grid's SVD
              16 * (loc(C, k) + loc(k, C) + loc(chil, k)))                 # the new sites
    return always + max(phases)


def team_window_moved(before, after):
    """Bytes a grid window moves between the leader and the grid: the two
    sites spread over it and the two new ones back."""
    chil, c, chir = before
    k = after[1]
    return 16 * (2 * chil * c + c * 2 * chir + k * 2 * chir + 2 * chil * k)


def grid_block_bytes(rows, team):
    """Bytes of each team rank's part of a distributed eigensolve of rows x
    rows (mpi/scalapack.c: its blocks of the matrix and of the vectors, and
    pzheevd's workspaces, about 5 more blocks' worth)."""
    block = -(-rows // team) * rows
    return 16 * 7 * block


# ---- the machine ----------------------------------------------------------------

class Machine:
    def __init__(self, d):
        self.d = d
        self.cores = int(d.get("cores_per_node", 1))
        rates = sorted((float(c), float(g)) for c, g in d["gate_rates"])
        self.rate_x = [math.log(c) for c, _ in rates]
        self.rate_y = [math.log(g * 1e9) for _, g in rates]
        self.lat = float(d["latency_s"])
        self.bw = float(d["bandwidth_Bps"])
        self.lat_in = float(d.get("intra_latency_s", self.lat))
        self.bw_in = float(d.get("intra_bandwidth_Bps", self.bw))
        self.thread_eff = float(d.get("thread_efficiency", 0.9))
        self.blas_eff = float(d.get("blas_thread_efficiency", 0.6))
        self.scal_eff = float(d.get("scalapack_efficiency", 0.5))
        self.one_site_rate = float(d.get("one_site_gflops", 1.0)) * 1e9

    def rate(self, size):
        """Flop rate of a Vidal gate of equivalent bond dimension size (log-log interpolation)."""
        x = math.log(max(size, 1.0))
        xs, ys = self.rate_x, self.rate_y
        if x <= xs[0]:
            return math.exp(ys[0])
        if x >= xs[-1]:
            return math.exp(ys[-1])
        i = bisect.bisect_right(xs, x)
        f = (x - xs[i - 1]) / (xs[i] - xs[i - 1])
        return math.exp(ys[i - 1] + f * (ys[i] - ys[i - 1]))


def read_machine(path):
    try:
        with open(path) as f:
            d = json.load(f)
    except OSError as e:
        fail("--machine %s: %s" % (path, e.strerror))
    except ValueError as e:
        fail("--machine %s: not JSON (%s)" % (path, e))
    for key in ("gate_rates", "latency_s", "bandwidth_Bps"):
        if key not in d:
            fail("--machine %s: no '%s'" % (path, key))
    return Machine(d)


def window_flops(before, after):
    """Real flops of a window update (scripts/bench-gate.c's count, any bonds):
    per cut, right to left, contraction, Gram (ZHERK), tridiagonal reduction,
    back-transformation and the projection of the left part. Returns
    (total, split part)."""
    k = len(before) - 1
    chil, chir = before[0], before[k]
    contract = 0.0
    for j in range(1, k):   # the block so far (chil 2^j x before[j]) times site first + j
        contract += 8.0 * (chil << j) * before[j] * 2 * before[j + 1]
    contract += 8.0 * (1 << (2 * k)) * chil * chir   # the gate on the block
    split = 0.0
    right = chir
    for j in range(k - 1, 0, -1):
        rows, cols, kept = chil << j, 2 * right, after[j]
        n = min(rows, cols)
        split += 4.0 * n * n * max(rows, cols) + 16.0 / 3 * n ** 3 + 8.0 * n * n * kept + 8.0 * rows * kept * cols
        right = kept
    return contract + split, split


# ---- the replay -----------------------------------------------------------------

def by_layers(events):
    """1 if tnemu scheduled these gates by layers (src/schedule.c: Vidal form and no
    swaps, i.e. every multi-qubit gate is one window)."""
    prev = None
    for e in events:
        if e[0] == "w" and prev != "g":
            return False
        prev = e[0]
    return True


def ordered_events(events, spans, distributed):
    """The events in the order a group's ranks meet them. Going by layers,
    tnemu applies a layer's gates that span two segments first (src/schedule.c
    before()), so the order depends on the partition: each run of gates
    between one-qubit gates and layer marks is reordered here, lazily, with
    the partition of the moment (spans(w) asks it; a rebalance at the run's
    first gate changes it for the rest)."""
    if not distributed or not by_layers(events):
        yield from events
        return
    i = 0
    while i < len(events):
        if events[i][0] != "g":
            yield events[i]
            i += 1
            continue
        j = i + 2
        while j < len(events) and events[j][0] == "g" and not events[j][3]:
            j += 2
        pairs = [(events[x], events[x + 1]) for x in range(i, j, 2)]
        mark = pairs[0][0][3]
        first = True
        while pairs:
            pick = next((x for x in range(len(pairs)) if spans(pairs[x][1])), 0)
            g, w = pairs.pop(pick)
            yield ("g", g[1], g[2], mark if first else 0)
            first = False
            yield w
        i = j

def simulate(t, ranks, threads=1, team=1, machine=None, rpn=None, times="trace", schedule=False, layer_threads=False,
             protocol="async"):
    if t.header.get("form") != "vidal":
        fail("the trace is of the centre form (--canonical center): only the Vidal form is modelled")
    if ranks < 1 or team < 1 or ranks % team:
        fail("--ranks must be a multiple of --team-size (both at least 1)")
    trace_team = int(t.header.get("team_size", 1))   # recorded by a team run: its window seconds include the grid
    if trace_team > 1 and times == "trace" and team != trace_team:
        fail("the trace was recorded with teams of %d ranks, whose grid its window times include: replay it with "
             "--team-size %d, or with --times model" % (trace_team, trace_team))
    n = t.header["qubits"]
    P = ranks // team                       # segments: one per team
    rpn = rpn or max(1, (machine.cores if machine else 1) // max(threads, 1))
    vidal_extra = 8
    lo = part_even(n, P)
    bond = [1] * (n + 1)
    clock = [0.0] * P
    busy = [0.0] * P
    sent = [0] * P
    nwin = [0] * P
    pending = [[] for _ in range(P)]        # per segment: costs of local windows of this layer
    state = [0] * P
    peak_state = [0] * P
    peak_work = [0] * P
    bufs = [dict.fromkeys(BUFFERS, 0) for _ in range(P)]   # per segment: each buffer's largest so far
    chi_limit = int(t.header.get("chi") or 0)
    grid = [0] * P          # per segment: each team rank's block of the ScaLAPACK eigensolve
    workspaces = threads if layer_threads else 1   # layer threads: one set of buffers each
    scalapack_min = int(t.header.get("scalapack_min", SCALAPACK_MIN))
    since = 0
    boundary = 0
    asynchronous = protocol == "async"
    site_ready = [0.0] * n   # async: when a lent site is back with its owner
    rebalances = []
    workers = [] if schedule else None

    def site_bytes(s):
        return 16 * 2 * bond[s] * bond[s + 1] + vidal_extra * bond[s]

    for s in range(n):
        state[part_owner(lo, P, s)] += site_bytes(s)
    peak_state = list(state)
    for r in range(1, P):   # mps_create_group agrees on its allocations: one reduction of one double
        sent[r] += 8
        sent[0] += 8

    def link(a, b):
        # team leaders a*team, b*team; same node when on the same node
        same = (a * team) // rpn == (b * team) // rpn
        if machine is None:
            return 0.0, float("inf")
        return (machine.lat_in, machine.bw_in) if same else (machine.lat, machine.bw)

    def transfer(a, b, nbytes):
        lat, bw = link(a, b)
        return lat + nbytes / bw

    def flush(r):
        costs = pending[r]
        if not costs:
            return
        pending[r] = []
        if threads <= 1:
            span = sum(costs)
        elif P > 1 and not layer_threads:   # threads inside each gate (BLAS), the model without --layer-threads
            span = sum(costs) / (1 + (threads - 1) * (machine.blas_eff if machine else 1.0))
        elif len(costs) >= threads:
            free = [0.0] * threads
            for c in costs:   # dynamic schedule, gates in order
                i = free.index(min(free))
                free[i] += c
            span = max(free) / (machine.thread_eff if machine else 1.0)
        else:
            per = threads / len(costs)
            speed = 1 + (per - 1) * (machine.blas_eff if machine else 1.0)
            span = max(costs) / speed
        clock[r] += span
        busy[r] += span

    def cost_of(before, after, seconds):
        flops, split = window_flops(before, after)
        if times == "trace" and seconds > 0:
            c = seconds
            if trace_team > 1:              # measured on the team's grid already
                return c
        else:
            size = (flops / 170.7) ** (1.0 / 3)
            c = flops / machine.rate(size)
        if team > 1 and len(before) == 3 and eigen_rows(before) >= scalapack_min:   # the whole window on the grid
            return c / (team * (machine.scal_eff if machine else 1.0)) \
                + (team_window_moved(before, after) / machine.bw_in if machine else 0)
        if team > 1 and eigen_rows(before) >= scalapack_min:
            frac = split / flops if flops > 0 else 0
            nb = 16.0 * (2 * before[0]) * (2 * before[-1])
            c = c * (1 - frac) + c * frac / (team * (machine.scal_eff if machine else 1.0)) \
                + (2 * nb / machine.bw_in if machine else 0)
        return c

    def rebalance():
        nonlocal lo, state
        for r in range(P):
            flush(r)
        tsync = max(clock + site_ready)     # mps_settle first: every lent site home
        cost = [float(bond[s]) * bond[s + 1] * (bond[s] + bond[s + 1]) for s in range(n)]
        red = 8 * n
        for r in range(1, P):
            sent[r] += red
            sent[0] += red
        tsync += 2 * (P - 1) * (transfer(0, 1, red) if P > 1 else 0)
        moved = [0.0] * P
        if part_imbalance(n, P, cost, lo) > REBALANCE_THRESHOLD_VIDAL:
            new = part_balanced(n, P, cost)
            for s in range(n):
                a, b = part_owner(lo, P, s), part_owner(new, P, s)
                if a == b:
                    continue
                nb = 8 + site_bytes(s)
                sent[a] += nb
                dt = transfer(a, b, nb)
                moved[a] += dt
                moved[b] += dt
                state[a] -= site_bytes(s)
                state[b] += site_bytes(s)
            lo = new
            rebalances.append([seq, list(lo)])
        tsync += max(moved)
        for r in range(P):
            clock[r] = tsync

    def spans(w):
        return any(part_owner(lo, P, w[3] + j) != part_owner(lo, P, w[3]) for j in range(1, w[4]))

    seq = 0
    for e in ordered_events(t.events, spans, P > 1):
        kind = e[0]
        seq = e[1]
        if kind == "g":
            since += 1
            layer_begins = e[3]
            if layer_begins:
                for r in range(P):
                    flush(r)
            due = since >= REBALANCE_EVERY_VIDAL and layer_begins
            if due:
                since = 0
                if P > 1:
                    rebalance()
        elif kind == "o":
            s = e[2]
            r = part_owner(lo, P, s)
            if asynchronous and site_ready[s] > clock[r]:   # a lent site: taken back first (mps_reclaim_site)
                flush(r)
                clock[r] = max(clock[r], site_ready[s])
            c = 32.0 * bond[s] * bond[s + 1] / (machine.one_site_rate if machine else 1e9)
            clock[r] += c
            busy[r] += c
        elif kind == "w":
            _, _, _, first, k, before, after, seconds = e
            bond[first:first + k + 1] = before   # the trace's (or the model's) bonds before
            w = part_owner(lo, P, first)
            c = cost_of(before, after, seconds)
            nwin[w] += 1
            if workers is not None:
                workers.append([seq, w * team])
            lenders = sorted({part_owner(lo, P, first + j) for j in range(1, k)} - {w})
            old = [site_bytes(first + j) for j in range(k)]
            bond[first:first + k + 1] = after
            new = [site_bytes(first + j) for j in range(k)]
            if not lenders:
                if asynchronous:
                    ready = max(site_ready[first:first + k])
                    if ready > clock[w]:
                        flush(w)
                        clock[w] = ready
                pending[w].append(c)
                state[w] += sum(new) - sum(old)
            elif asynchronous:   # lenders post their sites and go on; they wait only to use them again
                boundary += 1
                flush(w)
                start = max([clock[w]] + site_ready[first:first + k])
                for o in lenders:
                    flush(o)
                    mine = [j for j in range(1, k) if part_owner(lo, P, first + j) == o]
                    nb = sum(8 + old[j] for j in mine)
                    sent[o] += nb
                    post = max([clock[o]] + [site_ready[first + j] for j in mine])
                    start = max(start, post + transfer(o, w, nb))
                    clock[o] = post + link(o, w)[0]
                end = start + c
                busy[w] += c
                clock[w] = end
                for o in lenders:
                    mine = [j for j in range(1, k) if part_owner(lo, P, first + j) == o]
                    nb = sum(8 + new[j] for j in mine)
                    sent[w] += nb
                    clock[w] += link(w, o)[0]
                    for j in mine:
                        site_ready[first + j] = end + transfer(w, o, nb)
                for j in range(k):
                    o = part_owner(lo, P, first + j)
                    state[o] += new[j] - old[j]
            else:
                boundary += 1
                flush(w)
                for o in lenders:
                    flush(o)
                start = clock[w]
                for o in lenders:
                    nb = sum(8 + old[j] for j in range(1, k) if part_owner(lo, P, first + j) == o)
                    sent[o] += nb
                    start = max(start, max(clock[o], clock[w]) + transfer(o, w, nb))
                end = start + c
                busy[w] += c
                back = end
                for o in lenders:
                    nb = sum(8 + new[j] for j in range(1, k) if part_owner(lo, P, first + j) == o)
                    sent[w] += nb
                    back += transfer(w, o, nb)
                    clock[o] = back
                clock[w] = back
                for j in range(k):
                    o = part_owner(lo, P, first + j)
                    state[o] += new[j] - old[j]
            if team > 1 and k == 2 and eigen_rows(before) >= scalapack_min:   # split whole on the grid
                grid[w] = max(grid[w], team_window_bytes(before, after, team))
            else:
                for name, nbytes in window_buffers(before, after, chi_limit).items():
                    bufs[w][name] = max(bufs[w][name], nbytes)
                if team > 1 and eigen_rows(before) >= scalapack_min:
                    grid[w] = max(grid[w], grid_block_bytes(eigen_rows(before), team))
            # the worker holds the lent sites while it works on them (src/mps.c recv_site)
            held = sum(max(old[j], new[j]) for j in range(1, k) if part_owner(lo, P, first + j) != w)
            for r in {w, *lenders}:
                if state[r] > peak_state[r]:
                    peak_state[r] = state[r]
                buffers = workspaces * sum(bufs[r].values())
                peak_work[r] = max(peak_work[r], state[r] + buffers + grid[r] + (held if r == w else 0))
    for r in range(P):
        flush(r)
    total = max(clock + site_ready) if clock else 0.0   # mps_settle at the end of the gates

    def per_rank(v, members=None):   # team members share their segment's numbers (members: theirs)
        out = []
        for r in range(P):
            out += [v[r]] + [v[r] if members is None else members[r]] * (team - 1)
        return out

    memory = [max(a, b) for a, b in zip(peak_state, peak_work)]
    res = {
        "ranks": ranks, "threads": threads, "team_size": team, "segments": P, "ranks_per_node": rpn,
        "protocol": protocol,
        "times": times, "qubits": n, "chi": t.header.get("chi"),
        "predicted_seconds": total,
        "memory_per_rank_bytes": per_rank(memory, grid),
        "state_bytes_per_rank": per_rank(peak_state, [0] * P),
        "bytes_sent_per_rank": per_rank(sent),
        "compute_seconds_per_rank": per_rank(busy),
        "idle_seconds_per_rank": per_rank([total - b for b in busy]),
        "windows_per_rank": per_rank(nwin),
        "boundary_windows": boundary,
        "rebalances": rebalances,
        "final_partition": lo,
    }
    if workers is not None:
        res["schedule"] = workers
    return res


def main(argv):
    ap = argparse.ArgumentParser(prog="scaling-sim.py", description=__doc__.split("\n")[0])
    ap.add_argument("trace", nargs="?")
    ap.add_argument("--ranks", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--team-size", type=int, default=1)
    ap.add_argument("--ranks-per-node", type=int, default=0)
    ap.add_argument("--machine")
    ap.add_argument("--times", choices=["trace", "model"])
    ap.add_argument("--synthetic", metavar="CIRCUIT")
    ap.add_argument("--chi", type=int, default=0)
    ap.add_argument("--gate-rank", type=int, default=2, choices=[2, 4],
                    help="operator Schmidt rank of the circuit's two-qubit gates (--synthetic; 2: cx, cz, rzz)")
    ap.add_argument("--run-args", default="", help="extra tnemu run options for --synthetic (e.g. --order auto)")
    ap.add_argument("--tnemu", default=os.path.join(ROOT, "build", "tnemu"))
    ap.add_argument("--write-trace", metavar="FILE")
    ap.add_argument("--schedule", action="store_true", help="also print the rank computing each window")
    ap.add_argument("--protocol", choices=["blocking", "async"], default="async",
                    help="async: a rank lending sites posts them and goes on, waiting only when it needs them "
                         "again (tnemu's lazy returns, src/mps.c); blocking: it waits until they are back "
                         "(tnemu with TNEMU_BLOCKING_LENDERS set, and before lazy returns)")
    ap.add_argument("--layer-threads", action="store_true",
                    help="threads of a rank of a group run its gates of a layer (tnemu does: src/mps_gates.c "
                         "mps_apply_layer); without it, threads are modelled as acting through BLAS inside each gate")
    a = ap.parse_args(argv)
    if (a.trace is None) == (a.synthetic is None):
        fail("give a TRACE or --synthetic CIRCUIT (one of them)")
    if a.synthetic and not 1 <= a.chi <= 1 << 20:
        fail("--synthetic needs --chi N with 1 <= N <= 1048576")
    for name, v, top in (("--ranks", a.ranks, 1 << 20), ("--threads", a.threads, 4096),
                         ("--team-size", a.team_size, 1 << 20), ("--ranks-per-node", a.ranks_per_node, 1 << 16)):
        if not (name == "--ranks-per-node" and v == 0) and not 1 <= v <= top:
            fail("%s: %d is out of range (1 to %d)" % (name, v, top))
    if a.ranks % a.team_size:
        fail("--ranks %d is not a multiple of --team-size %d" % (a.ranks, a.team_size))
    if a.synthetic:
        t = saturate(structure_trace(a.synthetic, a.run_args.split(), a.tnemu), a.chi, a.gate_rank)
    else:
        t = read_trace(a.trace)
    if a.write_trace:
        write_trace(t, a.write_trace)
        return 0
    times = a.times or ("model" if (a.machine or a.synthetic) else "trace")
    machine = read_machine(a.machine or DEFAULT_MACHINE) if (times == "model" or a.machine or
                                                                os.path.exists(DEFAULT_MACHINE)) else None
    res = simulate(t, a.ranks, a.threads, a.team_size, machine, a.ranks_per_node or None, times, a.schedule,
                   a.layer_threads, a.protocol)
    print(json.dumps(res))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
