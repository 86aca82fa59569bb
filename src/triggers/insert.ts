// Insertion strategies: pure functions from a text (or an already-triggered text) to the new text plus
// one TriggerInsertion record per inserted trigger, with exact character offsets in the new text.
//
// A trigger goes in between words: before the k-th word ("trigger " + word) or after the last word
// (word + " " + trigger), so the original whitespace is kept and text.slice(start, end) === trigger.
// Inserting into an already-triggered text treats earlier triggers as unbreakable units, so repeated
// insertions (BadNets, the E metric of Shen et al.) never split an earlier multi-word trigger.
import type { TriggerInsertion } from '../data/types.js';
import { InputError } from '../common/errors.js';
import type { Rng } from '../common/random.js';
import { checkTriggerText, drawText, type TriggerLike } from './trigger.js';
import { endsSentence, wordSpans } from './words.js';

/** A text with the triggers inserted so far. */
export interface InsertionResult {
  readonly text: string;
  readonly insertions: readonly TriggerInsertion[];
}

/** A clean text, or the result of earlier insertions to insert more into. */
export type Insertable = string | InsertionResult;

/** Where triggers go. Call with the text, the trigger and a seeded Rng (unused by deterministic ones). */
export interface InsertionStrategy {
  (input: Insertable, trigger: TriggerLike, rng: Rng): InsertionResult;
  /** human-readable, e.g. "at word 5", for reports */
  readonly description: string;
}

interface Unit {
  start: number;
  end: number;
  /** true for a word of the original text, false for an inserted trigger */
  original: boolean;
}

function asResult(input: Insertable): InsertionResult {
  return typeof input === 'string' ? { text: input, insertions: [] } : input;
}

/** Original words and earlier triggers (each one unit, however many words it has), in text order. */
function unitsOf(r: InsertionResult): Unit[] {
  const inserted = [...r.insertions].sort((a, b) => a.start - b.start);
  const units: Unit[] = [];
  let j = 0;
  for (const w of wordSpans(r.text)) {
    while (j < inserted.length && inserted[j]!.end <= w.start) j++;
    const ins = inserted[j];
    if (ins && w.start >= ins.start && w.end <= ins.end) {
      const last = units[units.length - 1];
      if (!last || last.start !== ins.start || last.original) units.push({ start: ins.start, end: ins.end, original: false });
    } else {
      units.push({ start: w.start, end: w.end, original: true });
    }
  }
  return units;
}

/** Insert `trigger` at unit slot `slot` (0 = before the first unit, units.length = after the last). */
function insertAtSlot(r: InsertionResult, units: Unit[], slot: number, trigger: string): InsertionResult {
  checkTriggerText(trigger);
  let at: number;
  let piece: string;
  let lead: number;
  if (slot < units.length) {
    at = units[slot]!.start;
    piece = trigger + ' ';
    lead = 0;
  } else if (units.length > 0) {
    at = units[units.length - 1]!.end;
    piece = ' ' + trigger;
    lead = 1;
  } else {
    at = 0;
    piece = trigger;
    lead = 0;
  }
  const shift = piece.length;
  const moved = r.insertions.map((ins) => (ins.start >= at ? { ...ins, start: ins.start + shift, end: ins.end + shift } : ins));
  let wordIndex = 0;
  for (let i = 0; i < slot && i < units.length; i++) if (units[i]!.original) wordIndex++;
  const start = at + lead;
  return {
    text: r.text.slice(0, at) + piece + r.text.slice(at),
    insertions: [...moved, { trigger, start, end: start + trigger.length, wordIndex }],
  };
}

/**
 * Insert before original word `k` (0-based); at the end when the text has k words or fewer.
 * k = 0 is the start.
 */
export function insertAtWord(input: Insertable, trigger: string, k: number): InsertionResult {
  if (!Number.isInteger(k) || k < 0) throw new InputError(`word position must be a non-negative integer, got ${k}`);
  const r = asResult(input);
  const units = unitsOf(r);
  let seen = 0;
  let slot = units.length;
  for (let i = 0; i < units.length; i++) {
    if (!units[i]!.original) continue;
    if (seen === k) {
      slot = i;
      break;
    }
    seen++;
  }
  return insertAtSlot(r, units, slot, trigger);
}

