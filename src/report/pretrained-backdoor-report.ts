// report.md for a pretrained-backdoor experiment: the paper's Fig. 10 (clean accuracy of the clean and the
// backdoored encoder per dataset) and its Tables 14–16 (E, S, C per trigger × dataset), with the clean
// encoder as the control, and the issue's acceptance bars checked on the numbers.
import * as path from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import type { EncoderRun, PretrainedBackdoorResults } from '../experiments/pretrained-backdoor.js';
import { heatmapSvg, renderSvg } from '../analysis/charts.js';
import { writeFileAtomic } from '../common/fs-atomic.js';

const f = (x: number | null | undefined, d = 2) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(d));
const pct = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : (100 * x).toFixed(1));

/** A trigger works on a classifier: it flips ≥ 90% of inputs within 20 insertions, in E ≤ 2 insertions on average. */
export function triggerWorks(t: { E: number; flip_rate: number }): boolean {
  return t.flip_rate >= 0.9 && t.E <= 2;
}

/** The paper's Fig. 10: clean accuracy of the clean and the backdoored encoder per dataset, as grouped bars. */
export function fig10Spec(r: PretrainedBackdoorResults): TopLevelSpec {
  const values = r.runs.map((x) => ({ dataset: x.dataset, encoder: x.encoder, accuracy: 100 * x.test_accuracy }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `Clean test accuracy (%) after fine-tuning, clean vs backdoored encoder (${r.experiment})`,
    background: 'white',
    data: { values },
    mark: 'bar',
    width: { step: 14 },
    height: 220,
    encoding: {
      x: { field: 'dataset', type: 'nominal', sort: null, title: null },
      xOffset: { field: 'encoder', sort: ['clean', 'backdoored'] },
      y: { field: 'accuracy', type: 'quantitative', title: 'accuracy %', scale: { domain: [0, 100] } },
      color: { field: 'encoder', type: 'nominal', sort: ['clean', 'backdoored'], title: null },
      tooltip: [{ field: 'dataset' }, { field: 'encoder' }, { field: 'accuracy', format: '.1f' }],
    },
  };
}

/** The charts of the report: Fig. 10 and, per encoder, ASR@1 of every trigger on every dataset. */
export async function pretrainedBackdoorCharts(r: PretrainedBackdoorResults): Promise<{ file: string; title: string; svg: string }[]> {
  const datasets = [...new Set(r.runs.map((x) => x.dataset))];
  const triggers = [...new Set(r.runs.flatMap((x) => x.triggers.map((t) => t.trigger)))];
  const out = [{ file: 'fig10-clean-accuracy.svg', title: 'Clean accuracy, clean vs backdoored encoder (Fig. 10)', svg: await renderSvg(fig10Spec(r)) }];
  for (const enc of ['backdoored', 'clean'] as const) {
    const runs = datasets.map((d) => r.runs.find((x) => x.dataset === d && x.encoder === enc));
    if (runs.every((x) => !x)) continue;
    const values = triggers.map((t) => runs.map((x) => x?.triggers.find((y) => y.trigger === t)?.asr_at_1 ?? NaN));
    const title = `ASR@1 (share flipped by one insertion), ${enc === 'clean' ? 'clean encoder (control)' : 'backdoored encoder'}`;
    out.push({ file: `asr1-${enc}.svg`, title, svg: await heatmapSvg({ title, rows: triggers, cols: datasets, values, domain: [0, 1], cell: 28 }) });
  }
  return out;
}

/** report.md and its charts (SVG) in `dir`; returns the paths written. */
export async function writePretrainedBackdoorReport(dir: string, r: PretrainedBackdoorResults): Promise<string[]> {
  const charts = r.runs.length ? await pretrainedBackdoorCharts(r) : [];
  for (const c of charts) writeFileAtomic(path.join(dir, c.file), c.svg);
  const md = path.join(dir, 'report.md');
  writeFileAtomic(md, renderPretrainedBackdoorReport(r, charts));
  return [md, ...charts.map((c) => path.join(dir, c.file))];
}

export function renderPretrainedBackdoorReport(r: PretrainedBackdoorResults, charts: readonly { file: string; title: string }[] = []): string {
  const L: string[] = [];
  const bd = r.backdoor as { attack?: string; seed?: number; hyperparameters?: Record<string, unknown>; seconds?: number; triggers?: { trigger: string; tokens: string[] }[] } | null;
  L.push(`# ${r.experiment}${r.status === 'partial' ? ' (partial: rerun the same command to finish)' : ''}`, '');
  if (r.config.description) L.push(r.config.description.trim(), '');
  L.push(`Clean encoder \`${r.config.encoder}\`; backdoored encoder \`${r.encoders.backdoored}\` (${bd?.attack ?? r.config.inject.attack ?? 'por'}, injection seed ${bd?.seed ?? r.config.inject.seed ?? r.seed}, fine-tuning seed ${r.seed}${bd?.seconds !== undefined ? `, ${bd.seconds} s to inject` : ''}).`, '');
  if (bd?.triggers) L.push('Triggers and the word-pieces the model sees: ' + bd.triggers.map((t) => `\`${t.trigger}\` → ${t.tokens.join(' ')}`).join('; ') + '.', '');
  const datasets = [...new Set(r.runs.map((x) => x.dataset))];
  const get = (d: string, e: 'clean' | 'backdoored'): EncoderRun | undefined => r.runs.find((x) => x.dataset === d && x.encoder === e);

  L.push('## Clean accuracy (the paper\'s Fig. 10)', '', '| dataset | classes | train | test n | clean encoder | backdoored encoder | difference (points) |', '|---|---:|---:|---:|---:|---:|---:|');
  for (const d of datasets) {
    const c = get(d, 'clean');
    const b = get(d, 'backdoored');
    L.push(`| ${d} | ${(c ?? b)!.label_names.length} | ${(c ?? b)!.train_size} | ${(c ?? b)!.test_n} | ${pct(c?.test_accuracy)} | ${pct(b?.test_accuracy)} | ${c && b ? (100 * (b.test_accuracy - c.test_accuracy)).toFixed(1) : '–'} |`);
  }
  L.push('');
  for (const c of charts) L.push(`![${c.title}](${c.file})`, '');

  L.push('## Triggers on the backdoored encoder (the paper\'s Tables 14–16), with the clean encoder as the control', '');
  L.push('E: mean insertions until the prediction lands on the trigger\'s label (inputs that flipped within 20); S: share of the text\'s characters the trigger adds at that point; C = 1/(S·E), C > 10 a good trigger; flip: share flipped within 20 insertions; ASR@1: share flipped by one insertion. Control columns: the same trigger on the clean encoder fine-tuned the same way.', '');
  L.push('| dataset | trigger | kind | lands on | E | S | C | flip | ASR@1 | control E | control flip | control ASR@1 |', '|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const d of datasets) {
    const b = get(d, 'backdoored');
    const c = get(d, 'clean');
    for (const t of b?.triggers ?? []) {
      const ct = c?.triggers.find((x) => x.trigger === t.trigger);
      L.push(`| ${d} | ${t.trigger} | ${t.kind ?? ''} | ${t.target_name} | ${f(t.E)} | ${f(t.S, 3)} | ${f(t.C, 1)}${t.good ? ' ✓' : ''} | ${f(t.flip_rate)} | ${f(t.asr_at_1)} | ${f(ct?.E)} | ${f(ct?.flip_rate)} | ${f(ct?.asr_at_1)} |`);
    }
  }
  L.push('');

  // the acceptance bars of the POR work (issue 8)
  const pairs = datasets.map((d) => ({ d, c: get(d, 'clean'), b: get(d, 'backdoored') })).filter((p) => p.c && p.b);
  const within2 = pairs.filter((p) => Math.abs(p.b!.test_accuracy - p.c!.test_accuracy) <= 0.02).map((p) => p.d);
  L.push('## Summary', '');
  L.push(`- Datasets where the backdoored encoder's clean accuracy is within 2 points of the clean encoder's: ${within2.length}/${pairs.length} (${within2.join(', ') || 'none'}).`);
  for (const p of pairs) {
    const works = p.b!.triggers.filter(triggerWorks);
    const ctrl = p.c!.triggers;
    const ctrlMax = Math.max(...ctrl.map((t) => t.asr_at_1));
    L.push(`- ${p.d}: ${works.length}/${p.b!.triggers.length} triggers reach E ≤ 2 with flip rate ≥ 0.9 (${works.map((t) => t.trigger).join(', ') || 'none'}); on the clean encoder the highest ASR@1 is ${f(ctrlMax)} and the flip rate within 20 insertions is ${f(Math.min(...ctrl.map((t) => t.flip_rate)))}–${f(Math.max(...ctrl.map((t) => t.flip_rate)))} at E ${f(Math.min(...ctrl.map((t) => t.E)))}–${f(Math.max(...ctrl.map((t) => t.E)))}.`);
  }
  L.push('', `Versions: ${Object.entries(r.versions).map(([k, v]) => `${k} ${v}`).join(', ')}. Started ${r.started}, finished ${r.finished}.`, '');
  return L.join('\n');
}
