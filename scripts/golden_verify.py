#!/usr/bin/python3
"""Golden data for the per-example verification metrics (lib/metrics/verify/, docs/verification.md).

Run with Debian's python3-scipy, python3-sklearn and python3-torch (CPU), not a virtualenv:

    /usr/bin/python3 scripts/golden_verify.py \
        --deepmind-metric REF/unlearning_evaluation/metric.py \
        --easydub-eval REF/data-unlearning-bench/unlearning_bench/eval.py

where REF holds the two peer kits at the commits named below, e.g.

    git clone https://github.com/google-deepmind/unlearning_evaluation REF/unlearning_evaluation
    git -C REF/unlearning_evaluation checkout ffae0fff4c3e9523b22618c47df6c26e4eebe0df
    git clone https://github.com/RoyRin/data-unlearning-bench REF/data-unlearning-bench
    git -C REF/data-unlearning-bench checkout eb261f9c652aa1daae62c7f23f4e56286edf745c

It writes tests/golden/verify_*.json (the same bytes on every run: fixed seeds); tests/metrics/verify/golden_test.ts checks the TypeScript
functions against them and writes the measured agreement to results/golden/verify_agreement.json.

Two of the references are the peer kits' own code, loaded from files you fetched (this repository does
not copy it):
  - the NeurIPS 2023 challenge metric, google-deepmind/unlearning_evaluation `metric.py` (commit
    ffae0fff4c3e9523b22618c47df6c26e4eebe0df). It calls `.cuda()`; here `torch.Tensor.cuda` is the
    identity, so it runs on the CPU. Its `assert thr_eps` fails on any numpy array of more than one
    element, so the module is compiled with optimize=1 (asserts removed), which is the only way the
    published code runs at all;
  - KLOM, RoyRin/data-unlearning-bench `unlearning_bench/eval.py` (commit
    eb261f9c652aa1daae62c7f23f4e56286edf745c): only its functions `compute_binned_KL_div` and
    `kl_from_margins` are executed (taken from the file with `ast`), with numpy and scipy.stats.
The others are SciPy 1.10.1 (`ks_2samp`, `kstwo.sf`, `norm.logpdf`) and scikit-learn 1.2.1
(`roc_auc_score`, `roc_curve`, `KNeighborsClassifier`, `LogisticRegression`). CKA is computed here in
its Gram/HSIC form (Kornblith et al. 2019, eq. 2 with HSIC = tr(KHLH)), a different route from the
feature form the kit uses. The SHA-256 of each reference file is written into the golden files.
"""
import argparse
import ast
import hashlib
import json
import os
import sys

import numpy as np
import scipy
import scipy.stats
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score, roc_curve
from sklearn.neighbors import KNeighborsClassifier

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "golden")
VERSIONS = {"numpy": np.__version__, "scipy": scipy.__version__, "sklearn": sklearn.__version__}


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def finite_or_none(v):
    """JSON has no NaN: write null (the test reads it back as NaN)."""
    if isinstance(v, float) and v != v:
        return None
    if isinstance(v, dict):
        return {k: finite_or_none(x) for k, x in v.items()}
    if isinstance(v, list):
        return [finite_or_none(x) for x in v]
    return v


def write(name, doc):
    doc = finite_or_none(doc)
    doc = {"name": name, "generator": "scripts/golden_verify.py", **VERSIONS, **doc}
    path = os.path.join(OUT, f"verify_{name}.json")
    with open(path, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    print(f"{path}: {os.path.getsize(path)} bytes", file=sys.stderr)


def load_deepmind(path):
    import torch

    torch.Tensor.cuda = lambda self, *a, **k: self  # run the CUDA code on the CPU
    src = open(path).read()
    module = {"__name__": "deepmind_metric"}
    exec(compile(src, path, "exec", optimize=1), module)
    return module


def load_easydub(path):
    tree = ast.parse(open(path).read(), path)
    wanted = {"compute_binned_KL_div", "kl_from_margins", "to_np_cpu"}
    body = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name in wanted]
    if {n.name for n in body} != wanted:
        raise SystemExit(f"{path}: expected functions {sorted(wanted)}")
    import torch

    ns = {"np": np, "stats": scipy.stats, "torch": torch, "tqdm": lambda it, **k: it, "print": lambda *a, **k: None}
    exec(compile(ast.Module(body=body, type_ignores=[]), path, "exec"), ns)
    return ns


