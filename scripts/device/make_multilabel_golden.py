#!/usr/bin/env python3
"""Multi-label golden values and a load check, made with the reference Python stack.

    python3 scripts/device/make_multilabel_golden.py [--input .device-input] [--out $OUT] [--commit SHA]

1. Golden (always): the BERT family fixture (tests/fixtures/families/bert/golden.json: config, hashed
   weights, a padded batch of 5) is built by transformers with problem_type "multi_label_classification";
   the batch runs with float 0/1 targets passed as `labels`, so that transformers itself picks the loss
   (BCEWithLogitsLoss), in eval mode. Writes OUT/multilabel/golden.json: the targets, logits, loss, every
   parameter's gradient norm, torch's own binary_cross_entropy_with_logits on the same logits (must equal
   the loss), the config.json transformers saves (its problem_type), and scikit-learn's multi-label
   metrics (f1/precision/recall micro, macro, weighted, samples with zero_division=0; accuracy_score,
   which is the subset accuracy; hamming_loss) on fixed truth and prediction matrices.
   tests/parity/multi-label.test.ts reads it from tests/fixtures/multilabel/golden.json.

2. Load check (when INPUT/multilabel-sample/ exists, written by
   `node --import tsx scripts/device/make-multilabel-sample.ts .device-input/multilabel-sample`): the
   multi-label model LoRA Lab trained and saved there (run/model) loads with AutoModelForSequenceClassification with
   no missing or unexpected keys, its config says multi_label_classification and names the labels, its
   logits on the sample's texts are within 1e-4 of ours, the labels at or above 0.5 are ours, and
   transformers' loss with float targets is the binary cross-entropy of its logits. Writes
   OUT/multilabel/load-verdict.json; exits 1 when a check fails.
"""
import argparse
import json
import os
import platform
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from make_family_golden import hashed  # noqa: E402  (the same weights the TypeScript tests rebuild)

ROOT = os.path.dirname(os.path.dirname(HERE))
FIXTURE = os.path.join(ROOT, "tests", "fixtures", "families", "bert", "golden.json")
# One row per text of the fixture's batch of 5, one column per label (5): several labels per row, one
# row without any, one label every row has.
TARGETS = [
    [1, 0, 1, 0, 1],
    [0, 1, 0, 0, 1],
    [1, 1, 1, 0, 1],
    [0, 0, 0, 0, 1],
    [0, 0, 0, 0, 0],
]
# scikit-learn's metrics on these (a worked example, and a larger seeded one).
METRIC_CASES = {
    "worked": {
        "truth": [[1, 0, 1], [0, 1, 0], [1, 1, 0], [0, 0, 0]],
        "predicted": [[1, 0, 0], [0, 1, 1], [1, 1, 0], [0, 0, 0]],
    },
}
TOLERANCE = 1e-4


def seeded_case(rows, labels, seed):
    rng = np.random.default_rng(seed)
    truth = (rng.random((rows, labels)) < 0.3).astype(int)
    # Predictions that agree with the truth most of the time, with some rows empty on either side.
    flip = rng.random((rows, labels)) < 0.2
    predicted = np.where(flip, 1 - truth, truth)
    predicted[::9] = 0
    return {"truth": truth.tolist(), "predicted": predicted.tolist()}


def sklearn_metrics(truth, predicted):
    from sklearn.metrics import accuracy_score, f1_score, hamming_loss, precision_score, recall_score

    y, p = np.array(truth), np.array(predicted)
    out = {"accuracy": float(accuracy_score(y, p)), "hamming_loss": float(hamming_loss(y, p))}
    for average in ("micro", "macro", "weighted", "samples"):
        out[f"f1_{average}"] = float(f1_score(y, p, average=average, zero_division=0))
        out[f"precision_{average}"] = float(precision_score(y, p, average=average, zero_division=0))
        out[f"recall_{average}"] = float(recall_score(y, p, average=average, zero_division=0))
    out["per_class_f1"] = [float(v) for v in f1_score(y, p, average=None, zero_division=0)]
    return out


