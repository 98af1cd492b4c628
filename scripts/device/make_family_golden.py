#!/usr/bin/env python3
"""Golden values for every model family, made with the reference Python stack.

    python3 scripts/device/make_family_golden.py CORPUS OUT_DIR [--commit SHA]

CORPUS is a UTF-8 text file, one document a line (the CFPB narratives, see tests/fixtures/families/
README.md); it trains each family's small tokenizer of the family's kind (WordPiece for BERT, DistilBERT
and ELECTRA; byte-level BPE for RoBERTa; a SentencePiece Unigram model for XLM-RoBERTa; byte-level BPE
with [CLS]/[SEP] templates for ModernBERT).

For each family a small model is built by transformers from its config, and every weight is then set
from a counter-based hash (see `hashed`) that the TypeScript tests reproduce exactly; so no weight file
is committed: the fixture names each tensor's shape, scale and offset. Writes OUT_DIR/<family>/:

  tokenizer files    as `save_pretrained` writes them (tokenizer.json, tokenizer_config.json, ...)
  golden.json        config.json as transformers saves it; token ids of hard texts, singly and as pairs;
                     a padded batch's eval-mode logits, loss and every parameter's gradient norm; the
                     same batch through PEFT's LoRA (the family's default targets, hashed non-zero A and
                     B): logits, and the merged model's logits
"""
import argparse
import json
import os
import platform
import sys

import numpy as np
import torch

HARD_TEXTS = [
    "The bank charged me a late fee twice this month.",
    "Café résumé naïve façade — Ångström, Øre, Straße.",
    "東京の銀行で口座を開きました。北京银行 서울 은행",
    "My card 💳 was declined 🙁 at the store 🛒!!",
    "Antidisestablishmentarianism and pneumonoultramicroscopicsilicovolcanoconiosis",
    "  spaces   and\ttabs\nand new lines  ",
    "UPPER lower MiXeD 12345 3.14159 $1,000.00 user@example.com https://example.com/a?b=c",
    "Ünïcödé ﬁ ligature ＦＵＬＬ width ½ ² ™",
    "",
    "a",
]
PAIRS = [
    ("Was the fee refunded?", "No, the bank kept it."),
    ("Мой кредит был закрыт.", "Почему?"),
    ("Long first sentence about a mortgage servicer that lost my payment twice in a row", "short"),
]
BATCH = [
    ("I was charged a late fee twice this month.", None),
    ("Café résumé naïve — 東京 💳", None),
    ("My credit report lists an account I never opened and nobody answers my letters", None),
    ("Wire transfer missing", "Where is my money?"),
    ("The mortgage servicer lost my payment.", "Now they say I am in default and want fees."),
]
LABELS = [3, 0, 4, 1, 2]
NUM_LABELS = 5
MAX_LEN = 40
OWN_DEFAULT_TARGETS = {"distilbert": ["q_lin", "v_lin"], "modernbert": ["Wqkv"]}


def fnv1a(name):
    h = 0x811C9DC5
    for b in name.encode("utf-8"):
        h ^= b
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h


def hashed(name, count):
    """Uniform values in [-1, 1): murmur3's finaliser over (fnv1a(name) xor i·golden ratio), 24 bits.

    Every value is a 24-bit integer over 2^23, exact in float32, so TypeScript rebuilds the same bits."""
    i = np.arange(count, dtype=np.uint64)
    x = (np.uint64(fnv1a(name)) ^ ((i * np.uint64(0x9E3779B1)) & np.uint64(0xFFFFFFFF))) & np.uint64(0xFFFFFFFF)
    x ^= x >> np.uint64(16)
    x = (x * np.uint64(0x85EBCA6B)) & np.uint64(0xFFFFFFFF)
    x ^= x >> np.uint64(13)
    x = (x * np.uint64(0xC2B2AE35)) & np.uint64(0xFFFFFFFF)
    x ^= x >> np.uint64(16)
    m = (x >> np.uint64(8)).astype(np.float64)
    return (m - 2.0**23) / 2.0**23


def scale_and_offset(name, shape):
    """Scales are powers of two so that scale·value stays exact in float32."""
    if len(shape) == 1 and ("norm" in name.lower() or "LayerNorm" in name) and name.endswith("weight"):
        return 0.125, 1.0
    if name.endswith("bias"):
        return 0.0625, 0.0
    if "embed" in name or "embeddings" in name:
        return 0.5, 0.0
    return 0.125, 0.0


