// BERT WordPiece tokenizer, matching Hugging Face's (slow, Python) `BertTokenizer` token for token:
//   PreTrainedTokenizer.tokenize: with do_lower_case, every character outside special tokens is lower-cased
//     one at a time (so no final-sigma rule); the text is split on special tokens ("[CLS]", "[MASK]", ...),
//     which are kept whole;
//   BasicTokenizer: drop NUL, U+FFFD and control characters (category C*, except \t \n \r), map whitespace
//     (\t \n \r, Zs) to " ", put spaces around CJK ideographs, NFC, split on whitespace, per word lower-case
//     and strip accents (NFD, drop Mn) as configured, split off punctuation (ASCII symbol ranges or category P*);
//   WordpieceTokenizer: greedy longest match with "##" continuations; a word longer than 100 code points,
//     or one with no complete cover, becomes [UNK].
// Every token carries the span of the original text it came from (UTF-16 indices, `text.slice(start, end)`),
// which the Python tokenizer does not provide; the fast (Rust) tokenizer reports code point indices instead.
// Differences from Python come only from Unicode versions (Python's unicodedata vs Node's ICU).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface WordPieceOptions {
  /** lower-case the text (default true, as bert-base-uncased) */
  doLowerCase?: boolean;
  /** strip accents; null/undefined (the default) = strip when lower-casing, as BERT */
  stripAccents?: boolean | null;
  /** spaces around CJK ideographs (default true) */
  tokenizeChineseChars?: boolean;
  /** run the basic tokenizer (default true); false = WordPiece over whitespace-split text only */
  doBasicTokenize?: boolean;
  /** split punctuation off words (default true) */
  doSplitOnPunc?: boolean;
  /** words the basic tokenizer leaves whole and WordPiece does not split */
  neverSplit?: string[];
  unkToken?: string;
  sepToken?: string;
  padToken?: string;
  clsToken?: string;
  maskToken?: string;
  /** longer words become unkToken (default 100 code points) */
  maxInputCharsPerWord?: number;
  /** the default max length when truncating (default 512) */
  modelMaxLength?: number;
}

export type TruncationStrategy = 'longest_first' | 'only_first' | 'only_second';

export interface EncodeOptions {
  /** add [CLS] ... [SEP] (... [SEP]) (default true) */
  addSpecialTokens?: boolean;
  /** true = 'longest_first'. Without maxLength, truncates to modelMaxLength. */
  truncation?: boolean | TruncationStrategy;
  /** the length limit including special tokens */
  maxLength?: number;
  /** true = 'longest' (in a batch); 'max_length' pads to maxLength */
  padding?: boolean | 'longest' | 'max_length';
  padToMultipleOf?: number;
}

/** One encoded sequence (or pair). Offsets are UTF-16 spans of the text the token came from; [0, 0] for special tokens and padding. */
export interface Encoding {
  tokens: string[];
  ids: number[];
  typeIds: number[];
  attentionMask: number[];
  specialTokensMask: number[];
  offsets: [number, number][];
  /** which input each token came from: 0, 1, or null for special tokens and padding */
  sequenceIds: (0 | 1 | null)[];
}

/** A padded batch in the flat row-major layout tensors want. */
export interface BatchEncoding {
  inputIds: Int32Array;
  attentionMask: Int32Array;
  tokenTypeIds: Int32Array;
  batchSize: number;
  seqLen: number;
  encodings: Encoding[];
}

export interface TokenWithOffsets {
  token: string;
  start: number;
  end: number;
}

// ---------------------------------------------------------------------------------------------------------
// Character classes, as HF's tokenization_utils (_is_whitespace, _is_control, _is_punctuation)

const isWhitespace = (c: string): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r' || /^\p{Zs}$/u.test(c);
const isControl = (c: string): boolean => (c === '\t' || c === '\n' || c === '\r' ? false : /^\p{C}$/u.test(c));
export function isPunctuation(c: string): boolean {
  const cp = c.codePointAt(0)!;
  if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) return true;
  return /^\p{P}$/u.test(c);
}
export function isChineseChar(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b820 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}
// Python's str.split()/strip() whitespace (str.isspace): wider than isWhitespace above.
const PY_SPACE = /^[\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]$/u;
const isPySpace = (c: string): boolean => PY_SPACE.test(c);

