// Checks of a --model directory before any work: a fine-tuned classifier (SentenceCNN, or BERT with a
// classifier head, not a pre-trained encoder), and its label names, read without loading the weights.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { classifierKindOf } from '../models/classifier.js';
import { readDirectoryConfig } from '../models/bert/checkpoint.js';
import { numLabels } from '../models/bert/index.js';
import { readSafetensorsHeader } from '../models/safetensors.js';
import { readJson } from '../common/fs-atomic.js';
import { InputError } from '../common/errors.js';

/** Tensor names of a BERT directory's checkpoint, from the safetensors header(s) alone. */
function checkpointNames(dir: string): string[] {
  const single = path.join(dir, 'model.safetensors');
  if (fs.existsSync(single)) return [...readSafetensorsHeader(single).entries.keys()];
  const index = path.join(dir, 'model.safetensors.index.json');
  if (fs.existsSync(index)) return Object.keys(readJson<{ weight_map?: Record<string, string> }>(index).weight_map ?? {});
  throw new InputError('no model.safetensors (or model.safetensors.index.json) in this directory', dir);
}

/** True when a BERT directory's checkpoint has a classification head (a fine-tuned classifier, not an encoder). */
export function hasClassifierHead(dir: string): boolean {
  return checkpointNames(dir).some((n) => n === 'classifier.weight' || n.endsWith('.classifier.weight'));
}

/** The label names of a classifier directory, without loading its weights; refuses encoders without a head. */
export function classifierLabels(dir: string): { kind: 'bert' | 'sentence-cnn'; labelNames: string[] } {
  const kind = classifierKindOf(dir);
  if (kind === 'sentence-cnn') {
    const c = readJson<{ num_labels?: number; id2label?: Record<string, string> }>(path.join(dir, 'config.json'));
    const n = c.num_labels ?? 0;
    return { kind, labelNames: Array.from({ length: n }, (_, i) => c.id2label?.[String(i)] ?? String(i)) };
  }
  if (!hasClassifierHead(dir)) {
    throw new InputError(
      'not a fine-tuned classifier: the checkpoint has no classifier head (classifier.weight), it is a pre-trained encoder. ' +
        `Fine-tune it first, e.g. nlp-backdoor train --model bert:${dir} --dataset FILE --out DIR, and use DIR/model`,
      dir,
    );
  }
  const config = readDirectoryConfig(dir);
  return { kind, labelNames: Array.from({ length: numLabels(config) }, (_, i) => config.id2label?.[String(i)] ?? String(i)) };
}