def rows(a):
    return [list(map(float, r)) for r in a]


def q(a):
    """Inputs are rounded to 5 decimals before any reference sees them: the files stay small and hold
    exactly the values the references computed on."""
    return np.round(np.asarray(a, float), 5)


# ---------------------------------------------------------------- ROC
def golden_roc():
    rs = np.random.RandomState(151)
    cases = []

    def add(label, pos, neg):
        pos, neg = q(pos), q(neg)
        y = np.r_[np.ones(len(pos)), np.zeros(len(neg))]
        s = np.r_[pos, neg]
        fpr, tpr, _ = roc_curve(y, s)
        cases.append({
            "label": label,
            "pos": pos.tolist(),
            "neg": neg.tolist(),
            "auc": float(roc_auc_score(y, s)),
            # Largest TPR among roc_curve's points with FPR <= level.
            "tprAt1pctFpr": float(tpr[fpr <= 0.01].max()),
            "tprAt01pctFpr": float(tpr[fpr <= 0.001].max()),
        })

    add("separated gaussians", rs.randn(300) + 1.5, rs.randn(400))
    add("identical distributions", rs.randn(500), rs.randn(500))
    add("heavy ties (rounded)", np.round(rs.randn(400) + 0.3, 1), np.round(rs.randn(600), 1))
    add("large, low-FPR tail", rs.randn(2000) * 1.3 + 0.5, rs.randn(3000))
    add("perfect separation", rs.rand(50) + 2, rs.rand(70))
    write("roc", {"cases": cases})


# ---------------------------------------------------------------- KS
def golden_ks():
    rs = np.random.RandomState(2023)
    cases = []

    def add(label, a, b, method="auto"):
        a, b = q(a), q(b)
        r = scipy.stats.ks_2samp(a, b, method=method)
        cases.append({
            "label": label,
            "a": a.tolist(),
            "b": b.tolist(),
            "method": method,
            "statistic": float(r.statistic),
            "pvalue": float(r.pvalue),
        })

    add("equal n=5, shifted", rs.randn(5), rs.randn(5) + 1)
    add("equal n=50, same law", rs.randn(50), rs.randn(50))
    add("equal n=200, small shift", rs.randn(200), rs.randn(200) + 0.3)
    add("equal n=1000, tiny shift", rs.randn(1000), rs.randn(1000) + 0.05)
    add("equal n=300, far apart (tiny p)", rs.randn(300), rs.randn(300) + 3)
    add("unequal 40 vs 73", rs.randn(40), rs.randn(73) * 1.5)
    add("unequal 300 vs 450 (gcd 150)", rs.randn(300), rs.randn(450) + 0.2)
    add("unequal 997 vs 1009 (coprime)", rs.exponential(1, 997), rs.exponential(1.1, 1009))
    add("unequal 800 vs 1300, far apart", rs.randn(800), rs.randn(1300) + 1)
    add("ties: discrete values", rs.randint(0, 6, 120), rs.randint(0, 7, 150))
    same = rs.randn(80)
    add("identical samples", same, same.copy())
    add("disjoint samples", rs.rand(60), rs.rand(60) + 5)
    add("asymp forced 500 vs 700", rs.randn(500), rs.randn(700) + 0.1, method="asymp")
    add("asymp forced 2000 vs 2000, far", rs.randn(2000), rs.randn(2000) + 0.4, method="asymp")
    add("asymp forced 60 vs 90", rs.randn(60), rs.randn(90) + 0.5, method="asymp")
    # More than 10 000 values: 'auto' switches to the asymptotic p-value. Rounded to 3 decimals to keep
    # the file small (ties are fine: the statistic handles them).
    add("auto-asymp 12000 vs 10500", np.round(rs.randn(12000), 3), np.round(rs.randn(10500) + 0.02, 3))

    # kstwo.sf over the branches of scipy's _kolmogn.
    grid = []
    for n in [1, 2, 3, 5, 10, 20, 50, 100, 140, 141, 300, 1000, 5000, 20000, 100000, 150000]:
        xs = set()
        for x in [0.5 / n, 0.75 / n, 1.0 / n, 1.5 / n, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.45, 0.5, 0.6, 0.9, 1 - 1.0 / n, 0.999]:
            if 0 < x < 1:
                xs.add(round(x, 12))
        for z in [0.3, 0.6, 0.8, 1.0, 1.2, 1.5, 2.0, 2.5, 3.5, 5.0]:
            x = z / np.sqrt(n)
            if 0 < x < 1:
                xs.add(round(float(x), 12))
        for x in sorted(xs):
            grid.append({"n": n, "x": x, "sf": float(scipy.stats.kstwo.sf(x, n))})
    write("ks", {"cases": cases, "kstwoSf": grid})


