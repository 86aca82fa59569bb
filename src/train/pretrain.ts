// Masked-LM pre-training of a BERT encoder over a plain-text corpus (Devlin et al. 2019, §3.1 and A.2): one
// document or sentence per line, WordPiece-tokenised, packed into sequences of up to maxLen tokens
// ([CLS] … [SEP], as HF run_mlm's group_texts with the special tokens added), 15% of tokens selected with the
// 80/10/10 rule (optionally whole words), AdamW with linear warm-up and decay, gradient clipping at 1.0,
// gradient accumulation.
//
// Reproducible and resumable: every random choice is a pure function of (seed, micro-batch index): the data
// order of each pass over the corpus, the masks, the dropout. A checkpoint directory `checkpoint-<step>`
// holds the model in HF layout (config.json, model.safetensors in F32, vocab.txt), optimizer.safetensors
// (Adam moments) and trainer_state.json; it is written as `checkpoint-<step>.tmp` and renamed when complete,
// so a run killed at any moment resumes from the last complete one and reaches bit-identical weights.
import fs from 'node:fs';
import path from 'node:path';
import { tf, initEngine } from '../engine/index.js';
import { yieldToEventLoop } from '../common/yield.js';
import { sha256Of } from '../common/content-hash.js';
import { Rng } from '../common/random.js';
import { BertForMaskedLM, maskTokens, maskedLmLoss, parseBertConfig, type BertConfigInput } from '../models/bert/index.js';
import type { WordPieceTokenizer } from '../text/wordpiece.js';
import { Adam } from './adam.js';
import { learningRate } from './lr-schedule.js';
import { clipAndApply } from './clip.js';
import { GradientPool } from './data-parallel.js';
import { latestCheckpoint, readRunCheckpoint, writeRunCheckpoint } from './run-checkpoint.js';

export { latestCheckpoint };

export const TRAINER_STATE_FORMAT = 'nlp-backdoor/pretrain-state/1';

/** Model sizes by name; vocab_size comes from the tokenizer, max_position_embeddings from maxLen if larger. */
export const PRETRAIN_PRESETS: Record<string, BertConfigInput> = {
  /** 4 layers, hidden 256, 4 heads, FFN 1024 (the size of Turc et al.'s BERT-Mini) */
  small: { hidden_size: 256, num_hidden_layers: 4, num_attention_heads: 4, intermediate_size: 1024, max_position_embeddings: 128 },
  /** 4 layers, hidden 128, 2 heads, FFN 512: a third of small's step time on one CPU core */
  'l4-h128': { hidden_size: 128, num_hidden_layers: 4, num_attention_heads: 2, intermediate_size: 512, max_position_embeddings: 128 },
  /** 2 layers, hidden 128, 2 heads (BERT-Tiny) */
  tiny: { hidden_size: 128, num_hidden_layers: 2, num_attention_heads: 2, intermediate_size: 512, max_position_embeddings: 128 },
};

export interface PretrainOptions {
  /** the corpus: a plain-text file, one document or sentence per line (or the lines themselves) */
  corpus: string | string[];
  /** output directory: checkpoint-<step>/ folders, and the final model in HF layout */
  out: string;
  tokenizer: WordPieceTokenizer;
  /** architecture (a preset name or config fields); vocab_size is set from the tokenizer */
  config: string | BertConfigInput;
  /** hidden and attention dropout during pre-training (default: the config's, 0.1); written to config.json */
  dropout?: number;
  /** optimizer steps in total (each of `accum` micro-batches) */
  steps: number;
  /** sequences per micro-batch (default 32) */
  batchSize?: number;
  /** micro-batches per optimizer step (default 1) */
  accum?: number;
  /** tokens per sequence including [CLS] and [SEP] (default 64) */
  maxLen?: number;
  /** peak learning rate (default 5e-4) */
  lr?: number;
  /** warm-up steps (default 6% of steps) */
  warmup?: number;
  /** AdamW decoupled weight decay (default 0.01; none on biases and LayerNorm) */
  weightDecay?: number;
  /** global gradient-norm clip (default 1.0; 0 = off) */
  maxGradNorm?: number;
  /** selection probability (default 0.15) */
  maskProb?: number;
  wholeWordMask?: boolean;
  seed?: number;
  /** write a checkpoint every this many steps (default 200) */
  checkpointEvery?: number;
  /** complete checkpoints kept (default 2) */
  keepCheckpoints?: number;
  /** continue from the newest complete checkpoint in `out`, if any */
  resume?: boolean;
  /** dtype of the final model.safetensors in `out` (default F32; checkpoints are always F32) */
  finalDtype?: 'F32' | 'F16';
  /** a progress line on stderr at most this often (seconds; default 10; 0 = every step; null = silent) */
  logEvery?: number | null;
  /** on SIGINT finish the current step, write a checkpoint and return (default true) */
  handleSigint?: boolean;
  /** polled after every step: true stops like SIGINT does (checkpoint written) */
  shouldStop?: () => boolean;
  /** for tests: return after this step without writing anything, as a kill would leave the directory */
  haltAfter?: number;
  /**
   * worker threads computing each micro-batch's gradients data-parallel (src/train/data-parallel.ts); default
   * 1 (this thread). With dropout, each shard draws its own masks: the weights are reproducible (and resumable
   * bit-identically) for a given worker count, and differ across worker counts.
   */
  workers?: number;
}

