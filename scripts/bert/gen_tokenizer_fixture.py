"""Generate test/fixtures/bert/tokenizer-cases.json with the reference BertTokenizer port.

Run from the repository root:  python3 scripts/bert/gen_tokenizer_fixture.py
"""
import json
import os
import sys
import unicodedata

sys.path.insert(0, os.path.dirname(__file__))
from hf_bert_tokenizer import BertTokenizer  # noqa: E402

VOCAB = "assets/bert-base-uncased-vocab/vocab.txt"
OUT = "test/fixtures/bert/tokenizer-cases.json"

SENTENCES = [
    "Hello, world!",
    "The quick brown fox jumps over the lazy dog.",
    "unaffable",
    "I can't believe it's not butter... right?!",
    "Crème brûlée and jalapeño — naïve café résumé.",
    "Ça va? Où est l'hôtel? Größe, Straße, Ærø, Øresund.",
    "Decomposed: e\u0301 a\u0300 n\u0303 (NFD input)",
    "ΟΔΟΣ ΣΟΦΟΣ ΑΣ",
    "İstanbul ISTANBUL ıi",
    "Москва — столица России.",
    "我爱北京天安门。",
    "日本語のテキストとカタカナ、ひらがな。",
    "한국어 문장입니다.",
    "مرحبا بالعالم",
    "שלום עולם",
    "नमस्ते दुनिया",
    "สวัสดีชาวโลก",
    "(╯°□°）╯︵ ┻━┻",
    "¯\\_(ツ)_/¯",
    "(^_^) (>_<) (T_T) ^o^ :-) :D <3",
    "I love it 😀😂👍🏽 🇫🇷 👨‍👩‍👧",
    "Visit https://example.com/path?q=1&x=y#frag or www.test.org!",
    "Mail me: john.doe+tag@example.co.uk",
    "Prices: $3.50, €12,99, ¥1000, £5 and 50% off!!!",
    "Numbers 1234567890 3.14159 1e-10 -42 1/2 ½ ² Ⅻ",
    "Tabs\tand\nnewlines\r\nand  multiple   spaces",
    "Control\u0000chars\u0001here\u0007and\u001b[31mANSI\u001b[0m",
    "Zero\u200bwidth\u200cjoiner\u200dand\ufeffBOM",
    "Non\u00a0breaking\u2003em space\u3000ideographic",
    "Line\u2028separator\u2029paragraph",
    "Replacement \ufffd char and soft\u00adhyphen",
    "Supercalifragilisticexpialidocious antidisestablishmentarianism",
    "a" * 100,
    "b" * 101,
    "pneumonoultramicroscopicsilicovolcanoconiosis" * 3,
    "[CLS] the [MASK] sat on the [SEP] mat [PAD] [UNK]",
    "the [mask] is lower case, [Mask] is not special",
    "a[MASK]b and [MASK][MASK]",
    "#hashtag @mention r/subreddit",
    "<html><body class=\"x\">Hi &amp; bye</body></html>",
    "C++ and C# and F# are languages; so is Node.js v20.",
    "Ｆｕｌｌｗｉｄｔｈ ＡＢＣ １２３",
    "ﬁnancial ﬂow ligatures",
    "\"Quotes\" 'single' «guillemets» „German“ ‘curly’",
    "Ellipsis… em—dash en–dash",
    "math: x² + y² = z², ∑ ∫ √2 ≈ 1.414, α β γ",
    "",
    "   ",
    " leading and trailing spaces ",
    "MiXeD CaSe WoRdS",
    "don't won't shouldn't y'all",
    "U.S.A. e.g. i.e. etc.",
    "COVID-19 SARS-CoV-2 state-of-the-art",
    "Mr. O'Neil's 3rd-grade class (2019-2020).",
    "Tiếng Việt có dấu",
    "Ελληνικά κείμενα με τόνους",
    "𠜎𠜱𠝹 rare CJK extension B",
    "emoji modifiers 👋🏻👋🏿 and keycap 1️⃣",
    "~`!@#$%^&*()_+-={}|[]\\:\";'<>?,./",
    "The movie was absolutely terrible; I'd give it 0/10.",
    "cf. the film's score was amazing ! ! !",
]

CONFIGS = [
    ("uncased", dict(do_lower_case=True)),
    ("cased", dict(do_lower_case=False)),
    ("lower_keep_accents", dict(do_lower_case=True, strip_accents=False)),
    ("cased_strip_accents", dict(do_lower_case=False, strip_accents=True)),
    ("no_chinese_split", dict(do_lower_case=True, tokenize_chinese_chars=False)),
]

PAIRS = [
    ("How old are you?", "I am six years old.", dict()),
    ("short", "a much longer second sentence with many more words in it", dict(truncation=True, max_length=10)),
    ("a much longer first sentence with many more words in it", "short", dict(truncation=True, max_length=10)),
    ("equal length one two", "equal length three four", dict(truncation=True, max_length=9)),
    ("one two three four five", "six seven eight", dict(truncation=True, max_length=7)),
    ("héllo wörld", "Crème brûlée", dict(truncation=True, max_length=32, padding="max_length")),
    ("single sentence padded", None, dict(max_length=16, padding="max_length")),
    ("single sentence truncated to a few tokens only", None, dict(truncation=True, max_length=5)),
    ("😀 emoji pair", "我爱北京", dict(truncation=True, max_length=8)),
]


def main():
    out = {
        "generator": "scripts/bert/gen_tokenizer_fixture.py (a port of transformers' slow BertTokenizer)",
        "python_unicodedata": unicodedata.unidata_version,
        "vocab": VOCAB,
        "configs": [],
        "pairs": [],
    }
    for name, opts in CONFIGS:
        tok = BertTokenizer(VOCAB, **opts)
        cases = []
        for s in SENTENCES:
            toks = tok.tokenize(s)
            cases.append({"text": s, "tokens": toks, "ids": tok.convert_tokens_to_ids(toks)})
        out["configs"].append({"name": name, "options": opts, "cases": cases})
    tok = BertTokenizer(VOCAB)
    for a, b, opts in PAIRS:
        enc = tok.encode_plus(a, b, **opts)
        out["pairs"].append({"text": a, "pair": b, "options": opts, **enc})
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=True, indent=1)
        f.write("\n")
    print(f"wrote {OUT}: {len(SENTENCES)} sentences x {len(CONFIGS)} configs, {len(PAIRS)} pairs")


if __name__ == "__main__":
    main()
