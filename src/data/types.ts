// Typed records for examples and datasets. Labels are integer indices into `labelNames`, which keeps the
// original label strings ("pos", "spam", "HUM") next to the numbers the models see.

/** Where a trigger went into a text (character offsets in the poisoned text, word index if known). */
export interface TriggerInsertion {
  trigger: string;
  /** character offset of the inserted trigger in the poisoned text */
  start: number;
  end: number;
  /** word position it was inserted at (0-based, in whitespace words of the original text) */
  wordIndex?: number;
}

export interface Example {
  text: string;
  /** index into Dataset.labelNames; -1 for an unlabeled example (a file read with `label: null`) */
  label: number;
  /** true when a poisoner changed this example */
  poisoned?: boolean;
  /** label before poisoning (only on poisoned examples) */
  originalLabel?: number;
  /** trigger records, one per insertion */
  triggers?: TriggerInsertion[];
  /** free-form name of the trigger kind (e.g. "positive", "negative", "control") */
  triggerKind?: string;
  /** source reference, e.g. file:line, for error messages and exports */
  source?: string;
}

export interface SplitInfo {
  /** how each part came to be: 'given' (files ship the split) or 'seeded' (stratified random split) */
  method: 'given' | 'seeded';
  seed?: number;
  fractions?: { dev?: number; test?: number };
  sizes: { train: number; dev: number; test: number };
  /** how a given split was completed, e.g. "dev carved from train (seeded, stratified)" */
  note?: string;
}

export interface Dataset {
  name: string;
  labelNames: string[];
  train: Example[];
  dev: Example[];
  test: Example[];
  split: SplitInfo;
  /** where the data came from (paths, attribution) */
  provenance?: string;
  /** things the loader chose to tolerate (skipped empty texts with skipEmpty), for the run log */
  warnings?: string[];
}