export interface PretrainResult {
  model: BertForMaskedLM;
  /** optimizer steps completed */
  step: number;
  tokensSeen: number;
  /** mean MLM loss of the last (up to) 50 steps */
  finalLoss: number;
  /** training seconds over all sessions of this run */
  seconds: number;
  /** stopped by SIGINT / shouldStop before `steps` */
  interrupted: boolean;
  history: { step: number; loss: number; lr: number }[];
  /** the checkpoint this session resumed from, if any */
  resumedFrom: string | null;
  corpus: CorpusStats;
}

export interface CorpusStats {
  lines: number;
  sequences: number;
  tokens: number;
}

/** Packed training sequences: token ids with [CLS]/[SEP], and 1 where a token starts a word. */
export interface PackedCorpus {
  seqs: Int32Array[];
  wordStarts: Uint8Array[];
  stats: CorpusStats;
}

export function readCorpusLines(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  return text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
}

/**
 * Tokenise lines and pack them greedily in order: lines are appended to the current sequence while they fit
 * in maxLen - 2 tokens; a line longer than that is cut into pieces of maxLen - 2.
 */
export function packCorpus(lines: string[], tok: WordPieceTokenizer, maxLen: number): PackedCorpus {
  if (maxLen < 3) throw new Error(`maxLen ${maxLen} leaves no room for tokens between [CLS] and [SEP]`);
  const room = maxLen - 2;
  const seqs: Int32Array[] = [];
  const wordStarts: Uint8Array[] = [];
  let cur: number[] = [];
  let curStarts: number[] = [];
  let tokens = 0;
  const flush = () => {
    if (!cur.length) return;
    seqs.push(Int32Array.from([tok.clsId, ...cur, tok.sepId]));
    wordStarts.push(Uint8Array.from([0, ...curStarts, 0]));
    tokens += cur.length;
    cur = [];
    curStarts = [];
  };
  for (const line of lines) {
    const pieces = tok.tokenize(line);
    if (!pieces.length) continue;
    const ids = tok.convertTokensToIds(pieces);
    const starts = pieces.map((p) => (p.startsWith('##') ? 0 : 1));
    if (cur.length + ids.length > room) flush();
    for (let i = 0; i < ids.length; i += room) {
      if (i > 0) flush();
      cur.push(...ids.slice(i, i + room));
      curStarts.push(...starts.slice(i, i + room));
    }
  }
  flush();
  return { seqs, wordStarts, stats: { lines: lines.length, sequences: seqs.length, tokens } };
}

/** A masked micro-batch, ready for the model. */
export interface MlmBatch {
  inputIds: Int32Array;
  attentionMask: Int32Array;
  tokenTypeIds: Int32Array;
  batchSize: number;
  seqLen: number;
  /** flat indices of the selected positions */
  positions: Int32Array;
  /** original ids at `positions` */
  labels: Int32Array;
  /** non-padding tokens */
  tokens: number;
}

/** Sequence indices of global micro-batch k: passes over the corpus, each in its own seeded order; a short tail is dropped. */
export function microBatchIndices(n: number, batchSize: number, seed: number, k: number): number[] {
  const perPass = Math.max(1, Math.floor(n / batchSize));
  const pass = Math.floor(k / perPass);
  const within = k % perPass;
  const order = new Rng(seed).fork(`pass${pass}`).shuffle(Array.from({ length: n }, (_, i) => i));
  return order.slice(within * batchSize, (within + 1) * batchSize);
}

