// `nlp-backdoor trigger-metrics`: E, S, C, flip rate and ASR@1 of triggers on a fine-tuned classifier
// (Shen et al. CCS'21; src/eval/trigger-metrics.ts), written as JSON and printed as a table.
import type { Command } from '../command.js';
import { str, num, list, requireStr, UsageError } from '../args.js';
import { initEngine } from '../../engine/index.js';
import { classifierLabels } from '../classifier-dir.js';
import { colOf } from '../dataset-flags.js';
import { engineFlags, engineOf, loadEngineClassifier } from '../engine.js';
import { WordPieceTokenizer } from '../../text/wordpiece.js';
import { loadFileDataset } from '../../data/index.js';
import { resolveLabelKey } from '../../triggers/trigger.js';
import { checkMetricTrigger, triggerMetrics, type TriggerMetric } from '../../eval/trigger-metrics.js';
import { writeJsonAtomic } from '../../common/fs-atomic.js';
import { versions } from '../../common/versions.js';

const fmt = (v: number, d: number) => (Number.isFinite(v) ? v.toFixed(d) : '–');

/** The metrics as an aligned text table. */
export function renderTriggerTable(rows: readonly TriggerMetric[]): string {
  const head = ['trigger', 'target', 'E', 'S', 'C', 'good', 'flip rate', 'ASR@1', 'n'];
  const body = rows.map((m) => [m.trigger, m.target_name, fmt(m.E, 2), fmt(m.S, 3), fmt(m.C, 1), m.good ? 'yes' : 'no', fmt(m.flip_rate, 3), fmt(m.asr_at_1, 3), String(m.n)]);
  const w = head.map((h, k) => Math.max(h.length, ...body.map((r) => r[k]!.length)));
  const line = (r: string[]) => r.map((c, k) => (k < 2 ? c.padEnd(w[k]!) : c.padStart(w[k]!))).join('  ');
  return [line(head), w.map((x) => '-'.repeat(x)).join('  '), ...body.map(line)].join('\n');
}

export const triggerMetricsCommand: Command = {
  name: 'trigger-metrics',
  summary: 'E, S, C (Shen et al. CCS\'21), flip rate and ASR@1 of triggers on a fine-tuned classifier',
  usage: '--model DIR --data FILE [--text-column C --label-column L] --trigger TEXT [--trigger ...] [--max-inputs N] [--seed S] --out FILE',
  flags: {
    model: { type: 'string', description: 'fine-tuned classifier directory (SentenceCNN or BERT family; e.g. a train output\'s model/)' },
    data: { type: 'string', description: 'labelled data file: csv, tsv, jsonl (or a folder per label)' },
    format: { type: 'string', description: 'data format: csv, tsv, jsonl, folder (default: from the extension)' },
    'text-column': { type: 'string', description: 'text column (default: text, sentence, ...)' },
    'label-column': { type: 'string', description: 'label column (default: label, class, ...); values are the model\'s label names or indices' },
    'no-header': { type: 'boolean', description: 'the CSV/TSV file has no header row (columns by 0-based index)' },
    trigger: { type: 'list', description: 'a trigger (repeatable)' },
    target: { type: 'string', description: 'force the target label (name or index) instead of finding it per trigger' },
    'max-inputs': { type: 'string', description: 'inputs per trigger: correctly classified, not of the target label', default: '1000' },
    'max-insertions': { type: 'string', description: 'insertions tried per input', default: '20' },
    seed: { type: 'string', description: 'seed of the input sample and the insertion positions', default: '0' },
    'batch-size': { type: 'string', description: 'texts per forward pass', default: '64' },
    'max-length': { type: 'string', description: 'BERT: longest token sequence (longer texts are truncated)', default: '128' },
    ...engineFlags,
    out: { type: 'string', description: 'JSON result file (written atomically)' },
  },
  details:
    'Per trigger: the target is the label of the trigger alone, unless inserting it once into the data lands on another label more often. ' +
    'Up to --max-inputs correctly classified inputs of the other labels (seeded sample) get the trigger inserted at a random word ' +
    'position, one more time per round, until the prediction lands on the target. E = mean insertions over the inputs that flipped, ' +
    'S = mean share of the poisoned text\'s characters the trigger added, C = 1/(S·E); C > 10 is a good trigger. docs/por.md.',
  async run(args) {
    const dir = requireStr(args, 'model');
    const file = requireStr(args, 'data');
    const out = requireStr(args, 'out');
    const triggers = list(args, 'trigger');
    if (triggers.length === 0) throw new UsageError('give at least one --trigger TEXT');
    engineOf(args);
    const maxInputs = num(args, 'max-inputs', { int: true, min: 1 })!;
    const maxInsertions = num(args, 'max-insertions', { int: true, min: 1 })!;
    const seed = num(args, 'seed', { int: true, min: 0 })!;
    const batchSize = num(args, 'batch-size', { int: true, min: 1 })!;
    const maxLength = num(args, 'max-length', { int: true, min: 2 })!;

    // everything that can be wrong is checked before the model is loaded
    const { kind, labelNames } = classifierLabels(dir);
    const targetFlag = str(args, 'target');
    const target = targetFlag === undefined ? undefined : resolveLabelKey(targetFlag, labelNames);
    if (kind === 'bert') {
      const tok = WordPieceTokenizer.fromDirectory(dir);
      for (const t of triggers) checkMetricTrigger({ kind, encode: (s) => tok.encode(s).ids }, t);
    } else for (const t of triggers) checkMetricTrigger({ kind, encode: () => [] }, t);
    const ds = loadFileDataset({
      path: file,
      format: str(args, 'format') as 'csv' | 'tsv' | 'jsonl' | 'folder' | undefined,
      text: colOf(str(args, 'text-column'), args),
      label: colOf(str(args, 'label-column'), args),
      header: args.flags['no-header'] !== true,
      labelNames,
      test: 0,
      dev: 0,
    });
    const data = [...ds.train, ...ds.dev, ...ds.test];

    await initEngine();
    const { clf, engine } = await loadEngineClassifier(args, dir, { maxLength });
    const t0 = performance.now();
    let metrics: TriggerMetric[];
    try {
      metrics = await triggerMetrics(clf, labelNames, triggers, data, {
        maxInputs,
        maxInsertions,
        seed,
        batchSize,
        target,
        engine,
        // progress only on a terminal: a log file would get one line per round
        onRound: process.stderr.isTTY ? ({ trigger, round, active }) => process.stderr.write(`\r${JSON.stringify(trigger)}: round ${round}/${maxInsertions}, ${active} inputs   `) : undefined,
      });
    } finally {
      if (process.stderr.isTTY) process.stderr.write('\n');
      await clf.dispose();
    }
    const elapsed = (performance.now() - t0) / 1000;
    writeJsonAtomic(out, {
      command: 'trigger-metrics',
      model: dir,
      data: file,
      examples: data.length,
      label_names: labelNames,
      seed,
      max_inputs: maxInputs,
      max_insertions: maxInsertions,
      target: target ?? null,
      engine,
      max_length: maxLength,
      elapsed_s: +elapsed.toFixed(2),
      triggers: metrics,
      versions: versions(),
    });
    console.log(renderTriggerTable(metrics));
    for (const m of metrics) {
      if (m.n === 0) console.error(`warning: ${JSON.stringify(m.trigger)}: no correctly classified input of a label other than ${m.target_name} in ${file}; nothing measured`);
    }
    console.error(`${metrics.length} trigger(s) on ${data.length} examples in ${elapsed.toFixed(1)} s; written to ${out}`);
    return 0;
  },
};
