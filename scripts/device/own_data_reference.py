#!/usr/bin/env python3
"""PyTorch + transformers + PEFT on a labelled data set of the user's, with LoRA Lab's protocol.

    python3 scripts/device/own_data_reference.py DATA_DIR BASE_MODEL_DIR OUT.jsonl \
        [--methods full,lora] [--seeds 42,43,44] [--parallel N]

DATA_DIR is what `lora-lab preprocess --train-file … [--test-file …]` wrote (train.csv, val.csv,
test.csv, label_map.json): both sides train on exactly these splits. The protocol is the `tuned`
preset's, as `lora-lab train --data-dir DATA_DIR --method M --seed S` runs it: batch 16, AdamW (weight
decay 0.01), linear decay after 10 % warm-up, length 128; full fine-tuning lr 5e-4 for 8 epochs; LoRA
r 8, alpha 32, dropout 0.1 on query and value with the classifier trained, lr 2e-3 for 45 epochs; the
epoch with the best validation F1 is kept and its test F1 reported. The training loop is
tune_search.py's `train_one` (the one the tuned preset was chosen with). One JSON line per run.

Multi-label data (DATA_DIR from `preprocess --multi-label`: its label_map.json says
multi_label_classification, each label cell is a JSON list) trains as `train --multi-label` does, with
multi_label_run.py's `train_one`: binary cross-entropy, threshold 0.5, the best epoch by validation F1
weighted over labels; each line reports test F1 micro, macro, weighted, samples and subset accuracy.
`--lora-epochs N` / `--full-epochs N` replace a method's epoch count, to match `train --epochs N` runs of
ours that shortened the preset's schedule (warm-up and decay scale with it on both sides).
"""
import argparse
import csv
import json
import os
import sys
from concurrent.futures import ProcessPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import multi_label_run  # noqa: E402
import tune_search  # noqa: E402

SETTINGS = {"full": dict(lr=5e-4, epochs=8, max_len=128), "lora": dict(lr=2e-3, epochs=45, max_len=128)}


def load(data_dir, base_model):
    from tokenizers import Tokenizer

    with open(os.path.join(data_dir, "label_map.json"), encoding="utf-8") as f:
        label_map = json.load(f)
    label2id = label_map["label2id"]
    multi_label = label_map.get("problem_type") == "multi_label_classification"
    tok = Tokenizer.from_file(os.path.join(base_model, "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(max_length=128)
    data = {"n_classes": len(label2id), "multi_label": multi_label}
    for split in ("train", "val", "test"):
        path = os.path.join(data_dir, f"{split}.csv")
        texts, labels = (read_multi_label_split if multi_label else tune_search.read_split)(path, label2id)
        data[split] = ([e.ids for e in tok.encode_batch(texts)], labels)
    return data


def read_multi_label_split(path, label2id):
    """A split `preprocess --multi-label` wrote: the label cell is a JSON list of names; 0/1 per label id."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    targets = []
    for r in rows:
        row = [0] * len(label2id)
        for name in json.loads(r["label"]):
            row[label2id[name]] = 1
        targets.append(row)
    return [r["text"] for r in rows], targets


def one(job):
    import torch

    torch.set_num_threads(2)
    run, data_dir, base_model = job
    device = "cuda" if torch.cuda.is_available() else "cpu"
    data = load(data_dir, base_model)
    if data["multi_label"]:
        result = multi_label_run.train_one(run, data, base_model, device)
        t = result["test_at_best"]
        print(f"{run['method']} seed {run['seed']}: test F1 micro {t['f1_micro']:.4f} macro {t['f1_macro']:.4f} "
              f"weighted {t['f1_weighted']:.4f} samples {t['f1_samples']:.4f}, subset accuracy "
              f"{t['subset_accuracy']:.4f} (best epoch {result['best_epoch']})", flush=True)
        return result
    result = tune_search.train_one(run, data, base_model, device)
    print(f"{run['method']} seed {run['seed']}: test F1 {result['test_f1_at_best']:.4f} (best epoch {result['best_epoch']})", flush=True)
    return result


def main():
    p = argparse.ArgumentParser()
    p.add_argument("data_dir")
    p.add_argument("base_model")
    p.add_argument("out")
    p.add_argument("--methods", default="full,lora")
    p.add_argument("--seeds", default="42,43,44")
    p.add_argument("--parallel", type=int, default=6)
    p.add_argument("--full-epochs", type=int, help="full fine-tuning's epochs (default: the tuned preset's, 8)")
    p.add_argument("--lora-epochs", type=int, help="LoRA's epochs (default: the tuned preset's, 45)")
    a = p.parse_args()
    epochs = {m: n for m, n in (("full", a.full_epochs), ("lora", a.lora_epochs)) if n is not None}
    jobs = [
        (dict(method=m, seed=int(s), **{**SETTINGS[m], **({"epochs": epochs[m]} if m in epochs else {})}), a.data_dir, a.base_model)
        for m in a.methods.split(",")
        for s in a.seeds.split(",")
    ]
    with ProcessPoolExecutor(a.parallel) as pool, open(a.out, "w", encoding="utf-8") as out:
        for result in pool.map(one, jobs):
            out.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
