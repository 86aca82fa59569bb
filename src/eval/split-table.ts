// The results table of Guan & Duong ("Neural Backdoors in NLP"): accuracy on clean data, then accuracy
// per ground-truth label × trigger type (control / positive / negative trigger). A working backdoor shows
// as low accuracy on the rows where a trigger meets the label it is meant to flip; the control trigger rows
// show what inserting any text does. Multi-class data aggregates over labels, one row per trigger.
import type { Example } from '../data/types.js';
import { InputError } from '../common/errors.js';
import { checkLengths, predictedLabels, trueLabel, type Predictions } from './predictions.js';

export interface SplitCell {
  /** accuracy against the ground-truth label (NaN when n = 0) */
  accuracy: number;
  n: number;
}

export interface SplitRow extends SplitCell {
  /** ground-truth label name; null when the row aggregates all labels */
  label: string | null;
  /** trigger name, e.g. "control", "positive", "negative" */
  trigger: string;
}

export interface SplitTable {
  clean: SplitCell;
  rows: SplitRow[];
  labelNames: string[];
}

/** Predictions for a set of examples, in the same order. */
export interface PredictedSet {
  predictions: Predictions;
  examples: readonly Example[];
}

export interface SplitTableOptions {
  labelNames: readonly string[];
  /** one row per ground-truth label × trigger (default for binary data) or per trigger only (default otherwise) */
  perLabel?: boolean;
}

function cell(pred: number[], examples: readonly Example[], keep: (e: Example) => boolean): SplitCell {
  let n = 0;
  let ok = 0;
  for (let i = 0; i < examples.length; i++) {
    const e = examples[i]!;
    if (!keep(e)) continue;
    n++;
    if (pred[i] === trueLabel(e)) ok++;
  }
  return { accuracy: n === 0 ? NaN : ok / n, n };
}

/**
 * Build the table. `triggered` maps a trigger name to the predictions on the test set with that trigger
 * inserted (in the Guan & Duong study: every test input, whatever its label, with each trigger). Rows are
 * ordered by label (labelNames order), then trigger (insertion order of `triggered`); empty cells are left out.
 */
export function splitTable(clean: PredictedSet, triggered: Readonly<Record<string, PredictedSet>>, opts: SplitTableOptions): SplitTable {
  const labelNames = [...opts.labelNames];
  const perLabel = opts.perLabel ?? labelNames.length === 2;
  const cleanPred = predictedLabels(clean.predictions);
  checkLengths(cleanPred, clean.examples, 'clean examples');
  const sets = Object.entries(triggered).map(([trigger, s]) => {
    const pred = predictedLabels(s.predictions);
    checkLengths(pred, s.examples, `examples with trigger "${trigger}"`);
    for (const e of s.examples) {
      const t = trueLabel(e);
      if (t < 0 || t >= labelNames.length) throw new InputError(`label ${t} out of range (${labelNames.length} labels)`, undefined, undefined, trigger);
    }
    return { trigger, pred, examples: s.examples };
  });
  const rows: SplitRow[] = [];
  if (perLabel) {
    labelNames.forEach((name, label) => {
      for (const s of sets) {
        const c = cell(s.pred, s.examples, (e) => trueLabel(e) === label);
        if (c.n > 0) rows.push({ label: name, trigger: s.trigger, ...c });
      }
    });
  } else {
    for (const s of sets) {
      const c = cell(s.pred, s.examples, () => true);
      if (c.n > 0) rows.push({ label: null, trigger: s.trigger, ...c });
    }
  }
  return { clean: cell(cleanPred, clean.examples, () => true), rows, labelNames };
}

/** Split one triggered set into per-trigger sets by each example's `triggerKind`. */
export function groupByTriggerKind(set: PredictedSet): Record<string, PredictedSet> {
  checkLengths(set.predictions, set.examples);
  const out: Record<string, { predictions: (number | readonly number[])[]; examples: Example[] }> = {};
  set.examples.forEach((e, i) => {
    if (e.triggerKind === undefined) throw new InputError(`example ${i} has no triggerKind`);
    const g = (out[e.triggerKind] ??= { predictions: [], examples: [] });
    g.predictions.push(set.predictions[i]!);
    g.examples.push(e);
  });
  return out as Record<string, PredictedSet>;
}

const pct = (x: number, digits: number): string => (Number.isNaN(x) ? '–' : (100 * x).toFixed(digits));

/** Markdown table: | Data | Ground truth | Trigger | Accuracy (%) | n |. */
export function renderSplitTable(table: SplitTable, opts: { digits?: number } = {}): string {
  const d = opts.digits ?? 1;
  const lines = [
    '| Data | Ground truth | Trigger | Accuracy (%) | n |',
    '| --- | --- | --- | ---: | ---: |',
    `| clean | all | none | ${pct(table.clean.accuracy, d)} | ${table.clean.n} |`,
  ];
  for (const r of table.rows) lines.push(`| triggered | ${r.label ?? 'all'} | ${r.trigger} | ${pct(r.accuracy, d)} | ${r.n} |`);
  return lines.join('\n') + '\n';
}