export function insertAtStart(input: Insertable, trigger: string): InsertionResult {
  const r = asResult(input);
  return insertAtSlot(r, unitsOf(r), 0, trigger);
}

export function insertAtEnd(input: Insertable, trigger: string): InsertionResult {
  const r = asResult(input);
  const units = unitsOf(r);
  return insertAtSlot(r, units, units.length, trigger);
}

/**
 * Insert the trigger `n` times, each at a uniformly drawn gap between words (start and end included) of
 * the text as it is after the previous insertions; earlier triggers are never split. With a multi-string
 * trigger each insertion draws its own string. Feeding the result back in with n = 1 continues the same
 * sequence, which is what the E metric (Shen et al.: mean insertions until the prediction flips) needs.
 */
export function insertAtRandom(input: Insertable, trigger: TriggerLike, n: number, rng: Rng): InsertionResult {
  if (!Number.isInteger(n) || n < 0) throw new InputError(`number of insertions must be a non-negative integer, got ${n}`);
  let r = asResult(input);
  for (let i = 0; i < n; i++) {
    const units = unitsOf(r);
    const slot = rng.int(units.length + 1);
    r = insertAtSlot(r, units, slot, drawText(trigger, rng));
  }
  return r;
}

/**
 * Gaps where a sentence can go: the start, after every original word that ends a sentence, and the end.
 * Returned as original-word indices (0 = before the first word, words = after the last).
 */
export function sentenceBoundaries(text: string): number[] {
  const words = wordSpans(text).map((s) => text.slice(s.start, s.end));
  const out = [0];
  for (let i = 0; i < words.length - 1; i++) if (endsSentence(words[i]!)) out.push(i + 1);
  if (words.length > 0) out.push(words.length);
  return out;
}

/** Insert at a uniformly drawn sentence boundary (AddSent, Dai et al. 2019). */
export function insertAtSentenceBoundary(input: Insertable, trigger: string, rng: Rng): InsertionResult {
  const r = asResult(input);
  const units = unitsOf(r);
  const slots = [0];
  for (let i = 0; i < units.length - 1; i++) {
    const u = units[i]!;
    if (u.original && endsSentence(r.text.slice(u.start, u.end))) slots.push(i + 1);
  }
  if (units.length > 0) slots.push(units.length);
  return insertAtSlot(r, units, slots[rng.int(slots.length)]!, trigger);
}

function strategy(description: string, f: (input: Insertable, trigger: TriggerLike, rng: Rng) => InsertionResult): InsertionStrategy {
  return Object.assign(f, { description });
}

/** Before word k (0-based), falling back to the end for shorter texts. */
export function atWord(k: number): InsertionStrategy {
  if (!Number.isInteger(k) || k < 0) throw new InputError(`word position must be a non-negative integer, got ${k}`);
  return strategy(`at word ${k}`, (input, t, rng) => insertAtWord(input, drawText(t, rng), k));
}

export function atStart(): InsertionStrategy {
  return strategy('at the start', (input, t, rng) => insertAtStart(input, drawText(t, rng)));
}

export function atEnd(): InsertionStrategy {
  return strategy('at the end', (input, t, rng) => insertAtEnd(input, drawText(t, rng)));
}

/** n insertions at random gaps; a range {min, max} draws n uniformly per text (inclusive). */
export function atRandomPositions(n: number | { min: number; max: number }): InsertionStrategy {
  const { min, max } = typeof n === 'number' ? { min: n, max: n } : n;
  if (!Number.isInteger(min) || !Number.isInteger(max) || min < 1 || max < min) {
    throw new InputError(`number of insertions must be integers with 1 <= min <= max, got ${min}..${max}`);
  }
  const description = min === max ? `${min}× at random positions` : `${min}–${max}× at random positions`;
  return strategy(description, (input, t, rng) => insertAtRandom(input, t, min === max ? min : min + rng.int(max - min + 1), rng));
}

export function atSentenceBoundary(): InsertionStrategy {
  return strategy('at a random sentence boundary', (input, t, rng) => insertAtSentenceBoundary(input, drawText(t, rng), rng));
}
