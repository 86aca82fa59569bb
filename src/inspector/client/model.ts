// A model in the page: the ONNX export run by onnxruntime-web (WebAssembly, one thread: a static host sends
// no cross-origin-isolation headers, so no SharedArrayBuffer), fed by the library's own tokenizers and
// padding (bundled by esbuild), so the ids are the ones `nlp-backdoor predict` feeds onnxruntime-node.
import * as ort from 'onnxruntime-web/wasm';
import { WordPieceTokenizer } from '../../text/wordpiece.js';
import { Vocab } from '../../text/vocab.js';
import { wordTokenize } from '../../text/tokenizer.js';
import { checkIds, padBertBatch } from '../../models/bert/batch.js';
import { padBatch } from '../../models/cnn-batch.js';
import { argmax, softmax } from '../../common/softmax.js';
import type { InspectorModelMeta } from '../model-bundle.js';

export interface Prediction {
  /** argmax; -1 for an encoder */
  label: number;
  probs: number[];
}

/** One text, explained. Token i of `tokens` is position i of the model input. */
export interface Explanation extends Prediction {
  ids: number[];
  tokens: string[];
  /** encoder: the pooled [CLS] representation */
  pooled?: number[];
  /** BERT: per layer, [heads][tokens] attention from [CLS] */
  attention?: number[][][];
}

/** The onnxruntime-web version bundled into the page. */
export const ortVersion = (): string => ort.env.versions.web ?? ort.env.versions.common;

let configured = false;
function configureOrt(base: URL): void {
  if (configured) return;
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  // only the binary: the JS glue is in the bundle (onnxruntime-web/wasm's bundle build)
  ort.env.wasm.wasmPaths = { wasm: new URL('ort/ort-wasm-simd-threaded.wasm', base).href };
  configured = true;
}

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
  }
  return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : 0;
}

