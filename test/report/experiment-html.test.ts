// Issue 9, the report: report.html (self-contained: inline SVG charts drawn by Vega-Lite in Node, no scripts,
// no external resources) with proportion-sweep line charts carrying seed intervals and a clean-accuracy bar
// chart, CSV exports of every table, and `nlp-backdoor report DIR` rebuilding it all from the store; the
// report opened in headless Chromium (Debian `chromium`, driven by playwright-core) renders every chart with no
// console error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadExperiment } from '../../src/experiments/load.js';
import { runExperiment, type ExperimentResults } from '../../src/experiments/runner.js';
import { spawnSync } from 'node:child_process';
import { curvePoints, curveSpec, experimentTables, resultsFromStore, toCsv, writeExperimentReports } from '../../src/report/experiment-html.js';
import { renderSvg } from '../../src/analysis/charts.js';
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

/** One small real sweep, trained once for the tests of this file. */
let prepared: Promise<{ out: string; res: ExperimentResults }> | null = null;
function sweepFolder(): Promise<{ out: string; res: ExperimentResults }> {
  prepared ??= (async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nb-html-'));
    fs.writeFileSync(path.join(dir, 'reviews.tsv'), toTsv(syntheticReviews(240, 8)));
    fs.writeFileSync(path.join(dir, 'e.yaml'), EXP);
    const { config, baseDir } = loadExperiment(path.join(dir, 'e.yaml'));
    const out = path.join(dir, 'out');
    const res = await runExperiment(config, out, { baseDir, file: 'e.yaml', log: () => {} });
    return { out, res };
  })();
  return prepared;
}

test('report.html: curves with seed intervals, a bar chart, every table as CSV; `report DIR` rebuilds it from the store', async () => {
  const { out, res } = await sweepFolder();
  const dir = path.dirname(out);
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

/** Debian's chromium (or $NLP_BACKDOOR_CHROMIUM), or why there is none. */
function chromiumPath(): string | { missing: string } {
  const given = process.env['NLP_BACKDOOR_CHROMIUM'];
  if (given) return given;
  for (const p of ['/usr/bin/chromium', '/usr/bin/chromium-browser']) if (fs.existsSync(p)) return p;
  const which = spawnSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' });
  return which.status === 0 ? which.stdout.trim() : { missing: 'no chromium (apt-get install chromium, as .ci/run does, or set NLP_BACKDOOR_CHROMIUM)' };
}

test('report.html in headless Chromium: every chart rendered, no console errors, a screenshot saved', async (t) => {
  const exe = chromiumPath();
  if (typeof exe !== 'string') {
    if (process.env['CI'] || process.env['NLP_BACKDOOR_REQUIRE_CHROMIUM']) assert.fail(`the browser test needs Chromium: ${exe.missing}`);
    t.skip(exe.missing);
    return;
  }
  const { out, res } = await sweepFolder();
  await writeExperimentReports(out, res);
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: exe, args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const errors: string[] = [];
    page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
    page.on('pageerror', (e) => errors.push(e.message));
    const failed: string[] = [];
    page.on('requestfailed', (r) => failed.push(r.url()));
    await page.goto(`file://${path.join(out, 'report.html')}`);
    const boxes = await page.locator('.chart svg').evaluateAll((svgs) => svgs.map((s) => s.getBoundingClientRect()).map((b) => [b.width, b.height]));
    assert.equal(boxes.length, 3);
    for (const [w, h] of boxes) assert.ok(w! > 100 && h! > 100, `chart drawn ${w}×${h}`);
    // the lines and bars are there, not only the frames
    assert.equal(await page.locator('.chart svg [aria-roledescription="line mark"]').count(), 2);
    assert.deepEqual(errors, []);
    assert.deepEqual(failed, [], 'nothing fetched from anywhere');
    const shot = path.join(out, 'report.png');
    await page.screenshot({ path: shot, fullPage: true });
    assert.ok(fs.statSync(shot).size > 10_000, 'a screenshot with content');
  } finally {
    await browser.close();
  }
});

test('the proportion axis is a point scale: proportions evenly spaced in order, 0 included, as in the study\'s Figure 1', async () => {
  const ps = [0, 0.01, 0.02, 0.05, 0.1, 0.5];
  const points = ps.flatMap((p, i) => [
    { variant: 'mr · size1', p, metric: 'ASR' as const, mean: 0.1 + 0.15 * i, lo: 0.05 + 0.15 * i, hi: 0.15 + 0.15 * i, n: 3 },
    { variant: 'mr · size2', p, metric: 'ASR' as const, mean: 0.12 * i, lo: 0.12 * i, hi: 0.12 * i, n: 1 },
  ]);
  const svg = await renderSvg(curveSpec(points, 'ASR'));
  checkSvg(svg);
  // the x positions of the lines' points: both variants at the same 6 positions
  const xs = [...svg.matchAll(/aria-roledescription="point"[^>]*transform="translate\(([\d.]+),/g)].map((m) => Number(m[1]));
  assert.equal(xs.length, 2 * ps.length);
  const first = [...new Set(xs)].sort((a, b) => a - b);
  assert.equal(first.length, ps.length);
  const steps = first.slice(1).map((x, i) => x - first[i]!);
  for (const d of steps) assert.ok(Math.abs(d - steps[0]!) < 0.01 && d > 20, `evenly spaced: ${steps.join(', ')}`);
  // the axis labels are the proportions, in order
  const labels = [...svg.matchAll(/<text[^>]*>([\d.]+)<\/text>/g)].map((m) => m[1]);
  assert.deepEqual(labels.slice(0, ps.length), ps.map(String));
});