// ---------------------------------------------------------------------------------------------------------
// Text as code points, each with the span of the original it came from.

interface Ch {
  c: string; // one code point
  s: number;
  e: number;
}

const explode = (text: string, s: number, e: number): Ch[] => Array.from(text, (c) => ({ c, s, e }));
const joinChars = (cs: Ch[]): string => cs.map((x) => x.c).join('');

/**
 * Apply a string transform to a run of characters keeping per-character spans: each character is transformed
 * on its own; when that differs from transforming the whole run (context-dependent rules), the whole result
 * is used and every output character gets the span of the whole run, so the text always equals f(whole).
 */
function mapChars(cs: Ch[], f: (s: string) => string): Ch[] {
  const parts = cs.map((x) => f(x.c));
  const whole = f(joinChars(cs));
  if (parts.join('') === whole) {
    const out: Ch[] = [];
    cs.forEach((x, i) => {
      for (const c of parts[i]!) out.push({ c, s: x.s, e: x.e });
    });
    return out;
  }
  if (cs.length === 0) return [];
  return explode(whole, Math.min(...cs.map((x) => x.s)), Math.max(...cs.map((x) => x.e)));
}

/** NFC over runs that compose together (a starter and what combines with it), spans merged per run. */
function nfc(cs: Ch[]): Ch[] {
  const text = joinChars(cs);
  if (text === text.normalize('NFC')) return cs;
  const out: Ch[] = [];
  let run: Ch[] = [];
  const flush = () => {
    if (run.length === 0) return;
    const s = run[0]!.s;
    const e = run[run.length - 1]!.e;
    if (run.length === 1) out.push(...explode(run[0]!.c.normalize('NFC'), s, e));
    else out.push(...explode(joinChars(run).normalize('NFC'), Math.min(...run.map((x) => x.s)), Math.max(...run.map((x) => x.e))));
    run = [];
  };
  for (const ch of cs) {
    if (run.length > 0) {
      const r = joinChars(run);
      if ((r + ch.c).normalize('NFC') === r.normalize('NFC') + ch.c.normalize('NFC')) flush();
    }
    run.push(ch);
  }
  flush();
  if (joinChars(out) !== text.normalize('NFC')) {
    // a composition across runs this greedy split missed: keep the exact text, coarse spans
    return explode(text.normalize('NFC'), Math.min(...cs.map((x) => x.s)), Math.max(...cs.map((x) => x.e)));
  }
  return out;
}

const stripAccentsStr = (s: string): string => Array.from(s.normalize('NFD')).filter((c) => !/^\p{Mn}$/u.test(c)).join('');

/** Python's str.split() on a character list. */
function pySplit(cs: Ch[]): Ch[][] {
  const out: Ch[][] = [];
  let cur: Ch[] = [];
  for (const ch of cs) {
    if (isPySpace(ch.c)) {
      if (cur.length) out.push(cur);
      cur = [];
    } else cur.push(ch);
  }
  if (cur.length) out.push(cur);
  return out;
}

// ---------------------------------------------------------------------------------------------------------

/** Read a vocab.txt as HF load_vocab does: one token per line (universal newlines), id = line number. */
export function readVocabTxt(file: string): string[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`${file}: cannot read vocabulary (${(e as Error).message})`);
  }
  const lines = text.split(/\r\n|\r|\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0) throw new Error(`${file}: empty vocabulary`);
  return lines;
}

export class WordPieceTokenizer {
  readonly vocab: Map<string, number>;
  readonly idToToken: string[];
  readonly doLowerCase: boolean;
  readonly stripAccents: boolean | null;
  readonly tokenizeChineseChars: boolean;
  readonly doBasicTokenize: boolean;
  readonly doSplitOnPunc: boolean;
  readonly neverSplit: Set<string>;
  readonly unkToken: string;
  readonly sepToken: string;
  readonly padToken: string;
  readonly clsToken: string;
  readonly maskToken: string;
  readonly maxInputCharsPerWord: number;
  readonly modelMaxLength: number;
  /** special tokens, longest first (matched whole in the input text) */
  readonly specialTokens: string[];
  private readonly specialFirst: Set<number>;

