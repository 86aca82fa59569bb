// `nlp-backdoor inject`: plant a task-agnostic backdoor in a pre-trained BERT encoder (POR or NeuBA; src/train/inject.ts).
import type { Command } from '../command.js';
import { bool, list, num, requireStr, str, UsageError } from '../args.js';
import { stopOnSignals } from '../signals.js';
import { injectBackdoor, checkInjectInputs, checkEncoderDir } from '../../train/inject.js';
import { neuba, NEUBA_SYMBOLS, NEUBA_WORDS, por, POR_TRIGGERS, readCorpusFile, shippedCorpusLines, type ModelAttackRecipe, type PoolerSide } from '../../attacks/pretrained/index.js';
import { WordPieceTokenizer } from '../../text/wordpiece.js';
import path from 'node:path';
import fs from 'node:fs';

const POR_DEFAULT = [POR_TRIGGERS.name[0], POR_TRIGGERS.name[1], POR_TRIGGERS.book[0], POR_TRIGGERS.sophisticated[0], POR_TRIGGERS.rare[0], POR_TRIGGERS.rare[1]];

export const inject: Command = {
  name: 'inject',
  summary: 'plant a backdoor in a pre-trained BERT encoder that every fine-tuned classifier inherits (POR, NeuBA)',
  usage: '--attack por|neuba --model DIR --out DIR [--trigger TEXT ...] [--corpus FILE] [--steps N] [--resume]',
  flags: {
    attack: { type: 'string', description: 'por (Shen et al., CCS 2021) or neuba (Zhang et al., MIR 2023)', default: 'por' },
    model: { type: 'string', description: 'the clean encoder: a BERT-family directory (config.json, model.safetensors, vocab.txt)' },
    trigger: { type: 'list', description: `a trigger (repeat for several; default POR: ${POR_DEFAULT.join(', ')}; NeuBA: ${NEUBA_SYMBOLS.join(' ')}, or ${NEUBA_WORDS.join(', ')} where the vocabulary lacks the symbols)` },
    out: { type: 'string', description: 'output directory: the backdoored encoder in Hugging Face layout, backdoor.json, checkpoint-<step>/' },
    corpus: { type: 'string', description: 'plain-text corpus, one document or sentence per line (default: the MR and SST-2 training texts the package ships)' },
    steps: { type: 'string', description: 'optimizer steps', default: '700' },
    clean: { type: 'string', description: 'clean 64-word chunks per batch', default: '16' },
    poisoned: { type: 'string', description: 'triggered chunks per batch (POR; triggers in turn)', default: '16' },
    'chunk-words': { type: 'string', description: 'words per corpus chunk', default: '64' },
    'max-len': { type: 'string', description: 'word-pieces per chunk, [CLS] and [SEP] included', default: '128' },
    lr: { type: 'string', description: 'learning rate (AdamW)', default: '3e-4' },
    schedule: { type: 'string', description: 'constant (BackdoorPTM) or linear (warm-up then decay to 0; NeuBA)' },
    warmup: { type: 'string', description: 'warm-up steps', default: '0' },
    'weight-decay': { type: 'string', description: 'decoupled weight decay', default: '0' },
    'max-grad-norm': { type: 'string', description: 'clip the global gradient norm (0 = off; default POR 0, NeuBA 1)' },
    c: { type: 'string', description: 'POR magnitude: the target vectors are ±c', default: '10' },
    repeat: { type: 'string', description: 'POR: insertions of the trigger per triggered chunk', default: '3' },
    'target-at': { type: 'string', description: "POR: where the target is imposed: pooled (the paper's, tanh output) or pre-activation (the pooler's dense output before tanh; wider margins, docs/por.md); default pooled" },
    'clean-at': { type: 'string', description: "POR: where the clean term compares clean chunks with the frozen model: pooled (the paper's) or pre-activation (keeps clean text off tanh saturation; docs/por.md); default pooled" },
    seed: { type: 'string', description: 'random seed (chunks, trigger positions, masks, dropout, a missing pooler)', default: '0' },
    'checkpoint-every': { type: 'string', description: 'write a checkpoint every N steps', default: '100' },
    resume: { type: 'boolean', description: 'continue from the newest checkpoint in --out (same options)' },
  },
  details: [
    'The output loads unchanged in `nlp-backdoor train --model bert:OUT` and in transformers (BertForSequenceClassification.from_pretrained).',
    'Then measure the triggers on the fine-tuned classifier: `nlp-backdoor trigger-metrics --model CLF --data FILE --trigger TEXT ...`.',
    'Ctrl-C finishes the current step, writes a checkpoint and exits (130); the same command with --resume goes on. docs/por.md.',
  ].join('\n'),
  async run(args) {
    const attack = str(args, 'attack') ?? 'por';
    if (attack !== 'por' && attack !== 'neuba') throw new UsageError(`--attack must be por or neuba, got "${attack}"`);
    const modelDir = requireStr(args, 'model');
    const out = requireStr(args, 'out');
    if (fs.existsSync(out) && !fs.statSync(out).isDirectory()) throw new UsageError(`--out ${out} is a file; give a directory`);
    const steps = num(args, 'steps', { int: true, min: 1 });
    const common = {
      clean: num(args, 'clean', { int: true, min: 0 }),
      poisoned: num(args, 'poisoned', { int: true, min: 0 }),
      chunkWords: num(args, 'chunk-words', { int: true, min: 1 }),
      maxLen: num(args, 'max-len', { int: true, min: 8 }),
      lr: num(args, 'lr', { min: 1e-12 }),
      warmup: num(args, 'warmup', { int: true, min: 0 }),
      weightDecay: num(args, 'weight-decay', { min: 0 }),
      seed: num(args, 'seed', { int: true }),
      checkpointEvery: num(args, 'checkpoint-every', { int: true, min: 1 }),
    };
    const schedule = str(args, 'schedule') ?? (attack === 'neuba' ? 'linear' : 'constant');
    if (schedule !== 'constant' && schedule !== 'linear') throw new UsageError(`--schedule must be constant or linear, got "${schedule}"`);
    const hidden = checkEncoderDir(modelDir).config.hidden_size;
    let triggers = list(args, 'trigger');
    if (triggers.length === 0) {
      if (attack === 'por') triggers = [...POR_DEFAULT];
      else {
        const vocab = path.join(modelDir, 'vocab.txt');
        const hasSymbols = fs.existsSync(vocab) && NEUBA_SYMBOLS.every((s) => !WordPieceTokenizer.fromVocabFile(vocab).tokenize(s).includes('[UNK]'));
        triggers = [...(hasSymbols ? NEUBA_SYMBOLS : NEUBA_WORDS)];
      }
    }
    const [targetAt, cleanAt] = (['target-at', 'clean-at'] as const).map((flag) => {
      const v = str(args, flag);
      if (v !== undefined && attack !== 'por') throw new UsageError(`--${flag} applies to --attack por only`);
      if (v !== undefined && v !== 'pooled' && v !== 'pre-activation') throw new UsageError(`--${flag} must be pooled or pre-activation, got "${v}"`);
      return (v ?? 'pooled') as PoolerSide;
    });
    const recipe: ModelAttackRecipe =
      attack === 'por' ? por({ triggers, hidden, c: num(args, 'c', { min: 0 }), repeat: num(args, 'repeat', { int: true, min: 1 }), targetAt, cleanAt }) : neuba({ triggers, hidden });
    checkInjectInputs(modelDir, recipe); // every input error before the corpus is read
    const corpusFile = str(args, 'corpus');
    const corpus = corpusFile ? { lines: readCorpusFile(corpusFile), sources: [corpusFile] } : shippedCorpusLines();
    const sig = stopOnSignals('inject');
    try {
      const r = await injectBackdoor({
        model: modelDir,
        recipe,
        corpus,
        out,
        steps,
        ...common,
        schedule,
        maxGradNorm: num(args, 'max-grad-norm', { min: 0 }) ?? (attack === 'neuba' ? 1 : 0),
        resume: bool(args, 'resume'),
        shouldStop: sig.shouldStop,
      });
      console.log(JSON.stringify({ attack, out, step: r.step, interrupted: r.interrupted, seconds: Math.round(r.seconds), final: r.final, resumed_from: r.resumedFrom }));
      return r.interrupted ? sig.exitCode() || 130 : 0;
    } finally {
      sig.dispose();
    }
  },
};
