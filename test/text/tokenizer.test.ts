import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { wordTokenize, cleanStr } from '../../src/text/index.js';
import { packageRoot } from '../../src/common/versions.js';

// Expected strings are Kim's clean_str / clean_str_sst (yoonkim/CNN_sentence process_data.py) applied by hand,
// regex by regex; `kimEscapes` cases keep the backslash Python's re.sub leaves in " \( ", " \) ", " \? ".

test('clean_str: contractions split in Kim\'s order (\'s \'ve n\'t \'re \'d \'ll)', () => {
  assert.equal(cleanStr("It's a movie that doesn't work, isn't it?"), "it 's a movie that does n't work , is n't it ?");
  assert.equal(cleanStr("you're; they'd -- we'll"), "you 're they 'd we 'll");
  assert.equal(cleanStr("I'd've thought he'll"), "i 'd 've thought he 'll");
  assert.equal(cleanStr("can't won't"), "ca n't wo n't");
  assert.equal(cleanStr("'s 'tis"), "'s 'tis");
  // the clitic regexes are case-sensitive and run before lower(): upper-case clitics stay attached
  assert.equal(cleanStr("DON'T SAY IT'S"), "don't say it's");
});

test('clean_str: , ! ( ) ? separated; other punctuation deleted; quotes and backticks kept', () => {
  assert.equal(cleanStr('We\'ve seen (too) much!!'), "we 've seen ( too ) much ! !");
  assert.equal(cleanStr('the rock\'s " conan " (2002)?!'), "the rock 's conan ( 2002 ) ? !");
  assert.equal(cleanStr("``quoted'' text"), "``quoted'' text");
  assert.equal(cleanStr('10/10 -- 3.5 stars'), '10 10 3 5 stars');
  assert.equal(cleanStr('  the  "best"   film.  '), 'the best film');
  assert.equal(cleanStr('a\tb\n\nc'), 'a b c');
  assert.deepEqual(wordTokenize("it's (so) bad, isn't it?"), ["it", "'s", '(', 'so', ')', 'bad', ',', 'is', "n't", 'it', '?']);
});

test('kimEscapes reproduces the backslashed \\( \\) \\? tokens of the Python code', () => {
  assert.equal(cleanStr("it's (so) bad, isn't it?", { kimEscapes: true }), "it 's \\( so \\) bad , is n't it \\?");
  assert.deepEqual(wordTokenize('(2002)?!', { kimEscapes: true }), ['\\(', '2002', '\\)', '\\?', '!']);
});

test('non-ASCII: deleted by default (Kim), kept whole with keepUnicode', () => {
  assert.equal(cleanStr('café ☺ naïve Amélie'), 'caf na ve am lie');
  assert.deepEqual(wordTokenize('(づ｡◕‿‿◕｡)づ'), ['(', ')']);
  assert.deepEqual(wordTokenize('Great (づ｡◕‿‿◕｡)づ café', { keepUnicode: true }), ['great', '(', 'づ｡◕‿‿◕｡', ')', 'づ', 'café']);
  // Unicode whitespace (ideographic space, no-break space, NEL) separates tokens
  assert.deepEqual(wordTokenize('a\u3000b\u00a0c\u0085d', { keepUnicode: true }), ['a', 'b', 'c', 'd']);
  assert.deepEqual(wordTokenize('Ünïcode 😀!', { keepUnicode: true }), ['ünïcode', '😀', '!']);
  // ASCII handling is unchanged by keepUnicode
  assert.equal(cleanStr("It's a movie that doesn't work, isn't it?", { keepUnicode: true }), "it 's a movie that does n't work , is n't it ?");
});

test('empty and punctuation-only texts give no tokens', () => {
  assert.deepEqual(wordTokenize(''), []);
  assert.deepEqual(wordTokenize('...'), []);
  assert.deepEqual(wordTokenize('   '), []);
  assert.deepEqual(wordTokenize('☺', { keepUnicode: false }), []);
  assert.equal(cleanStr(''), '');
});

test('clean_str_sst (sst) and the TREC variant (keepCase)', () => {
  assert.equal(cleanStr("It's fine, really!", { sst: true }), "it's fine, really!");
  assert.equal(cleanStr('We\'ve seen (too) much!!', { sst: true }), "we've seen (too) much!!");
  assert.equal(cleanStr('café -- 3.5', { sst: true }), 'caf 3 5');
  assert.equal(cleanStr('WHO is it?', { keepCase: true }), 'WHO is it ?');
  assert.equal(cleanStr('café ☺ naïve Amélie', { keepCase: true }), 'caf na ve Am lie');
});

test("MR through clean_str gives Kim's corpus statistics (Kim 2014, Table 1: N 10662, |V| 18765, l 20)", () => {
  // process_data.py reads rt-polarity.{pos,neg} as bytes, one sentence per \n-terminated line
  let n = 0;
  let tokens = 0;
  let maxLen = 0;
  const types = new Set<string>();
  for (const f of ['rt-polarity.pos', 'rt-polarity.neg']) {
    const text = fs.readFileSync(path.join(packageRoot(), 'assets', 'data', 'mr_rt_polarity', f)).toString('latin1');
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      const t = wordTokenize(line);
      n++;
      tokens += t.length;
      maxLen = Math.max(maxLen, t.length);
      for (const w of t) types.add(w);
    }
  }
  assert.equal(n, 10662);
  assert.equal(types.size, 18765);
  assert.equal(Math.round(tokens / n), 20);
  assert.equal(maxLen, 56); // process_data.py's max_l, the length its padding is sized for
});
