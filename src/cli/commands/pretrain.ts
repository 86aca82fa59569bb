// `nlp-backdoor pretrain`: masked-LM pre-training of a small BERT on a plain-text corpus (src/train/pretrain.ts).
import fs from 'node:fs';
import type { Command } from '../command.js';
import { bool, num, requireStr, str, UsageError } from '../args.js';
import { pretrainMlm, PRETRAIN_PRESETS } from '../../train/pretrain.js';
import { outFolderFlag } from '../out-path.js';
import { WordPieceTokenizer, bertBaseUncasedTokenizer } from '../../text/wordpiece.js';
import type { BertConfigInput } from '../../models/bert/index.js';

export const pretrain: Command = {
  name: 'pretrain',
  summary: 'pre-train a BERT encoder with masked-LM on a plain-text corpus (resumable)',
  usage: '--corpus FILE --out DIR [--config small|tiny|config.json] [--vocab vocab.txt] [--steps N] [--resume]',
  flags: {
    corpus: { type: 'string', description: 'plain-text corpus, one document or sentence per line' },
    out: { type: 'string', description: 'output directory (checkpoint-<step>/ folders, then the model in Hugging Face layout)' },
    config: { type: 'string', description: `model size: ${Object.keys(PRETRAIN_PRESETS).join(', ')}, or a config.json file (vocab_size comes from the vocabulary)`, default: 'small' },
    vocab: { type: 'string', description: 'WordPiece vocab.txt (default: the bundled bert-base-uncased vocabulary)' },
    steps: { type: 'string', description: 'optimizer steps', default: '10000' },
    'batch-size': { type: 'string', description: 'sequences per micro-batch', default: '32' },
    accum: { type: 'string', description: 'micro-batches per optimizer step (gradient accumulation)', default: '1' },
    'max-len': { type: 'string', description: 'tokens per sequence, [CLS] and [SEP] included', default: '64' },
    lr: { type: 'string', description: 'peak learning rate (AdamW)', default: '5e-4' },
    warmup: { type: 'string', description: 'linear warm-up steps (default: 6% of --steps), then linear decay to 0' },
    'weight-decay': { type: 'string', description: 'decoupled weight decay (not on biases and LayerNorm)', default: '0.01' },
    'mask-prob': { type: 'string', description: 'fraction of tokens selected for prediction', default: '0.15' },
    'whole-word': { type: 'boolean', description: 'whole-word masking' },
    dropout: { type: 'string', description: 'hidden and attention dropout while pre-training (default: the config\'s, 0.1)' },
    seed: { type: 'string', description: 'random seed (data order, masks, dropout, initialisation)', default: '0' },
    'checkpoint-every': { type: 'string', description: 'write a checkpoint every N steps', default: '200' },
    dtype: { type: 'string', description: 'dtype of the final model.safetensors: F32 or F16', default: 'F32' },
    resume: { type: 'boolean', description: 'continue from the newest checkpoint in --out (same options)' },
    workers: { type: 'string', description: 'worker threads computing each micro-batch data-parallel (default 1; with dropout the masks depend on N)', default: '1' },
  },
  details: [
    'Ctrl-C finishes the current step, writes a checkpoint and exits; run the same command with --resume to go on.',
    'A killed run resumes from its last checkpoint and reaches the same weights as an uninterrupted one.',
  ].join('\n'),
  async run(args) {
    const corpus = requireStr(args, 'corpus');
    const out = outFolderFlag(args);
    if (!fs.existsSync(corpus)) throw new UsageError(`--corpus ${corpus}: no such file`);
    const vocab = str(args, 'vocab');
    const tokenizer = vocab ? WordPieceTokenizer.fromVocabFile(vocab) : bertBaseUncasedTokenizer();
    const cfgArg = str(args, 'config') ?? 'small';
    let config: string | BertConfigInput = cfgArg;
    if (!PRETRAIN_PRESETS[cfgArg]) {
      if (!fs.existsSync(cfgArg)) throw new UsageError(`--config: "${cfgArg}" is neither a preset (${Object.keys(PRETRAIN_PRESETS).join(', ')}) nor a file`);
      config = JSON.parse(fs.readFileSync(cfgArg, 'utf8')) as BertConfigInput;
    }
    const dtype = str(args, 'dtype') ?? 'F32';
    if (dtype !== 'F32' && dtype !== 'F16') throw new UsageError(`--dtype must be F32 or F16, got "${dtype}"`);
    const r = await pretrainMlm({
      corpus,
      out,
      tokenizer,
      config,
      steps: num(args, 'steps', { int: true, min: 1 })!,
      batchSize: num(args, 'batch-size', { int: true, min: 1 }),
      accum: num(args, 'accum', { int: true, min: 1 }),
      maxLen: num(args, 'max-len', { int: true, min: 3 }),
      lr: num(args, 'lr', { min: 0 }),
      warmup: num(args, 'warmup', { int: true, min: 0 }),
      weightDecay: num(args, 'weight-decay', { min: 0 }),
      maskProb: num(args, 'mask-prob', { min: 0, max: 1 }),
      wholeWordMask: bool(args, 'whole-word'),
      seed: num(args, 'seed', { int: true }),
      dropout: num(args, 'dropout', { min: 0, max: 1 }),
      checkpointEvery: num(args, 'checkpoint-every', { int: true, min: 1 }),
      finalDtype: dtype,
      resume: bool(args, 'resume'),
      workers: num(args, 'workers', { int: true, min: 1 }),
    });
    const summary = { step: r.step, tokens_seen: r.tokensSeen, final_mlm_loss: r.finalLoss, seconds: Math.round(r.seconds), interrupted: r.interrupted, corpus: r.corpus, resumed_from: r.resumedFrom };
    console.log(JSON.stringify(summary));
    r.model.dispose();
    return r.interrupted ? 130 : 0;
  },
};
