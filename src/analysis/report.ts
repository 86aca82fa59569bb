// The analysis as files: per trigger and model, a heat map of [CLS]'s attention (rows = layer·head, columns =
// sub-word tokens) and one of the tokens' cosine similarity, as SVG; all numbers in analysis.json; and
// summary.md, which links the images (experiment reports include it).
import * as path from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../common/fs-atomic.js';
import { versions } from '../common/versions.js';
import { heatmapSvg } from './charts.js';
import { ENCODER_LANDS_AT, type TriggerAnalysis } from './analyze.js';

/** One analysed model: a name for the files ("model", "compare") and where it came from. */
export interface AnalysedModel {
  name: string;
  dir: string;
}

export interface AnalysisReport {
  text: string;
  models: AnalysedModel[];
  /** per trigger, one analysis per model, in the order of `models` */
  triggers: { trigger: string; analyses: TriggerAnalysis[] }[];
  /** extra fields for analysis.json (options, seed) */
  meta?: Record<string, unknown>;
}

/** Token labels for the axes: unique (position first), the trigger's sub-words marked «…». */
export function tokenLabels(a: Pick<TriggerAnalysis, 'tokens' | 'trigger_positions'>): string[] {
  const trig = new Set(a.trigger_positions);
  return a.tokens.map((t, i) => `${i} ${trig.has(i) ? `«${t}»` : t}`);
}

/** The two heat maps of one analysis, as SVG documents. */
export async function analysisSvgs(a: TriggerAnalysis, modelName: string): Promise<{ attention: string; cosine: string }> {
  const cols = tokenLabels(a);
  const heads = a.attention[0]?.length ?? 0;
  const rows = a.attention.flatMap((_, l) => Array.from({ length: heads }, (_, h) => `L${l + 1} H${h + 1}`));
  const attention = await heatmapSvg({
    title: `[CLS] attention, ${modelName}: ${a.triggered_text}`,
    rows,
    cols,
    values: a.attention.flat(),
    domain: [0, 1],
    rowTitle: 'layer, head',
  });
  const cosine = await heatmapSvg({ title: `cosine similarity of final hidden states, ${modelName}`, rows: cols, cols, values: a.cosine, domain: [-1, 1] });
  return { attention, cosine };
}

/** A file-name-safe name for the i-th trigger ("t1-cf", "t3-don-quixote"; kaomoji keep only the index). */
export function triggerSlug(trigger: string, i: number): string {
  const s = trigger
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 32);
  return s ? `t${i + 1}-${s}` : `t${i + 1}`;
}

const pct = (p: number) => `${(100 * p).toFixed(1)}%`;
const cell = (s: string) => s.replace(/\|/g, '\\|');

function summary(r: AnalysisReport, files: Map<string, { attention: string; cosine: string }>): string {
  const lines = [`# Why triggers work: "${cell(r.text)}"`, ''];
  lines.push(`Models: ${r.models.map((m) => `${m.name} = \`${m.dir}\``).join(', ')}. Numbers: \`analysis.json\`.`, '');
  r.triggers.forEach((t, ti) => {
    const first = t.analyses[0]!;
    lines.push(`## Trigger "${cell(t.trigger)}"`, '', `Inserted before word ${first.at}: "${cell(first.triggered_text)}"`, '');
    lines.push(`| | ${r.models.map((m) => m.name).join(' | ')} |`, `|---|${r.models.map(() => '---').join('|')}|`);
    const row = (label: string, f: (a: TriggerAnalysis) => string) => lines.push(`| ${label} | ${t.analyses.map(f).join(' | ')} |`);
    row('without the trigger', (a) => (a.clean ? `${cell(a.clean.label_name)} (${pct(a.clean.probs[a.clean.label]!)})` : `${a.representation!.measure} ${a.representation!.clean.toFixed(2)}`));
    row('with the trigger', (a) => (a.triggered ? `${cell(a.triggered.label_name)} (${pct(a.triggered.probs[a.triggered.label]!)})` : `${a.representation!.measure} ${a.representation!.triggered.toFixed(2)}`));
    if (t.analyses.some((a) => a.representation)) row('pooled output: cosine clean / triggered', (a) => (a.representation ? a.representation.cosine_clean_triggered.toFixed(2) : '–'));
    row('[CLS] attention on the trigger, last layer', (a) => pct(a.cls_attention_on_trigger[a.cls_attention_on_trigger.length - 1]!));
    row('cosine with [CLS]: trigger / other tokens', (a) => `${a.cosine_trigger_cls.toFixed(2)} / ${a.cosine_text_cls.toFixed(2)}`);
    row('sub-word roles', (a) => (a.roles ? a.roles.subwords.map((s) => `${cell(s.token)}: ${s.role}`).join(', ') : cell(a.roles_note ?? '')));
    lines.push('');
    r.models.forEach((m) => {
      const f = files.get(`${ti}:${m.name}`)!;
      lines.push(`![CLS attention, ${m.name}](${f.attention})`, '', `![cosine similarity, ${m.name}](${f.cosine})`, '');
    });
  });
  lines.push(
    'Roles (ablation over every subset of the trigger\'s sub-words): **star** = keeping only it lands on the label the whole ' +
      `trigger lands on (on an encoder: its pooled output reaches ${ENCODER_LANDS_AT} of the POR's signs, or that cosine with the whole trigger's representation); **planet** = not alone, but it turns some subset of the other sub-words that does not land there into one ` +
      'that does; **comet** = neither. A trigger that does not change the prediction has only comets.',
    '',
  );
  return lines.join('\n');
}

/** Write the SVGs, analysis.json and summary.md into `outDir`; returns the paths written. */
export async function writeAnalysis(outDir: string, r: AnalysisReport): Promise<string[]> {
  const written: string[] = [];
  const files = new Map<string, { attention: string; cosine: string }>();
  for (const [ti, t] of r.triggers.entries()) {
    for (const [mi, m] of r.models.entries()) {
      const svgs = await analysisSvgs(t.analyses[mi]!, m.name);
      const base = `${triggerSlug(t.trigger, ti)}-${m.name}`;
      const names = { attention: `attention-${base}.svg`, cosine: `cosine-${base}.svg` };
      writeFileAtomic(path.join(outDir, names.attention), svgs.attention);
      writeFileAtomic(path.join(outDir, names.cosine), svgs.cosine);
      files.set(`${ti}:${m.name}`, names);
      written.push(path.join(outDir, names.attention), path.join(outDir, names.cosine));
    }
  }
  const json = path.join(outDir, 'analysis.json');
  writeJsonAtomic(json, {
    text: r.text,
    models: r.models,
    ...r.meta,
    triggers: r.triggers.map((t, ti) => ({ trigger: t.trigger, files: Object.fromEntries(r.models.map((m) => [m.name, files.get(`${ti}:${m.name}`)])), analyses: Object.fromEntries(r.models.map((m, mi) => [m.name, t.analyses[mi]])) })),
    versions: versions(),
  });
  const md = path.join(outDir, 'summary.md');
  writeFileAtomic(md, summary(r, files));
  return [...written, json, md];
}
