#!/usr/bin/env python3
"""PEFT adapters that train biases (bias="all" and bias="lora_only"), saved by PEFT itself, with the
logits PEFT gives for three texts: the golden for LoRA Lab's loading of such adapters (predict,
evaluate and serve).

    python3 scripts/device/save_bias_adapters.py .device-input/bert-tiny-mlm "$OUT"

The base is the bert-tiny checkpoint LoRA Lab's tests and benchmarks use (config, weights, vocab). For
each bias mode, a sequence classifier of three labels is built on it (its head seeded), PEFT 0.21's
LoRA is applied (r 4, alpha 8, query and value, SEQ_CLS, init_lora_weights False), and every trainable
tensor (the LoRA factors, the head, the biases the mode trains) is moved by seeded noise, as training
would move it. `save_pretrained` writes OUT/bias-<mode>/ (adapter_config.json,
adapter_model.safetensors) beside golden.json: the texts, their token ids, the logits of the model in
memory, and the logits of the adapter reloaded from the saved files with PeftModel.from_pretrained
(what a PEFT user gets; they differ where PEFT's files leave a trained bias out).
"""
import json
import os
import sys

import peft
import torch
import transformers as tf

TEXTS = [
    "I was charged a late fee on my credit card after paying on time.",
    "The debt collector keeps calling me about a loan I never took.",
    "My mortgage servicer lost the paperwork for my modification request.",
]
LABELS = ["billing", "debt", "mortgage"]


def logits_of(model, batch):
    with torch.no_grad():
        return model(**batch).logits.double().tolist()


def main():
    base_dir, out = sys.argv[1:3]
    tokenizer = tf.AutoTokenizer.from_pretrained(base_dir)
    batch = tokenizer(TEXTS, padding=True, truncation=True, max_length=64, return_tensors="pt")
    for mode in ["all", "lora_only"]:
        torch.manual_seed(7)
        model = tf.AutoModelForSequenceClassification.from_pretrained(
            base_dir, num_labels=len(LABELS), id2label=dict(enumerate(LABELS)), label2id={l: i for i, l in enumerate(LABELS)},
            attn_implementation="eager",
        ).eval()
        config = peft.LoraConfig(task_type="SEQ_CLS", r=4, lora_alpha=8, lora_dropout=0.0, bias=mode,
                                 target_modules=["query", "value"], init_lora_weights=False)
        peft_model = peft.get_peft_model(model, config)
        generator = torch.Generator().manual_seed(11)
        trained = []
        with torch.no_grad():
            for name, p in peft_model.named_parameters():
                if p.requires_grad:
                    p.add_(torch.randn(p.shape, generator=generator) * 0.1)
                    trained.append(name)
        peft_model.eval()
        in_memory = logits_of(peft_model, batch)
        target = os.path.join(out, f"bias-{mode}")
        peft_model.save_pretrained(target)
        with open(os.path.join(target, "label_map.json"), "w", encoding="utf-8") as f:
            json.dump({"label2id": {l: i for i, l in enumerate(LABELS)}, "id2label": {str(i): l for i, l in enumerate(LABELS)}}, f)
        base = tf.AutoModelForSequenceClassification.from_pretrained(
            base_dir, num_labels=len(LABELS), attn_implementation="eager").eval()
        reloaded = peft.PeftModel.from_pretrained(base, target).eval()
        from_files = logits_of(reloaded, batch)
        golden = {
            "peft": peft.__version__,
            "transformers": tf.__version__,
            "torch": torch.__version__,
            "bias": mode,
            "labels": LABELS,
            "texts": TEXTS,
            "max_length": 64,
            "input_ids": batch["input_ids"].tolist(),
            "trained": trained,
            "logits_in_memory": in_memory,
            "logits_reloaded": from_files,
        }
        with open(os.path.join(target, "golden.json"), "w", encoding="utf-8") as f:
            json.dump(golden, f, indent=1)
        drift = max(abs(a - b) for ra, rb in zip(in_memory, from_files) for a, b in zip(ra, rb))
        print(f"bias {mode}: saved {target}, {len(trained)} trained tensors, reloaded logits within {drift:.1e} of the model in memory", flush=True)


if __name__ == "__main__":
    main()
