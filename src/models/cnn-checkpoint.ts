// SentenceCNN checkpoints in a Hugging Face-style directory: config.json (the CnnConfig plus the text
// pipeline), model.safetensors (PyTorch KimCNN tensor names, see SentenceCNN.toNamedWeights) and vocab.txt.
// Files are written atomically, config.json last, so an interrupted save leaves the previous checkpoint whole.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SentenceCNN, type CnnConfig, type NamedWeights } from './cnn.js';
import { readNamedWeights, writeNamedWeights } from './named-weights.js';
export { readNamedWeights, writeNamedWeights };
import { writeJsonAtomic, readJson } from '../common/fs-atomic.js';
import { Vocab } from '../text/vocab.js';

export interface CnnTextConfig {
  /** word tokenizer: Kim 2014 clean_str */
  tokenizer: 'kim-clean-str';
  keep_unicode: boolean;
}

export interface CnnCheckpointConfig extends CnnConfig {
  architectures: ['SentenceCNN'];
  text: CnnTextConfig;
  /** free-form provenance: dataset, seed, attack, versions */
  training?: Record<string, unknown>;
}

export function saveCnn(dir: string, model: SentenceCNN, vocab: Vocab, text: CnnTextConfig, training?: Record<string, unknown>): void {
  fs.mkdirSync(dir, { recursive: true });
  writeNamedWeights(path.join(dir, 'model.safetensors'), model.toNamedWeights(), { format: 'pt' });
  vocab.save(path.join(dir, 'vocab.txt'));
  const cfg: CnnCheckpointConfig = { ...model.config, architectures: ['SentenceCNN'], text, ...(training ? { training } : {}) };
  writeJsonAtomic(path.join(dir, 'config.json'), cfg);
}

export function isCnnDir(dir: string): boolean {
  const f = path.join(dir, 'config.json');
  if (!fs.existsSync(f)) return false;
  return (readJson<{ model_type?: string }>(f).model_type ?? '') === 'sentence-cnn';
}

export function loadCnn(dir: string): { model: SentenceCNN; vocab: Vocab; config: CnnCheckpointConfig } {
  const cfgFile = path.join(dir, 'config.json');
  const config = readJson<CnnCheckpointConfig>(cfgFile);
  if (config.model_type !== 'sentence-cnn') throw new Error(`${cfgFile}: model_type is "${String(config.model_type)}", expected "sentence-cnn"`);
  for (const k of ['vocab_size', 'embedding_dim', 'num_filters', 'num_labels'] as const) {
    if (!Number.isInteger(config[k]) || config[k] <= 0) throw new Error(`${cfgFile}: "${k}" must be a positive integer`);
  }
  const vocab = Vocab.load(path.join(dir, 'vocab.txt'));
  if (vocab.size !== config.vocab_size) throw new Error(`${path.join(dir, 'vocab.txt')}: ${vocab.size} words but config.json says vocab_size ${config.vocab_size}`);
  const model = new SentenceCNN(config, { embeddings: new Float32Array(config.vocab_size * config.embedding_dim) });
  try {
    model.setNamedWeights(readNamedWeights(path.join(dir, 'model.safetensors')), path.join(dir, 'model.safetensors'));
  } catch (e) {
    model.dispose();
    throw e;
  }
  return { model, vocab, config };
}
