// The experiment report people look at: DIR/report.html, one self-contained file (inline SVG charts, no
// script, no CDN: it opens offline), with the runs table, mean and 95% interval over seeds, a line chart per
// metric for proportion sweeps (ASR and CACC against the poisoning proportion, one line per trigger / run,
// seed intervals as error bars: the study's Figure 1 layout) and a bar chart of clean accuracy; plus every
// table as CSV under DIR/tables/. Charts are Vega-Lite specs rendered to SVG in Node (src/analysis/charts.ts).
// `nlp-backdoor report DIR` rebuilds all of it from the result store without training (resultsFromStore).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { renderSvg } from '../analysis/charts.js';
import { summarize } from '../eval/index.js';
import { writeFileAtomic, readJson } from '../common/fs-atomic.js';
import { InputError } from '../common/errors.js';
import { summarizeRuns, type ExperimentResults, type RunResult } from '../experiments/results.js';
import { expandRuns } from '../experiments/expand.js';
import { ResultStore, STORE_FILE } from '../experiments/store.js';
import { renderExperimentReport } from './experiment-report.js';

export interface Table {
  /** file name under tables/ (without .csv) */
  name: string;
  title: string;
  head: string[];
  rows: (string | number | null)[][];
}

export interface CurvePoint {
  /** the line: dataset · run name · other swept values */
  variant: string;
  p: number;
  metric: 'ASR' | 'CACC';
  mean: number;
  lo: number;
  hi: number;
  n: number;
}

const pKeyOf = (r: RunResult) => Object.keys(r.point).find((k) => k.endsWith('proportion'));

/** Mean and 95% interval over seeds of ASR and CACC at each proportion of each swept run. */
export function curvePoints(res: ExperimentResults): CurvePoint[] {
  const groups = new Map<string, { variant: string; p: number; runs: RunResult[] }>();
  for (const r of res.runs) {
    const pk = pKeyOf(r);
    if (!pk) continue;
    const rest = Object.entries(r.point)
      .filter(([k]) => k !== pk)
      .map(([, v]) => (typeof v === 'object' ? JSON.stringify(v) : String(v)));
    const variant = [r.dataset, r.name, ...rest].join(' · ');
    const p = Number(r.point[pk]);
    const key = JSON.stringify([variant, p]);
    const g = groups.get(key) ?? { variant, p, runs: [] };
    g.runs.push(r);
    groups.set(key, g);
  }
  const out: CurvePoint[] = [];
  for (const g of groups.values()) {
    for (const metric of ['ASR', 'CACC'] as const) {
      const vals = g.runs.map((r) => (metric === 'ASR' ? r.metrics.asr : r.metrics.cacc)).filter((x): x is number => x !== null);
      if (!vals.length) continue;
      const s = summarize(vals);
      // one seed has no interval: the bar collapses to the point
      const [lo, hi] = s.n > 1 ? s.ci95 : [s.mean, s.mean];
      out.push({ variant: g.variant, p: g.p, metric, mean: s.mean, lo: Math.max(0, lo), hi: Math.min(1, hi), n: s.n });
    }
  }
  return out.sort((a, b) => a.variant.localeCompare(b.variant) || a.p - b.p);
}

/** ASR or CACC against the poisoning proportion: a line per variant, error bars for the seed interval. */
export function curveSpec(points: CurvePoint[], metric: 'ASR' | 'CACC'): TopLevelSpec {
  const values = points.filter((p) => p.metric === metric).map((p) => ({ ...p, mean: 100 * p.mean, lo: 100 * p.lo, hi: 100 * p.hi }));
  // the proportions as evenly spaced categories (a point scale), as the study's Figure 1 sets them out: on a
  // linear axis 0, 0.01, 0.02 and 0.05 crowd into the left 10% where the ASR rises, and a log axis has no 0 (the
  // clean model measured with the trigger)
  const x = { field: 'p', type: 'ordinal' as const, sort: 'ascending' as const, title: 'poisoning proportion p', axis: { labelAngle: 0 } };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `${metric} (%) by poisoning proportion`,
    width: 420,
    height: 260,
    background: 'white',
    data: { values },
    encoding: { x, color: { field: 'variant', type: 'nominal', title: null, legend: { orient: 'bottom', columns: 1, labelLimit: 400 } } },
    layer: [
      { mark: { type: 'line', point: true }, encoding: { y: { field: 'mean', type: 'quantitative', title: `${metric} %`, scale: { domain: [0, 100] } } } },
      // short ticks: on a point scale they would otherwise span the whole step between two proportions
      { mark: { type: 'errorbar', ticks: { size: 8 } }, encoding: { y: { field: 'lo', type: 'quantitative', title: `${metric} %` }, y2: { field: 'hi' } } },
    ],
  };
}

