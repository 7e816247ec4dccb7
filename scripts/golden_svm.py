#!/usr/bin/python3
"""Golden data for the MIA attacker: scikit-learn's SVC on fixed data sets.

Run with Debian's python3-sklearn (not a virtualenv):

    /usr/bin/python3 scripts/golden_svm.py            # writes tests/golden/svm_*.json

Each file holds the inputs (train X / y, test X), the attacker settings the paper uses
(SVC(C=3, gamma=1/n_features, kernel="rbf"), i.e. gamma="auto"; docs/paper.md §6), and scikit-learn's
predictions and decision values. tests/metrics/svm_golden_test.ts fits lib/metrics/svm.ts on the same
inputs and requires >= 99% agreement of predictions. Labels: 1 = member, 0 = non-member.

The data sets mimic what the attacker sees: a 1-d confidence p_y (members near 1), the 0/1 correctness
feature (only two distinct values, heavy ties), entropy-like values, 2-d blobs, 10-d softmax vectors,
an imbalanced set, two sets with no signal at all, and a larger 1-d set.
"""
import json
import os
import sys

import numpy as np
import sklearn
from sklearn.svm import SVC

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "golden")


def softmax_rows(logits):
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def datasets():
    rs = np.random.RandomState(20261127)
    out = {}

    # 1-d confidence: members confident (Beta(8, 1)), non-members less so (Beta(3, 2)).
    def conf(n_in, n_out):
        return np.concatenate([rs.beta(8, 1, n_in), rs.beta(3, 2, n_out)])[:, None]

    out["conf1d"] = (conf(200, 200), np.r_[np.ones(200), np.zeros(200)], conf(300, 300))

    # 0/1 correctness: members 95% correct, non-members 80%.
    def corr(n_in, n_out):
        return np.concatenate([(rs.rand(n_in) < 0.95), (rs.rand(n_out) < 0.8)]).astype(float)[:, None]

    out["correctness"] = (corr(250, 250), np.r_[np.ones(250), np.zeros(250)], corr(200, 200))

    # entropy-like: members low entropy, non-members spread over [0, log 10].
    def ent(n_in, n_out):
        return np.concatenate([rs.exponential(0.15, n_in), rs.uniform(0, np.log(10), n_out)])[:, None]

    out["entropy1d"] = (ent(200, 200), np.r_[np.ones(200), np.zeros(200)], ent(300, 300))

    # 2-d overlapping blobs.
    def blobs(n_in, n_out):
        return np.vstack([rs.randn(n_in, 2) * 0.8 + [1, 0.5], rs.randn(n_out, 2) * 1.1 + [-0.5, -0.3]])

    out["blobs2d"] = (blobs(150, 150), np.r_[np.ones(150), np.zeros(150)], blobs(200, 200))

    # 10-d softmax vectors: members peaked on their label, non-members flatter (the "prob" feature).
    def probs(n_in, n_out):
        def rows(n, scale):
            logits = rs.randn(n, 10)
            labels = rs.randint(0, 10, n)
            logits[np.arange(n), labels] += scale * rs.rand(n) * 6
            return softmax_rows(logits)

        return np.vstack([rows(n_in, 1.4), rows(n_out, 0.8)])

    out["prob10d"] = (probs(200, 200), np.r_[np.ones(200), np.zeros(200)], probs(250, 250))

    # imbalanced: many members, few non-members (as when |D_r| sample > |D_te| is not enforced).
    out["imbalanced1d"] = (conf(300, 60), np.r_[np.ones(300), np.zeros(60)], conf(200, 200))

    # no signal: members and non-members from one distribution (random forgetting after Retrain); the
    # SVM fits noise, so many points sit near its boundary: the hardest case for agreement.
    same = lambda n: rs.beta(5, 2, n)[:, None]
    out["same1d"] = (same(600), np.r_[np.ones(300), np.zeros(300)], same(600))
    same10 = lambda n: softmax_rows(rs.randn(n, 10) * 2)
    out["same10d"] = (same10(400), np.r_[np.ones(200), np.zeros(200)], same10(400))

    # larger 1-d set, closer to a real D_te size.
    out["conf1d_large"] = (conf(1000, 1000), np.r_[np.ones(1000), np.zeros(1000)], conf(1000, 1000))
    return out


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, (x_train, y_train, x_test) in datasets().items():
        gamma = 1.0 / x_train.shape[1]
        clf = SVC(C=3.0, gamma=gamma, kernel="rbf")
        clf.fit(x_train, y_train)
        doc = {
            "name": name,
            "generator": "scripts/golden_svm.py",
            "sklearn": sklearn.__version__,
            "numpy": np.__version__,
            "params": {"C": 3.0, "gamma": gamma, "kernel": "rbf", "tol": clf.tol, "shrinking": clf.shrinking},
            "xTrain": x_train.tolist(),
            "yTrain": y_train.astype(int).tolist(),
            "xTest": x_test.tolist(),
            "predTrain": clf.predict(x_train).astype(int).tolist(),
            "predTest": clf.predict(x_test).astype(int).tolist(),
            "decisionTest": clf.decision_function(x_test).tolist(),
            "nSupport": clf.n_support_.astype(int).tolist(),
        }
        path = os.path.join(OUT, f"svm_{name}.json")
        with open(path, "w") as f:
            json.dump(doc, f, separators=(",", ":"))
            f.write("\n")
        print(f"{path}: train {len(y_train)}, test {len(x_test)}, support vectors {doc['nSupport']}", file=sys.stderr)


if __name__ == "__main__":
    main()