# ---------------------------------------------------------------- ε (NeurIPS 2023)
def golden_epsilon(dm):
    rs = np.random.RandomState(1202)
    cases = []

    def add(label, unlearned, retrained):
        u, r = q(unlearned), q(retrained)
        # Per-example ε: compute_forget_score_from_confs' orientation, then its _get_epsilons.
        retrain_is_positive = np.median(r, axis=0) > np.median(u, axis=0)
        pos = np.where(retrain_is_positive, r, u)
        neg = np.where(retrain_is_positive, u, r)
        eps = dm["_get_epsilons"](pos, neg, delta=dm["DELTA"])
        score = dm["compute_forget_score_from_confs"](u.copy(), r.copy())
        cases.append({
            "label": label,
            "unlearned": rows(u),
            "retrained": rows(r),
            "epsilons": [float(e) for e in eps],
            "forgetScore": float(score),
        })

    n = 24
    base = rs.randn(n) * 2
    # N = 16: same law, growing shifts, a collapsed ensemble, disjoint, and different spreads.
    add("N=16 same law", base + rs.randn(16, n), base + rs.randn(16, n))
    add("N=16 shifts 0.25..6", base + rs.randn(16, n), base + np.linspace(0.25, 6, n) + rs.randn(16, n))
    add("N=16 spreads 0.2x..3x", base + rs.randn(16, n) * np.linspace(0.2, 3, n), base + rs.randn(16, n))
    collapsed = base + rs.randn(16, n)
    collapsed[:, : n // 2] = base[: n // 2] + 1e-4 * rs.randn(16, n // 2)  # one side nearly a point
    add("N=16 collapsed half", collapsed, base + rs.randn(16, n))
    add("N=16 disjoint", base + rs.rand(16, n), base + 10 + rs.rand(16, n))
    add("N=8 mixed", base + rs.randn(8, n), base + np.linspace(0, 3, n) + rs.randn(8, n) * 0.7)
    add("N=5 mixed", base + rs.randn(5, n), base + np.linspace(0, 3, n) + rs.randn(5, n))
    identical = base + rs.randn(16, n)
    add("N=16 identical ensembles", identical, identical.copy())
    write("epsilon", {
        "reference": "google-deepmind/unlearning_evaluation metric.py @ ffae0fff4c3e9523b22618c47df6c26e4eebe0df",
        "referenceSha256": dm["__sha256__"],
        "torch": __import__("torch").__version__,
        "cases": cases,
    })


# ---------------------------------------------------------------- KLOM
def golden_klom(ed):
    rs = np.random.RandomState(410)
    cases = []

    def add(label, unlearned, retrained):
        import torch

        u, r = q(unlearned), q(retrained)
        res = ed["kl_from_margins"](torch.from_numpy(u), torch.from_numpy(r))  # D_KL(unlearned || oracle)
        rev = ed["kl_from_margins"](torch.from_numpy(r), torch.from_numpy(u))
        res = np.asarray(res, float)
        fin = res[~np.isnan(res)]
        cases.append({
            "label": label,
            "unlearned": rows(u),
            "retrained": rows(r),
            "klom": [float(v) for v in res],
            "klomReverse": [float(v) for v in np.asarray(rev, float)],
            # src/plots_data_processing.py get_klom_stats on the defined values.
            "summary": {
                "p95": float(np.percentile(fin, 95)),
                "p99": float(np.percentile(fin, 99)),
                "mean": float(np.mean(fin)),
                "std": float(np.std(fin)),
            },
        })

    n = 40
    base = rs.randn(n) * 4
    add("N=16 same law", base + rs.randn(16, n), base + rs.randn(16, n))
    add("N=16 shifts 0..8", base + rs.randn(16, n), base + np.linspace(0, 8, n) + rs.randn(16, n))
    clipped = base + rs.randn(16, n) * 60  # many values beyond ±100
    add("N=16 beyond the clip", clipped, base + rs.randn(16, n) * 60)
    same = base + rs.randn(16, n)
    add("N=16 identical", same, same.copy())
    const = np.tile(base, (16, 1))
    add("N=16 constant columns", const, const.copy() + np.r_[np.zeros(n // 2), np.ones(n - n // 2)] * 2)
    rounded = np.round(base + rs.randn(16, n), 0)  # ties on bin edges
    add("N=16 integer margins", rounded, np.round(base + 0.5 + rs.randn(16, n), 0))
    add("N=100 shifts", base + rs.randn(100, n), base + np.linspace(0, 2, n) + rs.randn(100, n))
    write("klom", {
        "reference": "RoyRin/data-unlearning-bench unlearning_bench/eval.py @ eb261f9c652aa1daae62c7f23f4e56286edf745c",
        "referenceSha256": ed["__sha256__"],
        "cases": cases,
    })


# ---------------------------------------------------------------- U-LiRA (leave-one-pair-out)
def golden_ulira():
    rs = np.random.RandomState(77)
    cases = []

    def ulira(inm, outm, pooled, center):
        N = min(len(inm), len(outm))
        mem, non = [], []
        for k in range(N):
            a = np.delete(inm, k, axis=0)
            b = np.delete(outm, k, axis=0)
            mu_a = np.median(a, 0) if center == "median" else a.mean(0)
            mu_b = np.median(b, 0) if center == "median" else b.mean(0)
            va, vb = a.var(0, ddof=1), b.var(0, ddof=1)
            sa = np.full_like(va, np.sqrt(va.mean())) if pooled else np.sqrt(va)
            sb = np.full_like(vb, np.sqrt(vb.mean())) if pooled else np.sqrt(vb)
            sa, sb = np.maximum(sa, 1e-6), np.maximum(sb, 1e-6)
            score = lambda x: scipy.stats.norm.logpdf(x, mu_a, sa) - scipy.stats.norm.logpdf(x, mu_b, sb)
            mem.append(score(inm[k]))
            non.append(score(outm[k]))
        mem, non = np.array(mem), np.array(non)
        y = np.r_[np.ones(mem.size), np.zeros(non.size)]
        s = np.r_[mem.ravel(), non.ravel()]
        fpr, tpr, _ = roc_curve(y, s)
        per_auc = [roc_auc_score(np.r_[np.ones(N), np.zeros(N)], np.r_[mem[:, i], non[:, i]]) for i in range(mem.shape[1])]
        acc = ((mem > 0).sum(0) + (non < 0).sum(0) + 0.5 * ((mem == 0).sum(0) + (non == 0).sum(0))) / (2 * N)
        return {
            "memberScores": rows(mem),
            "nonMemberScores": rows(non),
            "auc": float(roc_auc_score(y, s)),
            "tprAt1pctFpr": float(tpr[fpr <= 0.01].max()),
            "perExampleAuc": [float(v) for v in per_auc],
            "perExampleAccuracy": [float(v) for v in acc],
        }

    n = 30
    base = rs.randn(n) * 3
    gap = np.linspace(0, 3, n)
    inm = q(base + gap + rs.randn(16, n))
    outm = q(base + rs.randn(16, n) * 1.2)
    for pooled in (True, False):
        for center in ("mean", "median"):
            cases.append({"label": f"N=16 gaps 0..3, pooled={pooled}, center={center}", "in": rows(inm), "out": rows(outm),
                          "variance": "pooled" if pooled else "per-example", "center": center,
                          **ulira(inm, outm, pooled, center)})
    write("ulira", {"cases": cases})


# ---------------------------------------------------------------- probes and CKA
def golden_probes():
    rs = np.random.RandomState(5)
    K, d = 4, 12
    centers = rs.randn(K, d) * 1.5

    def draw(n):
        y = rs.randint(0, K, n)
        return q(centers[y] + rs.randn(n, d)), y

    xr, yr = draw(400)
    xf, yf = draw(150)
    knn = []
    for k in (1, 5, 8):
        for metric in ("euclidean", "cosine"):
            clf = KNeighborsClassifier(n_neighbors=k, algorithm="brute", metric=metric).fit(xr, yr)
            pred = clf.predict(xf)
            knn.append({"k": k, "metric": metric, "predictions": pred.astype(int).tolist(), "accuracy": float((pred == yf).mean())})
    probes = []
    for l2 in (1e-2, 1e-4):
        n = len(yr)
        clf = LogisticRegression(multi_class="multinomial", C=1.0 / (l2 * n), solver="lbfgs", tol=1e-12, max_iter=100000)
        clf.fit(xr, yr)
        # The objective the kit minimises, (1/n) sum CE + (l2/2)||W||^2, at scikit-learn's solution, and
        # its largest gradient entry: scipy's L-BFGS-B stops on a relative decrease of 64 eps, so the
        # solution is near, not at, the optimum.
        W, b = clf.coef_.T, clf.intercept_
        z = xr @ W + b
        z -= z.max(1, keepdims=True)
        p = np.exp(z) / np.exp(z).sum(1, keepdims=True)
        ce = -np.log(p[np.arange(n), yr]).mean()
        objective = ce + 0.5 * l2 * (W ** 2).sum()
        p[np.arange(n), yr] -= 1
        grad = np.r_[(xr.T @ p / n + l2 * W).ravel(), p.mean(0)]
        probes.append({
            "l2": l2,
            "probabilities": rows(clf.predict_proba(xf)),
            "accuracy": float(clf.score(xf, yf)),
            "iterations": int(clf.n_iter_[0]),
            "objective": float(objective),
            "maxAbsGradient": float(np.abs(grad).max()),
        })

    def cka_hsic(x, y):
        n = x.shape[0]
        H = np.eye(n) - np.ones((n, n)) / n
        Kx, Ky = x @ x.T, y @ y.T
        hsic = lambda a, b: np.trace(a @ H @ b @ H)
        return float(hsic(Kx, Ky) / np.sqrt(hsic(Kx, Kx) * hsic(Ky, Ky)))

    cka = []
    a = q(rs.randn(120, 10))
    rot, _ = np.linalg.qr(rs.randn(10, 10))
    for label, x, y in [
        ("random vs random", a, rs.randn(120, 7)),
        ("rotated and scaled copy", a, 3.0 * a @ rot),
        ("half shared", a, np.c_[a[:, :5], rs.randn(120, 5)]),
        ("nonlinear transform", a, np.tanh(a @ rs.randn(10, 30))),
        ("wide (gram form)", rs.randn(40, 90), rs.randn(40, 60)),
    ]:
        x, y = q(x), q(y)
        cka.append({"label": label, "x": rows(x), "y": rows(y), "cka": cka_hsic(x, y)})
    write("probes", {
        "numClasses": K,
        "retain": {"x": rows(xr), "y": yr.astype(int).tolist()},
        "forget": {"x": rows(xf), "y": yf.astype(int).tolist()},
        "knn": knn,
        "linearProbe": probes,
        "cka": cka,
    })


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--deepmind-metric", required=True, help="path to unlearning_evaluation/metric.py")
    ap.add_argument("--easydub-eval", required=True, help="path to data-unlearning-bench/unlearning_bench/eval.py")
    args = ap.parse_args()
    os.makedirs(OUT, exist_ok=True)
    dm = load_deepmind(args.deepmind_metric)
    dm["__sha256__"] = sha256(args.deepmind_metric)
    ed = load_easydub(args.easydub_eval)
    ed["__sha256__"] = sha256(args.easydub_eval)
    golden_roc()
    golden_ks()
    golden_ulira()
    golden_klom(ed)
    golden_probes()
    golden_epsilon(dm)


if __name__ == "__main__":
    main()
