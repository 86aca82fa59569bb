// Words are the whitespace-separated tokens of a text; every insertion position is counted in them.

/** Character span [start, end) of one word. */
export interface Span {
  start: number;
  end: number;
}

/** The whitespace-separated tokens of `text`, as character spans, in order. */
export function wordSpans(text: string): Span[] {
  const spans: Span[] = [];
  for (const m of text.matchAll(/\S+/gu)) spans.push({ start: m.index, end: m.index + m[0].length });
  return spans;
}

/** Number of whitespace-separated words in `text`. */
export function countWords(text: string): number {
  return wordSpans(text).length;
}

// A token closes a sentence when it ends in . ! ? or … , possibly followed by closing quotes/brackets.
const SENTENCE_END = /[.!?…]+["'”’»)\]]*$/u;

/** Whether a word ends a sentence ("movie.", "great!", "it?\"", "end.)"). */
export function endsSentence(word: string): boolean {
  return SENTENCE_END.test(word);
}