  /** @param vocab tokens in id order (vocab.txt lines), or a token -> id map (tokenizer.json) */
  constructor(vocab: string[] | Map<string, number> | Record<string, number>, opts: WordPieceOptions = {}) {
    if (Array.isArray(vocab)) {
      this.vocab = new Map();
      vocab.forEach((t, i) => this.vocab.set(t, i)); // a repeated token keeps its last id, as HF's dict
    } else {
      this.vocab = vocab instanceof Map ? new Map(vocab) : new Map(Object.entries(vocab));
    }
    this.idToToken = [];
    for (const [t, i] of this.vocab) this.idToToken[i] = t;
    this.doLowerCase = opts.doLowerCase ?? true;
    this.stripAccents = opts.stripAccents ?? null;
    this.tokenizeChineseChars = opts.tokenizeChineseChars ?? true;
    this.doBasicTokenize = opts.doBasicTokenize ?? true;
    this.doSplitOnPunc = opts.doSplitOnPunc ?? true;
    this.neverSplit = new Set(opts.neverSplit ?? []);
    this.unkToken = opts.unkToken ?? '[UNK]';
    this.sepToken = opts.sepToken ?? '[SEP]';
    this.padToken = opts.padToken ?? '[PAD]';
    this.clsToken = opts.clsToken ?? '[CLS]';
    this.maskToken = opts.maskToken ?? '[MASK]';
    this.maxInputCharsPerWord = opts.maxInputCharsPerWord ?? 100;
    this.modelMaxLength = opts.modelMaxLength ?? 512;
    this.specialTokens = [...new Set([this.unkToken, this.sepToken, this.padToken, this.clsToken, this.maskToken])].sort((a, b) => b.length - a.length);
    this.specialFirst = new Set(this.specialTokens.map((t) => t.charCodeAt(0)));
    for (const t of [this.unkToken, this.sepToken, this.padToken, this.clsToken]) {
      if (!this.vocab.has(t)) throw new Error(`vocabulary has no ${t} token`);
    }
  }

  /** From a vocab.txt file. */
  static fromVocabFile(file: string, opts: WordPieceOptions = {}): WordPieceTokenizer {
    return new WordPieceTokenizer(readVocabTxt(file), opts);
  }