/** Micro-batch k: its sequences padded to the longest, masked by an Rng derived from (seed, k). */
export function makeMlmBatch(corpus: PackedCorpus, tok: WordPieceTokenizer, k: number, o: { batchSize: number; seed: number; maskProb: number; wholeWord: boolean }): MlmBatch {
  const idx = microBatchIndices(corpus.seqs.length, o.batchSize, o.seed, k);
  const B = idx.length;
  const T = Math.max(...idx.map((i) => corpus.seqs[i]!.length));
  const ids = new Int32Array(B * T).fill(tok.padId);
  const ws = new Uint8Array(B * T);
  const attentionMask = new Int32Array(B * T);
  let tokens = 0;
  idx.forEach((si, b) => {
    const s = corpus.seqs[si]!;
    ids.set(s, b * T);
    ws.set(corpus.wordStarts[si]!, b * T);
    attentionMask.fill(1, b * T, b * T + s.length);
    tokens += s.length;
  });
  const m = maskTokens(ids, { rng: new Rng(o.seed).fork(`mask${k}`), prob: o.maskProb, tokenizer: tok, specialTokensMask: Uint8Array.from(ids, (id, i) => (attentionMask[i] ? 0 : 1)), wordStarts: o.wholeWord ? ws : undefined });
  return { inputIds: m.inputIds, attentionMask, tokenTypeIds: new Int32Array(B * T), batchSize: B, seqLen: T, positions: m.positions, labels: Int32Array.from(m.positions, (p) => m.labels[p]!), tokens };
}

const noDecay = (name: string) => name.endsWith('.bias') || name.includes('LayerNorm');

interface StateFile {
  format: string;
  step: number;
  /** micro-batches consumed: the position of every seeded stream */
  microBatches: number;
  seed: number;
  tokensSeen: number;
  seconds: number;
  options: Record<string, unknown>;
  corpus: CorpusStats;
  optimizer: { file: string; step: number };
  history: { step: number; loss: number; lr: number }[];
}

/** The options that must not change across a resume (they determine the data stream and the schedule). */
function fingerprint(o: Required<Pick<PretrainOptions, 'steps' | 'batchSize' | 'accum' | 'maxLen' | 'lr' | 'warmup' | 'weightDecay' | 'maxGradNorm' | 'maskProb' | 'wholeWordMask' | 'seed'>> & { dropout: number | null }): Record<string, unknown> {
  return { ...o };
}

