#!/usr/bin/env python3
"""PEFT adapters of every family, saved by PEFT itself, for LoRA Lab to load (tests/fixtures/families).

    python3 scripts/device/save_family_adapters.py FIXTURES_DIR OUT_DIR

FIXTURES_DIR is tests/fixtures/families. For each family folder with a golden.json, the model is built
from its config.json with the hashed weights (make_family_golden.py's `hashed`), PEFT's LoRA is applied
as there (r 4, alpha 8, the family's default targets, SEQ_CLS) with the same hashed factors, and
`save_pretrained` writes OUT_DIR/<family>/peft-adapter/ (adapter_config.json, adapter_model.safetensors).
The logits of that model are golden.json's `lora.logits`; the script checks it before saving.
"""
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_family_golden import OWN_DEFAULT_TARGETS, forward, hashed  # noqa: E402


def main():
    import transformers as tf
    from peft import LoraConfig, get_peft_model
    from peft.utils.constants import TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING as DEFAULTS

    fixtures, out = sys.argv[1:3]
    for family in sorted(os.listdir(fixtures)):
        path = os.path.join(fixtures, family, "golden.json")
        if not os.path.exists(path):
            continue
        with open(path, encoding="utf-8") as f:
            golden = json.load(f)
        config = tf.AutoConfig.from_pretrained(os.path.join(fixtures, family))
        model = tf.AutoModelForSequenceClassification.from_config(config, attn_implementation="eager").eval()
        with torch.no_grad():
            for name, p in model.named_parameters():
                spec = golden["weights"][name]
                p.copy_(torch.from_numpy((hashed(name, p.numel()) * spec["scale"] + spec["offset"]).astype(np.float32)).reshape(p.shape))
        targets = None if DEFAULTS.get(config.model_type) else OWN_DEFAULT_TARGETS[config.model_type]
        peft_model = get_peft_model(model, LoraConfig(task_type="SEQ_CLS", r=4, lora_alpha=8, lora_dropout=0.0,
                                                      init_lora_weights=False, target_modules=targets))
        with torch.no_grad():
            for name, p in peft_model.named_parameters():
                if "lora_" in name:
                    saved = name.replace(".default", "")
                    p.copy_(torch.from_numpy((hashed(saved, p.numel()) * 0.125).astype(np.float32)).reshape(p.shape))
        peft_model.eval()
        b = golden["batch"]
        with torch.no_grad():
            logits = forward(peft_model, b["input_ids"], b["attention_mask"], b["token_type_ids"], b["token_type_ids"] is not None)
        diff = float((logits.double() - torch.tensor(golden["lora"]["logits"], dtype=torch.float64)).abs().max())
        assert diff < 1e-5, f"{family}: rebuilt LoRA logits differ from golden.json by {diff}"
        target = os.path.join(out, family, "peft-adapter")
        peft_model.save_pretrained(target)
        print(f"{family}: saved {target} (logits within {diff:.1e} of golden.json)", flush=True)


if __name__ == "__main__":
    main()