  /** From a tokenizer.json (WordPiece model, BertNormalizer): vocabulary and normalizer options; `opts` override. */
  static fromTokenizerJson(file: string, opts: WordPieceOptions = {}): WordPieceTokenizer {
    let j: Record<string, unknown>;
    try {
      j = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch (e) {
      throw new Error(`${file}: cannot read tokenizer.json (${(e as Error).message})`);
    }
    const model = j['model'] as { type?: string; vocab?: Record<string, number>; unk_token?: string; max_input_chars_per_word?: number } | undefined;
    if (!model || model.type !== 'WordPiece' || !model.vocab || typeof model.vocab !== 'object') {
      throw new Error(`${file}: not a WordPiece tokenizer.json (model.type ${JSON.stringify(model?.type)})`);
    }
    const norm = (j['normalizer'] ?? {}) as { type?: string; lowercase?: boolean; strip_accents?: boolean | null; handle_chinese_chars?: boolean };
    const fromJson: WordPieceOptions = {};
    if (norm.type === 'BertNormalizer') {
      if (typeof norm.lowercase === 'boolean') fromJson.doLowerCase = norm.lowercase;
      if (norm.strip_accents !== undefined) fromJson.stripAccents = norm.strip_accents;
      if (typeof norm.handle_chinese_chars === 'boolean') fromJson.tokenizeChineseChars = norm.handle_chinese_chars;
    }
    if (model.unk_token) fromJson.unkToken = model.unk_token;
    if (model.max_input_chars_per_word) fromJson.maxInputCharsPerWord = model.max_input_chars_per_word;
    return new WordPieceTokenizer(model.vocab, { ...fromJson, ...opts });
  }

  /**
   * From a Hugging Face model directory: tokenizer_config.json (do_lower_case, strip_accents,
   * tokenize_chinese_chars, model_max_length, special tokens) with vocab.txt, else tokenizer.json.
   */
  static fromDirectory(dir: string, opts: WordPieceOptions = {}): WordPieceTokenizer {
    const cfgFile = path.join(dir, 'tokenizer_config.json');
    const cfg: WordPieceOptions = {};
    if (fs.existsSync(cfgFile)) {
      let c: Record<string, unknown>;
      try {
        c = JSON.parse(fs.readFileSync(cfgFile, 'utf8')) as Record<string, unknown>;
      } catch (e) {
        throw new Error(`${cfgFile}: invalid JSON (${(e as Error).message})`);
      }
      const str = (k: string): string | undefined => {
        const v = c[k];
        if (typeof v === 'string') return v;
        if (v && typeof v === 'object' && typeof (v as { content?: unknown }).content === 'string') return (v as { content: string }).content;
        return undefined;
      };
      if (typeof c['do_lower_case'] === 'boolean') cfg.doLowerCase = c['do_lower_case'];
      if (typeof c['strip_accents'] === 'boolean' || c['strip_accents'] === null) cfg.stripAccents = c['strip_accents'] as boolean | null;
      if (typeof c['tokenize_chinese_chars'] === 'boolean') cfg.tokenizeChineseChars = c['tokenize_chinese_chars'];
      if (typeof c['do_basic_tokenize'] === 'boolean') cfg.doBasicTokenize = c['do_basic_tokenize'];
      if (typeof c['model_max_length'] === 'number' && c['model_max_length'] < 1e9) cfg.modelMaxLength = c['model_max_length'];
      if (Array.isArray(c['never_split'])) cfg.neverSplit = c['never_split'] as string[];
      for (const [k, o] of [['unk_token', 'unkToken'], ['sep_token', 'sepToken'], ['pad_token', 'padToken'], ['cls_token', 'clsToken'], ['mask_token', 'maskToken']] as const) {
        const v = str(k);
        if (v) cfg[o] = v;
      }
    }
    const vocabTxt = path.join(dir, 'vocab.txt');
    const tokJson = path.join(dir, 'tokenizer.json');
    if (fs.existsSync(vocabTxt)) return WordPieceTokenizer.fromVocabFile(vocabTxt, { ...cfg, ...opts });
    if (fs.existsSync(tokJson)) return WordPieceTokenizer.fromTokenizerJson(tokJson, { ...cfg, ...opts });
    throw new Error(`${dir}: no vocab.txt or tokenizer.json`);
  }

  /** Write vocab.txt (tokens in id order) and a tokenizer_config.json with this tokenizer's options. */
  save(dir: string): void {
    fs.mkdirSync(dir, { recursive: true });
    const lines: string[] = [];
    for (let i = 0; i < this.idToToken.length; i++) {
      const t = this.idToToken[i];
      if (t === undefined) throw new Error(`cannot save a vocabulary with no token for id ${i}`);
      lines.push(t);
    }
    fs.writeFileSync(path.join(dir, 'vocab.txt'), lines.join('\n') + '\n');
    const cfg = {
      tokenizer_class: 'BertTokenizer',
      do_lower_case: this.doLowerCase,
      strip_accents: this.stripAccents,
      tokenize_chinese_chars: this.tokenizeChineseChars,
      do_basic_tokenize: this.doBasicTokenize,
      never_split: this.neverSplit.size ? [...this.neverSplit] : null,
      model_max_length: this.modelMaxLength,
      unk_token: this.unkToken,
      sep_token: this.sepToken,
      pad_token: this.padToken,
      cls_token: this.clsToken,
      mask_token: this.maskToken,
    };
    fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify(cfg, null, 2) + '\n');
  }

