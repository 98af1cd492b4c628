#!/usr/bin/env python3
"""How transformers cuts pairs and pads, measured rather than read: run on the GPU machine.

    OUT=DIR python3 scripts/device/probe_pair_truncation.py

1. probe.json "grid": for the BERT and RoBERTa fixtures (tests/fixtures/families/), a pair of texts of l1 and
   l2 one-token words, cut with truncation=True, max_length=m (longest_first): the content tokens each
   text keeps, for l1, l2 in 1..13 and every content budget 0..16: rows [l1, l2, budget, kept1, kept2].
2. probe.json "sides": for every family fixture, the tokenizer with padding_side and truncation_side set
   to 'left' (and each alone): a padded batch of texts and pairs, cut to a few max_lengths, as
   input_ids / attention_mask / token_type_ids.
3. probe.json "mixed": for BERT and RoBERTa, seeded pairs of words of several tokens each, cut at
   max_length 4..19: {text, pair, kept: [[max_length, kept1, kept2], ...]}.
4. sources.txt: the source of the transformers functions that cut pairs, to read the rule.
"""
import inspect
import json
import os
import re
import sys

import transformers
from transformers import AutoTokenizer

FIXTURES = "tests/fixtures/families"
OUT = os.environ.get("OUT", "/tmp")
LONG = "The mortgage servicer lost my payment twice and then charged late fees on every statement since March"
TEXTS = [LONG, "Was the fee refunded?", "short", "fee   was    charged \n\n twice  "]
PAIRS = [[LONG, TEXTS[1]], [TEXTS[1], LONG], [TEXTS[3], LONG], [LONG, LONG + " again"]]


def one_token_word(tok):
    for word in ["the", "a", "fee", "my", "and", "was"]:
        if len(tok(" " + word, add_special_tokens=False)["input_ids"]) == 1 and len(
            tok(" ".join([word] * 3), add_special_tokens=False)["input_ids"]) == 3:
            return word
    raise SystemExit("no one-token word")


def pair_specials(tok):
    content = len(tok("x", add_special_tokens=False)["input_ids"]) + len(tok("y", add_special_tokens=False)["input_ids"])
    return len(tok("x", "y")["input_ids"]) - content


def grid(name):
    tok = AutoTokenizer.from_pretrained(os.path.join(FIXTURES, name))
    word = one_token_word(tok)
    specials = pair_specials(tok)
    rows = []
    for l1 in range(1, 14):
        for l2 in range(1, 14):
            a = " ".join([word] * l1)
            b = " ".join([word] * l2)
            for budget in range(0, 17):
                ids = tok(a, b, truncation=True, max_length=budget + specials)["input_ids"]
                # the first text's tokens end at the first separator (the last id is one too)
                kept_first = ids.index(ids[-1]) - 1
                rows.append([l1, l2, budget, kept_first, len(ids) - specials - kept_first])
    return {"word": word, "specials": specials, "class": type(tok).__name__, "rows": rows}


def mixed(name):
    """Pairs of words of 1 to 4 tokens each, cut at every budget: where a word's tokens straddle the
    cut, how many tokens each text is taken to have decides who keeps the odd token."""
    import random
    tok = AutoTokenizer.from_pretrained(os.path.join(FIXTURES, name))
    words = ["the", "mortgage", "servicer", "unbelievably", "refunded", "fee", "statement", "charged"]
    rng = random.Random(7)
    specials = pair_specials(tok)
    cases = []
    for _ in range(150):
        a = " ".join(rng.choice(words) for _ in range(rng.randint(1, 9)))
        b = " ".join(rng.choice(words) for _ in range(rng.randint(1, 9)))
        kept = []
        for max_length in range(4, 20):
            ids = tok(a, b, truncation=True, max_length=max_length)["input_ids"]
            kept_first = ids.index(ids[-1]) - 1
            kept.append([max_length, kept_first, len(ids) - specials - kept_first])
        cases.append({"text": a, "pair": b, "kept": kept})
    return cases


def sides(name):
    out = {}
    for label, kwargs in {
        "padding_left": {"padding_side": "left"},
        "truncation_left": {"truncation_side": "left"},
        "both_left": {"padding_side": "left", "truncation_side": "left"},
    }.items():
        tok = AutoTokenizer.from_pretrained(os.path.join(FIXTURES, name), **kwargs)
        cases = []
        for max_length in [None, 6, 9, 12]:
            opts = {"padding": True}
            if max_length is not None:
                opts.update(truncation=True, max_length=max_length)
            singles = tok(TEXTS, **opts)
            pairs = tok([p[0] for p in PAIRS], [p[1] for p in PAIRS], **opts)
            cases.append({"max_length": max_length, "singles": dict(singles), "pairs": dict(pairs)})
        out[label] = {"padding_side": tok.padding_side, "truncation_side": tok.truncation_side, "cases": cases}
    return out


def sources():
    tok = AutoTokenizer.from_pretrained(os.path.join(FIXTURES, "bert"))
    files = set()
    for cls in type(tok).__mro__:
        module = sys.modules.get(cls.__module__)
        if module is not None and getattr(module, "__file__", None):
            files.add(module.__file__)
    parts = [f"class {type(tok).__name__}; mro {[c.__name__ for c in type(tok).__mro__]}"]
    pattern = re.compile(r"\n    def (\w*trunc\w*|_batch_encode_plus|_encode_plus|prepare_for_model|set_truncation_and_padding|__call__|_call_one|encode_plus|batch_encode_plus)\(.*?(?=\n    def |\nclass |\Z)", re.S)
    for path in sorted(files):
        text = open(path, encoding="utf-8").read()
        for match in pattern.finditer(text):
            parts.append(f"\n##### {path} :: {match.group(1)}\n{match.group(0)}")
    return "\n".join(parts)


def main():
    result = {"transformers": transformers.__version__, "grid": {}, "mixed": {}, "sides": {}}
    for name in ["bert", "roberta"]:
        result["grid"][name] = grid(name)
        result["mixed"][name] = mixed(name)
    for name in sorted(os.listdir(FIXTURES)):
        if os.path.isfile(os.path.join(FIXTURES, name, "config.json")):
            try:
                result["sides"][name] = sides(name)
            except Exception as error:  # a fixture without tokenizer files must not hide the others
                result["sides"][name] = {"error": str(error)[:300]}
    with open(os.path.join(OUT, "probe.json"), "w", encoding="utf-8") as f:
        json.dump(result, f, separators=(",", ":"))
    with open(os.path.join(OUT, "sources.txt"), "w", encoding="utf-8") as f:
        f.write(sources())
    print("ok", {k: v["word"] for k, v in result["grid"].items()})


if __name__ == "__main__":
    main()
