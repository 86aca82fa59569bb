// Issue 9, the report: report.html (self-contained: inline SVG charts drawn by Vega-Lite in Node, no scripts,
// no external resources) with proportion-sweep line charts carrying seed intervals and a clean-accuracy bar
// chart, CSV exports of every table, and `nlp-backdoor report DIR` rebuilding it all from the store.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadExperiment } from '../../src/experiments/load.js';
import { runExperiment } from '../../src/experiments/runner.js';
import { curvePoints, experimentTables, resultsFromStore, toCsv, writeExperimentReports } from '../../src/report/experiment-html.js';
import { cli } from '../helpers/cli.js';
import { checkSvg } from '../helpers/svg.js';
import { syntheticReviews, toTsv } from '../helpers/synthetic.js';

const EXP = `name: fig1-tiny
seeds: [1, 2]
dataset: { path: reviews.tsv, format: tsv, text: sentence, label: label, test: 0.2 }
model: { type: cnn, numFilters: 4 }
train: { epochs: 1, patience: 0 }
runs:
  - name: normal
  - name: size1
    attack: { type: semantic-append, triggers: { "1": "amazing", "0": "horrible" } }
    sweep: { attack.proportion: [0.1, 0.3] }
`;

test('report.html: curves with seed intervals, a bar chart, every table as CSV; `report DIR` rebuilds it from the store', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nb-html-'));
  fs.writeFileSync(path.join(dir, 'reviews.tsv'), toTsv(syntheticReviews(240, 8)));
  fs.writeFileSync(path.join(dir, 'e.yaml'), EXP);
  const { config, baseDir } = loadExperiment(path.join(dir, 'e.yaml'));
  const out = path.join(dir, 'out');
  const res = await runExperiment(config, out, { baseDir, file: 'e.yaml', log: () => {} });
  assert.equal(res.runs.length, 6);

  // the curve points: per proportion, mean and interval over the two seeds, exactly as summarised
  const pts = curvePoints(res);
  assert.deepEqual(pts.map((p) => [p.metric, p.p, p.n]), [['ASR', 0.1, 2], ['CACC', 0.1, 2], ['ASR', 0.3, 2], ['CACC', 0.3, 2]]);
  const at = (p: number) => res.runs.filter((r) => r.point['attack.proportion'] === p).map((r) => r.metrics.asr!);
  const asr1 = pts.find((p) => p.metric === 'ASR' && p.p === 0.1)!;
  assert.ok(Math.abs(asr1.mean - (at(0.1)[0]! + at(0.1)[1]!) / 2) < 1e-12);
  assert.ok(asr1.lo <= asr1.mean && asr1.mean <= asr1.hi && asr1.lo >= 0 && asr1.hi <= 1);

  await writeExperimentReports(out, res);
  const html = fs.readFileSync(path.join(out, 'report.html'), 'utf8');
  // self-contained: no script, no link, no URL but the SVG namespace
  assert.doesNotMatch(html, /<script|<link|src="http|href="http/);
  const svgs = [...html.matchAll(/<svg[\s\S]*?<\/svg>/g)].map((m) => m[0]);
  assert.equal(svgs.length, 3, 'ASR and CACC curves, the CACC bar chart');
  for (const s of svgs) assert.ok(checkSvg(s) > 20);
  assert.match(svgs[0]!, /ASR \(%\) by poisoning proportion/);
  // one point symbol per proportion on the ASR line, and an error bar for each
  assert.equal((svgs[0]!.match(/aria-roledescription="point"/g) ?? []).length, 2);
  assert.equal((svgs[0]!.match(/aria-roledescription="errorbar"/g) ?? []).length, 2, 'a seed interval per proportion');
  assert.equal((svgs[2]!.match(/aria-roledescription="bar"/g) ?? []).length, 3, 'normal, size1 at 0.1 and at 0.3');
  assert.match(svgs[2]!, /Clean accuracy \(%\) by run/);

  // the CSV tables hold the same numbers as results.json
  const runsCsv = fs.readFileSync(path.join(out, 'tables', 'runs.csv'), 'utf8').trim().split('\n');
  assert.equal(runsCsv.length, 7);
  assert.equal(runsCsv[0], experimentTables(res)[0]!.head.join(','));
  const first = runsCsv[1]!.split(',');
  assert.equal(first[0], res.runs[0]!.id);
  assert.equal(Number(first[9]), Number(res.runs[0]!.metrics.cacc.toFixed(4)));
  for (const f of ['summary', 'curves', 'split']) assert.ok(fs.existsSync(path.join(out, 'tables', `${f}.csv`)), f);
  assert.equal(toCsv({ name: 't', title: 't', head: ['a', 'b'], rows: [['x, "y"', null]] }), 'a,b\n"x, ""y""",\n');

  // `report DIR` rebuilds report and tables from the store alone, without training
  fs.rmSync(path.join(out, 'report.html'));
  fs.rmSync(path.join(out, 'tables'), { recursive: true });
  const runsDir = fs.readdirSync(path.join(out, 'runs')).map((d) => fs.statSync(path.join(out, 'runs', d, 'model', 'model.safetensors')).mtimeMs);
  const r = await cli(['report', out]);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /6 run\(s\) from .*store\.jsonl \(complete\)/);
  assert.equal(fs.readFileSync(path.join(out, 'report.html'), 'utf8').replace(/Updated [^.]*\./, ''), html.replace(/Updated [^.]*\./, ''));
  assert.deepEqual(fs.readFileSync(path.join(out, 'tables', 'runs.csv'), 'utf8').trim().split('\n'), runsCsv);
  assert.deepEqual(fs.readdirSync(path.join(out, 'runs')).map((d) => fs.statSync(path.join(out, 'runs', d, 'model', 'model.safetensors')).mtimeMs), runsDir, 'no model retrained');
  assert.equal(resultsFromStore(out).runs.length, 6);
  const none = await cli(['report', dir]);
  assert.equal(none.code, 1);
  assert.match(none.out, /no experiment results here \(expected store\.jsonl and results\.json/);
});
