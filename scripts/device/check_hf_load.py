#!/usr/bin/env python3
"""Loads a directory saved by LoRA Lab with HF transformers and compares it with our engine.

    python3 scripts/device/check_hf_load.py MODEL_DIR INPUTS_JSON

MODEL_DIR and INPUTS_JSON come from scripts/device/make-hf-save-sample.ts. Checks that
BertForSequenceClassification.from_pretrained loads every weight (nothing missing, unexpected or
mismatched), that the labels survived, that the logits on our input ids agree with ours (max abs diff
<= 1e-4), and that AutoTokenizer gives our ids and masks exactly. Prints one JSON verdict; exits 0 when
everything holds, 1 otherwise.
"""
import json
import sys

import torch
import transformers
from transformers import AutoTokenizer, BertForSequenceClassification

LOGIT_TOLERANCE = 1e-4


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    model_dir, inputs_path = sys.argv[1], sys.argv[2]
    with open(inputs_path, encoding="utf-8") as f:
        inputs = json.load(f)

    model, info = BertForSequenceClassification.from_pretrained(
        model_dir, output_loading_info=True, dtype=torch.float32
    )
    model.eval()
    loading = {k: sorted(map(str, v)) for k, v in info.items()}
    loading_clean = all(len(v) == 0 for v in loading.values())

    labels = inputs["labels"]
    id2label = [model.config.id2label[i] for i in range(model.config.num_labels)]
    labels_match = id2label == labels and all(model.config.label2id[n] == i for i, n in enumerate(labels))

    ids = torch.tensor(inputs["input_ids"], dtype=torch.long)
    mask = torch.tensor(inputs["attention_mask"], dtype=torch.long)
    types = torch.tensor(inputs["token_type_ids"], dtype=torch.long)
    with torch.no_grad():
        logits = model(input_ids=ids, attention_mask=mask, token_type_ids=types).logits
    ours = torch.tensor(inputs["logits"], dtype=torch.float32)
    logit_diff = (logits - ours).abs().max().item()

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    enc = tokenizer(
        inputs["texts"], padding="max_length", truncation=True, max_length=inputs["max_length"]
    )
    id_mismatch = [i for i, row in enumerate(enc["input_ids"]) if row != inputs["input_ids"][i]]
    mask_mismatch = [i for i, row in enumerate(enc["attention_mask"]) if row != inputs["attention_mask"][i]]
    types_mismatch = [i for i, row in enumerate(enc["token_type_ids"]) if row != inputs["token_type_ids"][i]]
    tokenizer_match = not id_mismatch and not mask_mismatch and not types_mismatch

    ok = loading_clean and labels_match and logit_diff <= LOGIT_TOLERANCE and tokenizer_match
    verdict = {
        "ok": ok,
        # The commit the sample was made from (None for a sample older than this field).
        "source": inputs.get("source"),
        "transformers": transformers.__version__,
        "torch": torch.__version__,
        "loading_info": loading,
        "labels_match": labels_match,
        "logits_max_abs_diff": logit_diff,
        "logits_tolerance": LOGIT_TOLERANCE,
        "argmax_agree": bool((logits.argmax(-1) == ours.argmax(-1)).all().item()),
        "tokenizer_class": type(tokenizer).__name__,
        "tokenizer_ids_match": tokenizer_match,
        "rows_with_different_ids": id_mismatch,
        "rows_with_different_mask": mask_mismatch,
        "rows_with_different_token_types": types_mismatch,
        "texts": len(inputs["texts"]),
    }
    print(json.dumps(verdict))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
