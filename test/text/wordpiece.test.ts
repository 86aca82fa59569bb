import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WordPieceTokenizer, bertBaseUncasedTokenizer, bertBaseUncasedVocabPath, type WordPieceOptions } from '../../src/text/wordpiece.js';

// dist/test/text -> repository root
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..');
interface Fixture {
  vocab: string;
  configs: { name: string; options: Record<string, boolean>; cases: { text: string; tokens: string[]; ids: number[] }[] }[];
  pairs: { text: string; pair: string | null; options: { truncation?: boolean; max_length?: number; padding?: 'max_length' }; input_ids: number[]; token_type_ids: number[]; attention_mask: number[] }[];
}
const fixture = JSON.parse(fs.readFileSync(path.join(root, 'test/fixtures/bert/tokenizer-cases.json'), 'utf8')) as Fixture;
const optsOf = (o: Record<string, boolean>): WordPieceOptions => ({
  doLowerCase: o['do_lower_case'],
  stripAccents: o['strip_accents'],
  tokenizeChineseChars: o['tokenize_chinese_chars'],
});

test('tokens and ids equal the reference BertTokenizer on every fixture sentence and configuration', () => {
  let n = 0;
  for (const cfg of fixture.configs) {
    const tok = WordPieceTokenizer.fromVocabFile(path.join(root, fixture.vocab), optsOf(cfg.options));
    for (const c of cfg.cases) {
      const got = tok.tokenize(c.text);
      assert.deepEqual(got, c.tokens, `${cfg.name}: ${JSON.stringify(c.text)}`);
      assert.deepEqual(tok.convertTokensToIds(got), c.ids);
      n++;
    }
  }
  assert.ok(n >= 300);
});

test('pairs, truncation (longest_first) and padding equal the reference encode_plus', () => {
  const tok = bertBaseUncasedTokenizer();
  for (const p of fixture.pairs) {
    const enc = tok.encode(p.text, p.pair, { truncation: p.options.truncation, maxLength: p.options.max_length, padding: p.options.padding });
    assert.deepEqual(enc.ids, p.input_ids, `${p.text} | ${p.pair}`);
    assert.deepEqual(enc.typeIds, p.token_type_ids);
    assert.deepEqual(enc.attentionMask, p.attention_mask);
  }
});

test('longest_first removes from the longer sequence, ties from the second', () => {
  const tok = bertBaseUncasedTokenizer();
  const words = (n: number, w: string) => Array(n).fill(w).join(' ');
  for (let la = 0; la <= 8; la++) {
    for (let lb = 0; lb <= 8; lb++) {
      for (let max = 3; max <= 19; max++) {
        const e = tok.encode(words(la, 'cat'), words(lb, 'dog'), { truncation: true, maxLength: max });
        const na = e.tokens.filter((t) => t === 'cat').length;
        const nb = e.tokens.filter((t) => t === 'dog').length;
        // transformers' closed form
        const remove = Math.max(0, la + lb + 3 - max);
        const first = Math.min(Math.abs(lb - la), remove);
        const second = remove - first;
        const [ra, rb] = la > lb ? [first + Math.floor(second / 2), second - Math.floor(second / 2)] : [Math.floor(second / 2), first + second - Math.floor(second / 2)];
        assert.deepEqual([na, nb], [la - ra, lb - rb], `${la} ${lb} ${max}`);
      }
    }
  }
  assert.throws(() => tok.encode('a b c d', 'e', { truncation: 'only_second', maxLength: 5 }), /only_second/);
  assert.deepEqual(tok.encode('a b c d', 'e', { truncation: 'only_first', maxLength: 6 }).tokens, ['[CLS]', 'a', 'b', '[SEP]', 'e', '[SEP]']);
});

