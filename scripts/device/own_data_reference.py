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
"""
import argparse
import json
import os
import sys
from concurrent.futures import ProcessPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tune_search  # noqa: E402

SETTINGS = {"full": dict(lr=5e-4, epochs=8, max_len=128), "lora": dict(lr=2e-3, epochs=45, max_len=128)}


def load(data_dir, base_model):
    from tokenizers import Tokenizer

    with open(os.path.join(data_dir, "label_map.json"), encoding="utf-8") as f:
        label2id = json.load(f)["label2id"]
    tok = Tokenizer.from_file(os.path.join(base_model, "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(max_length=128)
    data = {"n_classes": len(label2id)}
    for split in ("train", "val", "test"):
        texts, labels = tune_search.read_split(os.path.join(data_dir, f"{split}.csv"), label2id)
        data[split] = ([e.ids for e in tok.encode_batch(texts)], labels)
    return data


def one(job):
    import torch

    torch.set_num_threads(2)
    run, data_dir, base_model = job
    device = "cuda" if torch.cuda.is_available() else "cpu"
    result = tune_search.train_one(run, load(data_dir, base_model), base_model, device)
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
    a = p.parse_args()
    jobs = [
        (dict(method=m, seed=int(s), **SETTINGS[m]), a.data_dir, a.base_model)
        for m in a.methods.split(",")
        for s in a.seeds.split(",")
    ]
    with ProcessPoolExecutor(a.parallel) as pool, open(a.out, "w", encoding="utf-8") as out:
        for result in pool.map(one, jobs):
            out.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
