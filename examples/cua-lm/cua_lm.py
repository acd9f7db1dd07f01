#!/usr/bin/python3
"""cua_lm.py - the CUA experiment (arXiv:2605.05914) in miniature, end to end:

  1. a small character-level causal language model learns the Old Testament
     (King James Version, read from Debian's bible-kjv packages);
  2. Cayley unitary adapters (tnemu.torch.CayleyAdapter) go in front of its
     projection layers and are fine-tuned classically (mode "exact") on the
     New Testament, base weights frozen; once with 2-qubit and once with
     3-qubit blocks;
  3. held-out New Testament chapters are scored four ways: base model,
     adapters exact, adapters emulated by libtnemu on IBM's 156-qubit Heron
     ibm_fez with its calibration (8,192 shots per circuit, signs restored
     from the exact U x as on hardware) with k = 2 and k = 3, and the k = 2
     adapters again at several noise scales.

Writes results.json (perplexities, circuits per sequence, times) and
noise.png (perplexity against noise scale). `make cua-lm` runs it with the
defaults (a 0.4M-parameter model, minutes on 2 cores); --size large and more
ranks (srun -n P, with python3-mpi4py) are for a cluster: README.md here.

Not for: the model (model.py), the corpus (corpus.py), the layers (python/tnemu/torch.py).
"""
import argparse
import json
import math
import os
import sys
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
CHECKOUT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
if os.path.isdir(os.path.join(CHECKOUT, "python", "tnemu")) and "tnemu" not in sys.modules:
    sys.path.insert(1, os.path.join(CHECKOUT, "python"))   # the checkout's package unless one is installed first

import corpus  # noqa: E402
import parallel  # noqa: E402
from model import CharLM  # noqa: E402
import tnemu.torch  # noqa: E402

SIZES = {   # d_model, layers, heads, context, base steps, adapter steps, batch
    "small": dict(d_model=128, layers=2, heads=4, context=64, steps=1000, tune_steps=200, batch=32),
    "large": dict(d_model=512, layers=6, heads=8, context=256, steps=20000, tune_steps=3000, batch=64),
}


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--size", choices=sorted(SIZES), default="small")
    p.add_argument("--steps", type=int, help="base training steps (default: by size)")
    p.add_argument("--tune-steps", type=int, help="adapter fine-tuning steps per block size (default: by size)")
    p.add_argument("--sites", default="qkv,mlp_fc", help="projections that get adapters (of model.SITES)")
    p.add_argument("--eval-seqs", type=int, default=4, help="held-out sequences scored by emulation")
    p.add_argument("--eval-full-seqs", type=int, default=256, help="held-out sequences scored classically")
    p.add_argument("--shots", type=int, default=8192)
    p.add_argument("--trajectories", type=int, default=32, help="noise trajectories per circuit")
    p.add_argument("--noise-scales", default="0,0.5,1,2", help="noise scales of the k = 2 sweep")
    p.add_argument("--k3-noise-scales", default="1", help="noise scales of the k = 3 runs")
    p.add_argument("--data", default=os.environ.get("TNEMU_SHARED_DATA", os.path.join(CHECKOUT, "..", "shared", "data")),
                   help="the shared data folder (ibm-backends/fez inside)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", default=os.path.join(HERE, "results.json"))
    p.add_argument("--plot", default=os.path.join(HERE, "noise.png"))
    p.add_argument("--table", metavar="RESULTS", help="only print the perplexity table of a results.json")
    return p.parse_args(argv)


def encode(text, stoi):
    return torch.tensor([stoi[c] for c in text], dtype=torch.long)


def batches(ids, batch, context, gen):
    starts = torch.randint(0, len(ids) - context - 1, (batch,), generator=gen)
    x = torch.stack([ids[s:s + context] for s in starts])
    y = torch.stack([ids[s + 1:s + context + 1] for s in starts])
    return x, y


def train(model, params, ids, steps, lr, batch, context, seed, label):
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.0)
    gen = torch.Generator().manual_seed(seed)
    warm = max(steps // 20, 1)
    t0 = time.time()
    for step in range(steps):
        scale = (step + 1) / warm if step < warm else 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * (step - warm) / max(steps - warm, 1)))
        for group in opt.param_groups:
            group["lr"] = lr * scale
        x, y = batches(ids, batch, context, gen)
        loss = model.loss(x, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 200 == 0 or step == steps - 1:
            parallel.say("%s: step %d/%d, loss %.3f, %.0f s" % (label, step + 1, steps, loss.item(), time.time() - t0))
    return time.time() - t0


def held_out_sequences(ids, context, count):
    n = min(count, (len(ids) - 1) // (context + 1))
    seqs = ids[:n * (context + 1)].view(n, context + 1)
    return seqs[:, :-1], seqs[:, 1:]


@torch.no_grad()
def perplexity(model, x, y, chunk=64):
    total, count = 0.0, 0
    for i in range(0, len(x), chunk):
        logits = model(x[i:i + chunk])
        total += torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), y[i:i + chunk].reshape(-1),
                                                   reduction="sum").item()
        count += y[i:i + chunk].numel()
    return math.exp(total / count)


