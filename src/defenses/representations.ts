// Sentence representations of a victim for the training-data filters (BKI, CUBE): a SentenceCNN's pooled
// filter features, the space its dense layer separates the labels in; a BERT's last-layer [CLS] state, as
// OpenBackdoor's victims give it (`get_repr_embeddings`: last_hidden_state[:, 0, :]), through onnxruntime when
// it loads (an in-memory export, models/onnx/bert.ts) or tfjs.
import type { TextClassifier } from '../models/classifier.js';
import { BertClassifier, CnnClassifier } from '../models/classifier.js';
import { InputError } from '../common/errors.js';
import { cnnFeatures } from './cnn-forward.js';
import { bertRepresenter } from './bert-forward.js';

export interface RepresentationOptions {
  /** BERT: where the forward passes run (default auto: onnxruntime when it loads) */
  engine?: 'auto' | 'onnx' | 'tfjs';
  /** sequences per forward pass (default 200 for a SentenceCNN, 128 for a BERT) */
  batchSize?: number;
}

/** Texts to representations, one per text; `dispose` frees an onnxruntime session. */
export interface SentenceRepresenter {
  readonly engine: 'onnx' | 'onnx-int8' | 'tfjs';
  run(texts: string[]): Promise<Float32Array[]>;
  dispose(): Promise<void>;
}

export async function sentenceRepresenter(clf: TextClassifier, opts: RepresentationOptions = {}): Promise<SentenceRepresenter> {
  if (clf instanceof CnnClassifier) {
    return { engine: 'tfjs', run: async (texts) => cnnFeatures(clf.model, texts.map((t) => clf.encode(t)), opts.batchSize), dispose: async () => {} };
  }
  if (!(clf instanceof BertClassifier)) throw new InputError(`the training-data filters are implemented for SentenceCNN and BERT victims, not ${(clf as TextClassifier).kind}`);
  const H = clf.model.config.hidden_size;
  const bs = opts.batchSize ?? 128;
  const rep = await bertRepresenter(clf.model, 'cls', opts.engine ?? 'auto');
  return {
    engine: rep.engine,
    run: async (texts) => {
      const seqs = texts.map((t) => clf.encode(t));
      const out: Float32Array[] = [];
      for (let i = 0; i < seqs.length; i += bs) {
        const v = await rep.run(seqs.slice(i, i + bs));
        for (let r = 0; r < v.length / H; r++) out.push(v.slice(r * H, (r + 1) * H));
      }
      return out;
    },
    dispose: () => rep.dispose(),
  };
}

/** Sentence representations of a victim, one per text. */
export async function representations(clf: TextClassifier, texts: string[], opts: RepresentationOptions = {}): Promise<Float32Array[]> {
  const rep = await sentenceRepresenter(clf, opts);
  try {
    return await rep.run(texts);
  } finally {
    await rep.dispose();
  }
}
