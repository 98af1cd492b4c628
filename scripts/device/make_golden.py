#!/usr/bin/env python3
"""Writes the project's golden fixtures (tests/fixtures/golden/) with the reference Python stack.

    python3 scripts/device/make_golden.py MODEL_DIR ADAPTER_DIR OUT_DIR [--commit SHA] [--uncommitted-changes]

MODEL_DIR is ../shared/fixtures/bert-tiny-cls, ADAPTER_DIR ../shared/fixtures/peft-lora-adapter (a LoRA
adapter for it with non-zero lora_B, so that lora_A gets a gradient too). Runs on the CPU in float32,
eager attention. Writes to OUT_DIR:

  bert-pairs.json        sentence pairs ([CLS] a [SEP] b [SEP], token type 1 on b) padded to the
                         longest row; eval mode: logits, loss, and per parameter the gradient's L2 norm
                         and its values at chosen positions (flat indices into the tensor)
  train-step-full.json   dropout 0, train mode, two steps of torch.optim.AdamW over every parameter:
                         losses, step-1 gradients, and after each step the updated tensor's L2 norm
                         and its values at the chosen positions
  train-step-lora.json   the same for the adapter loaded trainable by PEFT (LoRA factors, classifier)
  metrics-sklearn.json   scikit-learn's accuracy, precision, recall, F1 (per class, weighted, macro;
                         zero_division=0) and confusion matrix for seeded random labels

Positions are chosen where the step-1 gradient is not small (|g| >= a quarter of the RMS over the
candidates), so a wrong value cannot hide under an absolute tolerance; for the word embeddings only rows
of tokens in the batch are candidates ([CLS], [SEP] and four others, never the PAD row). A tensor whose
gradient is zero in exact arithmetic (the attention key biases: a shift of every key score cancels in
the softmax) holds only rounding noise; it is marked `zero_gradient` and gets no positions.
"""
import argparse
import hashlib
import json
import os
import platform

import numpy as np
import torch
import torch.nn.functional as F

# Our trainer's AdamW defaults (src/train/trainer.ts, src/optim/adamw.ts); lr as the LoRA preset's order.
LR = 1e-3
BETAS = (0.9, 0.999)
EPS = 1e-8
WEIGHT_DECAY = 0.01
STEPS = 2
POSITIONS_PER_TENSOR = 12
WORD_ROWS = 6
COLUMNS_PER_WORD_ROW = 3
# Below this L2 norm a gradient is rounding noise (the smallest real one in this model is about 1e-3).
ZERO_GRADIENT_NORM = 1e-6

PAIRS = [
    ("I was charged a late fee twice this month.", "The bank refused to refund either charge."),
    ("My credit report lists an account I never opened.", "Nobody answers my dispute letters."),
    ("The mortgage servicer lost my payment.", "Now they say I am in default."),
    ("Debt collectors call me every day at work", "about a loan that was paid off in 2019"),
    ("Wire transfer missing", "Where is my money?"),
    ("My student loan was transferred to a new servicer without notice.",
     "The new company charges interest I was told I would not owe, and it will not explain why."),
    ("Card declined abroad", "fraud alert"),
    ("They closed my checking account", "and kept the remaining balance of $312."),
]
LABELS = [3, 0, 8, 5, 1, 7, 2, 4]


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def floats(t):
    return [float(v) for v in t.detach().double().flatten().tolist()]


def l2(t):
    return float(t.detach().double().norm().item())


def make_inputs(model_dir):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    enc = tokenizer([a for a, _ in PAIRS], [b for _, b in PAIRS], padding="longest", return_tensors="pt")
    ids, mask, types = enc["input_ids"], enc["attention_mask"], enc["token_type_ids"]
    lengths = mask.sum(1)
    assert lengths.min() < lengths.max(), "the batch must hold real padding"
    assert bool((types == 1).any()), "the second segments must have token type 1"
    return {
        "pairs": [list(p) for p in PAIRS],
        "input_ids": ids.tolist(),
        "attention_mask": mask.tolist(),
        "token_type_ids": types.tolist(),
        "labels": LABELS,
    }, tokenizer


def tensors(inputs):
    return (
        torch.tensor(inputs["input_ids"]),
        torch.tensor(inputs["attention_mask"]),
        torch.tensor(inputs["token_type_ids"]),
        torch.tensor(inputs["labels"]),
    )


