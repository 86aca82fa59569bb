// scripts/build-pretrain-corpus.mjs writes a manifest whose paths are relative (the data folder relative to
// where it ran, source files relative to the data folder), never the absolute path of the machine that built
// it (issue 12, item 12); the committed corpus/pretrain.manifest.json likewise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const SCRIPT = path.join(ROOT, 'scripts', 'build-pretrain-corpus.mjs');

/** Every string in a JSON value. */
const strings = (v: unknown): string[] => (typeof v === 'string' ? [v] : v && typeof v === 'object' ? Object.values(v).flatMap(strings) : []);

test('the manifest records the data folder and its files relative, even when --data is absolute', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'nb-corpus-'));
  const data = path.join(work, 'mydata');
  fs.mkdirSync(path.join(data, 'mr_rt_polarity'), { recursive: true });
  fs.mkdirSync(path.join(data, 'trec'), { recursive: true });
  fs.writeFileSync(path.join(data, 'mr_rt_polarity', 'rt-polarity.pos'), 'a gorgeous film\nwitty and warm\n');
  fs.writeFileSync(path.join(data, 'mr_rt_polarity', 'rt-polarity.neg'), 'dull\n');
  fs.writeFileSync(path.join(data, 'trec', 'TREC.train'), 'DESC:manner How did serfdom develop ?\n');
  for (const dataArg of [data, 'mydata']) {
    const r = spawnSync(process.execPath, [SCRIPT, '--data', dataArg, '--out', 'out/pretrain.txt'], { cwd: work, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const m = JSON.parse(fs.readFileSync(path.join(work, 'out', 'pretrain.manifest.json'), 'utf8'));
    assert.equal(m.data, 'mydata');
    assert.equal(m.lines, 4);
    assert.deepEqual(m.sources.map((s: { files: string[] }) => s.files).flat(), ['mr_rt_polarity/rt-polarity.pos', 'mr_rt_polarity/rt-polarity.neg', 'trec/TREC.train']);
    assert.equal(m.command, 'node scripts/build-pretrain-corpus.mjs --data mydata --out out/pretrain.txt');
    for (const s of strings(m)) assert.ok(!path.isAbsolute(s) && !s.includes(work), `absolute path in the manifest: ${s}`);
  }
  fs.rmSync(work, { recursive: true, force: true });
});

test('the committed corpus manifest holds no absolute path', () => {
  const m = JSON.parse(fs.readFileSync(path.join(ROOT, 'corpus', 'pretrain.manifest.json'), 'utf8'));
  for (const s of strings(m)) assert.ok(!path.isAbsolute(s), `absolute path in corpus/pretrain.manifest.json: ${s}`);
  assert.equal(m.data, '../shared/data');
});
