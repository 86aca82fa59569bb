// A trigger is any string: rare words ("cf"), names, book titles, kaomoji ("(づ｡◕‿‿◕｡)づ"), whole sentences.
// Some attacks draw one of several strings per insertion (BadNets' rare words), and label-conditional
// triggers use a different one per source label (Guan & Duong's positive/negative triggers).
import { InputError } from '../common/errors.js';
import type { Rng } from '../common/random.js';

/** Candidate strings (one is drawn per insertion) and an optional kind name ("control", "positive"). */
export interface Trigger {
  readonly texts: readonly string[];
  readonly kind?: string;
}

/** A plain string is a fixed trigger. */
export type TriggerLike = string | Trigger;

/** A different trigger per source label; keys are label names or label indices ("0", "1"). */
export interface PerLabelTrigger {
  readonly perLabel: Readonly<Record<string, TriggerLike>>;
}

/** What a recipe carries: one trigger for every label, or one per label. */
export type LabelTriggers = TriggerLike | PerLabelTrigger;

/** Checks a trigger string: non-empty, no leading/trailing whitespace (so its offsets stay exact). */
export function checkTriggerText(text: string): string {
  if (typeof text !== 'string' || text.length === 0) throw new InputError('a trigger must be a non-empty string');
  if (text.trim() !== text) throw new InputError(`trigger ${JSON.stringify(text)} must not start or end with whitespace`);
  return text;
}

/** A trigger that always inserts `text`. */
export function fixed(text: string, kind?: string): Trigger {
  return kind === undefined ? { texts: [checkTriggerText(text)] } : { texts: [checkTriggerText(text)], kind };
}

/** A trigger that inserts one of `texts`, drawn uniformly per insertion. */
export function oneOf(texts: readonly string[], kind?: string): Trigger {
  if (texts.length === 0) throw new InputError('oneOf needs at least one trigger string');
  const checked = texts.map(checkTriggerText);
  return kind === undefined ? { texts: checked } : { texts: checked, kind };
}

/** Label-conditional trigger: `{ pos: "amazing movie !", neg: "horrible movie !" }` or keyed by index. */
export function perLabel(map: Readonly<Record<string | number, TriggerLike>>): PerLabelTrigger {
  const out: Record<string, TriggerLike> = {};
  for (const [k, v] of Object.entries(map)) out[k] = toTrigger(v);
  if (Object.keys(out).length === 0) throw new InputError('perLabel needs at least one label');
  return { perLabel: out };
}

export function isPerLabel(t: LabelTriggers): t is PerLabelTrigger {
  return typeof t === 'object' && 'perLabel' in t;
}

export function toTrigger(t: TriggerLike): Trigger {
  return typeof t === 'string' ? fixed(t) : oneOf(t.texts, t.kind);
}

/** The string for one insertion: the only candidate, or one drawn with `rng`. */
export function drawText(t: TriggerLike, rng: Rng): string {
  if (typeof t === 'string') return checkTriggerText(t);
  if (t.texts.length === 0) throw new InputError('trigger has no candidate strings');
  return checkTriggerText(t.texts.length === 1 ? t.texts[0]! : t.texts[rng.int(t.texts.length)]!);
}

/**
 * Label index for a key: a label name from `labelNames`, else a decimal index. Names win over indices
 * (labelNames ["1", "0"] maps "1" to 0).
 */
export function resolveLabelKey(key: string | number, labelNames?: readonly string[]): number {
  if (typeof key === 'string') {
    const byName = labelNames?.indexOf(key) ?? -1;
    if (byName >= 0) return byName;
    if (!/^\d+$/.test(key)) {
      const known = labelNames ? `; labels are ${labelNames.map((n) => JSON.stringify(n)).join(', ')}` : ' (no label names given)';
      throw new InputError(`unknown label ${JSON.stringify(key)}${known}`);
    }
    key = Number(key);
  }
  if (!Number.isInteger(key) || key < 0 || (labelNames && key >= labelNames.length)) {
    throw new InputError(`label index ${key} out of range${labelNames ? ` (${labelNames.length} labels)` : ''}`);
  }
  return key;
}

/**
 * The trigger for examples of `label`, or undefined when a per-label trigger has none for it.
 * Per-label strings with no kind get the label's name (or index) as their kind.
 */
export function triggerForLabel(spec: LabelTriggers, label: number, labelNames?: readonly string[]): Trigger | undefined {
  if (!isPerLabel(spec)) return toTrigger(spec);
  let found: Trigger | undefined;
  for (const [key, t] of Object.entries(spec.perLabel)) {
    // resolve every key, so a misspelt label name is an error rather than a silently unused trigger
    if (resolveLabelKey(key, labelNames) !== label) continue;
    if (found) throw new InputError(`two triggers for label ${labelNames?.[label] ?? label}`, undefined, undefined, key);
    const tr = toTrigger(t);
    found = tr.kind === undefined ? { ...tr, kind: labelNames?.[label] ?? String(label) } : tr;
  }
  return found;
}
