import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bertBaseUncasedTokenizer } from '../../src/text/wordpiece.js';
import { pruneWordPieceVocab, prunedTokenizer } from '../../src/text/wordpiece-vocab.js';

test('pruneWordPieceVocab: specials first, every corpus character kept, most frequent pieces, no new [UNK]', () => {
  const base = bertBaseUncasedTokenizer();
  const lines = ['the movie was great', 'the film was great fun', 'a great movie', 'an unforgettable performance', 'the the the the movie'];
  const { tokens, coverage } = pruneWordPieceVocab(base, lines, { size: 80 });
  assert.deepEqual(tokens.slice(0, 5), ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']);
  assert.ok(tokens.length <= 80);
  assert.equal(new Set(tokens).size, tokens.length);
  for (const ch of 'themoviwasgrfulnbp') {
    assert.ok(tokens.includes(ch) && tokens.includes('##' + ch), ch);
  }
  assert.ok(tokens.includes('the') && tokens.includes('great') && tokens.includes('movie'));
  assert.ok(coverage > 0 && coverage <= 1);
  const tok = prunedTokenizer(base, tokens);
  assert.equal(tok.padId, 0);
  assert.equal(tok.vocabSize, tokens.length);
  for (const l of lines) {
    const pieces = tok.tokenize(l);
    assert.ok(!pieces.includes('[UNK]'), l);
    // same words, possibly split finer than the base tokenizer
    assert.equal(pieces.join(' ').replace(/ ##/g, ''), base.tokenize(l).join(' ').replace(/ ##/g, ''));
  }
  assert.throws(() => pruneWordPieceVocab(base, lines, { size: 10 }), /smaller than the \d+ special and character tokens/);
});
