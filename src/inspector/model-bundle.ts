// What the browser inspector needs of a model directory: the ONNX graph (the same export `predict` runs,
// plus the [CLS] attention rows of a BERT) and a JSON description of its text pipeline (tokenizer vocabulary
// and options, padding limits), labels and recorded triggers. The page tokenizes with the library's own
// tokenizers (bundled), so the ids, and with them the probabilities, equal `nlp-backdoor predict`'s.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BertClassifier, CnnClassifier, EncoderWithoutHeadError, loadClassifier, type TextClassifier } from '../models/classifier.js';
import { BertForSequenceClassification, type BertConfig } from '../models/bert/index.js';
import { exportBertOnnx } from '../models/onnx/bert.js';
import { exportCnnOnnx } from '../models/onnx/cnn.js';
import { WordPieceTokenizer, type WordPieceOptions } from '../text/wordpiece.js';
import type { CnnTextConfig } from '../models/cnn-checkpoint.js';
import { recordedTriggers, type PaletteTrigger } from './palette.js';
import { versions } from '../common/versions.js';

export const INSPECTOR_MODEL_FORMAT = 'nlp-backdoor/inspector-model/1';

/** The JSON the page reads beside model.onnx (models/<role>/meta.json). */
export interface InspectorModelMeta {
  format: typeof INSPECTOR_MODEL_FORMAT;
  name: string;
  /** `encoder`: a pre-trained BERT without a classification head; the page shows its pooled output */
  kind: 'bert' | 'sentence-cnn' | 'encoder';
  labelNames: string[];
  triggers: PaletteTrigger[];
  bert?: {
    vocab: string[];
    options: WordPieceOptions;
    config: Pick<BertConfig, 'max_position_embeddings' | 'pad_token_id' | 'vocab_size' | 'type_vocab_size' | 'num_hidden_layers' | 'num_attention_heads' | 'hidden_size'>;
    /** longest token sequence, as `predict` (128 unless --max-length) */
    maxLength: number;
  };
  cnn?: { vocab: string[]; text: CnnTextConfig; min_length: number; max_length: number; edge_padding?: number };
  versions: Record<string, string | null>;
}

export interface InspectorModel {
  meta: InspectorModelMeta;
  onnx: Uint8Array;
}

/** The constructor options that rebuild `tok` (its vocabulary travels separately). */
function tokenizerOptions(tok: WordPieceTokenizer): WordPieceOptions {
  return {
    doLowerCase: tok.doLowerCase,
    stripAccents: tok.stripAccents,
    tokenizeChineseChars: tok.tokenizeChineseChars,
    doBasicTokenize: tok.doBasicTokenize,
    doSplitOnPunc: tok.doSplitOnPunc,
    neverSplit: [...tok.neverSplit],
    unkToken: tok.unkToken,
    sepToken: tok.sepToken,
    padToken: tok.padToken,
    clsToken: tok.clsToken,
    maskToken: tok.maskToken,
    maxInputCharsPerWord: tok.maxInputCharsPerWord,
    modelMaxLength: tok.modelMaxLength,
  };
}

function bertPart(tok: WordPieceTokenizer, c: BertConfig, maxLength: number): NonNullable<InspectorModelMeta['bert']> {
  return {
    vocab: tok.idToToken,
    options: tokenizerOptions(tok),
    config: {
      max_position_embeddings: c.max_position_embeddings,
      pad_token_id: c.pad_token_id,
      vocab_size: c.vocab_size,
      type_vocab_size: c.type_vocab_size,
      num_hidden_layers: c.num_hidden_layers,
      num_attention_heads: c.num_attention_heads,
      hidden_size: c.hidden_size,
    },
    maxLength,
  };
}

/** The bundle of an already-loaded classifier (which the caller still owns). */
export function inspectorModelOf(clf: TextClassifier, name: string, triggers: PaletteTrigger[] = []): InspectorModel {
  const base = { format: INSPECTOR_MODEL_FORMAT, name, labelNames: clf.labelNames, triggers, versions: versions() } as const;
  if (clf instanceof BertClassifier) {
    return {
      meta: { ...base, kind: 'bert', bert: bertPart(clf.tokenizer, clf.model.config, clf.maxLength) },
      onnx: exportBertOnnx(clf.model, { clsAttention: true }),
    };
  }
  if (clf instanceof CnnClassifier) {
    const c = clf.model.config;
    return {
      meta: { ...base, kind: 'sentence-cnn', cnn: { vocab: [...clf.vocab.words], text: clf.text, min_length: c.min_length, max_length: c.max_length, edge_padding: c.edge_padding ?? 0 } },
      onnx: exportCnnOnnx(clf.model),
    };
  }
  throw new Error(`the inspector has no view for classifier kind "${clf.kind}"`);
}

/**
 * Load a model directory for the page: a SentenceCNN or BERT classifier, or a bare BERT encoder (its pooled
 * [CLS] representation is shown instead of a label; the random head is never shown).
 */
export async function loadInspectorModel(dir: string, opts: { maxLength?: number; triggers?: (string | PaletteTrigger)[] } = {}): Promise<InspectorModel> {
  const maxLength = opts.maxLength ?? 128;
  const triggers = [...recordedTriggers(dir), ...(opts.triggers ?? []).map((t) => (typeof t === 'string' ? { text: t, source: '--trigger' } : t))];
  const name = path.basename(path.resolve(dir));
  let clf: TextClassifier;
  try {
    clf = await loadClassifier(dir, { maxLength });
  } catch (e) {
    if (!(e instanceof EncoderWithoutHeadError)) throw e;
    const model = await BertForSequenceClassification.load(dir);
    try {
      const tok = WordPieceTokenizer.fromDirectory(dir);
      return {
        meta: { format: INSPECTOR_MODEL_FORMAT, name, kind: 'encoder', labelNames: [], triggers, versions: versions(), bert: bertPart(tok, model.config, maxLength) },
        onnx: exportBertOnnx(model, { pooledOutput: true, clsAttention: true }),
      };
    } finally {
      model.dispose();
    }
  }
  try {
    return inspectorModelOf(clf, name, triggers);
  } finally {
    clf.dispose();
  }
}