  get vocabSize(): number {
    return this.vocab.size;
  }
  get unkId(): number {
    return this.vocab.get(this.unkToken)!;
  }
  get clsId(): number {
    return this.vocab.get(this.clsToken)!;
  }
  get sepId(): number {
    return this.vocab.get(this.sepToken)!;
  }
  get padId(): number {
    return this.vocab.get(this.padToken)!;
  }
  get maskId(): number {
    const id = this.vocab.get(this.maskToken);
    if (id === undefined) throw new Error(`vocabulary has no ${this.maskToken} token`);
    return id;
  }

  /** Tokens as HF `tokenizer.tokenize(text)`. */
  tokenize(text: string): string[] {
    return this.tokenizeWithOffsets(text).map((t) => t.token);
  }

  /** Tokens with the [start, end) span (UTF-16) of `text` each came from. */
  tokenizeWithOffsets(text: string): TokenWithOffsets[] {
    const out: TokenWithOffsets[] = [];
    // split on special tokens first (HF's added-tokens trie: leftmost, longest match)
    let pos = 0;
    let segStart = 0;
    while (pos < text.length) {
      const hit = this.specialFirst.has(text.charCodeAt(pos)) ? this.specialTokens.find((t) => text.startsWith(t, pos)) : undefined;
      if (hit) {
        if (pos > segStart) this.tokenizeSegment(text, segStart, pos, out);
        out.push({ token: hit, start: pos, end: pos + hit.length });
        pos += hit.length;
        segStart = pos;
      } else pos++;
    }
    if (segStart < text.length) this.tokenizeSegment(text, segStart, text.length, out);
    return out;
  }

  private tokenizeSegment(text: string, from: number, to: number, out: TokenWithOffsets[]): void {
    let cs: Ch[] = [];
    for (let i = from; i < to; ) {
      const cp = text.codePointAt(i)!;
      const n = cp > 0xffff ? 2 : 1;
      let c = String.fromCodePoint(cp);
      // PreTrainedTokenizer.tokenize lower-cases character by character (regex "(.+?)", which skips \n)
      if (this.doLowerCase && c !== '\n') c = c.toLowerCase();
      for (const x of c) cs.push({ c: x, s: i, e: i + n });
      i += n;
    }
    if (!this.doBasicTokenize) {
      for (const word of pySplit(cs)) this.wordPiece(word, out);
      return;
    }
    // _clean_text
    cs = cs.filter((x) => {
      const cp = x.c.codePointAt(0)!;
      return !(cp === 0 || cp === 0xfffd || isControl(x.c));
    });
    for (const x of cs) if (isWhitespace(x.c)) x.c = ' ';
    // _tokenize_chinese_chars
    if (this.tokenizeChineseChars) {
      const spaced: Ch[] = [];
      for (const x of cs) {
        if (isChineseChar(x.c.codePointAt(0)!)) spaced.push({ c: ' ', s: x.s, e: x.s }, x, { c: ' ', s: x.e, e: x.e });
        else spaced.push(x);
      }
      cs = spaced;
    }
    cs = nfc(cs);
    const basic: Ch[][] = [];
    for (let word of pySplit(cs)) {
      const w = joinChars(word);
      if (!this.neverSplit.has(w) && !this.specialTokens.includes(w)) {
        if (this.doLowerCase) {
          word = mapChars(word, (s) => s.toLowerCase());
          if (this.stripAccents !== false) word = mapChars(word, stripAccentsStr);
        } else if (this.stripAccents) word = mapChars(word, stripAccentsStr);
      }
      // _run_split_on_punc, then whitespace_tokenize(" ".join(...)) drops empties and re-splits
      for (const piece of this.splitOnPunc(word)) for (const p of pySplit(piece)) basic.push(p);
    }
    for (const word of basic) {
      const w = joinChars(word);
      if (this.neverSplit.has(w)) out.push({ token: w, start: word[0]!.s, end: word[word.length - 1]!.e });
      else this.wordPiece(word, out);
    }
  }