/** Clean accuracy per run group (mean over seeds, 95% interval when there are several). */
export function caccBarSpec(res: ExperimentResults): TopLevelSpec {
  const values = res.summary.map((s) => {
    const label = s.name + (Object.keys(s.point).length ? ` ${Object.values(s.point).map(String).join(' ')}` : '');
    const [lo, hi] = s.cacc.n > 1 ? s.cacc.ci95 : [s.cacc.mean, s.cacc.mean];
    return { run: label, mean: 100 * s.cacc.mean, lo: 100 * Math.max(0, lo), hi: 100 * Math.min(1, hi) };
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'Clean accuracy (%) by run',
    width: Math.max(200, 28 * values.length),
    height: 220,
    background: 'white',
    data: { values },
    encoding: { x: { field: 'run', type: 'nominal', sort: null, title: null, axis: { labelAngle: -45, labelLimit: 220 } } },
    layer: [
      { mark: 'bar', encoding: { y: { field: 'mean', type: 'quantitative', title: 'CACC %', scale: { domain: [0, 100] } } } },
      { mark: { type: 'errorbar', ticks: true }, encoding: { y: { field: 'lo', type: 'quantitative', title: 'CACC %' }, y2: { field: 'hi' } } },
    ],
  };
}

const fmt = (x: number | null | undefined, d = 4): string | null => (x === null || x === undefined || Number.isNaN(x) ? null : x.toFixed(d));

/** Every table of the report, as data (the HTML tables and the CSV files are the same rows). */
export function experimentTables(res: ExperimentResults): Table[] {
  const tables: Table[] = [
    {
      name: 'runs',
      title: 'Runs',
      head: ['id', 'key', 'name', 'seed', 'dataset', 'attack', 'proportion', 'train_size', 'poisoned', 'cacc', 'asr', 'asr_n', 'dev_accuracy', 'epochs_run', 'train_seconds'],
      rows: res.runs.map((r) => [
        r.id,
        r.key ?? '',
        r.name,
        r.seed,
        r.dataset,
        r.attack ? String(r.attack['type']) : 'none',
        r.attack?.['proportion'] !== undefined ? Number(r.attack['proportion']) : null,
        r.metrics.train_size,
        r.metrics.poisoned,
        fmt(r.metrics.cacc),
        fmt(r.metrics.asr),
        r.metrics.asr_n,
        fmt(r.metrics.dev_accuracy),
        r.metrics.epochs_run,
        fmt(r.metrics.train_seconds, 1),
      ]),
    },
    {
      name: 'summary',
      title: 'Mean and 95% interval over seeds',
      head: ['name', 'point', 'seeds', 'cacc_mean', 'cacc_lo', 'cacc_hi', 'asr_mean', 'asr_lo', 'asr_hi'],
      rows: res.summary.map((s) => [
        s.name,
        Object.keys(s.point).length ? JSON.stringify(s.point) : '',
        s.seeds.length,
        fmt(s.cacc.mean),
        fmt(s.cacc.ci95[0]),
        fmt(s.cacc.ci95[1]),
        fmt(s.asr?.mean),
        fmt(s.asr?.ci95[0]),
        fmt(s.asr?.ci95[1]),
      ]),
    },
  ];
  const curves = curvePoints(res);
  if (curves.length) {
    tables.push({ name: 'curves', title: 'Proportion sweeps', head: ['variant', 'p', 'metric', 'mean', 'lo', 'hi', 'seeds'], rows: curves.map((c) => [c.variant, c.p, c.metric, fmt(c.mean), fmt(c.lo), fmt(c.hi), c.n]) });
  }
  const split = res.runs.flatMap((r) => [[r.id, 'clean', 'all', 'none', fmt(r.metrics.split.clean.accuracy), r.metrics.split.clean.n], ...r.metrics.split.rows.map((row) => [r.id, 'triggered', row.label ?? 'all', row.trigger, fmt(row.accuracy), row.n])]);
  tables.push({ name: 'split', title: 'Split table: accuracy by ground truth × trigger', head: ['run', 'data', 'ground_truth', 'trigger', 'accuracy', 'n'], rows: split });
  return tables;
}

/** RFC 4180 CSV: fields with a comma, quote or newline are quoted, quotes doubled. */
export function toCsv(t: Table): string {
  const cell = (v: string | number | null) => {
    const s = v === null ? '' : String(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [t.head, ...t.rows].map((r) => r.map(cell).join(',')).join('\n') + '\n';
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function htmlTable(t: Table): string {
  const head = `<tr>${t.head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>`;
  const rows = t.rows.map((r) => `<tr>${r.map((v) => `<td${typeof v === 'number' || (typeof v === 'string' && /^-?[\d.]+$/.test(v)) ? ' class="n"' : ''}>${esc(v === null ? '–' : String(v))}</td>`).join('')}</tr>`).join('\n');
  return `<h2>${esc(t.title)}</h2>\n<p class="csv">CSV: <code>tables/${esc(t.name)}.csv</code></p>\n<table>\n${head}\n${rows}\n</table>`;
}

export async function renderExperimentHtml(res: ExperimentResults): Promise<string> {
  const charts: string[] = [];
  const curves = curvePoints(res);
  if (curves.some((c) => c.metric === 'ASR')) charts.push(await renderSvg(curveSpec(curves, 'ASR')));
  if (curves.length) charts.push(await renderSvg(curveSpec(curves, 'CACC')));
  if (res.summary.length) charts.push(await renderSvg(caccBarSpec(res)));
  const cfg = res.experiment.config;
  const failed = res.failed ?? [];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(res.experiment.name)}: nlp-backdoor experiment</title>
<style>
body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1100px;padding:0 1em;color:#222}
table{border-collapse:collapse;font-size:13px;margin:.5em 0 1.5em}th,td{border:1px solid #ccc;padding:2px 6px}th{background:#f4f4f4}
td.n{text-align:right;font-variant-numeric:tabular-nums}.charts{display:flex;flex-wrap:wrap;gap:1.5em}.chart svg{max-width:100%;height:auto}
.csv{color:#666;font-size:12px;margin:0}.failed{color:#a00}
</style></head><body>
<h1>Experiment: ${esc(res.experiment.name)}</h1>
${res.experiment.description ? `<p>${esc(res.experiment.description.trim())}</p>` : ''}
<p>Status: <b>${esc(res.status)}</b>, ${res.runs.length} run(s) finished${failed.length ? `, <span class="failed">${failed.length} failed</span>` : ''}. Seeds: ${esc((cfg.seeds ?? [cfg.seed ?? 1]).join(', '))}. Backend: ${esc(res.engine.backend)}. nlp-backdoor ${esc(res.versions['nlp-backdoor'] ?? '?')}, node ${esc(res.versions['node'] ?? '?')}. Updated ${esc(res.updated)}.</p>
${failed.length ? `<ul class="failed">${failed.map((f) => `<li>${esc(f.id)}: ${esc(f.error.split('\n')[0]!)}</li>`).join('')}</ul>` : ''}
<div class="charts">${charts.map((c) => `<div class="chart">${c}</div>`).join('\n')}</div>
<p>Error bars: 95% interval over seeds (t distribution); none with one seed. p = 0 trains on clean data only: its ASR is how often the trigger alone flips an unpoisoned model.</p>
${experimentTables(res).map(htmlTable).join('\n')}
${res.experiment.reference ? `<h2>The paper</h2><p>${esc(res.experiment.reference.trim())}</p>` : ''}
<h2>Reproduce</h2><pre>nlp-backdoor run ${esc(res.experiment.file ?? '<experiment file>')} --out &lt;dir&gt;</pre>
</body></html>
`;
}

/** report.md, report.html and tables/*.csv of an experiment folder, each written atomically. */
export async function writeExperimentReports(dir: string, res: ExperimentResults): Promise<string[]> {
  const written = [path.join(dir, 'report.md'), path.join(dir, 'report.html')];
  writeFileAtomic(written[0]!, renderExperimentReport(res));
  writeFileAtomic(written[1]!, await renderExperimentHtml(res));
  for (const t of experimentTables(res)) {
    const f = path.join(dir, 'tables', `${t.name}.csv`);
    writeFileAtomic(f, toCsv(t));
    written.push(f);
  }
  return written;
}

/**
 * The results of an experiment folder rebuilt from its store: results.json gives the experiment (its file,
 * configuration, engine), the store every finished run (a run key's latest `done` line), in file order.
 */
export function resultsFromStore(dir: string): ExperimentResults {
  const resultsFile = path.join(dir, 'results.json');
  if (!fs.existsSync(path.join(dir, STORE_FILE)) || !fs.existsSync(resultsFile)) {
    throw new InputError(`no experiment results here (expected ${STORE_FILE} and results.json, written by \`nlp-backdoor run FILE --out DIR\`)`, dir);
  }
  const res = readJson<ExperimentResults>(resultsFile);
  const store = ResultStore.open(dir, { name: res.experiment.name, file: res.experiment.file }, { readOnly: true });
  try {
    const runs = expandRuns(res.experiment.config).flatMap((cr) => {
      const done = [...store.all()].reverse().find((x) => x.key === cr.key && x.type === 'done');
      return done?.type === 'done' ? [done.result] : [];
    });
    const failed = (res.failed ?? []).filter((f) => !runs.some((r) => r.id === f.id));
    return { ...res, runs, ...(failed.length ? { failed } : { failed: undefined }), summary: summarizeRuns(runs), status: runs.length === expandRuns(res.experiment.config).length ? 'complete' : 'partial' };
  } finally {
    store.close();
  }
}