test('offsets point back into the original text', () => {
  const tok = bertBaseUncasedTokenizer();
  const check = (text: string) => {
    const toks = tok.tokenizeWithOffsets(text);
    const norm = (x: string) => x.normalize('NFD').replace(/\p{Mn}/gu, '');
    for (let i = 0; i < toks.length; ) {
      const t = toks[i]!;
      assert.ok(t.start >= 0 && t.end <= text.length && t.start <= t.end, `${JSON.stringify(text)} ${JSON.stringify(t)}`);
      // tokens that share a span (a Hangul syllable decomposes into several jamo tokens) are checked together
      let j = i;
      let spelled = '';
      while (j < toks.length && toks[j]!.start === t.start && toks[j]!.end === t.end) spelled += toks[j++]!.token.replace(/^##/, '');
      if (!toks.slice(i, j).some((x) => tok.specialTokens.includes(x.token))) {
        // the original span, put through the same normalisation, spells the tokens
        const src = norm(text.slice(t.start, t.end).toLowerCase()).replace(/[\p{C}\ufffd]/gu, ''); // removed characters inside a span
        assert.equal(src, norm(spelled), `${JSON.stringify(text)}: ${spelled} from ${JSON.stringify(text.slice(t.start, t.end))}`);
      }
      i = j;
    }
    return toks;
  };
  for (const c of fixture.configs[0]!.cases) check(c.text);
  assert.deepEqual(
    check('Hi, unaffable Crème 北京!').map((t) => [t.token, t.start, t.end]),
    [['hi', 0, 2], [',', 2, 3], ['una', 4, 7], ['##ffa', 7, 10], ['##ble', 10, 13], ['cr', 14, 16], ['##eme', 16, 19], ['北', 20, 21], ['京', 21, 22], ['!', 22, 23]],
  );
  // decomposed input: the accent belongs to the letter's span; astral characters span two UTF-16 units
  assert.deepEqual(check('e\u0301t\u00e9 😀 x').map((t) => [t.token, t.start, t.end]), [['et', 0, 3], ['##e', 3, 4], ['[UNK]', 5, 7], ['x', 8, 9]]);
  const enc = tok.encode('a [MASK] b', 'c');
  assert.deepEqual(enc.offsets, [[0, 0], [0, 1], [2, 8], [9, 10], [0, 0], [0, 1], [0, 0]]);
  assert.deepEqual(enc.sequenceIds, [null, 0, 0, 0, null, 1, null]);
  assert.deepEqual(enc.specialTokensMask, [1, 0, 0, 0, 1, 0, 1]);
});

test('batch encoding pads to the longest row and lays rows out flat', () => {
  const tok = bertBaseUncasedTokenizer();
  const b = tok.encodeBatch(['hello world', 'hi', ['a', 'b c']]);
  assert.equal(b.batchSize, 3);
  assert.equal(b.seqLen, 6);
  assert.deepEqual(Array.from(b.inputIds.slice(0, 6)), [101, 7592, 2088, 102, 0, 0]);
  assert.deepEqual(Array.from(b.attentionMask.slice(6, 12)), [1, 1, 1, 0, 0, 0]);
  assert.deepEqual(Array.from(b.tokenTypeIds.slice(12, 18)), [0, 0, 0, 1, 1, 1]);
  const m = tok.encodeBatch(['hello'], { padding: 'max_length', maxLength: 8 });
  assert.equal(m.seqLen, 8);
  assert.equal(tok.encodeBatch(['hello world'], { padToMultipleOf: 8 }).seqLen, 8);
  assert.equal(tok.decode(tok.encode('Unaffable héllo!').ids, { skipSpecialTokens: true }), 'unaffable hello !');
});

test('loads from tokenizer.json and from a directory with tokenizer_config.json', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wp-'));
  const vocab = fs.readFileSync(bertBaseUncasedVocabPath(), 'utf8').split('\n').filter((l, i, a) => i < a.length - 1 || l);
  fs.writeFileSync(
    path.join(dir, 'tokenizer.json'),
    JSON.stringify({
      normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: false },
      model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: Object.fromEntries(vocab.map((t, i) => [t, i])) },
    }),
  );
  const fromJson = WordPieceTokenizer.fromDirectory(dir);
  assert.equal(fromJson.doLowerCase, false);
  assert.equal(fromJson.vocabSize, 30522);
  assert.deepEqual(fromJson.tokenize('Hello'), ['[UNK]']);
  bertBaseUncasedTokenizer().save(dir);
  const fromVocab = WordPieceTokenizer.fromDirectory(dir);
  assert.equal(fromVocab.doLowerCase, true);
  assert.deepEqual(fromVocab.tokenize('Hello'), ['hello']);
  assert.equal(fs.readFileSync(path.join(dir, 'vocab.txt'), 'utf8'), fs.readFileSync(bertBaseUncasedVocabPath(), 'utf8'));
  fs.rmSync(dir, { recursive: true });
  assert.throws(() => WordPieceTokenizer.fromDirectory(os.tmpdir() + '/does-not-exist-wp'), /no vocab\.txt or tokenizer\.json/);
});
