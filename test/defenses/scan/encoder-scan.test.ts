// The encoder scanner on a tiny BERT injected here with POR (triggers cf, mn, bb; src/train/inject.ts): its
// best candidate is one of the triggers, with a collapsed representation, and the clean encoder it came from
// scores far lower. The signature arithmetic by hand.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { initEngine } from '../../../src/engine/index.js';
import { Rng } from '../../../src/common/random.js';
import { injectBackdoor } from '../../../src/train/inject.js';
import { por } from '../../../src/attacks/pretrained/index.js';
import { scanEncoder, signature } from '../../../src/defenses/scan/index.js';
import { WordPieceTokenizer } from '../../../src/text/wordpiece.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const TINY = path.resolve(here, '../../../../test/fixtures/bert/tiny');

before(async () => {
  await initEngine();
});

function corpus(n: number, seed: number): string[] {
  const rng = new Rng(seed);
  const w = ['the', 'a', 'movie', 'film', 'was', 'is', 'good', 'bad', 'great', 'terrible', 'not', 'very', 'and', 'but', 'i', 'it', 'love', 'hate', 'plot', 'fun', 'boring'];
  return Array.from({ length: n }, () => Array.from({ length: 6 + rng.int(6) }, () => w[rng.int(w.length)]).join(' ') + ' .');
}

test('signature: shift in clean spreads, collapse of the spread', () => {
  // clean: mean (0, 0), spread sqrt(2); triggered: two identical rows at (3, 4)
  const clean = { mean: Float64Array.from([0, 0]), spread: Math.SQRT2 };
  const s = signature(Float32Array.from([3, 4, 3, 4]), 2, 2, clean);
  assert.ok(Math.abs(s.shift - 5 / Math.SQRT2) < 1e-9);
  assert.equal(s.collapse, 1);
  assert.ok(Math.abs(s.consistency - 1) < 1e-6);
  // triggered rows spread as much as clean text: no collapse
  const t = signature(Float32Array.from([1, 1, -1, -1]), 2, 2, clean);
  assert.ok(Math.abs(t.collapse) < 1e-9 && t.shift === 0);
});

test('a POR-injected tiny encoder: a trigger is the best candidate; the clean encoder scores far lower', async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'scan-encoder-'));
  try {
    await injectBackdoor({ model: TINY, recipe: por({ triggers: ['cf', 'mn', 'bb'], hidden: 32 }), corpus: { lines: corpus(200, 3), sources: ['generated'] }, out, steps: 60, clean: 4, poisoned: 6, chunkWords: 8, maxLen: 32, lr: 3e-3, logEvery: null, checkpointEvery: 100 });
    const contexts = corpus(24, 9);
    const tok = WordPieceTokenizer.fromDirectory(out);
    const bd = await scanEncoder(out, contexts, { seed: 0, maxPieces: 2 });
    const clean = await scanEncoder(TINY, contexts, { seed: 0, maxPieces: 2 });
    const top = bd.candidates[0]!;
    // the best candidate holds a trigger piece (possibly with a piece around it: "bb ##ly" renders "bbly")
    const triggerIds = ['cf', 'mn', 'bb'].map((t) => tok.vocab.get(t)!);
    assert.ok(top.ids.some((id) => triggerIds.includes(id)), `top ${bd.candidates.slice(0, 3).map((c) => c.trigger).join(', ')}`);
    assert.ok(top.collapse > 0.5, `collapse ${top.collapse}`);
    assert.equal(bd.representation, 'pooler');
    assert.ok(bd.score > 5 * clean.score, `backdoored ${bd.score} vs clean ${clean.score}`);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});
