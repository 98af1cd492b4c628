#!/usr/bin/env python3
"""Loads every tokenizer directory LoRA Lab saved with HF's AutoTokenizer and compares encodings.

    python3 scripts/device/check_tokenizer_save.py SAMPLE_DIR

SAMPLE_DIR comes from scripts/device/make-tokenizer-save-sample.ts: one folder per family with the saved
tokenizer files and cases.json (our ids and token type ids of texts and pairs, some cut to max_length).
For each folder, AutoTokenizer.from_pretrained must load it, its pad_token_id must be ours, and every
case must give our input_ids exactly (and our token_type_ids where the tokenizer returns them; pairs are
cut with HF's default truncation, longest_first). Prints one JSON verdict; exits 0 when all hold.
"""
import json
import os
import sys

import transformers
from transformers import AutoTokenizer


def check(folder):
    with open(os.path.join(folder, "cases.json"), encoding="utf-8") as f:
        sample = json.load(f)
    tok = AutoTokenizer.from_pretrained(folder)
    failures = []
    for i, case in enumerate(sample["cases"]):
        kwargs = {}
        if case.get("max_length") is not None:
            kwargs = {"truncation": True, "max_length": case["max_length"]}
        args = (case["text"], case["pair"]) if case.get("pair") is not None else (case["text"],)
        enc = tok(*args, **kwargs)
        problems = []
        if enc["input_ids"] != case["ids"]:
            problems.append({"hf_ids": enc["input_ids"], "ours": case["ids"]})
        types = enc.get("token_type_ids")
        if types is not None and types != case["token_type_ids"]:
            problems.append({"hf_types": types, "ours": case["token_type_ids"]})
        if problems:
            failures.append({"case": i, "text": case["text"][:40], "pair": (case.get("pair") or "")[:40],
                             "max_length": case.get("max_length"), "problems": problems})
    return {
        "class": type(tok).__name__,
        "cases": len(sample["cases"]),
        "pad_id_matches": tok.pad_token_id == sample["pad_id"],
        "failures": failures[:10],
        "failed": len(failures),
    }


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    root = sys.argv[1]
    results = {}
    for name in sorted(os.listdir(root)):
        folder = os.path.join(root, name)
        if os.path.isfile(os.path.join(folder, "cases.json")):
            try:
                results[name] = check(folder)
            except Exception as error:  # one folder's failure must not hide the others'
                results[name] = {"error": repr(error)}
    ok = bool(results) and all(
        "error" not in r and r["failed"] == 0 and r["pad_id_matches"] for r in results.values()
    )
    print(json.dumps({"ok": ok, "transformers": transformers.__version__, "results": results}, indent=1,
                     ensure_ascii=False))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
