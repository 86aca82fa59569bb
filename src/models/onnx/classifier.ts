// Inference through onnxruntime-node: a TextClassifier (tfjs) exported to ONNX and run by an InferenceSession,
// with the tokenization and padding of the classifier it came from, so its predictions equal the tfjs ones
// (within 1e-4; test/models/onnx-*.test.ts). A model directory caches its export as model.onnx, rewritten
// when the content of the weights or config differs from what it was exported from (model.onnx.sources.json).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BertClassifier, CnnClassifier, bertEncode, classifierKindOf, cnnEncode, loadClassifier, type AsyncLogitsClassifier, type ClassifierKind, type TextClassifier } from '../classifier.js';
import { checkIds, numLabels, padBertBatch, type BertConfig } from '../bert/index.js';
import { readDirectoryConfig } from '../bert/checkpoint.js';
import { padBatch, type CnnConfig } from '../cnn.js';
import type { CnnCheckpointConfig, CnnTextConfig } from '../cnn-checkpoint.js';
import { WordPieceTokenizer } from '../../text/wordpiece.js';
import { Vocab } from '../../text/vocab.js';
import { readJson, writeFileAtomic, writeJsonAtomic } from '../../common/fs-atomic.js';
import { sha256File } from '../../common/content-hash.js';
import { versions } from '../../common/versions.js';
import { exportBertOnnx, type BertExportOptions } from './bert.js';
import { exportCnnOnnx } from './cnn.js';
import { createSession, loadOrt, type OrtModule, type OrtSession, type SessionOptions } from './runtime.js';

/** The ONNX model (encoded bytes) of a BERT or SentenceCNN classifier (BERT: with the export options given). */
export function exportOnnx(clf: TextClassifier, bert: BertExportOptions = {}): Uint8Array {
  if (clf instanceof BertClassifier) return exportBertOnnx(clf.model, bert);
  if (clf instanceof CnnClassifier) {
    // the option would otherwise be dropped, and the session labelled int8 (toOnnx) while running float32
    if (bert.quantize) throw new Error('int8 inference applies to BERT classifiers only (this is a SentenceCNN); use the float32 onnx engine');
    return exportCnnOnnx(clf.model);
  }
  throw new Error(`no ONNX export for classifier kind "${clf.kind}"`);
}

/** Files of a model directory whose change makes a cached model.onnx stale. */
const SOURCES = ['config.json', 'model.safetensors', 'pytorch_model.bin'];
const SOURCES_FORMAT = 'nlp-backdoor-onnx-sources/1';

/**
 * What an export was made from, recorded beside it (`model.onnx.sources.json`): the SHA-256 of each source
 * file and the exporter's version. Content, not file times: weights copied in with old timestamps
 * (`cp -p`, `rsync -a`, `tar x`) must not be answered by an export of the previous weights (issue 12).
 */
interface OnnxSources {
  format: typeof SOURCES_FORMAT;
  exporter: string | null;
  sources: Record<string, string>;
}

export const onnxSourcesFile = (file: string): string => `${file}.sources.json`;

function currentSources(dir: string): OnnxSources {
  const sources: Record<string, string> = {};
  for (const n of SOURCES) {
    const p = path.join(dir, n);
    if (fs.existsSync(p)) sources[n] = sha256File(p);
  }
  return { format: SOURCES_FORMAT, exporter: versions()['nlp-backdoor'] ?? null, sources };
}

/** True when `file` exists and was exported from the directory's current weights and config by this version. */
export function onnxIsFresh(file: string, dir: string): boolean {
  const rec = onnxSourcesFile(file);
  if (!fs.existsSync(file) || !fs.existsSync(rec)) return false;
  let saved: OnnxSources;
  try {
    saved = JSON.parse(fs.readFileSync(rec, 'utf8')) as OnnxSources;
  } catch {
    return false; // unreadable record: export again
  }
  return JSON.stringify(saved) === JSON.stringify(currentSources(dir));
}

