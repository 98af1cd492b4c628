#!/usr/bin/env python3
"""Loads a model LoRA Lab trained on a user's own data (`lora-lab train --data-dir …`) with transformers.

    python3 scripts/device/check_own_data_model.py MODEL_DIR TEXTS.csv OURS.jsonl > own-data-load-verdict.json

OURS.jsonl is `lora-lab predict --model MODEL_DIR --input TEXTS.csv --json`. The model must load with
AutoModelForSequenceClassification (no missing or unexpected keys) and AutoTokenizer, its config must
name the labels (id2label), and on every text of TEXTS.csv (column `text`) the predicted label must be
ours and the logits within 1e-4 of ours. Prints one JSON verdict; exits 0 when everything holds.
"""
import csv
import json
import sys

import torch
import transformers
from transformers import AutoModelForSequenceClassification, AutoTokenizer

TOLERANCE = 1e-4


def main():
    model_dir, texts_csv, ours_jsonl = sys.argv[1:4]
    model, info = AutoModelForSequenceClassification.from_pretrained(
        model_dir, dtype=torch.float32, output_loading_info=True
    )
    model.eval()
    tok = AutoTokenizer.from_pretrained(model_dir)
    with open(texts_csv, newline="", encoding="utf-8") as f:
        texts = [row["text"] for row in csv.DictReader(f)]
    with open(ours_jsonl, encoding="utf-8") as f:
        ours = [json.loads(line) for line in f if line.strip()]
    labels = [model.config.id2label[i] for i in range(model.config.num_labels)]
    enc = tok(texts, padding=True, truncation=True, max_length=128, return_tensors="pt")
    with torch.no_grad():
        logits = model(**enc).logits
    worst, same = 0.0, 0
    for row, mine in zip(logits.tolist(), ours):
        theirs = dict(zip(labels, row))
        worst = max(worst, max(abs(theirs[name] - value) for name, value in mine["logits"].items()))
        same += labels[max(range(len(row)), key=row.__getitem__)] == mine["label"]
    verdict = {
        "transformers": transformers.__version__,
        "torch": torch.__version__,
        "load_info": {k: sorted(v) for k, v in info.items() if v},
        "labels": labels,
        "texts": len(texts),
        "same_label": same,
        "logits_max_diff": worst,
    }
    verdict["ok"] = (
        not verdict["load_info"] and len(ours) == len(texts) and same == len(texts) and worst <= TOLERANCE
    )
    print(json.dumps(verdict, indent=1))
    sys.exit(0 if verdict["ok"] else 1)


if __name__ == "__main__":
    main()