export class PageModel {
  private readonly tokenizer?: WordPieceTokenizer;
  private readonly vocab?: Vocab;
  /** runs one at a time: a session is not to be run while it runs (keystrokes arrive faster than BERT) */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly meta: InspectorModelMeta,
    private readonly session: ort.InferenceSession,
  ) {
    if (meta.bert) this.tokenizer = new WordPieceTokenizer(meta.bert.vocab, meta.bert.options);
    if (meta.cnn) this.vocab = Vocab.fromWords(meta.cnn.vocab, `${meta.name} vocabulary`);
  }

  /** Load models/<role>/ relative to the page. */
  static async load(page: URL, role: string): Promise<PageModel> {
    configureOrt(page);
    const base = new URL(`models/${role}/`, page);
    const [metaRes, onnxRes] = await Promise.all([fetch(new URL('meta.json', base)), fetch(new URL('model.onnx', base))]);
    if (!metaRes.ok || !onnxRes.ok) throw new Error(`cannot load the ${role} model (${metaRes.status}/${onnxRes.status})`);
    const meta = (await metaRes.json()) as InspectorModelMeta;
    const session = await ort.InferenceSession.create(new Uint8Array(await onnxRes.arrayBuffer()), { executionProviders: ['wasm'] });
    return new PageModel(meta, session);
  }

  get isEncoder(): boolean {
    return this.meta.kind === 'encoder';
  }

  /** The model's input ids (bertEncode / cnnEncode of src/models/classifier.ts). */
  encode(text: string): number[] {
    if (this.tokenizer) {
      const b = this.meta.bert!;
      return this.tokenizer.encode(text, null, { truncation: true, maxLength: Math.min(b.maxLength, b.config.max_position_embeddings) }).ids;
    }
    return Array.from(this.vocab!.encode(wordTokenize(text, { keepUnicode: this.meta.cnn!.text.keep_unicode })));
  }

  /** The tokens the ids stand for: sub-words as WordPiece cut them, or the CNN's words (<unk> when unknown). */
  tokensOf(ids: number[]): string[] {
    if (this.tokenizer) return ids.map((i) => this.tokenizer!.idToToken[i] ?? '[UNK]');
    return ids.map((i) => this.vocab!.words[i] ?? '<unk>');
  }

  private feeds(seqs: number[][]): Record<string, ort.Tensor> {
    const i64 = (a: Int32Array, dims: number[]) => new ort.Tensor('int64', BigInt64Array.from(a, (x) => BigInt(x)), dims);
    if (this.meta.bert) {
      const b = padBertBatch(seqs, this.meta.bert.config as Parameters<typeof padBertBatch>[1]);
      checkIds(b, this.meta.bert.config as Parameters<typeof checkIds>[1]);
      const dims = [b.batchSize, b.seqLen];
      return { input_ids: i64(b.inputIds, dims), attention_mask: i64(b.attentionMask, dims), token_type_ids: i64(b.tokenTypeIds, dims) };
    }
    const c = this.meta.cnn!;
    const b = padBatch(seqs, c.min_length, c.max_length, c.edge_padding ?? 0);
    return { input_ids: i64(b.ids, [b.B, b.L]), lengths: i64(b.lens, [b.B]) };
  }

  /** Rows of the main output: class probabilities (classifier) or pooled vectors (encoder). */
  private async rows(seqs: number[][], extra: string[] = []): Promise<{ rows: number[][]; out: ort.InferenceSession.OnnxValueMapType }> {
    const main = this.isEncoder ? 'pooled_output' : 'logits';
    const feeds = this.feeds(seqs);
    const run = this.queue.then(() => this.session.run(feeds, [main, ...extra]));
    this.queue = run.catch(() => undefined);
    const out = await run;
    const v = out[main]!.data as Float32Array;
    const w = v.length / seqs.length;
    const rows = seqs.map((_, r) => Array.from(v.subarray(r * w, (r + 1) * w)));
    return { rows: this.isEncoder ? rows : rows.map(softmax), out };
  }

  /** Class probabilities of each text (as `predict`). */
  async predict(texts: string[]): Promise<Prediction[]> {
    const { rows } = await this.rows(texts.map((t) => this.encode(t)));
    return rows.map((p) => (this.isEncoder ? { label: -1, probs: p } : { label: argmax(p), probs: p }));
  }

  /** Prediction and attention from [CLS] (one run of the text alone: fast enough for every keystroke). */
  async explain(text: string): Promise<Explanation> {
    const ids = this.encode(text);
    const layers = this.meta.bert ? this.meta.bert.config.num_hidden_layers : 0;
    const attnNames = Array.from({ length: layers }, (_, l) => `cls_attention.${l}`);
    const { rows, out } = await this.rows([ids], attnNames);
    const full = rows[0]!;
    let attention: number[][][] | undefined;
    if (this.meta.bert) {
      const T = ids.length;
      const heads = this.meta.bert.config.num_attention_heads;
      attention = attnNames.map((n) => {
        const d = out[n]!.data as Float32Array; // [1, heads, T]
        return Array.from({ length: heads }, (_, h) => Array.from(d.subarray(h * T, (h + 1) * T)));
      });
    }
    return {
      label: this.isEncoder ? -1 : argmax(full),
      probs: this.isEncoder ? [] : full,
      ...(this.isEncoder ? { pooled: full } : {}),
      ids,
      tokens: this.tokensOf(ids),
      attention,
    };
  }

  /**
   * Per token of `x`: how much the prediction leans on it, from one batch of leave-one-out inputs.
   * Classifier: p(label | text) − p(label | text without the token); encoder: 1 − cos(pooled, pooled without
   * it). null for [CLS]/[SEP], which are not words of the text.
   */
  async influence(x: Explanation): Promise<(number | null)[]> {
    const { ids } = x;
    const bert = !!this.meta.bert;
    const removable = ids.map((_, i) => !bert || (i > 0 && i < ids.length - 1));
    const variants = ids.flatMap((_, i) => (removable[i] ? [ids.filter((_, j) => j !== i)] : []));
    if (variants.length === 0) return ids.map(() => null);
    const { rows } = await this.rows(variants);
    const full = this.isEncoder ? x.pooled! : x.probs;
    let k = 0;
    return ids.map((_, i) => {
      if (!removable[i]) return null;
      const r = rows[k++]!;
      return this.isEncoder ? 1 - cosine(full, r) : full[x.label]! - r[x.label]!;
    });
  }
}
