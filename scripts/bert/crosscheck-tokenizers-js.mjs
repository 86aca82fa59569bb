// Generator-time cross-check (not a test, not a dependency): tokenize the fixture sentences with
// @huggingface/tokenizers (a JS port of the fast Rust tokenizers) and report where it disagrees with
// test/fixtures/bert/tokenizer-cases.json (made by the Python port of the slow BertTokenizer).
//   d=$(mktemp -d) && cp scripts/bert/crosscheck-tokenizers-js.mjs $d && (cd $d && npm i @huggingface/tokenizers@0.2.0 && node crosscheck-tokenizers-js.mjs "$OLDPWD")
// Result (2026-11-22): 298/305 agree; the differences are the fast tokenizer's whole-string lower-casing
// (final sigma "ς", where the slow tokenizer lower-cases per character) and astral CJK ideographs, which
// tokenizers.js does not split (the slow and Rust tokenizers do). See docs/bert.md.
import { Tokenizer } from '@huggingface/tokenizers';
import fs from 'node:fs';
import path from 'node:path';
const root = process.argv[2] ?? '.';
const fx = JSON.parse(fs.readFileSync(path.join(root, 'test/fixtures/bert/tokenizer-cases.json'), 'utf8'));
const lines = fs.readFileSync(path.join(root, 'assets/bert-base-uncased-vocab/vocab.txt'), 'utf8').split('\n'); lines.pop();
const vocab = Object.fromEntries(lines.map((t, i) => [t, i]));
const special = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'].map((t) => ({ id: vocab[t], content: t, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }));
for (const cfg of fx.configs) {
  const o = cfg.options;
  const lower = o.do_lower_case ?? true;
  const tj = {
    version: '1.0', truncation: null, padding: null, added_tokens: special,
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: o.tokenize_chinese_chars ?? true, strip_accents: o.strip_accents ?? null, lowercase: lower },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: null, decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
  };
  const tok = new Tokenizer(tj, { do_lower_case: lower, model_max_length: 512 });
  let agree = 0; const diffs = [];
  for (const c of cfg.cases) {
    const got = tok.tokenize(c.text);
    if (JSON.stringify(got) === JSON.stringify(c.tokens)) agree++; else diffs.push([c.text.slice(0, 40), got.slice(0, 12), c.tokens.slice(0, 12)]);
  }
  console.log(cfg.name, `${agree}/${cfg.cases.length} agree with the Python port`);
  for (const d of diffs) console.log('   ', JSON.stringify(d));
}