def choose_positions(name, grad, inputs, rng, special_ids):
    """Flat indices where the gradient is well above zero; [] for a gradient of pure rounding noise."""
    g = grad.detach().double().flatten()
    if g.norm().item() < ZERO_GRADIENT_NORM:
        return []
    shape = list(grad.shape)
    if name.endswith("word_embeddings.weight"):
        return word_embedding_positions(g, shape[1], inputs, rng, special_ids)
    if name.endswith("position_embeddings.weight"):
        candidates = np.arange(len(inputs["input_ids"][0]) * shape[1])
    else:
        candidates = np.arange(g.numel())
    return strong_sample(g.numpy(), candidates, POSITIONS_PER_TENSOR, rng)


def strong_sample(g, candidates, k, rng):
    values = np.abs(g[candidates])
    rms = float(np.sqrt(np.mean(values**2)))
    strong = candidates[values >= 0.25 * rms]
    picked = set(rng.choice(strong, size=min(k, len(strong)), replace=False).tolist())
    picked.add(int(candidates[int(np.argmax(values))]))
    return sorted(int(i) for i in picked)


def word_embedding_positions(g, width, inputs, rng, special_ids):
    used = sorted({t for row, m in zip(inputs["input_ids"], inputs["attention_mask"]) for t, k in zip(row, m) if k})
    others = [t for t in used if t not in special_ids]
    rows = list(special_ids) + sorted(rng.choice(others, size=WORD_ROWS - len(special_ids), replace=False).tolist())
    positions = []
    for token in rows:
        candidates = np.arange(token * width, (token + 1) * width)
        positions += strong_sample(g.numpy(), candidates, COLUMNS_PER_WORD_ROW, rng)
    return sorted(set(positions))


def gradient_record(name, p, inputs, rng, special_ids):
    index = choose_positions(name, p.grad, inputs, rng, special_ids)
    flat = p.grad.detach().flatten()
    record = {"shape": list(p.shape), "grad_norm": l2(p.grad), "index": index, "grad": floats(flat[index])}
    if not index:
        record["zero_gradient"] = True
    return record


def eval_golden(model_dir, inputs, special_ids):
    from transformers import BertForSequenceClassification

    model = BertForSequenceClassification.from_pretrained(model_dir, dtype=torch.float32, attn_implementation="eager")
    model.eval()
    ids, mask, types, labels = tensors(inputs)
    logits = model(input_ids=ids, attention_mask=mask, token_type_ids=types).logits
    loss = F.cross_entropy(logits, labels)
    loss.backward()
    rng = np.random.default_rng(1)
    params = {n: gradient_record(n, p, inputs, rng, special_ids) for n, p in model.named_parameters()}
    return {"logits": logits.tolist(), "loss": float(loss.item()), "params": params}


def train_golden(model, inputs, special_ids):
    """STEPS AdamW steps on the one batch; positions from the step-1 gradient."""
    ids, mask, types, labels = tensors(inputs)
    named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(
        [p for _, p in named], lr=LR, betas=BETAS, eps=EPS, weight_decay=WEIGHT_DECAY
    )
    model.train()
    rng = np.random.default_rng(2)
    params, losses = {}, []
    for step in range(STEPS):
        optimizer.zero_grad(set_to_none=True)
        logits = model(input_ids=ids, attention_mask=mask, token_type_ids=types).logits
        loss = F.cross_entropy(logits, labels)
        loss.backward()
        losses.append(float(loss.item()))
        if step == 0:
            for n, p in named:
                params[n] = gradient_record(n, p, inputs, rng, special_ids)
                params[n]["before"] = floats(p.detach().flatten()[params[n]["index"]])
                params[n]["before_norm"] = l2(p)
                params[n]["updated"] = []
                params[n]["updated_norm"] = []
        optimizer.step()
        for n, p in named:
            params[n]["updated"].append(floats(p.detach().flatten()[params[n]["index"]]))
            params[n]["updated_norm"].append(l2(p))
    return {
        "optimizer": {"name": "torch.optim.AdamW", "lr": LR, "betas": list(BETAS), "eps": EPS, "weight_decay": WEIGHT_DECAY},
        "steps": STEPS,
        "losses": losses,
        "params": params,
    }


def no_dropout_model(model_dir):
    from transformers import BertForSequenceClassification

    return BertForSequenceClassification.from_pretrained(
        model_dir,
        dtype=torch.float32,
        attn_implementation="eager",
        hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0,
        classifier_dropout=0.0,
    )


