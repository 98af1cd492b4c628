"""One multi-label training run with PyTorch + transformers + PEFT, as `lora-lab train --multi-label` trains.

The loop is tune_search.py's `train_one` (the one the tuned preset was chosen with: batch 16, AdamW,
linear decay after warm-up, one torch generator for the shuffles) with what multi-label changes, each as
LoRA Lab does it (src/train/trainer.ts, src/train/multi-label-metrics.ts):
- the config's problem_type is multi_label_classification and the labels are float 0/1 targets, so
  transformers itself computes the loss (BCEWithLogitsLoss, the mean over every label of every row);
- a label is predicted when its sigmoid probability reaches the threshold (0.5);
- the epoch kept is the first with the highest validation F1 weighted over labels by their support,
  which is what our trainer selects on for multi-label data too (its `f1_weighted`);
- the metrics are scikit-learn's on indicator matrices with zero_division=0, written out here so that
  the GPU machine needs no scikit-learn: F1 micro, macro, weighted, samples, and subset accuracy.
Imported by own_data_reference.py, which reads the data and runs the seeds.
"""
import math
import time

import tune_search

THRESHOLD = 0.5


def _divide(numerator, denominator):
    return 0.0 if denominator == 0 else numerator / denominator


def multi_label_metrics(truth, predicted):
    """truth, predicted: lists of rows of 0/1 per label. sklearn's f1_score averages and accuracy_score."""
    k = len(truth[0])
    tp, true_sum, pred_sum = [0] * k, [0] * k, [0] * k
    exact, samples_f1 = 0, 0.0
    for t_row, p_row in zip(truth, predicted):
        row_tp = sum(t & p for t, p in zip(t_row, p_row))
        samples_f1 += _divide(2 * row_tp, sum(t_row) + sum(p_row))
        exact += t_row == p_row
        for c in range(k):
            tp[c] += t_row[c] & p_row[c]
            true_sum[c] += t_row[c]
            pred_sum[c] += p_row[c]
    f1 = [_divide(2 * tp[c], true_sum[c] + pred_sum[c]) for c in range(k)]
    n = len(truth)
    return dict(
        f1_micro=_divide(2 * sum(tp), sum(true_sum) + sum(pred_sum)),
        f1_macro=sum(f1) / k,
        f1_weighted=_divide(sum(f * s for f, s in zip(f1, true_sum)), sum(true_sum)),
        f1_samples=samples_f1 / n,
        subset_accuracy=exact / n,
        per_label_f1=f1,
    )


def train_one(run, data, base_dir, device):
    """data: {"n_classes", "train"|"val"|"test": (token id lists, 0/1 target rows)}; one JSON-able result."""
    import torch
    from transformers import BertForSequenceClassification

    batch_size = tune_search.BATCH
    torch.manual_seed(run["seed"])
    n_classes = data["n_classes"]
    model = BertForSequenceClassification.from_pretrained(
        base_dir, num_labels=n_classes, problem_type="multi_label_classification"
    )
    if run["method"] == "lora":
        from peft import LoraConfig, get_peft_model

        lora = LoraConfig(task_type="SEQ_CLS", r=8, lora_alpha=32, lora_dropout=0.1, target_modules=["query", "value"])
        model = get_peft_model(model, lora)
    model.to(device)

    def batches(split, shuffle_gen=None):
        ids, targets = data[split]
        order = list(range(len(ids)))
        size = batch_size if shuffle_gen is not None else 128
        if shuffle_gen is not None:
            order = torch.randperm(len(ids), generator=shuffle_gen).tolist()
        for i in range(0, len(order), size):
            chunk = order[i : i + size]
            rows = [ids[j] for j in chunk]
            width = max(len(r) for r in rows)
            x = torch.zeros(len(rows), width, dtype=torch.long)
            m = torch.zeros(len(rows), width, dtype=torch.long)
            for k, r in enumerate(rows):
                x[k, : len(r)] = torch.tensor(r)
                m[k, : len(r)] = 1
            y = torch.tensor([targets[j] for j in chunk], dtype=torch.float32)
            yield x.to(device), m.to(device), y.to(device)

    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=run["lr"], weight_decay=tune_search.WEIGHT_DECAY)
    steps_per_epoch = math.ceil(len(data["train"][0]) / batch_size)
    total = steps_per_epoch * run["epochs"]
    # Rounded up, as LoRA Lab's warmupStepsFor and HF's warmup_ratio do (tune_search.py's int() rounds
    # down; the two agree whenever 10 % of the steps is a whole number).
    warmup = math.ceil(tune_search.WARMUP_RATIO * total)

    def factor(step):
        if step < warmup:
            return step / max(1, warmup)
        return max(0.0, (total - step) / max(1, total - warmup))

    sched = torch.optim.lr_scheduler.LambdaLR(opt, factor)
    gen = torch.Generator().manual_seed(run["seed"])
    history = []
    started = time.time()
    for epoch in range(1, run["epochs"] + 1):
        model.train()
        losses = []
        for x, m, y in batches("train", gen):
            out = model(input_ids=x, attention_mask=m, labels=y)
            opt.zero_grad(set_to_none=True)
            out.loss.backward()
            opt.step()
            sched.step()
            losses.append(out.loss.item())
        model.eval()
        scores = {}
        with torch.no_grad():
            for split in ("val", "test"):
                predicted = []
                for x, m, _ in batches(split):
                    probabilities = torch.sigmoid(model(input_ids=x, attention_mask=m).logits.float())
                    predicted.extend((probabilities >= THRESHOLD).int().tolist())
                scores[split] = multi_label_metrics(data[split][1], predicted)
        history.append(dict(epoch=epoch, train_loss=sum(losses) / len(losses), val=scores["val"], test=scores["test"]))
    # max() keeps the first of equal scores, as our trainer replaces its best only on a strictly higher one.
    best = max(history, key=lambda h: h["val"]["f1_weighted"])
    return dict(run, multi_label=True, threshold=THRESHOLD, history=history, best_epoch=best["epoch"],
                best_val_f1_weighted=best["val"]["f1_weighted"], test_at_best=best["test"],
                seconds=time.time() - started)
