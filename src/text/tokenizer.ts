// Word tokenizer of the SentenceCNN studies: Kim (2014)'s `clean_str` from yoonkim/CNN_sentence
// (process_data.py), which Guan & Duong's SentenceCNN inherits. The regex sequence, step by step:
//   1. re.sub(r"[^A-Za-z0-9(),!?\'\`]", " ")      every other character becomes a space
//   2. re.sub(r"\'s", " \'s") … r"\'ll"            clitics split off, in this order: 's 've n't 're 'd 'll
//   3. re.sub(r",", " , ") … r"\?"                 , ! ( ) ? become separate tokens, in this order
//   4. re.sub(r"\s{2,}", " "); strip(); lower()     (lower() skipped for Kim's TREC variant: `keepCase`)
// `clean_str_sst` (`sst: true`) is steps 1 and 4 only.
//
// Kim's replacement strings " \( ", " \) ", " \? " are not raw strings and "\(" is no escape for Python or
// for re.sub's template, so the backslash survives: Kim's tokens are "\(", "\)" and "\?". By default we emit
// "(", ")" and "?" (the tokens GloVe has vectors for); `kimEscapes: true` reproduces the backslashes for
// byte-for-byte parity with Kim's preprocessed data.
//
// Non-ASCII: Kim's step 1 deletes every non-ASCII character ("café" -> "caf"), which would also erase
// kaomoji or emoji triggers such as "(づ｡◕‿‿◕｡)づ". `keepUnicode: true` keeps every non-ASCII character that
// is not whitespace (letters, marks, symbols and Unicode punctuation alike, so kaomoji survive whole) and
// turns all Unicode whitespace into spaces; ASCII is handled exactly as in Kim's code. The default is
// false, for parity with Kim's preprocessing; a model records the choice (config `keep_unicode`) so
// training and prediction tokenize alike.

export interface WordTokenizerOptions {
  /** keep non-ASCII characters instead of deleting them (default false, as Kim) */
  keepUnicode?: boolean;
  /** `clean_str_sst`: only steps 1 and 4 (no clitic or punctuation splitting) */
  sst?: boolean;
  /** keep case (Kim's TREC variant, `clean_str(s, TREC=True)`) */
  keepCase?: boolean;
  /** emit Kim's "\(", "\)", "\?" tokens (the backslash Python leaves in his replacements) */
  kimEscapes?: boolean;
}

const ASCII_ONLY = /[^A-Za-z0-9(),!?'`]/g;
// JS `\s` covers Unicode whitespace except U+0085 (NEL, a line break in the latin-1 Cornell files)
const KEEP_UNICODE = /[^A-Za-z0-9(),!?'`\u{80}-\u{10FFFF}]|[\s\u{85}]/gu;

/** Kim's clean_str (or clean_str_sst with `sst`) as a string: the tokens joined by single spaces. */
export function cleanStr(text: string, opts: WordTokenizerOptions = {}): string {
  let s = text.replace(opts.keepUnicode ? KEEP_UNICODE : ASCII_ONLY, ' ');
  if (!opts.sst) {
    const esc = opts.kimEscapes ? '\\' : '';
    s = s
      .replace(/'s/g, " 's")
      .replace(/'ve/g, " 've")
      .replace(/n't/g, " n't")
      .replace(/'re/g, " 're")
      .replace(/'d/g, " 'd")
      .replace(/'ll/g, " 'll")
      .replace(/,/g, ' , ')
      .replace(/!/g, ' ! ')
      .replace(/\(/g, ` ${esc}( `)
      .replace(/\)/g, ` ${esc}) `)
      .replace(/\?/g, ` ${esc}? `);
  }
  // After step 1 the only whitespace left is the space, so `\s{2,}` -> " " then strip() is this.
  s = s.replace(/\s{2,}/g, ' ').trim();
  return opts.keepCase ? s : s.toLowerCase();
}

/** The tokens of a text after Kim's clean_str (see `cleanStr`); [] for a text with no tokens. */
export function wordTokenize(text: string, opts: WordTokenizerOptions = {}): string[] {
  const s = cleanStr(text, opts);
  return s === '' ? [] : s.split(' ');
}
