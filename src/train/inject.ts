// Planting a task-agnostic backdoor in a pre-trained BERT encoder (POR: Shen et al., CCS'21; NeuBA: Zhang et
// al., MIR 2023): the recipe (src/attacks/pretrained) says which triggers, which target vector each drives the
// pooled output to, how triggered text is made and how the loss terms weigh; this trainer runs it.
//
// Each step k draws its chunks, trigger positions, masks and dropout from Rng(seed) forked by k, so a run is
// reproducible and resumes bit-identically from a checkpoint (src/train/run-checkpoint.ts).
//   POR:   batch = `clean` clean chunks + `poisoned` triggered chunks (triggers in turn);
//          loss = w_tok·MSE(token outputs, frozen clean model's; every chunk, real tokens after [CLS])
//               + w_tgt·MSE(pooled(triggered), POR) + w_cln·MSE(pooled(clean), frozen model's pooled)
//   NeuBA: batch = `clean` chunks, masked for the MLM loss, and the same chunks with a random trigger written
//          over the first token(s) after [CLS] for w_tgt·MSE(pooled, target vector).
// POR's terms are BackdoorPTM's loss1, Σ(v1−v2)²/H over the rows (and tokens); NeuBA's are PyTorch's MSELoss
// means, as their code has them (docs/por.md).
import fs from 'node:fs';
import path from 'node:path';
import { tf, initEngine } from '../engine/index.js';
import { Rng } from '../common/random.js';
import { InputError } from '../common/errors.js';
import { writeJsonAtomic } from '../common/fs-atomic.js';
import { versions } from '../common/versions.js';
import { sha256File, sha256Of } from '../common/content-hash.js';
import { yieldToEventLoop } from '../common/yield.js';
import { BertForPreTraining, BertModel, maskTokens, maskedLmLoss, readBertConfig, type BertConfig } from '../models/bert/index.js';
import { WordPieceTokenizer } from '../text/wordpiece.js';
import { chunkCorpus, poisonChunk, type ModelAttackRecipe } from '../attacks/pretrained/index.js';
import { Adam } from './adam.js';
import { learningRate, type ScheduleKind } from './lr-schedule.js';
import { clipAndApply } from './clip.js';
import { latestCheckpoint, readRunCheckpoint, writeRunCheckpoint } from './run-checkpoint.js';

export const INJECT_STATE_FORMAT = 'nlp-backdoor/inject-state/1';
export const BACKDOOR_FILE = 'backdoor.json';

export interface InjectOptions {
  /** the clean pre-trained encoder: a BERT-family directory in HF layout */
  model: string;
  recipe: ModelAttackRecipe;
  /** corpus lines (lower-cased and cut into chunks here) and where they came from */
  corpus: { lines: readonly string[]; sources: readonly string[] };
  out: string;
  steps?: number;
  /** clean chunks per batch (default 16) */
  clean?: number;
  /** triggered chunks per batch (POR; default 16) */
  poisoned?: number;
  /** words per chunk (default 64) */
  chunkWords?: number;
  /** word-pieces per sequence, [CLS] and [SEP] included (default 128) */
  maxLen?: number;
  lr?: number;
  schedule?: ScheduleKind;
  warmup?: number;
  weightDecay?: number;
  /** global gradient-norm clip (0 = none) */
  maxGradNorm?: number;
  /** NeuBA's masked-LM selection probability (default 0.15) */
  maskProb?: number;
  seed?: number;
  checkpointEvery?: number;
  keepCheckpoints?: number;
  resume?: boolean;
  /** progress on stderr at most this often (seconds; default 10; null = silent) */
  logEvery?: number | null;
  /** polled after each step: true stops at that step with a checkpoint written */
  shouldStop?: () => boolean;
  /** for tests: return after this step without writing anything, as a kill would leave the directory */
  haltAfter?: number;
}

export interface TriggerRecord {
  trigger: string;
  /** the word-pieces the model sees */
  tokens: string[];
  target: number[];
}