def lora_golden(model_dir, adapter_dir, inputs, special_ids):
    from peft import PeftModel

    model = PeftModel.from_pretrained(no_dropout_model(model_dir), adapter_dir, is_trainable=True)
    dropouts = [m.p for m in model.modules() if isinstance(m, torch.nn.Dropout)]
    assert all(p == 0 for p in dropouts), f"dropout left on: {dropouts}"
    trainable, total = model.get_nb_trainable_parameters()
    out = train_golden(model, inputs, special_ids)
    out["trainable"], out["total"] = trainable, total
    return out


def metrics_case(seed, n, k, absent_from_truth, absent_from_predictions, hit_rate):
    from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support

    rng = np.random.default_rng(seed)
    truth_classes = [c for c in range(k) if c not in absent_from_truth]
    pred_classes = [c for c in range(k) if c not in absent_from_predictions]
    y_true = rng.choice(truth_classes, size=n)
    y_pred = np.where(
        (rng.random(n) < hit_rate) & np.isin(y_true, pred_classes), y_true, rng.choice(pred_classes, size=n)
    )
    labels = list(range(k))
    case = {
        "seed": seed,
        "num_classes": k,
        "absent_from_truth": absent_from_truth,
        "absent_from_predictions": absent_from_predictions,
        "y_true": y_true.tolist(),
        "y_pred": y_pred.tolist(),
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "confusion": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
    }
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=labels, average=None, zero_division=0)
    case["per_class"] = {"precision": p.tolist(), "recall": r.tolist(), "f1": f.tolist(), "support": s.tolist()}
    for average in ("weighted", "macro"):
        p, r, f, _ = precision_recall_fscore_support(y_true, y_pred, labels=labels, average=average, zero_division=0)
        case[f"precision_{average}"], case[f"recall_{average}"], case[f"f1_{average}"] = float(p), float(r), float(f)
    return case


def metrics_golden():
    import sklearn

    cases = [
        metrics_case(11, 300, 9, [7, 8], [2, 8], 0.6),
        metrics_case(12, 257, 5, [4], [0], 0.3),
        metrics_case(13, 400, 3, [], [], 0.8),
    ]
    return {"sklearn": sklearn.__version__, "zero_division": 0, "cases": cases}


def write(out_dir, name, meta, body):
    path = os.path.join(out_dir, name)
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"meta": meta, **body}, f, separators=(",", ":"))
        f.write("\n")
    print(f"{path}: {os.path.getsize(path)} bytes")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model_dir")
    ap.add_argument("adapter_dir")
    ap.add_argument("out_dir")
    ap.add_argument("--commit", default=None, help="the LoRA Lab commit this script came from")
    ap.add_argument("--uncommitted-changes", action="store_true", help="that commit's tree had changes")
    a = ap.parse_args()

    import peft
    import transformers

    torch.manual_seed(0)
    torch.use_deterministic_algorithms(True)
    os.makedirs(a.out_dir, exist_ok=True)
    meta = {
        "made_by": "scripts/device/make_golden.py",
        "commit": a.commit,
        "uncommitted_changes": a.uncommitted_changes,
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "peft": peft.__version__,
        "python": platform.python_version(),
        "device": "cpu, float32, eager attention",
        "model": os.path.basename(os.path.normpath(a.model_dir)),
        "model_sha256": sha256(os.path.join(a.model_dir, "model.safetensors")),
        "adapter": os.path.basename(os.path.normpath(a.adapter_dir)),
        "adapter_sha256": sha256(os.path.join(a.adapter_dir, "adapter_model.safetensors")),
    }
    inputs, tokenizer = make_inputs(a.model_dir)
    special_ids = [tokenizer.cls_token_id, tokenizer.sep_token_id]
    write(a.out_dir, "bert-pairs.json", meta, {"inputs": inputs, **eval_golden(a.model_dir, inputs, special_ids)})
    full = train_golden(no_dropout_model(a.model_dir), inputs, special_ids)
    write(a.out_dir, "train-step-full.json", meta, full)
    write(a.out_dir, "train-step-lora.json", meta, lora_golden(a.model_dir, a.adapter_dir, inputs, special_ids))
    write(a.out_dir, "metrics-sklearn.json", {k: meta[k] for k in ("made_by", "commit", "uncommitted_changes")}, metrics_golden())


if __name__ == "__main__":
    main()