def emulated(model, adapters, x, y, noise_scale):
    """Perplexity of x with every adapter emulated on the device; circuits per sequence; seconds."""
    for a in adapters:
        a.mode, a.noise_scale = "emulated", noise_scale
        a.reset_counts()
    t0 = time.time()
    ppl = perplexity(model, x, y, chunk=len(x))
    seconds = time.time() - t0
    circuits = sum(a.circuits_run for a in adapters)
    errors = [a.last_mean_error for a in adapters]
    for a in adapters:
        a.mode = "exact"
    return {"noise_scale": noise_scale, "perplexity": ppl, "circuits": circuits,
            "circuits_per_sequence": circuits / len(x), "seconds": seconds,
            "mean_relative_error": sum(errors) / len(errors)}


def adapter_experiment(model, k, args, cfg, fez, tune_ids, full, sub, scales):
    """Fine-tunes k-qubit adapters, scores them exactly and emulated; removes them."""
    sites = [s.strip() for s in args.sites.split(",") if s.strip()]
    counter = iter(range(1000))

    def make(in_features):
        return tnemu.torch.CayleyAdapter(in_features, k, device=fez["conf"], noise=fez["props"], shots=args.shots,
                                         trajectories=args.trajectories, seed=1 + 100003 * next(counter))
    adapters = model.insert_adapters(sites, make)
    params = [a.generators for a in adapters]
    seconds = train(model, params, tune_ids, cfg["tune_steps"], 1e-2, cfg["batch"], cfg["context"], args.seed + k,
                    "adapters k=%d" % k)
    out = {"block_qubits": k, "sites": sites, "adapters": len(adapters),
           "parameters": sum(p.numel() for p in params), "train_seconds": seconds,
           "exact_full": perplexity(model, *full), "exact": perplexity(model, *sub), "emulated": []}
    parallel.say("adapters k=%d exact: %.4f (subset %.4f)" % (k, out["exact_full"], out["exact"]))
    for s in scales:
        point = emulated(model, adapters, *sub, s)
        parallel.say("adapters k=%d emulated, noise scale %g: perplexity %.4f, %d circuits per sequence, %.0f s" %
                     (k, s, point["perplexity"], point["circuits_per_sequence"], point["seconds"]))
        out["emulated"].append(point)
    model.remove_adapters()
    return out


def at_scale(points, scale):
    return next(p for p in points if p["noise_scale"] == scale)


def table(r):
    """The perplexity table of a results.json, as Markdown."""
    k2, k3 = r["k2"], r["k3"]
    rows = [("base model", r["base"], r["held_out_full"]["base"], "", ""),
            ("adapters, exact (k = 2)", r["adapters_exact"], r["held_out_full"]["adapters_exact"], "", ""),
            ("adapters, exact (k = 3)", r["adapters_exact_k3"], r["held_out_full"]["adapters_exact_k3"], "", "")]
    for k, res in ((2, k2), (3, k3)):
        for p in sorted(res["emulated"], key=lambda p: p["noise_scale"]):
            rows.append(("adapters emulated on ibm_fez, k = %d, noise x %g" % (k, p["noise_scale"]), p["perplexity"], None,
                         "%.0f" % p["circuits_per_sequence"], "%.3f" % p["mean_relative_error"]))
    lines = ["| | perplexity, %d sequences | %d sequences | circuits per sequence | piece error |" %
             (r["evaluated_sequences"], r["held_out_full"]["sequences"]), "|---|---|---|---|---|"]
    for name, sub, full, circ, err in rows:
        lines.append("| %s | %.4f | %s | %s | %s |" % (name, sub, "%.4f" % full if full else "", circ, err))
    return "\n".join(lines)