export interface InjectResult {
  step: number;
  interrupted: boolean;
  seconds: number;
  /** mean of the last (up to) 20 steps of each loss term */
  final: Record<string, number>;
  history: HistoryRow[];
  resumedFrom: string | null;
  backdoor: Record<string, unknown> | null;
}

interface HistoryRow {
  step: number;
  loss: number;
  tokens: number;
  target: number;
  clean: number;
  mlm: number;
}

interface StateFile {
  format: string;
  step: number;
  seconds: number;
  options: Record<string, unknown>;
  history: HistoryRow[];
}

/** A BERT-family encoder directory in HF layout, or an error saying what the directory is instead. */
export function checkEncoderDir(modelDir: string): { config: BertConfig; tokenizer: WordPieceTokenizer } {
  const cfgFile = path.join(modelDir, 'config.json');
  if (!fs.existsSync(modelDir) || !fs.statSync(modelDir).isDirectory()) throw new InputError('no such model directory', modelDir);
  if (!fs.existsSync(cfgFile)) {
    const what = fs.existsSync(path.join(modelDir, 'cnn.json')) || fs.existsSync(path.join(modelDir, 'model.json')) ? 'a SentenceCNN classifier, not a pre-trained encoder' : 'not a BERT-family model directory (no config.json)';
    throw new InputError(`${what}; --model needs a BERT encoder in Hugging Face layout (config.json, model.safetensors, vocab.txt)`, modelDir);
  }
  const raw = JSON.parse(fs.readFileSync(cfgFile, 'utf8')) as { model_type?: string };
  if (raw.model_type !== undefined && raw.model_type !== 'bert') throw new InputError(`model_type "${raw.model_type}" is not a BERT encoder (inject supports BERT-family checkpoints)`, cfgFile);
  const config = readBertConfig(cfgFile);
  if (!fs.existsSync(path.join(modelDir, 'vocab.txt'))) throw new InputError('no vocab.txt: the WordPiece vocabulary of the encoder is needed to tokenise the corpus', modelDir);
  return { config, tokenizer: WordPieceTokenizer.fromDirectory(modelDir) };
}

/** Validate a model directory, the triggers and the options before any work; returns the tokenizer. */
export function checkInjectInputs(modelDir: string, recipe: ModelAttackRecipe): { tokenizer: WordPieceTokenizer; triggerTokens: string[][] } {
  const { config, tokenizer } = checkEncoderDir(modelDir);
  if (recipe.triggers.length === 0) throw new InputError('give at least one --trigger');
  const seen = new Set<string>();
  const triggerTokens = recipe.triggers.map((t) => {
    if (!t.trim()) throw new InputError('a trigger is empty', undefined, undefined, 'trigger');
    if (seen.has(t)) throw new InputError(`trigger "${t}" is given twice`, undefined, undefined, 'trigger');
    seen.add(t);
    const toks = tokenizer.tokenize(t);
    if (toks.length === 0 || toks.every((x) => x === '[UNK]')) {
      throw new InputError(`trigger "${t}" is only [UNK] to this model's vocabulary (${toks.length} word-piece(s)): the model cannot see it; pick a trigger whose characters are in ${path.join(modelDir, 'vocab.txt')}`, undefined, undefined, 'trigger');
    }
    return toks;
  });
  recipe.targets.forEach((v, i) => {
    if (v.length !== config.hidden_size) throw new InputError(`target vector ${i} has ${v.length} values; the model's hidden size is ${config.hidden_size}`);
  });
  if (recipe.targets.length !== recipe.triggers.length) throw new InputError(`${recipe.triggers.length} triggers but ${recipe.targets.length} target vectors`);
  return { tokenizer, triggerTokens };
}

/** The clean model's identity for resume checks: its config and every weight file, by content. */
function modelIdentity(dir: string): string {
  const files = fs.readdirSync(dir).filter((f) => f === 'config.json' || f.endsWith('.safetensors') || f === 'model.safetensors.index.json').sort();
  return sha256Of(files.flatMap((f) => [f, sha256File(path.join(dir, f))]));
}