def set_hashed_weights(model):
    spec = {}
    with torch.no_grad():
        for name, p in model.named_parameters():
            scale, offset = scale_and_offset(name, list(p.shape))
            values = hashed(name, p.numel()) * scale + offset
            p.copy_(torch.from_numpy(values.astype(np.float32)).reshape(p.shape))
            spec[name] = {"shape": list(p.shape), "scale": scale, "offset": offset}
    return spec


def read_corpus(path, limit=4000):
    lines = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line:
                lines.append(line)
            if len(lines) >= limit:
                break
    # A few scripts the narratives lack, so that the vocabularies hold some of them.
    extra = [t for t in HARD_TEXTS if t] + [a + " " + b for a, b in PAIRS]
    return lines + extra * 20


def wordpiece(corpus, out, cls):
    from tokenizers import BertWordPieceTokenizer

    tok = BertWordPieceTokenizer(lowercase=True)
    tok.train_from_iterator(corpus, vocab_size=1200, min_frequency=2)
    os.makedirs(out, exist_ok=True)
    tok.save_model(out)
    # transformers 5 builds a tokenizer from a checkpoint's own files (vocab.txt here), as from the Hub.
    t = cls.from_pretrained(out, do_lower_case=True)
    assert len(t) > 1000, f"{cls.__name__} loaded {len(t)} tokens from {out}"
    t.save_pretrained(out)
    return t


def byte_bpe(corpus, specials):
    from tokenizers import ByteLevelBPETokenizer

    tok = ByteLevelBPETokenizer(add_prefix_space=False)
    tok.train_from_iterator(corpus, vocab_size=1200, min_frequency=2, special_tokens=specials)
    return tok


def roberta_tokenizer(corpus, out):
    from transformers import RobertaTokenizerFast

    tok = byte_bpe(corpus, ["<s>", "<pad>", "</s>", "<unk>", "<mask>"])
    os.makedirs(out, exist_ok=True)
    tok.save_model(out)
    t = RobertaTokenizerFast.from_pretrained(out)
    assert len(t) > 1000, f"RobertaTokenizerFast loaded {len(t)} tokens"
    t.save_pretrained(out)
    return t


def xlmr_tokenizer(corpus, out):
    from transformers import XLMRobertaTokenizerFast

    os.makedirs(out, exist_ok=True)
    try:
        import sentencepiece as spm

        text = os.path.join(out, "_corpus.txt")
        with open(text, "w", encoding="utf-8") as f:
            f.write("\n".join(corpus))
        spm.SentencePieceTrainer.train(
            input=text, model_prefix=os.path.join(out, "sentencepiece.bpe"), vocab_size=1000,
            model_type="unigram", character_coverage=1.0, normalization_rule_name="nmt_nfkc",
        )
        os.remove(text)
        t = XLMRobertaTokenizerFast.from_pretrained(out)
        assert len(t) > 900, f"XLMRobertaTokenizerFast loaded {len(t)} tokens"
        how = "sentencepiece (nmt_nfkc, Precompiled normalizer)"
    except ImportError:
        from tokenizers import SentencePieceUnigramTokenizer

        tok = SentencePieceUnigramTokenizer()
        tok.train_from_iterator(corpus, vocab_size=1000, special_tokens=["<s>", "<pad>", "</s>", "<unk>"], unk_token="<unk>")
        tok.add_special_tokens(["<mask>"])
        t = XLMRobertaTokenizerFast(tokenizer_object=tok._tokenizer)
        how = "tokenizers SentencePieceUnigramTokenizer (no sentencepiece module)"
    t.save_pretrained(out)
    return t, how


def modernbert_tokenizer(corpus, out):
    from tokenizers import processors
    from transformers import PreTrainedTokenizerFast

    specials = ["[UNK]", "[CLS]", "[SEP]", "[PAD]", "[MASK]"]
    tok = byte_bpe(corpus, specials)
    inner = tok._tokenizer
    cls_id, sep_id = inner.token_to_id("[CLS]"), inner.token_to_id("[SEP]")
    inner.post_processor = processors.TemplateProcessing(
        single="[CLS]:0 $A:0 [SEP]:0",
        pair="[CLS]:0 $A:0 [SEP]:0 $B:0 [SEP]:0",
        special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)],
    )
    t = PreTrainedTokenizerFast(
        tokenizer_object=inner, unk_token="[UNK]", cls_token="[CLS]", sep_token="[SEP]",
        pad_token="[PAD]", mask_token="[MASK]", model_input_names=["input_ids", "attention_mask"],
    )
    os.makedirs(out, exist_ok=True)
    t.save_pretrained(out)
    return t