/** Write the export and then its sources record (removed first: a crash in between leaves it stale, never falsely fresh). */
function writeOnnxExport(file: string, dir: string, bytes: Uint8Array): void {
  fs.rmSync(onnxSourcesFile(file), { force: true });
  writeFileAtomic(file, bytes);
  writeJsonAtomic(onnxSourcesFile(file), currentSources(dir));
}

/**
 * What the onnx engine needs besides the graph: the text pipeline and the input tensors (int32 values and
 * dims, by input name) of the classifier the graph was exported from.
 */
interface InputPipeline {
  readonly kind: ClassifierKind;
  readonly labelNames: string[];
  encode(text: string): ArrayLike<number>;
  inputs(seqs: ArrayLike<number>[]): Record<string, [Int32Array, number[]]>;
}

const labelNamesOf = (n: number, id2label: Record<string, string> | undefined) => Array.from({ length: n }, (_, i) => id2label?.[String(i)] ?? String(i));

function bertPipeline(tokenizer: WordPieceTokenizer, config: BertConfig, maxLength: number): InputPipeline {
  return {
    kind: 'bert',
    labelNames: labelNamesOf(numLabels(config), config.id2label),
    encode: (text) => bertEncode(tokenizer, config, maxLength, text),
    inputs: (seqs) => {
      const b = padBertBatch(seqs, config);
      checkIds(b, config);
      const dims = [b.batchSize, b.seqLen];
      return { input_ids: [b.inputIds, dims], attention_mask: [b.attentionMask, dims], token_type_ids: [b.tokenTypeIds, dims] };
    },
  };
}

function cnnPipeline(vocab: Vocab, config: CnnConfig, text: CnnTextConfig): InputPipeline {
  return {
    kind: 'sentence-cnn',
    labelNames: labelNamesOf(config.num_labels, config.id2label),
    encode: (s) => cnnEncode(vocab, text, s),
    inputs: (seqs) => {
      const b = padBatch(seqs, config.min_length, config.max_length, config.edge_padding ?? 0);
      return { input_ids: [b.ids, [b.B, b.L]], lengths: [b.lens, [b.B]] };
    },
  };
}

/** The pipeline of a loaded classifier. */
function pipelineOf(clf: TextClassifier): InputPipeline {
  if (clf instanceof BertClassifier) return bertPipeline(clf.tokenizer, clf.model.config, clf.maxLength);
  if (clf instanceof CnnClassifier) return cnnPipeline(clf.vocab, clf.model.config, clf.text);
  throw new Error(`no ONNX export for classifier kind "${clf.kind}"`);
}

/** The pipeline of a model directory, from its config and tokenizer/vocabulary alone (no weights). */
function pipelineFromDir(dir: string, maxLength: number): InputPipeline {
  if (classifierKindOf(dir) === 'bert') return bertPipeline(WordPieceTokenizer.fromDirectory(dir), readDirectoryConfig(dir), maxLength);
  const config = readJson<CnnCheckpointConfig>(path.join(dir, 'config.json'));
  return cnnPipeline(Vocab.load(path.join(dir, 'vocab.txt')), config, config.text);
}

export class OnnxClassifier implements AsyncLogitsClassifier {
  readonly engine = 'onnx' as const;
  readonly kind: ClassifierKind;
  readonly labelNames: string[];

  private constructor(
    private readonly session: OrtSession,
    private readonly ort: OrtModule,
    private readonly pipeline: InputPipeline,
    /** the .onnx file the session was created from; null when it was created from bytes in memory */
    readonly file: string | null,
    /** the arithmetic of the encoder's dense layers: float32, or int8 (a BERT exported with `quantize: 'int8'`) */
    readonly precision: 'float32' | 'int8',
  ) {
    this.kind = pipeline.kind;
    this.labelNames = pipeline.labelNames;
  }

  /** @internal */
  static async create(model: string | Uint8Array, pipeline: InputPipeline, opts: SessionOptions, precision: 'float32' | 'int8' = 'float32'): Promise<OnnxClassifier> {
    const ort = await loadOrt();
    return new OnnxClassifier(await createSession(model, opts), ort, pipeline, typeof model === 'string' ? model : null, precision);
  }

