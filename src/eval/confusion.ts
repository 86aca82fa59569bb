// Confusion matrix and per-class precision / recall / F1.
import { InputError } from '../common/errors.js';
import { checkLengths, goldLabels, predictedLabels, type Gold, type Predictions } from './predictions.js';

export interface ConfusionMatrix {
  labels: string[];
  /** counts[trueLabel][predictedLabel] */
  counts: number[][];
}

/** `labels`: label names, or the number of classes (names become "0", "1", …). */
export function confusionMatrix(predictions: Predictions, gold: Gold, labels: number | readonly string[]): ConfusionMatrix {
  const names = typeof labels === 'number' ? Array.from({ length: labels }, (_, i) => String(i)) : [...labels];
  const k = names.length;
  const p = predictedLabels(predictions);
  const g = goldLabels(gold);
  checkLengths(p, g);
  const counts = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < p.length; i++) {
    if (g[i]! >= k || g[i]! < 0) throw new InputError(`gold label ${g[i]} of example ${i} out of range (${k} labels)`);
    if (p[i]! >= k) throw new InputError(`predicted label ${p[i]} of example ${i} out of range (${k} labels)`);
    counts[g[i]!]![p[i]!]!++;
  }
  return { labels: names, counts };
}

export interface ClassMetrics {
  label: string;
  /** 0 when the class is never predicted (as scikit-learn's zero_division=0) */
  precision: number;
  /** 0 when the class has no examples */
  recall: number;
  f1: number;
  /** number of examples whose true label is this class */
  support: number;
}

export interface ClassReport {
  perClass: ClassMetrics[];
  /** unweighted mean over classes */
  macro: { precision: number; recall: number; f1: number };
  /** mean weighted by support */
  weighted: { precision: number; recall: number; f1: number };
  accuracy: number;
  n: number;
}

export function classReport(cm: ConfusionMatrix): ClassReport {
  const k = cm.labels.length;
  const perClass: ClassMetrics[] = [];
  let n = 0;
  let correct = 0;
  for (let c = 0; c < k; c++) {
    const tp = cm.counts[c]![c]!;
    let predicted = 0;
    let support = 0;
    for (let j = 0; j < k; j++) {
      predicted += cm.counts[j]![c]!;
      support += cm.counts[c]![j]!;
    }
    const precision = predicted === 0 ? 0 : tp / predicted;
    const recall = support === 0 ? 0 : tp / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    perClass.push({ label: cm.labels[c]!, precision, recall, f1, support });
    n += support;
    correct += tp;
  }
  const avg = (key: 'precision' | 'recall' | 'f1', weighted: boolean): number => {
    const total = weighted ? n : k;
    if (total === 0) return NaN;
    return perClass.reduce((a, m) => a + m[key] * (weighted ? m.support : 1), 0) / total;
  };
  return {
    perClass,
    macro: { precision: avg('precision', false), recall: avg('recall', false), f1: avg('f1', false) },
    weighted: { precision: avg('precision', true), recall: avg('recall', true), f1: avg('f1', true) },
    accuracy: n === 0 ? NaN : correct / n,
    n,
  };
}

/** Markdown: rows are true labels, columns predicted labels. */
export function renderConfusionMatrix(cm: ConfusionMatrix): string {
  const head = `| true \\ predicted | ${cm.labels.join(' | ')} |`;
  const sep = `| --- | ${cm.labels.map(() => '---:').join(' | ')} |`;
  const rows = cm.counts.map((r, i) => `| ${cm.labels[i]} | ${r.join(' | ')} |`);
  return [head, sep, ...rows].join('\n') + '\n';
}
