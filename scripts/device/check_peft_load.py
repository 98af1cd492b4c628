#!/usr/bin/env python3
"""Loads adapters saved by LoRA Lab with HF PEFT and compares them with our engine.

    python3 scripts/device/check_peft_load.py SAMPLE_DIR [RESAVE_DIR]

SAMPLE_DIR comes from scripts/device/make-peft-sample.ts: base/ (a BERT classifier), inputs.json and
adapters/NAME/ (adapter_config.json, adapter_model.safetensors, expected.json). For every adapter:
PeftModel.from_pretrained(base, adapter, is_trainable=True) must load without missing or unexpected
adapter keys; PEFT's own state dict of the loaded model (get_peft_model_state_dict, what save_pretrained
would write) must hold exactly our tensor names with our values (less two artefacts of bias="all", see
below); the logits (eval mode) must agree with
ours within 1e-4, and so must the logits after merge_and_unload; and PEFT's trainable / all parameter
counts must equal ours. Prints one JSON verdict; exits 0 when everything holds, 1 otherwise.

With RESAVE_DIR, each loaded adapter is also written back by PEFT's save_pretrained to RESAVE_DIR/NAME/,
with PEFT's logits in RESAVE_DIR/NAME/peft_logits.json, so that our loader can be tried on files PEFT
wrote.
"""
import json
import os
import sys
import warnings

import torch
import transformers
import peft
from peft import PeftModel, get_peft_model_state_dict
from safetensors.torch import load_file
from transformers import BertForSequenceClassification

LOGIT_TOLERANCE = 1e-4


def check_adapter(base_dir, adapter_dir, inputs, resave_dir=None):
    with open(os.path.join(adapter_dir, "expected.json"), encoding="utf-8") as f:
        expected = json.load(f)
    ids = torch.tensor(inputs["input_ids"], dtype=torch.long)
    mask = torch.tensor(inputs["attention_mask"], dtype=torch.long)
    types = torch.tensor(inputs["token_type_ids"], dtype=torch.long)

    base = BertForSequenceClassification.from_pretrained(base_dir, dtype=torch.float32)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = PeftModel.from_pretrained(base, adapter_dir, is_trainable=True)
    load_warnings = [str(w.message) for w in caught if "key" in str(w.message).lower()]
    model.eval()

    ours = load_file(os.path.join(adapter_dir, "adapter_model.safetensors"))
    theirs = {k: v.detach().cpu() for k, v in get_peft_model_state_dict(model).items()}
    # With bias="all", PEFT's state dict also holds a modules_to_save module's frozen original and its
    # trained bias a second time (`classifier.original_module.bias`, `classifier.modules_to_save.bias`);
    # neither is needed to load the adapter, and we do not write them.
    artefacts = sorted(k for k in theirs if ".original_module." in k or ".modules_to_save." in k)
    theirs = {k: v for k, v in theirs.items() if k not in artefacts}
    missing_in_peft = sorted(set(ours) - set(theirs))
    extra_in_peft = sorted(set(theirs) - set(ours))
    value_diff = max(
        [(ours[k].float() - theirs[k].float()).abs().max().item() for k in set(ours) & set(theirs)] or [0.0]
    )

    with torch.no_grad():
        logits = model(input_ids=ids, attention_mask=mask, token_type_ids=types).logits
    logit_diff = (logits - torch.tensor(expected["logits"])).abs().max().item()
    trainable, total = model.get_nb_trainable_parameters()
    if resave_dir:
        target = os.path.join(resave_dir, os.path.basename(adapter_dir))
        model.save_pretrained(target)
        with open(os.path.join(target, "peft_logits.json"), "w", encoding="utf-8") as f:
            json.dump({"logits": logits.tolist(), "trainable": trainable, "total": total}, f)

    merged_model = model.merge_and_unload()
    merged_model.eval()
    with torch.no_grad():
        merged = merged_model(input_ids=ids, attention_mask=mask, token_type_ids=types).logits
    merged_diff = (merged - torch.tensor(expected["merged_logits"])).abs().max().item()

    ok = (
        not load_warnings
        and not missing_in_peft
        and not extra_in_peft
        and value_diff == 0.0
        and logit_diff <= LOGIT_TOLERANCE
        and merged_diff <= LOGIT_TOLERANCE
        and trainable == expected["trainable"]
        and total == expected["total"]
    )
    return {
        "name": os.path.basename(adapter_dir),
        "ok": ok,
        "load_warnings": load_warnings,
        "tensors_only_in_ours": missing_in_peft,
        "tensors_only_in_peft": extra_in_peft,
        "peft_artefacts_ignored": artefacts,
        "tensor_values_max_abs_diff": value_diff,
        "logits_max_abs_diff": logit_diff,
        "merged_logits_max_abs_diff": merged_diff,
        "argmax_agree": bool((logits.argmax(-1) == torch.tensor(expected["logits"]).argmax(-1)).all().item()),
        "trainable": {"peft": trainable, "ours": expected["trainable"]},
        "all_params": {"peft": total, "ours": expected["total"]},
    }


def main() -> int:
    if len(sys.argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    sample_dir = sys.argv[1]
    resave_dir = sys.argv[2] if len(sys.argv) == 3 else None
    base_dir = os.path.join(sample_dir, "base")
    with open(os.path.join(sample_dir, "inputs.json"), encoding="utf-8") as f:
        inputs = json.load(f)
    adapters_root = os.path.join(sample_dir, "adapters")
    names = sorted(
        n for n in os.listdir(adapters_root) if os.path.isfile(os.path.join(adapters_root, n, "adapter_config.json"))
    )
    results = []
    for name in names:
        try:
            results.append(check_adapter(base_dir, os.path.join(adapters_root, name), inputs, resave_dir))
        except Exception as error:  # a load failure is a verdict, not a crash
            results.append({"name": name, "ok": False, "error": f"{type(error).__name__}: {error}"})
    ok = bool(results) and all(r["ok"] for r in results)
    verdict = {
        "ok": ok,
        # The commit the sample was made from (None for a sample older than this field).
        "source": inputs.get("source"),
        "peft": peft.__version__,
        "transformers": transformers.__version__,
        "torch": torch.__version__,
        "logits_tolerance": LOGIT_TOLERANCE,
        "adapters": results,
    }
    print(json.dumps(verdict))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