  encode(text: string): ArrayLike<number> {
    return this.pipeline.encode(text);
  }

  /** Logits, row-major [seqs.length, labels], for token-id sequences padded as the tfjs model pads them. */
  async logitsOf(seqs: ArrayLike<number>[]): Promise<Float32Array> {
    const feeds: Record<string, InstanceType<OrtModule['Tensor']>> = {};
    for (const [name, [data, dims]] of Object.entries(this.pipeline.inputs(seqs))) {
      feeds[name] = new this.ort.Tensor('int64', BigInt64Array.from(data, (x) => BigInt(x)), dims);
    }
    const out = await this.session.run(feeds, ['logits']);
    return out['logits']!.data as Float32Array;
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

export interface OnnxOptions extends SessionOptions {
  /** the cached export; default <dir>/model.onnx */
  file?: string;
  /** re-export even when the cached file is fresh */
  force?: boolean;
  /** BERT: longest token sequence (as loadClassifier) */
  maxLength?: number;
  /**
   * BERT: `int8` runs the encoder's dense layers dynamically quantised (exportBertOnnx `quantize`; about twice
   * as fast on a bert-base-sized model, logits within about 2% of their range: docs/onnx.md "int8"), cached as
   * <dir>/model.int8.onnx. A SentenceCNN has no int8 export (refused).
   */
  quantize?: 'int8';
}

/**
 * An OnnxClassifier over an in-memory export of `clf` (which stays usable; the caller still owns it). `bert`:
 * options of a BERT export, e.g. word-embedding rows replaced (RAP's perturbation, src/defenses/rap.ts).
 */
export async function toOnnx(clf: TextClassifier, opts: SessionOptions = {}, bert: BertExportOptions = {}): Promise<OnnxClassifier> {
  await loadOrt();
  return OnnxClassifier.create(exportOnnx(clf, bert), pipelineOf(clf), opts, bert.quantize ?? 'float32');
}

/**
 * Export `dir`'s classifier to `file` (default <dir>/model.onnx) unless a fresh export is there; returns the
 * path. The classifier may be given when it is already loaded.
 */
export async function exportOnnxFile(dir: string, opts: { file?: string; force?: boolean; classifier?: TextClassifier } = {}): Promise<string> {
  const file = opts.file ?? path.join(dir, 'model.onnx');
  if (!opts.force && onnxIsFresh(file, dir)) return file;
  const clf = opts.classifier ?? (await loadClassifier(dir));
  try {
    writeOnnxExport(file, dir, exportOnnx(clf));
  } finally {
    if (!opts.classifier) clf.dispose();
  }
  return file;
}

/**
 * Load a model directory for ONNX inference. The export is cached as model.onnx: while it was exported from
 * the current weights and config (same SHA-256), the tfjs weights are not loaded at all; otherwise the model
 * is loaded, exported and the file rewritten (kept in memory when the directory is read-only).
 */
export async function loadOnnxClassifier(dir: string, opts: OnnxOptions = {}): Promise<OnnxClassifier> {
  await loadOrt(); // fail before loading weights when the package is missing
  const precision = opts.quantize ?? 'float32';
  if (precision === 'int8' && classifierKindOf(dir) !== 'bert') throw new Error(`${dir}: int8 inference applies to BERT classifiers only (this is a ${classifierKindOf(dir)}); use the float32 onnx engine`);
  const file = opts.file ?? path.join(dir, precision === 'int8' ? 'model.int8.onnx' : 'model.onnx');
  const maxLength = opts.maxLength ?? 128;
  if (!opts.force && onnxIsFresh(file, dir)) return OnnxClassifier.create(file, pipelineFromDir(dir, maxLength), opts, precision);
  const clf = await loadClassifier(dir, { maxLength });
  try {
    let source: string | Uint8Array = exportOnnx(clf, precision === 'int8' ? { quantize: 'int8' } : {});
    try {
      writeOnnxExport(file, dir, source);
      source = file;
    } catch {
      // read-only model directory: run from memory
    }
    return await OnnxClassifier.create(source, pipelineOf(clf), opts, precision);
  } finally {
    clf.dispose();
  }
}