def family_specs(corpus, out):
    import transformers as tf

    def d(name):
        return os.path.join(out, name)

    specs = []
    t = wordpiece(corpus, d("bert"), tf.BertTokenizerFast)
    specs.append(("bert", t, tf.BertConfig(
        vocab_size=len(t), hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
        max_position_embeddings=64, num_labels=NUM_LABELS, pad_token_id=t.pad_token_id), "wordpiece"))
    t = wordpiece(corpus, d("distilbert"), tf.DistilBertTokenizerFast)
    specs.append(("distilbert", t, tf.DistilBertConfig(
        vocab_size=len(t), dim=32, n_layers=2, n_heads=4, hidden_dim=64, max_position_embeddings=64,
        num_labels=NUM_LABELS, pad_token_id=t.pad_token_id), "wordpiece"))
    t = wordpiece(corpus, d("electra"), tf.ElectraTokenizerFast)
    specs.append(("electra", t, tf.ElectraConfig(
        vocab_size=len(t), embedding_size=16, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
        intermediate_size=64, max_position_embeddings=64, num_labels=NUM_LABELS, pad_token_id=t.pad_token_id), "wordpiece"))
    t = roberta_tokenizer(corpus, d("roberta"))
    specs.append(("roberta", t, tf.RobertaConfig(
        vocab_size=len(t), hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
        max_position_embeddings=64 + 2, type_vocab_size=1, num_labels=NUM_LABELS, pad_token_id=t.pad_token_id,
        bos_token_id=t.bos_token_id, eos_token_id=t.eos_token_id), "byte-level BPE"))
    t, how = xlmr_tokenizer(corpus, d("xlm-roberta"))
    specs.append(("xlm-roberta", t, tf.XLMRobertaConfig(
        vocab_size=len(t), hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
        max_position_embeddings=64 + 2, type_vocab_size=1, num_labels=NUM_LABELS, pad_token_id=t.pad_token_id,
        bos_token_id=t.bos_token_id, eos_token_id=t.eos_token_id), how))
    t = modernbert_tokenizer(corpus, d("modernbert"))
    for pooling in ("mean", "cls"):
        specs.append((f"modernbert-{pooling}" if pooling == "cls" else "modernbert", t, tf.ModernBertConfig(
            vocab_size=len(t), hidden_size=32, num_hidden_layers=3, num_attention_heads=4, intermediate_size=48,
            max_position_embeddings=64, global_attn_every_n_layers=3, local_attention=8,
            classifier_pooling=pooling, num_labels=NUM_LABELS, pad_token_id=t.pad_token_id,
            cls_token_id=t.cls_token_id, sep_token_id=t.sep_token_id, bos_token_id=t.cls_token_id,
            eos_token_id=t.sep_token_id), "byte-level BPE with [CLS]/[SEP] template"))
    return specs


def encode_cases(t):
    singles = [{"text": s, "ids": t(s)["input_ids"]} for s in HARD_TEXTS]
    pairs = []
    for a, b in PAIRS:
        enc = t(a, b)
        pairs.append({"text": a, "pair": b, "ids": enc["input_ids"], "token_type_ids": enc.get("token_type_ids")})
    truncated = []
    for a, b in PAIRS[2:]:
        enc = t(a, b, truncation=True, max_length=12)
        truncated.append({"text": a, "pair": b, "max_length": 12, "ids": enc["input_ids"],
                          "token_type_ids": enc.get("token_type_ids")})
    return {"singles": singles, "pairs": pairs, "truncated_pairs": truncated}


def batch_inputs(t):
    firsts = [a for a, _ in BATCH]
    enc_rows = []
    for a, b in BATCH:
        enc_rows.append(t(a, b, truncation=True, max_length=MAX_LEN) if b is not None else t(a, truncation=True, max_length=MAX_LEN))
    width = max(len(e["input_ids"]) for e in enc_rows)
    pad = t.pad_token_id
    ids, mask, types = [], [], []
    for e in enc_rows:
        n = len(e["input_ids"])
        ids.append(e["input_ids"] + [pad] * (width - n))
        mask.append([1] * n + [0] * (width - n))
        tt = e.get("token_type_ids") or [0] * n
        types.append(list(tt) + [0] * (width - n))
    del firsts
    return ids, mask, types


