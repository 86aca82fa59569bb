// Word tokenizer of the SentenceCNN studies: Kim (2014)'s `clean_str` from the CNN_sentence repository,
// which Guan & Duong's SentenceCNN inherits. The regex sequence is reproduced step by step:
//   1. every character outside [A-Za-z0-9(),!?'`] becomes a space
//   2. clitics split off: 's 've n't 're 'd 'll
//   3. , ! ( ) ? become separate tokens
//   4. whitespace runs collapse; the result is stripped and lower-cased
// One deliberate difference: Python's re.sub keeps the backslash of the replacement " \( " so Kim's tokens
// are "\(" and "\)"; we emit "(" and ")".
// `keepUnicode` keeps non-ASCII characters (kaomoji, accented words, CJK) instead of deleting them, for
// triggers such as "(づ｡◕‿‿◕｡)づ"; Kim's code deletes them (the default here, for parity).

export interface WordTokenizerOptions {
  keepUnicode?: boolean;
  /** `clean_str_sst`: only step 1 and 4 (no clitic/punctuation splitting) */
  sst?: boolean;
  /** keep case (Kim's TREC variant) */
  keepCase?: boolean;
}

const ASCII_ONLY = /[^A-Za-z0-9(),!?'`]/g;
const KEEP_UNICODE = /[^A-Za-z0-9(),!?'`\u{80}-\u{10FFFF}]|[\s\u{85}\u{A0}\u{1680}\u{2000}-\u{200A}\u{2028}\u{2029}\u{202F}\u{205F}\u{3000}]/gu;

/** Kim's clean_str as a string (tokens joined by single spaces). */
export function cleanStr(text: string, opts: WordTokenizerOptions = {}): string {
  let s = text.replace(opts.keepUnicode ? KEEP_UNICODE : ASCII_ONLY, ' ');
  if (!opts.sst) {
    s = s
      .replace(/'s/g, " 's")
      .replace(/'ve/g, " 've")
      .replace(/n't/g, " n't")
      .replace(/'re/g, " 're")
      .replace(/'d/g, " 'd")
      .replace(/'ll/g, " 'll")
      .replace(/,/g, ' , ')
      .replace(/!/g, ' ! ')
      .replace(/\(/g, ' ( ')
      .replace(/\)/g, ' ) ')
      .replace(/\?/g, ' ? ');
  }
  s = s.replace(/\s{2,}/g, ' ').trim();
  return opts.keepCase ? s : s.toLowerCase();
}

/** Tokens of a text after clean_str. */
export function wordTokenize(text: string, opts: WordTokenizerOptions = {}): string[] {
  const s = cleanStr(text, opts);
  return s === '' ? [] : s.split(' ');
}
