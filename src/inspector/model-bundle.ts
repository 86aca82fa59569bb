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
import { BACKDOOR_FILE } from '../train/inject.js';
import { InputError } from '../common/errors.js';
import { versions } from '../common/versions.js';

export const INSPECTOR_MODEL_FORMAT = 'nlp-backdoor/inspector-model/1';

/** A trigger offered in the page's palette, and where it was recorded. */
export interface PaletteTrigger {
  text: string;
  source: string;
  /** the label (or target) the backdoor maps it to, when recorded */
  target?: unknown;
}

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
  cnn?: { vocab: string[]; text: CnnTextConfig; min_length: number; max_length: number };
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

/** The triggers `inject` recorded in the directory's backdoor.json (none when there is no such file). */
export function recordedTriggers(dir: string): PaletteTrigger[] {
  const file = path.join(dir, BACKDOOR_FILE);
  if (!fs.existsSync(file)) return [];
  let j: unknown;
  try {
    j = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new InputError(`not valid JSON (${(e as Error).message})`, file);
  }
  const list = (j as { triggers?: unknown }).triggers;
  if (!Array.isArray(list)) throw new InputError('expected a "triggers" array (as `inject` writes)', file, undefined, 'triggers');
  const out: PaletteTrigger[] = [];
  list.forEach((t: unknown, i) => {
    const text = (t as { trigger?: unknown })?.trigger;
    const texts = typeof text === 'string' ? [text] : Array.isArray(text) && text.every((x) => typeof x === 'string') ? (text as string[]) : null;
    if (!texts) throw new InputError('each trigger needs a "trigger" string (or list of strings)', file, undefined, `triggers[${i}].trigger`);
    for (const s of texts) out.push({ text: s, source: BACKDOOR_FILE, target: (t as { target?: unknown }).target });
  });
  return out;
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
      meta: { ...base, kind: 'sentence-cnn', cnn: { vocab: [...clf.vocab.words], text: clf.text, min_length: c.min_length, max_length: c.max_length } },
      onnx: exportCnnOnnx(clf.model),
    };
  }
  throw new Error(`the inspector has no view for classifier kind "${clf.kind}"`);
}

/**
 * Load a model directory for the page: a SentenceCNN or BERT classifier, or a bare BERT encoder (its pooled
 * [CLS] representation is shown instead of a label; the random head is never shown).
 */
export async function loadInspectorModel(dir: string, opts: { maxLength?: number; triggers?: string[] } = {}): Promise<InspectorModel> {
  const maxLength = opts.maxLength ?? 128;
  const triggers = [...recordedTriggers(dir), ...(opts.triggers ?? []).map((text) => ({ text, source: '--trigger' }))];
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
