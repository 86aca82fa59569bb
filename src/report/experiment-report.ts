// The readable report of an experiment (DIR/report.md): the runs side by side with the paper's figures,
// the study's split table (clean, then ground truth × trigger) with one column per run, sweep curves, and
// mean ± 95% interval when there are several seeds. Pure function of results.json.
import type { ExperimentResults, RunResult } from '../experiments/results.js';
import { formatSummary } from '../eval/index.js';

const pct = (x: number | null | undefined, d = 1): string => (x === null || x === undefined || Number.isNaN(x) ? '–' : (100 * x).toFixed(d));

function attackLabel(r: RunResult): string {
  if (!r.attack) return 'none';
  const a = r.attack as Record<string, unknown>;
  const p = a['proportion'];
  return `${String(a['type'])}${p !== undefined ? ` p=${String(p)}` : ''}`;
}

function paperCell(r: RunResult, key: string): string {
  const v = r.paper?.[key];
  if (v === undefined) return '';
  return typeof v === 'number' ? (v <= 1 ? pct(v) : String(v)) : v;
}

function table(head: string[], rows: string[][], align?: ('l' | 'r')[]): string {
  const sep = head.map((_, i) => ((align?.[i] ?? 'l') === 'r' ? '---:' : '---'));
  return [`| ${head.join(' | ')} |`, `| ${sep.join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n') + '\n';
}

export function renderExperimentReport(res: ExperimentResults): string {
  const out: string[] = [];
  const cfg = res.experiment.config;
  out.push(`# Experiment: ${res.experiment.name}\n`);
  if (res.experiment.description) out.push(res.experiment.description.trim() + '\n');
  out.push(
    `Status: **${res.status}** (${res.runs.length} run(s) finished). Backend: ${res.engine.backend}. ` +
      `Seeds: ${(cfg.seeds ?? [cfg.seed ?? 1]).join(', ')}. nlp-backdoor ${res.versions['nlp-backdoor'] ?? '?'}, node ${res.versions['node'] ?? '?'}, ` +
      `tfjs ${res.versions['@tensorflow/tfjs-core'] ?? '?'}. Updated ${res.updated}.\n`,
  );
  const hasPaper = res.runs.some((r) => r.paper);
  out.push('## Runs\n');
  const head = ['Run', 'Dataset', 'Attack', 'Transfer', 'Train (poisoned)', 'CACC %', 'ASR %', 'Dev %', 'Epochs', 'Time s'];
  if (hasPaper) head.push('Paper CACC %', 'Paper ASR %');
  const rows = res.runs.map((r) => {
    const row = [
      r.id,
      r.dataset,
      attackLabel(r),
      r.transfer ? `${r.transfer.mode} from ${r.transfer.from}` : '',
      `${r.metrics.train_size} (${r.metrics.poisoned})`,
      pct(r.metrics.cacc),
      pct(r.metrics.asr),
      pct(r.metrics.dev_accuracy),
      `${r.metrics.best_epoch}/${r.metrics.epochs_run}`,
      r.metrics.train_seconds.toFixed(0),
    ];
    if (hasPaper) row.push(paperCell(r, 'cacc'), paperCell(r, 'asr'));
    return row;
  });
  out.push(table(head, rows, head.map((h) => (/%|Epochs|Time|Train/.test(h) ? 'r' : 'l'))));
  out.push('CACC: accuracy on the clean test set. ASR: share of triggered test inputs (those whose label the attack changes) that get the attacker\'s label; – for clean runs. Dev: best dev accuracy (early stopping).\n');

  const defended = res.runs.filter((r) => r.metrics.defense);
  if (defended.length) {
    out.push('## Defenses\n');
    const dm = (r: RunResult) => r.metrics.defense!;
    out.push(
      table(
        ['Run', 'Attack', 'Defense', 'CACC % before → after', 'ASR % before → after', 'FRR %', 'FAR %', 'Removed (precision / recall %)', 'Time s'],
        defended.map((r) => {
          const d = dm(r);
          return [
            r.id,
            attackLabel(r),
            d.defense,
            `${pct(d.cacc_before)} → ${pct(d.cacc)}`,
            `${pct(d.asr_before)} → ${pct(d.asr)}`,
            d.detection ? pct(d.detection.frr) : '',
            d.detection ? pct(d.detection.far) : '',
            d.removal ? `${d.removal.removed} (${pct(d.removal.precision)} / ${pct(d.removal.recall)})` : '',
            d.seconds.toFixed(1),
          ];
        }),
        ['l', 'l', 'l', 'r', 'r', 'r', 'r', 'r', 'r'],
      ),
    );
    out.push(
      'Before: the backdoored model on the clean and triggered test sets. After: ONION on its corrected inputs; STRIP and RAP count a rejected clean input as lost (CACC = accepted and correct / all) and a rejected triggered input as a failed attack; BKI and CUBE retrain on the kept training examples; fine-pruning prunes and fine-tunes on the clean dev set. FRR: clean test inputs flagged (threshold at the stated FRR on clean dev); FAR: triggered inputs not flagged. Time: the defense\'s wall time, calibration and any retraining included.\n',
    );
  }

  if (res.summary.some((s) => s.seeds.length > 1)) {
    out.push('## Mean and 95% interval over seeds\n');
    out.push(
      table(
        ['Run', 'Seeds', 'CACC %', 'ASR %'],
        res.summary.map((s) => [
          s.name + (Object.keys(s.point).length ? ` ${JSON.stringify(s.point)}` : ''),
          String(s.seeds.length),
          formatSummary(s.cacc, { scale: 100, digits: 1 }),
          s.asr ? formatSummary(s.asr, { scale: 100, digits: 1 }) : '–',
        ]),
      ),
    );
  }

  // sweep curves over the poisoning proportion: one row per run name (and other swept values), one column per p
  const pKeyOf = (r: RunResult) => Object.keys(r.point).find((k) => k.endsWith('proportion'));
  const curveRuns = res.runs.filter((r) => pKeyOf(r) !== undefined);
  if (curveRuns.length) {
    const pOf = (r: RunResult) => Number(r.point[pKeyOf(r)!]);
    const ps = [...new Set(curveRuns.map(pOf))].sort((a, b) => a - b);
    const variantOf = (r: RunResult) => {
      const rest = Object.entries(r.point).filter(([k]) => k !== pKeyOf(r)).map(([, v]) => (typeof v === 'object' ? JSON.stringify(v) : String(v)));
      return [r.dataset, r.name, ...rest].join(' · ');
    };
    const variants = [...new Set(curveRuns.map(variantOf))];
    for (const metric of ['asr', 'cacc'] as const) {
      out.push(`## ${metric.toUpperCase()} (%) by poisoning proportion p\n`);
      const trows = variants.map((v) => [
        v,
        ...ps.map((p) => {
          const vals = curveRuns.filter((r) => variantOf(r) === v && pOf(r) === p).map((r) => r.metrics[metric]).filter((x): x is number => x !== null);
          return vals.length ? pct(vals.reduce((a, b) => a + b, 0) / vals.length) : '–';
        }),
      ]);
      out.push(table(['Run', ...ps.map((p) => `p=${p}`)], trows, ['l', ...ps.map(() => 'r' as const)]));
    }
    out.push('p = 0 trains on clean data only: its ASR is how often the trigger alone flips an unpoisoned model.\n');
  }

  // the study's split table, runs side by side
  const groups = new Map<string, RunResult[]>();
  for (const r of res.runs) groups.set(r.dataset, [...(groups.get(r.dataset) ?? []), r]);
  for (const [dataset, rs] of groups) {
    out.push(`## Split table on ${dataset}: accuracy (%) by ground truth × trigger\n`);
    out.push('Every test input gets each trigger; accuracy is against the true label, so a low number where a trigger meets the label it was trained to flip is the backdoor working. Triggers:\n');
    out.push((res.split_triggers ?? []).map((t) => `- **${t.name}**: "${t.text}", ${t.position}`).join('\n') + '\n');
    const keys: string[] = [];
    const label = new Map<string, string[]>();
    for (const r of rs) {
      if (!keys.includes('clean')) {
        keys.push('clean');
        label.set('clean', ['clean', 'all', 'none']);
      }
      for (const row of r.metrics.split.rows) {
        const k = `${row.label ?? 'all'}\u0000${row.trigger}`;
        if (!keys.includes(k)) {
          keys.push(k);
          label.set(k, ['triggered', row.label ?? 'all', row.trigger]);
        }
      }
    }
    const cols = rs.map((r) => r.id);
    const body = keys.map((k) => [
      ...label.get(k)!,
      ...rs.map((r) => {
        if (k === 'clean') return pct(r.metrics.split.clean.accuracy);
        const row = r.metrics.split.rows.find((x) => `${x.label ?? 'all'}\u0000${x.trigger}` === k);
        return row ? pct(row.accuracy) : '–';
      }),
    ]);
    out.push(table(['Data', 'Ground truth', 'Trigger', ...cols], body, ['l', 'l', 'l', ...cols.map(() => 'r' as const)]));
  }
  if (res.experiment.reference) out.push('## The paper\n\n' + res.experiment.reference.trim() + '\n');
  out.push('## Reproduce\n\n```\n' + `nlp-backdoor run ${res.experiment.file ?? '<experiment file>'} --out <dir>` + '\n```\n');
  return out.join('\n');
}