def main(argv):
    args = parse_args(argv)
    if args.table:
        with open(args.table) as f:
            print(table(json.load(f)))
        return 0
    cfg = dict(SIZES[args.size])
    if args.steps is not None:
        cfg["steps"] = args.steps
    if args.tune_steps is not None:
        cfg["tune_steps"] = args.tune_steps
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    fez_dir = os.path.join(args.data, "ibm-backends", "fez")
    fez = {"conf": os.path.abspath(os.path.join(fez_dir, "conf_fez.json")),
           "props": os.path.abspath(os.path.join(fez_dir, "props_fez.json"))}
    if not all(os.path.exists(f) for f in fez.values()):
        raise SystemExit("cua-lm: the ibm_fez calibration is not in %s (give --data or TNEMU_SHARED_DATA)" % fez_dir)
    started = time.time()
    base_text, tune_text, held_text = corpus.split(corpus.read_verses())
    chars = sorted(set(base_text + tune_text + held_text))
    stoi = {c: i for i, c in enumerate(chars)}
    model = CharLM(len(chars), cfg["d_model"], cfg["layers"], cfg["heads"], cfg["context"])
    nparams = sum(p.numel() for p in model.parameters())
    parallel.say("model: %d parameters, vocabulary %d; base text %d, tuning %d, held-out %d characters" %
                 (nparams, len(chars), len(base_text), len(tune_text), len(held_text)))
    base_seconds = parallel.train_on_rank0(
        model, lambda: train(model, list(model.parameters()), encode(base_text, stoi), cfg["steps"], 3e-3,
                             cfg["batch"], cfg["context"], args.seed, "base"))
    for p in model.parameters():
        p.requires_grad_(False)
    held = encode(held_text, stoi)
    full = held_out_sequences(held, cfg["context"], args.eval_full_seqs)
    step = max(len(full[0]) // args.eval_seqs, 1)
    sub = (full[0][::step][:args.eval_seqs], full[1][::step][:args.eval_seqs])
    base_full, base_sub = perplexity(model, *full), perplexity(model, *sub)
    parallel.say("base: %.4f (subset %.4f)" % (base_full, base_sub))
    tune_ids = encode(tune_text, stoi)
    scales2 = [float(s) for s in args.noise_scales.split(",")]
    scales2 = scales2 if 1.0 in scales2 else scales2 + [1.0]
    scales3 = [float(s) for s in args.k3_noise_scales.split(",")]
    scales3 = scales3 if 1.0 in scales3 else scales3 + [1.0]
    k2 = adapter_experiment(model, 2, args, cfg, fez, tune_ids, full, sub, scales2)
    k3 = adapter_experiment(model, 3, args, cfg, fez, tune_ids, full, sub, scales3)
    results = {
        "base": base_sub, "adapters_exact": k2["exact"], "adapters_exact_k3": k3["exact"],
        "emulated_k2": at_scale(k2["emulated"], 1.0)["perplexity"],
        "emulated_k3": at_scale(k3["emulated"], 1.0)["perplexity"],
        "circuits_per_sequence": at_scale(k2["emulated"], 1.0)["circuits_per_sequence"],
        "circuits_per_sequence_k3": at_scale(k3["emulated"], 1.0)["circuits_per_sequence"],
        "held_out_full": {"sequences": len(full[0]), "base": base_full, "adapters_exact": k2["exact_full"],
                          "adapters_exact_k3": k3["exact_full"]},
        "evaluated_sequences": len(sub[0]), "sequence_length": cfg["context"],
        "device": "ibm_fez (156-qubit Heron r2), calibration " + fez["props"], "shots_per_circuit": args.shots,
        "trajectories_per_circuit": args.trajectories,
        "model": dict(cfg, parameters=nparams, vocabulary=len(chars), size=args.size, base_train_seconds=base_seconds),
        "corpus": "King James Version of the Bible (public domain), Debian packages bible-kjv-text and bible-kjv; "
                  "base: Old Testament, adapters: New Testament less every 10th chapter, evaluated on those",
        "k2": k2, "k3": k3, "ranks": parallel.size(),
        "wall_seconds": time.time() - started, "command": " ".join([os.path.basename(sys.argv[0])] + list(argv)),
    }
    if parallel.rank() == 0:
        write_json(args.out, results)
        plot(args.plot, results)
        parallel.say("wrote %s and %s in %.0f s" % (args.out, args.plot, results["wall_seconds"]))
        print(table(results))
    return 0


def write_json(path, obj):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f, indent=1)
        f.write("\n")
    os.replace(tmp, path)


def plot(path, r):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6, 4))
    for k, mark in (("k2", "o-"), ("k3", "s-")):
        pts = sorted(r[k]["emulated"], key=lambda p: p["noise_scale"])
        ax.plot([p["noise_scale"] for p in pts], [p["perplexity"] for p in pts], mark,
                label="adapters emulated, %d-qubit blocks" % r[k]["block_qubits"])
    ax.axhline(r["base"], color="gray", ls="--", label="base model")
    ax.axhline(r["adapters_exact"], color="green", ls=":", label="adapters exact (k = 2)")
    ax.set_xlabel("noise scale (1 = ibm_fez as calibrated)")
    ax.set_ylabel("held-out perplexity (characters)")
    ax.set_title("CUA adapters on ibm_fez, %d shots per circuit" % r["shots_per_circuit"])
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path + ".tmp.png", dpi=120)
    os.replace(path + ".tmp.png", path)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