def forward(model, ids, mask, types, use_types):
    kwargs = {"input_ids": torch.tensor(ids), "attention_mask": torch.tensor(mask)}
    if use_types:
        kwargs["token_type_ids"] = torch.tensor(types)
    return model(**kwargs).logits


def run_family(family, tok, config, how, out, commit):
    import transformers as tf
    from peft import LoraConfig, get_peft_model
    from peft.utils.constants import TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING as DEFAULTS

    torch.manual_seed(0)
    config._attn_implementation = "eager"
    model = tf.AutoModelForSequenceClassification.from_config(config, attn_implementation="eager")
    model.eval()
    weights = set_hashed_weights(model)
    use_types = "token_type_ids" in tok.model_input_names
    ids, mask, types = batch_inputs(tok)
    labels = torch.tensor(LABELS)

    logits = forward(model, ids, mask, types, use_types)
    loss = torch.nn.functional.cross_entropy(logits, labels)
    loss.backward()
    grads = {n: float(p.grad.double().norm()) if p.grad is not None else 0.0 for n, p in model.named_parameters()}
    model.zero_grad()

    model_dir = os.path.join(out, family)
    os.makedirs(model_dir, exist_ok=True)
    model.config.save_pretrained(model_dir)
    with open(os.path.join(model_dir, "config.json")) as f:
        saved_config = json.load(f)

    # PEFT's table lacks some families (DistilBERT, ModernBERT in 0.21); then LoRA Lab's own default.
    targets = None if DEFAULTS.get(config.model_type) else OWN_DEFAULT_TARGETS[config.model_type]
    peft_cfg = LoraConfig(task_type="SEQ_CLS", r=4, lora_alpha=8, lora_dropout=0.0, init_lora_weights=False,
                          target_modules=targets)
    peft_model = get_peft_model(model, peft_cfg)
    lora_spec = {}
    with torch.no_grad():
        for name, p in peft_model.named_parameters():
            if "lora_" in name:
                # the name as PEFT saves it (adapter_model.safetensors): no ".default"
                saved = name.replace(".default", "")
                values = hashed(saved, p.numel()) * 0.125
                p.copy_(torch.from_numpy(values.astype(np.float32)).reshape(p.shape))
                lora_spec[saved] = {"shape": list(p.shape), "scale": 0.125, "offset": 0.0}
    peft_model.eval()
    with torch.no_grad():
        lora_logits = forward(peft_model, ids, mask, types, use_types)
        merged = peft_model.merge_and_unload()
        merged_logits = forward(merged, ids, mask, types, use_types)

    golden = {
        "meta": {
            "family": family, "tokenizer": how, "commit": commit, "torch": torch.__version__,
            "transformers": tf.__version__, "peft": __import__("peft").__version__,
            "python": platform.python_version(),
        },
        "config": saved_config,
        "tokenizer_cases": encode_cases(tok),
        "batch": {"input_ids": ids, "attention_mask": mask, "token_type_ids": types if use_types else None,
                  "labels": LABELS},
        "weights": weights,
        "logits": logits.detach().double().tolist(),
        "loss": float(loss),
        "grad_norms": grads,
        "lora": {
            "peft_default_targets": DEFAULTS.get(config.model_type),
            "target_modules": sorted(peft_model.peft_config["default"].target_modules),
            "modules_to_save": sorted(peft_model.peft_config["default"].modules_to_save or []),
            "r": 4, "lora_alpha": 8,
            "weights": lora_spec,
            "logits": lora_logits.double().tolist(),
            "merged_logits": merged_logits.double().tolist(),
        },
    }
    with open(os.path.join(model_dir, "golden.json"), "w", encoding="utf-8") as f:
        json.dump(golden, f, ensure_ascii=False, indent=1)
    print(f"{family}: vocab {len(tok)}, loss {float(loss):.6f}, targets {golden['lora']['target_modules']}", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus")
    ap.add_argument("out")
    ap.add_argument("--commit", default=None)
    a = ap.parse_args()
    torch.set_num_threads(4)
    corpus = read_corpus(a.corpus)
    os.makedirs(a.out, exist_ok=True)
    failures = []
    for family, tok, config, how in family_specs(corpus, a.out):
        try:
            run_family(family, tok, config, how, a.out, a.commit)
        except Exception as e:  # one family's failure must not hide the others' results
            import traceback

            traceback.print_exc()
            failures.append(family)
    if failures:
        print("FAILED:", failures, file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