def golden(out_dir, commit):
    import sklearn
    import transformers as tf

    with open(FIXTURE, encoding="utf-8") as f:
        fixture = json.load(f)
    config = tf.BertConfig.from_dict(fixture["config"])
    config.problem_type = "multi_label_classification"
    config._attn_implementation = "eager"
    torch.manual_seed(0)
    model = tf.AutoModelForSequenceClassification.from_config(config, attn_implementation="eager")
    model.eval()
    with torch.no_grad():
        for name, p in model.named_parameters():
            spec = fixture["weights"][name]
            values = hashed(name, p.numel()) * spec["scale"] + spec["offset"]
            p.copy_(torch.from_numpy(values.astype(np.float32)).reshape(p.shape))
    batch = fixture["batch"]
    targets = torch.tensor(TARGETS, dtype=torch.float32)
    out = model(
        input_ids=torch.tensor(batch["input_ids"]),
        attention_mask=torch.tensor(batch["attention_mask"]),
        token_type_ids=torch.tensor(batch["token_type_ids"]),
        labels=targets,
    )
    out.loss.backward()
    grads = {n: float(p.grad.double().norm()) if p.grad is not None else 0.0 for n, p in model.named_parameters()}
    torch_bce = float(torch.nn.functional.binary_cross_entropy_with_logits(out.logits.detach(), targets))

    model_dir = os.path.join(out_dir, "saved-config")
    os.makedirs(model_dir, exist_ok=True)
    model.config.save_pretrained(model_dir)
    with open(os.path.join(model_dir, "config.json")) as f:
        saved = json.load(f)

    cases = dict(METRIC_CASES)
    cases["seeded"] = seeded_case(60, 7, 5)
    for case in cases.values():
        case["sklearn"] = sklearn_metrics(case["truth"], case["predicted"])

    result = {
        "meta": {
            "commit": commit, "torch": torch.__version__, "transformers": tf.__version__,
            "sklearn": sklearn.__version__, "python": platform.python_version(),
            "fixture": "tests/fixtures/families/bert/golden.json",
        },
        "problem_type_saved": saved.get("problem_type"),
        "targets": TARGETS,
        "logits": out.logits.detach().double().tolist(),
        "loss": float(out.loss),
        "torch_bce_with_logits": torch_bce,
        "grad_norms": grads,
        "metrics": cases,
    }
    with open(os.path.join(out_dir, "golden.json"), "w", encoding="utf-8") as f:
        json.dump(result, f, indent=1)
    print(f"golden: loss {result['loss']:.8f}, torch BCE {torch_bce:.8f}, saved problem_type {saved.get('problem_type')}", flush=True)
    return abs(result["loss"] - torch_bce) <= 1e-6 and saved.get("problem_type") == "multi_label_classification"


def load_check(sample, out_dir):
    import transformers as tf
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    with open(os.path.join(sample, "inputs.json"), encoding="utf-8") as f:
        inputs = json.load(f)
    model_dir = os.path.join(sample, "run", "model")
    model, info = AutoModelForSequenceClassification.from_pretrained(model_dir, dtype=torch.float32, output_loading_info=True)
    model.eval()
    tok = AutoTokenizer.from_pretrained(model_dir)
    labels = [model.config.id2label[i] for i in range(model.config.num_labels)]
    enc = tok(inputs["texts"], padding=True, truncation=True, max_length=inputs["max_length"], return_tensors="pt")
    targets = torch.tensor(inputs["targets"], dtype=torch.float32)
    with torch.no_grad():
        out = model(**enc, labels=targets)
    logits = out.logits
    worst = float((logits.double() - torch.tensor(inputs["logits"], dtype=torch.float64)).abs().max())
    theirs_sets = [[labels[j] for j in range(len(labels)) if torch.sigmoid(row[j]) >= 0.5] for row in logits]
    ours_sets = [sorted(s) for s in inputs["label_sets"]]
    bce = float(torch.nn.functional.binary_cross_entropy_with_logits(logits, targets))
    verdict = {
        "transformers": tf.__version__,
        "torch": torch.__version__,
        "source": inputs.get("source"),
        "load_info": {k: sorted(v) for k, v in info.items() if v},
        "problem_type": model.config.problem_type,
        "labels": labels,
        "texts": len(inputs["texts"]),
        "logits_max_diff": worst,
        "same_label_sets": sum(sorted(a) == b for a, b in zip(theirs_sets, ours_sets)),
        "loss": float(out.loss),
        "bce_of_logits": bce,
    }
    verdict["ok"] = (
        not verdict["load_info"]
        and verdict["problem_type"] == "multi_label_classification"
        and labels == inputs["labels"]
        and worst <= TOLERANCE
        and verdict["same_label_sets"] == len(inputs["texts"])
        and abs(verdict["loss"] - bce) <= 1e-6
    )
    with open(os.path.join(out_dir, "load-verdict.json"), "w", encoding="utf-8") as f:
        json.dump(verdict, f, indent=1)
    print(json.dumps(verdict), flush=True)
    return verdict["ok"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--input", default=".device-input")
    ap.add_argument("--out", default=os.environ.get("OUT", "runs/multilabel-golden"))
    ap.add_argument("--commit", default=None)
    a = ap.parse_args()
    out_dir = os.path.join(a.out, "multilabel")
    os.makedirs(out_dir, exist_ok=True)
    ok = golden(out_dir, a.commit)
    sample = os.path.join(a.input, "multilabel-sample")
    if os.path.isdir(sample):
        ok = load_check(sample, out_dir) and ok
    else:
        print(f"no {sample}: load check skipped", flush=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
