#!/usr/bin/env python3
"""Loads what LoRA Lab saved for every model family with transformers and PEFT, and compares.

    python3 scripts/device/check_family_load.py SAMPLES_DIR > family-load-verdict.json

SAMPLES_DIR comes from scripts/device/make-family-samples.ts: one folder per family with model/ (saved by
saveHfDirectory, plus the tokenizer files), adapter/ (saved by savePeftAdapter) and expected.json (our
logits). Per family: AutoModelForSequenceClassification.from_pretrained(model) must load with no missing,
unexpected or mismatched keys, carry our label names, and give our logits within 1e-4 (eval mode, eager
attention); AutoTokenizer.from_pretrained(model) must load; PeftModel.from_pretrained(model, adapter)
must load without key warnings, give our adapter logits within 1e-4 and, after merge_and_unload, our
merged logits; PEFT's trainable / all parameter counts must equal ours. Prints one JSON verdict; exits
0 when everything holds, 1 otherwise.
"""
import json
import os
import sys
import warnings

import peft
import torch
import transformers
from peft import PeftModel
from transformers import AutoModelForSequenceClassification, AutoTokenizer

TOLERANCE = 1e-4


def max_diff(a, b):
    return float((torch.tensor(a, dtype=torch.float64) - torch.tensor(b, dtype=torch.float64)).abs().max())


def forward(model, batch):
    kwargs = {"input_ids": torch.tensor(batch["input_ids"]), "attention_mask": torch.tensor(batch["attention_mask"])}
    if batch.get("token_type_ids") is not None:
        kwargs["token_type_ids"] = torch.tensor(batch["token_type_ids"])
    with torch.no_grad():
        return model(**kwargs).logits.tolist()


def load_model(model_dir):
    model, info = AutoModelForSequenceClassification.from_pretrained(
        model_dir, dtype=torch.float32, attn_implementation="eager", output_loading_info=True
    )
    return model.eval(), {k: sorted(v) if isinstance(v, (set, list)) else v for k, v in info.items()}


def check(family_dir):
    with open(os.path.join(family_dir, "expected.json"), encoding="utf-8") as f:
        expected = json.load(f)
    batch = expected["batch"]
    model_dir = os.path.join(family_dir, "model")
    v = {"family": expected["family"], "source": expected["source"]}

    model, info = load_model(model_dir)
    v["load_info"] = {k: list(x) for k, x in info.items() if x}
    v["labels"] = [model.config.id2label[i] for i in range(model.config.num_labels)]
    v["model_logits_max_diff"] = max_diff(forward(model, batch), expected["model_logits"])
    AutoTokenizer.from_pretrained(model_dir)
    v["tokenizer_loads"] = True

    base, _ = load_model(model_dir)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        peft_model = PeftModel.from_pretrained(base, os.path.join(family_dir, "adapter"), is_trainable=True)
    v["adapter_warnings"] = [str(w.message) for w in caught if "key" in str(w.message).lower()]
    peft_model.eval()
    trainable, total = peft_model.get_nb_trainable_parameters()
    v["counts"] = {"peft": [trainable, total], "ours": [expected["trainable"], expected["total"]]}
    v["adapter_logits_max_diff"] = max_diff(forward(peft_model, batch), expected["adapter_logits"])
    merged = peft_model.merge_and_unload()
    v["merged_logits_max_diff"] = max_diff(forward(merged, batch), expected["merged_logits"])
    v["ok"] = (
        not v["load_info"]
        and v["model_logits_max_diff"] <= TOLERANCE
        and not v["adapter_warnings"]
        and v["adapter_logits_max_diff"] <= TOLERANCE
        and v["merged_logits_max_diff"] <= TOLERANCE
        and v["counts"]["peft"] == v["counts"]["ours"]
    )
    return v


def main():
    root = sys.argv[1]
    results = [check(os.path.join(root, name)) for name in sorted(os.listdir(root)) if os.path.isdir(os.path.join(root, name))]
    verdict = {
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "peft": peft.__version__,
        "tolerance": TOLERANCE,
        "families": results,
        "ok": all(r["ok"] for r in results),
    }
    print(json.dumps(verdict, indent=1))
    sys.exit(0 if verdict["ok"] else 1)


if __name__ == "__main__":
    main()