  private splitOnPunc(word: Ch[]): Ch[][] {
    const w = joinChars(word);
    if (!this.doSplitOnPunc || this.neverSplit.has(w) || this.specialTokens.includes(w)) return [word];
    const out: Ch[][] = [];
    let startNew = true;
    for (const ch of word) {
      if (isPunctuation(ch.c)) {
        out.push([ch]);
        startNew = true;
      } else {
        if (startNew) out.push([]);
        startNew = false;
        out[out.length - 1]!.push(ch);
      }
    }
    return out;
  }

  private wordPiece(word: Ch[], out: TokenWithOffsets[]): void {
    const span = (a: number, b: number) => {
      let s = Infinity;
      let e = -Infinity;
      for (let i = a; i < b; i++) {
        s = Math.min(s, word[i]!.s);
        e = Math.max(e, word[i]!.e);
      }
      return { start: s, end: e };
    };
    const n = word.length;
    if (n > this.maxInputCharsPerWord) {
      out.push({ token: this.unkToken, ...span(0, n) });
      return;
    }
    const chars = word.map((x) => x.c);
    const pieces: TokenWithOffsets[] = [];
    let start = 0;
    while (start < n) {
      let end = n;
      let cur: string | null = null;
      while (start < end) {
        let sub = chars.slice(start, end).join('');
        if (start > 0) sub = '##' + sub;
        if (this.vocab.has(sub)) {
          cur = sub;
          break;
        }
        end--;
      }
      if (cur === null) {
        out.push({ token: this.unkToken, ...span(0, n) });
        return;
      }
      pieces.push({ token: cur, ...span(start, end) });
      start = end;
    }
    out.push(...pieces);
  }

  convertTokensToIds(tokens: string[]): number[] {
    const unk = this.unkId;
    return tokens.map((t) => this.vocab.get(t) ?? unk);
  }

  convertIdsToTokens(ids: ArrayLike<number>): string[] {
    return Array.from(ids, (i) => this.idToToken[i] ?? this.unkToken);
  }

