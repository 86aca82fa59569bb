// Cost of one encoder scan (src/defenses/scan/encoder-scan.ts) as `nlp-backdoor scan --model assets/bert-small`
// runs it: the shipped bert-small (4 layers, hidden 128, 8,192 pieces), the 32 default SST-2 contexts, the
// shipped GloVe word list, through onnxruntime. The budget is 5 minutes per scan on 2 cores, i.e. 600
// CPU seconds; CPU seconds (process.cpuUsage, every thread) do not depend on what else loads the machine, wall
// seconds do. The reference, measured in the same run: the same piece-sweep sequences through tfjs (the
// scan's previous engine), whose throughput gives the onnx speed-up.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { initEngine, tf } from '../src/engine/index.js';
import { BertForSequenceClassification, bertEncoderForward } from '../src/models/bert/index.js';
import { padBertBatch } from '../src/models/bert/batch.js';
import { WordPieceTokenizer } from '../src/text/wordpiece.js';
import { loadFileDataset } from '../src/data/index.js';
import { scanEncoder, ENCODER_LARGE_SETTINGS } from '../src/defenses/scan/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Sequences per CPU second of tfjs on `n` sweep-like sequences (one piece inserted into a short context). */
async function tfjsReference(dir: string, context: number[], n: number): Promise<{ seq_per_cpu_s: number; seq_per_s: number }> {
  const model = await BertForSequenceClassification.load(dir);
  try {
    const seqs = Array.from({ length: n }, (_, i) => [...context.slice(0, 2), 1000 + i, ...context.slice(2)]);
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < n; i += 128) {
      tf.tidy(() => {
        const b = padBertBatch(seqs.slice(i, i + 128), model.config);
        const out = bertEncoderForward(model.params, model.config, tf.tensor2d(b.inputIds, [b.batchSize, b.seqLen], 'int32'), tf.tensor2d(b.attentionMask, [b.batchSize, b.seqLen], 'int32'), undefined, {}, false);
        out.lastHiddenState.dataSync();
      });
    }
    const c = process.cpuUsage(c0);
    return { seq_per_cpu_s: n / ((c.user + c.system) / 1e6), seq_per_s: n / ((performance.now() - t0) / 1000) };
  } finally {
    model.dispose();
  }
}

/** What `nlp-backdoor scan --model assets/bert-small` scans: the model, the 32 default contexts, the shipped word list. */
async function scanInputs(): Promise<{ dir: string; texts: string[]; words: string[] }> {
  await initEngine();
  const dir = path.join(root, 'assets/bert-small');
  const texts = loadFileDataset({ path: path.join(root, 'assets/data/sst2_sentence/dev.tsv'), label: null, test: 0, dev: 0 }).train.map((e) => e.text).slice(0, 32);
  const words = fs.readFileSync(path.join(root, 'assets/vectors/glove.6B.100d.datasets.words.txt'), 'utf8').split('\n').filter(Boolean);
  return { dir, texts, words };
}

export async function benchScanEncoder(): Promise<Record<string, unknown>> {
  const { dir, texts, words } = await scanInputs();
  const r = await scanEncoder(dir, texts, { seed: 0, words });
  const tok = WordPieceTokenizer.fromDirectory(dir);
  const shortest = texts.map((t) => Array.from(tok.encode(t, null).ids)).sort((a, b) => a.length - b.length)[0]!;
  const ref = await tfjsReference(dir, shortest, 2048);
  const onnxPerCpu = r.stats.forward_passes / r.stats.cpu_seconds;
  return {
    bench: 'encoder-scan',
    model: 'assets/bert-small (4 layers, hidden 128, 8,192 pieces), 32 contexts, shipped word list',
    engine: r.engine,
    seconds: r.stats.seconds,
    cpu_seconds: r.stats.cpu_seconds,
    stages_s: r.stats.stages,
    forward_passes: r.stats.forward_passes,
    words: r.stats.words,
    gradient_steps: r.stats.gradient_steps,
    seq_per_cpu_s: Math.round(onnxPerCpu),
    tfjs_seq_per_cpu_s: Math.round(ref.seq_per_cpu_s),
    ratio_vs_tfjs: +(onnxPerCpu / ref.seq_per_cpu_s).toFixed(2),
    budget_cpu_s: 600,
    cpu_share_of_budget: +(r.stats.cpu_seconds / 600).toFixed(3),
    within_budget: r.stats.cpu_seconds < 600,
    cores: os.cpus().length,
  };
}

/**
 * The large encoder profile (ENCODER_LARGE_SETTINGS: the screen, every piece and word once alone and a 256th of each
 * by either ranking on to the probes; a smaller gradient growth; int8 forward passes; docs/scanner.md "Large
 * encoders") against the full scan (float32), both on the shipped bert-small in this run: the ratio of CPU seconds
 * is what the profile saves on a small model, where int8 gains little, the finals weigh more than on bert-base and
 * the gradient's worker thread does not start.
 */
export async function benchScanEncoderLarge(): Promise<Record<string, unknown>> {
  const { dir, texts, words } = await scanInputs();
  const full = await scanEncoder(dir, texts, { seed: 0, words });
  const large = await scanEncoder(dir, texts, { seed: 0, words, ...ENCODER_LARGE_SETTINGS });
  return {
    bench: 'encoder-scan-large',
    model: 'assets/bert-small (4 layers, hidden 128, 8,192 pieces), 32 contexts, shipped word list',
    share: ENCODER_LARGE_SETTINGS.screen.share,
    engine: large.engine,
    full_engine: full.engine,
    screened: large.stats.screened,
    words: large.stats.words,
    cpu_seconds: large.stats.cpu_seconds,
    forward_passes: large.stats.forward_passes,
    stages_s: large.stats.stages,
    full_cpu_seconds: full.stats.cpu_seconds,
    full_forward_passes: full.stats.forward_passes,
    ratio_cpu_vs_full: +(large.stats.cpu_seconds / full.stats.cpu_seconds).toFixed(3),
    ratio_passes_vs_full: +(large.stats.forward_passes / full.stats.forward_passes).toFixed(3),
    cores: os.cpus().length,
  };
}