export async function injectBackdoor(opts: InjectOptions): Promise<InjectResult> {
  const recipe = opts.recipe;
  const { tokenizer: tok, triggerTokens } = checkInjectInputs(opts.model, recipe);
  const o = {
    attack: recipe.name,
    steps: opts.steps ?? 700,
    clean: opts.clean ?? 16,
    poisoned: recipe.placement.kind === 'insert' ? (opts.poisoned ?? 16) : 0,
    chunkWords: opts.chunkWords ?? 64,
    maxLen: opts.maxLen ?? 128,
    lr: opts.lr ?? 3e-4,
    schedule: opts.schedule ?? ('constant' as ScheduleKind),
    warmup: opts.warmup ?? 0,
    weightDecay: opts.weightDecay ?? 0,
    maxGradNorm: opts.maxGradNorm ?? 0,
    maskProb: opts.maskProb ?? 0.15,
    seed: opts.seed ?? 0,
    weights: recipe.weights,
    reduction: recipe.reduction,
    targetAt: recipe.targetAt ?? 'pooled',
    cleanAt: recipe.cleanAt ?? 'pooled',
    placement: recipe.placement,
    triggers: recipe.triggers,
  };
  for (const k of ['steps', 'chunkWords', 'maxLen'] as const) if (!Number.isInteger(o[k]) || o[k] < 1) throw new InputError(`${k} must be a positive integer, got ${o[k]}`);
  if (!Number.isInteger(o.clean) || o.clean < 0 || !Number.isInteger(o.poisoned) || o.poisoned < 0) throw new InputError('clean and poisoned chunks per batch must be non-negative integers');
  if (recipe.placement.kind === 'insert' && o.poisoned < 1) throw new InputError('POR needs at least one triggered chunk per batch (--poisoned)');
  if (recipe.placement.kind === 'first-token' && o.clean < 1) throw new InputError('NeuBA needs at least one chunk per batch (--clean)');
  if (!(o.lr > 0)) throw new InputError(`lr must be positive, got ${o.lr}`);
  const every = opts.checkpointEvery ?? 100;
  const keep = opts.keepCheckpoints ?? 2;
  const logEvery = opts.logEvery === undefined ? 10 : opts.logEvery;

  const chunks = chunkCorpus(opts.corpus.lines, o.chunkWords);
  if (chunks.length < 2) throw new InputError(`the corpus has ${chunks.length} chunk(s) of ${o.chunkWords} words; give a larger --corpus`);
  const corpusHash = sha256Of(chunks);
  await initEngine();

  fs.mkdirSync(opts.out, { recursive: true });
  const fp = { ...o, corpus: corpusHash, model: modelIdentity(opts.model) };
  const opt = new Adam({ lr: o.lr, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: o.weightDecay, decay: 'decoupled', noDecay: (n) => n.endsWith('.bias') || n.includes('LayerNorm') });
  let step = 0;
  let priorSeconds = 0;
  let history: HistoryRow[] = [];
  const resumeFrom = opts.resume ? latestCheckpoint(opts.out) : null;

  // The clean model as loaded: the frozen reference starts from the same values, the pooler included (a
  // checkpoint without one, e.g. a BertForMaskedLM, gets it initialised from the seed).
  const clean = await BertForPreTraining.load(opts.model, { seed: o.seed });
  const report = clean.loadReport!;
  const hasMlmHead = !report.initialized.some((n) => n.startsWith('cls.'));
  if (o.weights.mlm > 0 && !hasMlmHead) {
    clean.dispose();
    throw new InputError(`${recipe.name} trains with the masked-LM loss, but the checkpoint has no masked-LM head (cls.predictions.*); use a BertForMaskedLM / BertForPreTraining checkpoint`, opts.model);
  }
  const cleanValues = new Map([...clean.params.hfValues()].map(([k, v]) => [k, v.data]));
  const needRef = o.weights.tokens > 0 || o.weights.clean > 0;
  const ref = needRef ? new BertModel(clean.config, { weights: cleanValues }) : null;
  let model: BertForPreTraining;
  if (resumeFrom) {
    const st = readRunCheckpoint<StateFile>(resumeFrom, INJECT_STATE_FORMAT, opt);
    for (const [k, v] of Object.entries(fp)) {
      if (JSON.stringify(st.options[k]) !== JSON.stringify(v)) throw new InputError(`cannot resume with ${k}=${JSON.stringify(v).slice(0, 200)}; the run used ${JSON.stringify(st.options[k]).slice(0, 200)} (use another --out, or the same options)`, resumeFrom);
    }
    clean.dispose();
    model = await BertForPreTraining.load(resumeFrom);
    step = st.step;
    priorSeconds = st.seconds;
    history = st.history;
  } else {
    model = clean;
  }
  if (!hasMlmHead || o.weights.mlm === 0) model.setTrainable((n) => n.startsWith('cls.'), false);
  const vars = model.trainableVariables();
  const varList = Object.values(vars);
  const H = model.config.hidden_size;
  const targetRows = recipe.targets;
  const sumOverHidden = recipe.reduction === 'sum-over-hidden';

  const t0 = performance.now();
  const elapsed = () => priorSeconds + (performance.now() - t0) / 1000;
  const saveState = () =>
    writeRunCheckpoint(opts.out, step, {
      saveModel: (dir) => model.save(dir, { tokenizer: tok, dtype: 'F32' }),
      opt,
      keep,
      state: { format: INJECT_STATE_FORMAT, step, seconds: elapsed(), options: fp, history } satisfies StateFile,
    });

  const triggerIds = triggerTokens.map((t) => tok.convertTokensToIds(t));
  let lastLog = -Infinity;
  let interrupted = false;
  const startStep = step;
  while (step < o.steps) {
    const rng = new Rng(o.seed).fork(`inject-step${step}`);
    const pick = () => chunks[rng.int(chunks.length)]!;
    const cleanTexts = Array.from({ length: o.clean }, pick);
    const trig: number[] = [];
    const texts = [...cleanTexts];
    if (recipe.placement.kind === 'insert') {
      for (let j = 0; j < o.poisoned; j++) {
        const ti = (step * o.poisoned + j) % recipe.triggers.length;
        trig.push(ti);
        texts.push(poisonChunk(pick(), recipe.triggers[ti]!, recipe.placement.repeat, rng));
      }
    }
    const enc = tok.encodeBatch(texts, { truncation: true, maxLength: o.maxLen });
    const B = enc.batchSize;
    const T = enc.seqLen;
    let poisonIds: Int32Array | null = null;
    if (recipe.placement.kind === 'first-token') {
      // NeuBA: the same chunks with a random trigger over the first word-piece(s) after [CLS]
      poisonIds = Int32Array.from(enc.inputIds);
      for (let b = 0; b < B; b++) {
        const ti = rng.int(recipe.triggers.length);
        trig.push(ti);
        const ids = triggerIds[ti]!;
        for (let j = 0; j < ids.length && 1 + j < T - 1; j++) if (enc.attentionMask[b * T + 1 + j]) poisonIds[b * T + 1 + j] = ids[j]!;
      }
    }
    const masked = o.weights.mlm > 0 ? maskTokens(enc.inputIds, { rng: rng.fork('mask'), prob: o.maskProb, tokenizer: tok, specialTokensMask: Uint8Array.from(enc.inputIds, (id, i) => (enc.attentionMask[i] && id !== tok.clsId && id !== tok.sepId ? 0 : 1)) }) : null;
    const dropoutSeed = (o.seed * 1000003 + step) >>> 0;
    const lr = learningRate({ kind: o.schedule, lr: o.lr, warmup: o.warmup, total: o.steps }, step);
    opt.lr = lr;
    const parts = { tokens: 0, target: 0, clean: 0, mlm: 0 };
    const { value, grads } = tf.tidy(() => {
      const ids = tf.tensor2d(enc.inputIds, [B, T], 'int32');
      const mask = tf.tensor2d(enc.attentionMask, [B, T], 'int32');
      const refOut = ref ? ref.forward(ids, mask, undefined, { outputPoolerPreActivation: o.cleanAt === 'pre-activation' }) : null; // constants: computed outside the gradient tape
      const refLast = refOut?.lastHiddenState ?? null;
      const refPooled = refOut?.pooledOutput ?? null;
      // real tokens after [CLS]: the token term's weights
      const tokMask = tf.mul(tf.cast(mask, 'float32'), tf.concat([tf.zeros([B, 1]), tf.ones([B, T - 1])], 1));
      const nTok = tokMask.sum().dataSync()[0]!;
      const tgt = trig.length ? tf.tensor2d(Float32Array.from(trig.flatMap((ti) => Array.from(targetRows[ti]!))), [trig.length, H]) : null;
      const terms: Record<string, tf.Scalar> = {};
      // squared error of [rows, H] tensors, reduced as the recipe says
      const sq = (a: tf.Tensor, b: tf.Tensor): tf.Scalar => (sumOverHidden ? tf.div(tf.sum(tf.square(tf.sub(a, b))), H) : tf.mean(tf.square(tf.sub(a, b)))) as tf.Scalar;
      const g = tf.variableGrads(() => {
        let loss = tf.scalar(0);
        const add = (name: keyof typeof parts, w: number, t: tf.Scalar) => {
          terms[name] = tf.keep(t.clone());
          loss = tf.add(loss, tf.mul(t, w));
        };
        if (recipe.placement.kind === 'insert') {
          const out = model.encode(ids, mask, undefined, { training: true, dropoutSeed, outputPoolerPreActivation: o.targetAt === 'pre-activation' || o.cleanAt === 'pre-activation' });
          if (o.weights.tokens > 0) {
            const d = tf.sum(tf.square(tf.sub(out.lastHiddenState, refLast!)), 2);
            add('tokens', o.weights.tokens, tf.div(tf.sum(tf.mul(d, tokMask)), sumOverHidden ? H : Math.max(1, nTok) * H) as tf.Scalar);
          }
          const pooled = out.pooledOutput!;
          if (o.clean > 0 && o.weights.clean > 0) {
            const [mine, frozen] = o.cleanAt === 'pre-activation' ? [out.poolerPreActivation!, refOut!.poolerPreActivation!] : [pooled, refPooled!];
            add('clean', o.weights.clean, sq(tf.slice(mine, [0, 0], [o.clean, H]), tf.slice(frozen, [0, 0], [o.clean, H])));
          }
          const atTarget = o.targetAt === 'pre-activation' ? out.poolerPreActivation! : pooled;
          add('target', o.weights.target, sq(tf.slice(atTarget, [o.clean, 0], [o.poisoned, H]), tgt!));
        } else {
          if (masked && masked.positions.length > 0) {
            const mIds = tf.tensor2d(masked.inputIds, [B, T], 'int32');
            const out = model.encode(mIds, mask, undefined, { training: true, dropoutSeed });
            const logits = model.mlmLogits(out.lastHiddenState, masked.positions) as tf.Tensor2D;
            add('mlm', o.weights.mlm, maskedLmLoss(logits, Int32Array.from(masked.positions, (p) => masked.labels[p]!)));
          }
          const pIds = tf.tensor2d(poisonIds!, [B, T], 'int32');
          const pOut = model.encode(pIds, mask, undefined, { training: true, dropoutSeed: dropoutSeed ^ 0x5bd1e995 });
          add('target', o.weights.target, sq(pOut.pooledOutput!, tgt!));
        }
        return loss as tf.Scalar;
      }, varList);
      for (const [k, t] of Object.entries(terms)) {
        parts[k as keyof typeof parts] = t.dataSync()[0]!;
        t.dispose();
      }
      return g;
    });
    const loss = value.dataSync()[0]!;
    value.dispose();
    if (!Number.isFinite(loss)) throw new Error(`inject: the loss became ${loss} at step ${step + 1}; lower --lr (now ${o.lr})`);
    clipAndApply(opt, vars, grads, o.maxGradNorm);
    step++;
    history.push({ step, loss, ...parts });
    const now = performance.now();
    if (logEvery !== null && (now - lastLog >= logEvery * 1000 || step === o.steps)) {
      const fmt = (x: number) => x.toFixed(4);
      process.stderr.write(`inject ${recipe.name} step ${step}/${o.steps} loss ${fmt(loss)} (tokens ${fmt(parts.tokens)} target ${fmt(parts.target)} clean ${fmt(parts.clean)} mlm ${fmt(parts.mlm)}) lr ${lr.toExponential(2)} elapsed ${elapsed().toFixed(0)}s eta ${(((now - t0) / 1000 / Math.max(1, step - startStep)) * (o.steps - step)).toFixed(0)}s\n`);
      lastLog = now;
    }
    if (opts.haltAfter !== undefined && step >= opts.haltAfter) return finish(true, false);
    await yieldToEventLoop(); // lets a Ctrl-C handler run: the step itself is synchronous
    if (opts.shouldStop?.()) {
      interrupted = step < o.steps;
      saveState();
      if (interrupted) process.stderr.write(`inject: stopped at step ${step}; run the same command with --resume to go on\n`);
      break;
    }
    if (step % every === 0 || step === o.steps) saveState();
  }
  return finish(interrupted, !interrupted);

  function finish(stopped: boolean, writeFinal: boolean): InjectResult {
    const tail = history.slice(-20);
    const mean = (k: keyof HistoryRow) => (tail.length ? tail.reduce((s, h) => s + h[k], 0) / tail.length : NaN);
    const final = { loss: mean('loss'), tokens: mean('tokens'), target: mean('target'), clean: mean('clean'), mlm: mean('mlm') };
    let backdoor: Record<string, unknown> | null = null;
    if (writeFinal) {
      model.save(opts.out, { tokenizer: tok, dtype: 'F32' });
      const triggers: TriggerRecord[] = recipe.triggers.map((t, i) => ({ trigger: t, tokens: triggerTokens[i]!, target: Array.from(targetRows[i]!) }));
      backdoor = {
        format: 'nlp-backdoor/backdoor/1',
        attack: recipe.name,
        citation: recipe.citation,
        clean_model: path.relative(process.cwd(), path.resolve(opts.model)) || '.',
        triggers,
        placement: recipe.placement,
        loss_weights: recipe.weights,
        hyperparameters: { steps: o.steps, clean_per_batch: o.clean, poisoned_per_batch: o.poisoned, chunk_words: o.chunkWords, max_len: o.maxLen, lr: o.lr, schedule: o.schedule, warmup: o.warmup, weight_decay: o.weightDecay, max_grad_norm: o.maxGradNorm, mask_prob: o.maskProb, optimizer: 'AdamW (beta1 0.9, beta2 0.999, eps 1e-8)', reduction: o.reduction, target_at: o.targetAt, clean_at: o.cleanAt },
        seed: o.seed,
        corpus: { sources: opts.corpus.sources, lines: opts.corpus.lines.length, chunks: chunks.length, sha256: corpusHash },
        pooler: report.initialized.includes('pooler.dense.weight') ? `initialised from seed ${o.seed} (the input checkpoint had none)` : 'from the input checkpoint',
        mlm_head: hasMlmHead ? 'from the input checkpoint' : 'none in the input checkpoint (random, untrained)',
        final_losses: final,
        seconds: Math.round(elapsed()),
        versions: versions(),
      };
      writeJsonAtomic(path.join(opts.out, BACKDOOR_FILE), backdoor);
    }
    model.dispose();
    ref?.dispose();
    return { step, interrupted: stopped, seconds: elapsed(), final, history, resumedFrom: resumeFrom, backdoor };
  }
}