export async function pretrainMlm(opts: PretrainOptions): Promise<PretrainResult> {
  await initEngine();
  const tok = opts.tokenizer;
  const o = {
    steps: opts.steps,
    batchSize: opts.batchSize ?? 32,
    accum: opts.accum ?? 1,
    maxLen: opts.maxLen ?? 64,
    lr: opts.lr ?? 5e-4,
    warmup: opts.warmup ?? Math.ceil(0.06 * opts.steps),
    weightDecay: opts.weightDecay ?? 0.01,
    maxGradNorm: opts.maxGradNorm ?? 1,
    maskProb: opts.maskProb ?? 0.15,
    wholeWordMask: opts.wholeWordMask ?? false,
    seed: opts.seed ?? 0,
    dropout: opts.dropout ?? null,
  };
  for (const k of ['steps', 'batchSize', 'accum', 'maxLen'] as const) if (!Number.isInteger(o[k]) || o[k] < 1) throw new Error(`pretrain: ${k} must be a positive integer, got ${o[k]}`);
  const every = opts.checkpointEvery ?? 200;
  const keep = opts.keepCheckpoints ?? 2;
  const logEvery = opts.logEvery === undefined ? 10 : opts.logEvery;
  const preset = typeof opts.config === 'string' ? PRETRAIN_PRESETS[opts.config] : opts.config;
  if (!preset) throw new Error(`unknown model config "${opts.config}" (known: ${Object.keys(PRETRAIN_PRESETS).join(', ')})`);
  const config = parseBertConfig({
    architectures: ['BertForMaskedLM'],
    ...preset,
    vocab_size: tok.vocabSize,
    pad_token_id: tok.padId,
    max_position_embeddings: Math.max(preset.max_position_embeddings ?? 512, o.maxLen),
    ...(opts.dropout !== undefined ? { hidden_dropout_prob: opts.dropout, attention_probs_dropout_prob: opts.dropout } : {}),
  });

  const lines = Array.isArray(opts.corpus) ? opts.corpus : readCorpusLines(opts.corpus);
  const corpus = packCorpus(lines, tok, o.maxLen);
  if (corpus.seqs.length === 0) throw new Error('pretrain: the corpus has no tokens');

  fs.mkdirSync(opts.out, { recursive: true });
  // the model's configuration and the vocabulary are part of the run too: resuming a checkpoint under another
  // config.json or vocab.txt would continue other weights with other token ids (issue 12, item 13)
  const fp = { ...fingerprint(o), model: config, vocab: sha256Of(tok.idToToken), corpusSha256: sha256Of(lines) };
  let model: BertForMaskedLM;
  const opt = new Adam({ lr: o.lr, beta1: 0.9, beta2: 0.999, eps: 1e-6, weightDecay: o.weightDecay, decay: 'decoupled', noDecay });
  let step = 0;
  let tokensSeen = 0;
  let priorSeconds = 0;
  let history: PretrainResult['history'] = [];
  const resumeFrom = opts.resume ? latestCheckpoint(opts.out) : null;
  if (resumeFrom) {
    const st = readRunCheckpoint<StateFile>(resumeFrom, TRAINER_STATE_FORMAT, opt);
    for (const [k, v] of Object.entries(fp)) {
      const was = st.options[k];
      if (JSON.stringify(was) === JSON.stringify(v)) continue;
      if (k === 'model' && was && typeof was === 'object') {
        const cur = v as Record<string, unknown>;
        const prev = was as Record<string, unknown>;
        const diff = [...new Set([...Object.keys(cur), ...Object.keys(prev)])].filter((c) => JSON.stringify(cur[c]) !== JSON.stringify(prev[c]));
        throw new Error(`${resumeFrom}: cannot resume with another model configuration (${diff.map((c) => `${c}=${JSON.stringify(cur[c])}, the run used ${JSON.stringify(prev[c])}`).join('; ')})`);
      }
      if (k === 'vocab') throw new Error(`${resumeFrom}: cannot resume with another vocabulary (--vocab): the run used a different vocab.txt`);
      if (k === 'corpusSha256') throw new Error(`${resumeFrom}: cannot resume on another corpus: its content differs from the run's`);
      throw new Error(`${resumeFrom}: cannot resume with ${k}=${JSON.stringify(v)}; the run used ${JSON.stringify(was)}`);
    }
    if (st.corpus.sequences !== corpus.stats.sequences || st.corpus.tokens !== corpus.stats.tokens) {
      throw new Error(`${resumeFrom}: the corpus differs from the run's (${corpus.stats.sequences} sequences / ${corpus.stats.tokens} tokens, was ${st.corpus.sequences} / ${st.corpus.tokens})`);
    }
    model = await BertForMaskedLM.load(resumeFrom);
    step = st.step;
    tokensSeen = st.tokensSeen;
    priorSeconds = st.seconds;
    history = st.history;
  } else {
    model = new BertForMaskedLM(config, { seed: o.seed });
  }

  const vars = model.trainableVariables();
  const varList = Object.values(vars);
  const workers = opts.workers ?? 1;
  if (!Number.isInteger(workers) || workers < 1) throw new Error(`pretrain: workers must be a positive integer, got ${workers}`);

  const writeCheckpointDir = (): void => {
    const state: Omit<StateFile, 'optimizer'> = {
      format: TRAINER_STATE_FORMAT,
      step,
      microBatches: step * o.accum,
      seed: o.seed,
      tokensSeen,
      seconds: priorSeconds + (performance.now() - t0) / 1000,
      options: fp,
      corpus: corpus.stats,
      history,
    };
    writeRunCheckpoint(opts.out, step, { saveModel: (dir) => model.save(dir, { tokenizer: tok, dtype: 'F32' }), opt, state, keep });
  };

  let stopRequested = false;
  const onSigint = () => {
    if (stopRequested) process.exit(130);
    stopRequested = true;
    process.stderr.write('\npretrain: interrupt received; finishing this step and writing a checkpoint (Ctrl-C again to quit at once)\n');
  };
  const sigint = opts.handleSigint ?? true;
  if (sigint) process.on('SIGINT', onSigint);

  const t0 = performance.now();
  let lastLog = 0;
  let windowTokens = 0;
  let windowStart = performance.now();
  let interrupted = false;
  const bo = { batchSize: o.batchSize, seed: o.seed, maskProb: o.maskProb, wholeWord: o.wholeWordMask };
  const pool = workers > 1 ? await GradientPool.create(model, { workers }) : null;
  try {
    while (step < o.steps) {
      const lr = learningRate({ kind: 'linear', lr: o.lr, warmup: o.warmup, total: o.steps }, step);
      opt.lr = lr;
      let acc: Record<string, tf.Tensor> | null = null;
      let lossSum = 0;
      /** the pool's gradient norm, when the step is one micro-batch */
      let norm: number | undefined;
      for (let a = 0; a < o.accum; a++) {
        const k = step * o.accum + a;
        const b = makeMlmBatch(corpus, tok, k, bo);
        tokensSeen += b.tokens;
        windowTokens += b.tokens;
        if (b.positions.length === 0) continue;
        const dropoutSeed = (o.seed * 1000003 + k) >>> 0;
        let grads: Record<string, tf.Tensor>;
        if (pool) {
          const r = await pool.grads(b, { kind: 'mlm', positions: b.positions, labels: b.labels }, dropoutSeed);
          lossSum += r.loss;
          grads = r.grads;
          if (o.accum === 1) norm = r.norm;
        } else {
          const g = tf.tidy(() => {
            const ids = tf.tensor2d(b.inputIds, [b.batchSize, b.seqLen], 'int32');
            const mask = tf.tensor2d(b.attentionMask, [b.batchSize, b.seqLen], 'int32');
            return tf.variableGrads(() => {
              const logits = model.forward(ids, mask, undefined, { training: true, dropoutSeed, positions: b.positions }) as tf.Tensor2D;
              return maskedLmLoss(logits, b.labels);
            }, varList);
          });
          lossSum += g.value.dataSync()[0]!;
          g.value.dispose();
          grads = g.grads;
        }
        if (!acc) acc = grads;
        else {
          for (const [n, g] of Object.entries(grads)) {
            const s = tf.add(acc[n]!, g);
            acc[n]!.dispose();
            g.dispose();
            acc[n] = s;
          }
        }
      }
      const loss = lossSum / o.accum;
      if (acc) {
        clipAndApply(opt, vars, acc, o.maxGradNorm, o.accum, norm); // mean over micro-batches, global-norm clip
      } else opt.apply(vars, {}); // keeps the optimizer's step count in line with ours
      step++;
      history.push({ step, loss, lr });
      const now = performance.now();
      if (logEvery !== null && (now - lastLog >= logEvery * 1000 || step === o.steps)) {
        const tps = windowTokens / ((now - windowStart) / 1000);
        const recent = history.slice(-20);
        const avg = recent.reduce((s, h) => s + h.loss, 0) / recent.length;
        process.stderr.write(
          `pretrain step ${step}/${o.steps} loss ${loss.toFixed(4)} (avg20 ${avg.toFixed(4)}) lr ${lr.toExponential(2)} tok/s ${tps.toFixed(0)} tokens ${tokensSeen} elapsed ${(priorSeconds + (now - t0) / 1000).toFixed(0)}s\n`,
        );
        lastLog = now;
        windowTokens = 0;
        windowStart = now;
      }
      if (opts.haltAfter !== undefined && step >= opts.haltAfter) {
        return result(true);
      }
      await yieldToEventLoop(); // lets the SIGINT handler run: the step loop is otherwise synchronous
      if (stopRequested || opts.shouldStop?.()) {
        interrupted = step < o.steps;
        writeCheckpointDir();
        if (interrupted) process.stderr.write(`pretrain: stopped at step ${step}; resume with the same options and --resume\n`);
        break;
      }
      if (step % every === 0 || step === o.steps) writeCheckpointDir();
    }
  } finally {
    if (sigint) process.removeListener('SIGINT', onSigint);
    await pool?.dispose();
  }
  if (!interrupted) model.save(opts.out, { tokenizer: tok, dtype: opts.finalDtype ?? 'F32' });
  return result(interrupted);

  function result(stopped: boolean): PretrainResult {
    const tail = history.slice(-50);
    return {
      model,
      step,
      tokensSeen,
      finalLoss: tail.length ? tail.reduce((s, h) => s + h.loss, 0) / tail.length : NaN,
      seconds: priorSeconds + (performance.now() - t0) / 1000,
      interrupted: stopped,
      history,
      resumedFrom: resumeFrom,
      corpus: corpus.stats,
    };
  }
}