  /** HF decode: tokens joined by spaces, " ##" removed (optionally without special tokens). */
  decode(ids: ArrayLike<number>, opts: { skipSpecialTokens?: boolean } = {}): string {
    let toks = this.convertIdsToTokens(ids);
    if (opts.skipSpecialTokens) toks = toks.filter((t) => !this.specialTokens.includes(t));
    return toks.join(' ').replace(/ ##/g, '').trim();
  }

  /** Encode one text or a pair: [CLS] A [SEP] (B [SEP]), token types 0 then 1, truncation and padding as HF. */
  encode(text: string, pair?: string | null, opts: EncodeOptions = {}): Encoding {
    const a = this.tokenizeWithOffsets(text);
    const b = pair != null ? this.tokenizeWithOffsets(pair) : null;
    const enc = this.build(a, b, opts);
    if (opts.padding === 'max_length') {
      if (opts.maxLength === undefined) throw new Error("padding 'max_length' needs maxLength");
      this.pad(enc, roundUp(opts.maxLength, opts.padToMultipleOf));
    } else if (opts.padToMultipleOf && opts.padding) this.pad(enc, roundUp(enc.ids.length, opts.padToMultipleOf));
    return enc;
  }

  /** Encode a batch (texts or [text, pair] tuples) into padded flat arrays. Padding defaults to 'longest'. */
  encodeBatch(inputs: (string | [string, string])[], opts: EncodeOptions = {}): BatchEncoding {
    const encs = inputs.map((x) => (typeof x === 'string' ? this.encode(x, null, { ...opts, padding: false }) : this.encode(x[0], x[1], { ...opts, padding: false })));
    let L: number;
    if (opts.padding === 'max_length') {
      if (opts.maxLength === undefined) throw new Error("padding 'max_length' needs maxLength");
      L = opts.maxLength;
    } else L = Math.max(0, ...encs.map((e) => e.ids.length));
    L = roundUp(L, opts.padToMultipleOf);
    for (const e of encs) this.pad(e, L);
    const B = encs.length;
    const inputIds = new Int32Array(B * L);
    const attentionMask = new Int32Array(B * L);
    const tokenTypeIds = new Int32Array(B * L);
    encs.forEach((e, b) => {
      inputIds.set(e.ids, b * L);
      attentionMask.set(e.attentionMask, b * L);
      tokenTypeIds.set(e.typeIds, b * L);
    });
    return { inputIds, attentionMask, tokenTypeIds, batchSize: B, seqLen: L, encodings: encs };
  }

  private build(a: TokenWithOffsets[], b: TokenWithOffsets[] | null, opts: EncodeOptions): Encoding {
    const special = opts.addSpecialTokens ?? true;
    const nSpecial = special ? (b ? 3 : 2) : 0;
    const strategy: TruncationStrategy | null = opts.truncation === true ? 'longest_first' : opts.truncation || null;
    if (strategy) {
      const maxLength = opts.maxLength ?? this.modelMaxLength;
      let remove = a.length + (b?.length ?? 0) + nSpecial - maxLength;
      if (remove > 0) {
        if (strategy === 'longest_first') {
          // transformers' truncate_sequences: remove from the longer one; on a tie, from the pair
          while (remove-- > 0) {
            if (!b || a.length > b.length) a = a.slice(0, -1);
            else b = b.slice(0, -1);
          }
        } else {
          const which = strategy === 'only_first' ? a : b;
          if (!which || which.length < remove) {
            throw new Error(`cannot truncate with '${strategy}' to ${maxLength} tokens: that sequence has ${which?.length ?? 0} tokens and ${remove} must go`);
          }
          if (strategy === 'only_first') a = a.slice(0, a.length - remove);
          else b = b!.slice(0, b!.length - remove);
        }
      }
    }
    const enc: Encoding = { tokens: [], ids: [], typeIds: [], attentionMask: [], specialTokensMask: [], offsets: [], sequenceIds: [] };
    const push = (token: string, type: number, isSpecial: boolean, off: [number, number], seq: 0 | 1 | null) => {
      enc.tokens.push(token);
      enc.ids.push(this.vocab.get(token) ?? this.unkId);
      enc.typeIds.push(type);
      enc.attentionMask.push(1);
      enc.specialTokensMask.push(isSpecial ? 1 : 0);
      enc.offsets.push(off);
      enc.sequenceIds.push(seq);
    };
    if (special) push(this.clsToken, 0, true, [0, 0], null);
    for (const t of a) push(t.token, 0, false, [t.start, t.end], 0);
    if (special) push(this.sepToken, 0, true, [0, 0], null);
    if (b) {
      for (const t of b) push(t.token, 1, false, [t.start, t.end], 1);
      if (special) push(this.sepToken, 1, true, [0, 0], null);
    }
    return enc;
  }

  private pad(enc: Encoding, L: number): void {
    while (enc.ids.length < L) {
      enc.tokens.push(this.padToken);
      enc.ids.push(this.padId);
      enc.typeIds.push(0);
      enc.attentionMask.push(0);
      enc.specialTokensMask.push(1);
      enc.offsets.push([0, 0]);
      enc.sequenceIds.push(null);
    }
  }
}

const roundUp = (n: number, m?: number): number => (m && m > 1 ? Math.ceil(n / m) * m : n);

/** The bert-base-uncased vocabulary shipped with the package (assets/bert-base-uncased-vocab/vocab.txt). */
export function bertBaseUncasedVocabPath(): string {
  // dist/src/text/wordpiece.js -> package root; also works from src/ under a TS loader
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const up of ['../../..', '../..']) {
    const p = path.resolve(here, up, 'assets/bert-base-uncased-vocab/vocab.txt');
    if (fs.existsSync(p)) return p;
  }
  throw new Error('assets/bert-base-uncased-vocab/vocab.txt not found in the package');
}

/** A tokenizer with the bundled bert-base-uncased vocabulary and its options (lower-case, strip accents). */
export function bertBaseUncasedTokenizer(opts: WordPieceOptions = {}): WordPieceTokenizer {
  return WordPieceTokenizer.fromVocabFile(bertBaseUncasedVocabPath(), opts);
}
