import type { Dataset, Example } from '../../src/data/types.js';

/** 40 binary examples (labels alternate neg/pos), several with more than one sentence. */
export function binaryExamples(n = 40): Example[] {
  return Array.from({ length: n }, (_, i) => ({
    text: i % 3 === 0 ? `review ${i} starts here. it goes on for a while! then ends` : `review number ${i} is short`,
    label: i % 2,
    source: `fixture:${i + 1}`,
  }));
}

export const BINARY_NAMES = ['neg', 'pos'];

export function binaryDataset(): Dataset {
  const all = binaryExamples(60);
  return {
    name: 'fixture',
    labelNames: BINARY_NAMES,
    train: all.slice(0, 40),
    dev: all.slice(40, 50),
    test: all.slice(50),
    split: { method: 'given', sizes: { train: 40, dev: 10, test: 10 } },
  };
}

/** 30 examples over 3 labels. */
export function threeClassExamples(): Example[] {
  return Array.from({ length: 30 }, (_, i) => ({ text: `question ${i} about something`, label: i % 3 }));
}

export function checkTriggers(e: Example): void {
  if (!e.triggers || e.triggers.length === 0) throw new Error(`poisoned example without trigger records: ${e.text}`);
  for (const t of e.triggers) {
    if (e.text.slice(t.start, t.end) !== t.trigger) throw new Error(`record ${JSON.stringify(t)} does not point at its trigger in ${e.text}`);
  }
}
