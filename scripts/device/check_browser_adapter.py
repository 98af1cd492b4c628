#!/usr/bin/env python3
"""Loads the adapter the web app downloaded with HF PEFT and compares its logits with the page's.

    python3 scripts/device/check_browser_adapter.py ARTIFACTS_DIR BASE_MODEL_DIR

(ARTIFACTS_DIR/multi-label/ holds the same for the multi-label test's adapter: run it on that too.)

ARTIFACTS_DIR is what tests/web/app.test.ts writes when LORA_LAB_WEB_ARTIFACTS names it (the lead copies
it to .device-input/browser-adapter/): adapter.zip, the file the page offered for download
(adapter_config.json, adapter_model.safetensors, label_map.json), and page_logits.json (the texts typed
into the page's try-it box, the label order, the maximum length and the logits the page showed, to six
decimals). BASE_MODEL_DIR is the base model the page trained on (shared/models/bert-tiny-mlm).

The base is loaded as AutoModelForSequenceClassification with the adapter's labels (its classifier is
new: the adapter carries the trained one, PEFT's modules_to_save), then
PeftModel.from_pretrained(base, adapter). Holds when PEFT reports no missing or unexpected adapter keys,
label_map.json names the page's labels in the page's order, and the logits (eval mode) of the page's
texts, tokenized by the base's own tokenizer, agree with the page's within 1e-4. Prints one JSON verdict,
also written to $OUT/browser_adapter_verdict_<ARTIFACTS_DIR's name>.json when OUT is set; exits 0 when it holds, 1 otherwise.
"""
import json
import os
import sys
import tempfile
import warnings
import zipfile

import torch
import transformers
import peft
from peft import PeftModel
from transformers import AutoModelForSequenceClassification, AutoTokenizer

LOGIT_TOLERANCE = 1e-4
ADAPTER_FILES = ["adapter_config.json", "adapter_model.safetensors", "label_map.json"]


def check(artifacts_dir, base_dir):
    with open(os.path.join(artifacts_dir, "page_logits.json"), encoding="utf-8") as f:
        page = json.load(f)
    with tempfile.TemporaryDirectory() as adapter_dir:
        with zipfile.ZipFile(os.path.join(artifacts_dir, "adapter.zip")) as archive:
            names = sorted(archive.namelist())
            archive.extractall(adapter_dir)
        with open(os.path.join(adapter_dir, "label_map.json"), encoding="utf-8") as f:
            label_map = json.load(f)
        id2label = {int(i): name for i, name in label_map["id2label"].items()}
        labels = [id2label[i] for i in range(len(id2label))]

        # A multi-label adapter's label_map.json says so (the logits do not depend on it, the head's
        # loss and the pipeline's sigmoid do).
        problem_type = label_map.get("problem_type", "single_label_classification")
        base = AutoModelForSequenceClassification.from_pretrained(
            base_dir,
            num_labels=len(labels),
            id2label=id2label,
            label2id={name: i for i, name in id2label.items()},
            problem_type=problem_type,
            dtype=torch.float32,
        )
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model = PeftModel.from_pretrained(base, adapter_dir)
        load_warnings = [str(w.message) for w in caught if "key" in str(w.message).lower()]
        model.eval()

        tokenizer = AutoTokenizer.from_pretrained(base_dir)
        encoded = tokenizer(
            page["texts"],
            padding=True,
            truncation=True,
            max_length=page["max_len"],
            return_tensors="pt",
        )
        with torch.no_grad():
            logits = model(**encoded).logits

    shown = torch.tensor(page["logits"], dtype=torch.float32)
    same_shape = list(logits.shape) == list(shown.shape)
    logit_diff = (logits - shown).abs().max().item() if same_shape else float("inf")
    ok = (
        names == ADAPTER_FILES
        and not load_warnings
        and labels == page["labels"]
        and same_shape
        and logit_diff <= LOGIT_TOLERANCE
    )
    return {
        "ok": ok,
        "zip_files": names,
        "load_warnings": load_warnings,
        "labels": {"adapter": labels, "page": page["labels"]},
        "problem_type": problem_type,
        "logits_max_abs_diff": logit_diff,
        "logits_tolerance": LOGIT_TOLERANCE,
        "argmax_agree": bool(same_shape and (logits.argmax(-1) == shown.argmax(-1)).all().item()),
        "peft_logits": logits.tolist(),
        "page_logits": page["logits"],
    }


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        verdict = check(sys.argv[1], sys.argv[2])
    except Exception as error:  # a load failure is a verdict, not a crash
        verdict = {"ok": False, "error": f"{type(error).__name__}: {error}"}
    verdict.update(peft=peft.__version__, transformers=transformers.__version__, torch=torch.__version__)
    text = json.dumps(verdict)
    print(text)
    out = os.environ.get("OUT")
    if out:
        # Named after the artifacts folder, so that the single- and multi-label verdicts both come back.
        name = os.path.basename(os.path.normpath(sys.argv[1]))
        with open(os.path.join(out, f"browser_adapter_verdict_{name}.json"), "w", encoding="utf-8") as f:
            f.write(text + "\n")
    return 0 if verdict["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
