#!/usr/bin/env python3
"""Loads what `lora-lab export-onnx` wrote for every model family with the Python ONNX stack, and compares.

    python3 scripts/device/check_onnx_export.py .device-input/onnx-export > "$OUT/onnx-export-verdict.json"

The input comes from scripts/device/make-onnx-export-samples.ts: one folder per family with export/ (the
folder export-onnx writes: config.json, tokenizer files, onnx/model.onnx, onnx/model_quantized.onnx) and
expected.json (texts, LoRA Lab's labels and logits on them, the golden batch and PEFT's merged logits on
it). Per family: onnx.checker.check_model(full_check=True) must pass for both models; onnxruntime (CPU)
must give PEFT's merged logits on the golden batch within 1e-4; transformers' AutoTokenizer and
AutoConfig must load the folder; the texts, tokenized by that tokenizer and run in onnxruntime, must give
LoRA Lab's logits within 1e-4 and its labels (the int8 model: its labels, drift reported). Prints one JSON
verdict; exits 0 when everything holds, 1 otherwise.
"""
import json
import os
import sys

import numpy as np
import onnx
import onnxruntime
import transformers
from transformers import AutoConfig, AutoTokenizer

TOLERANCE = 1e-4


def run(session, ids, mask, types):
    feeds = {"input_ids": np.asarray(ids, dtype=np.int64), "attention_mask": np.asarray(mask, dtype=np.int64)}
    names = [i.name for i in session.get_inputs()]
    if "token_type_ids" in names:
        feeds["token_type_ids"] = np.asarray(types if types is not None else np.zeros_like(feeds["input_ids"]), dtype=np.int64)
    return session.run(["logits"], {k: v for k, v in feeds.items() if k in names})[0]


def check(family_dir):
    expected = json.load(open(os.path.join(family_dir, "expected.json")))
    export = os.path.join(family_dir, "export")
    result = {"family": expected["family"]}
    ok = True
    sessions = {}
    for name in ["model.onnx", "model_quantized.onnx"]:
        path = os.path.join(export, "onnx", name)
        try:
            onnx.checker.check_model(path, full_check=True)
            result[f"{name} checker"] = "passed"
        except Exception as error:  # the verdict records why
            result[f"{name} checker"] = f"failed: {error}"
            ok = False
        sessions[name] = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    batch = expected["batch"]
    golden = run(sessions["model.onnx"], batch["input_ids"], batch["attention_mask"], batch.get("token_type_ids"))
    result["golden batch max |diff| vs PEFT merged"] = float(np.abs(golden - np.asarray(expected["merged_logits"])).max())
    ok &= result["golden batch max |diff| vs PEFT merged"] <= TOLERANCE
    tokenizer = AutoTokenizer.from_pretrained(export)
    config = AutoConfig.from_pretrained(export)
    labels = [config.id2label[i] for i in range(config.num_labels)]
    encoded = tokenizer(expected["texts"], padding=True, truncation=True, max_length=64, return_tensors="np")
    types = encoded.get("token_type_ids")
    ours = np.asarray([p["logits"] for p in expected["predictions"]])
    for name, session in sessions.items():
        logits = run(session, encoded["input_ids"], encoded["attention_mask"], types)
        predicted = [labels[i] for i in logits.argmax(axis=1)]
        diff = float(np.abs(logits - ours).max())
        same = predicted == [p["label"] for p in expected["predictions"]]
        result[f"{name} texts max |diff| vs LoRA Lab"] = diff
        result[f"{name} same labels as LoRA Lab"] = same
        ok &= same and (diff <= TOLERANCE or name != "model.onnx")
    result["ok"] = bool(ok)
    return result


def main():
    root = sys.argv[1]
    families = sorted(d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d)))
    results = [check(os.path.join(root, d)) for d in families]
    verdict = {
        "onnx": onnx.__version__,
        "onnxruntime": onnxruntime.__version__,
        "transformers": transformers.__version__,
        "families": results,
        "ok": all(r["ok"] for r in results),
    }
    print(json.dumps(verdict, indent=1))
    sys.exit(0 if verdict["ok"] else 1)


if __name__ == "__main__":
    main()
