// BKI, Backdoor Keyword Identification (Chen & Dai, "Mitigating backdoor attacks in LSTM-based text
// classification systems by Backdoor Keyword Identification", Neurocomputing 2021; OpenBackdoor's
// bki_defender.py). On a model trained on the (possibly poisoned) training set, a word's importance in a
// sentence is how far deleting it moves the sentence representation (∞-norm); each sentence contributes its
// top 5 words; a word's score is its mean importance × log10(its count among those top words); the top word
// is taken as the backdoor keyword and every sentence with it among its top 5 is removed before retraining.
import type { Example } from '../data/types.js';
import type { TextClassifier } from '../models/classifier.js';
import { sentenceRepresenter, type RepresentationOptions } from './representations.js';

export interface BkiOptions extends RepresentationOptions {
  /** words kept per sentence (BKI: 5) */
  topK?: number;
}

export interface BkiResult {
  /** the identified backdoor keyword */
  keyword: string;
  /** its score, count and mean importance, and the runners-up */
  ranking: { word: string; score: number; count: number; mean: number }[];
  /** per training example: removed */
  removed: boolean[];
}

export async function bkiFilter(clf: TextClassifier, train: readonly Example[], opts: BkiOptions = {}): Promise<BkiResult> {
  const topK = opts.topK ?? 5;
  const stats = new Map<string, { n: number; sum: number }>();
  const tops: Set<string>[] = [];
  // sentences go through the victim in chunks: one batch holds every deletion variant of ~16 sentences
  const chunk = 16;
  const rep = await sentenceRepresenter(clf, opts);
  try {
    for (let c = 0; c < train.length; c += chunk) {
      const part = train.slice(c, c + chunk).map((ex) => ex.text.split(/\s+/).filter(Boolean));
      const variants = part.flatMap((words) => [words.join(' '), ...words.map((_, i) => [...words.slice(0, i), ...words.slice(i + 1)].join(' '))]);
      const reps = await rep.run(variants);
      let at = 0;
      for (const words of part) {
        const r0 = reps[at]!;
        const delta = words.map((_, i) => {
          const r = reps[at + 1 + i]!;
          let m = 0;
          for (let j = 0; j < r.length; j++) m = Math.max(m, Math.abs(r[j]! - r0[j]!));
          return m;
        });
        at += words.length + 1;
        const order = delta.map((d, i) => [d, i] as const).sort((a, b) => b[0] - a[0]).slice(0, topK);
        const top = new Set<string>();
        for (const [d, i] of order) {
          const w = words[i]!.toLowerCase();
          if (top.has(w)) continue;
          top.add(w);
          const s = stats.get(w) ?? { n: 0, sum: 0 };
          s.n++;
          s.sum += d;
          stats.set(w, s);
        }
        tops.push(top);
      }
    }
  } finally {
    await rep.dispose();
  }
  const ranking = [...stats.entries()]
    .map(([word, s]) => ({ word, count: s.n, mean: s.sum / s.n, score: Math.log10(s.n) * (s.sum / s.n) }))
    .sort((a, b) => b.score - a.score || (a.word < b.word ? -1 : 1));
  const keyword = ranking[0]?.word ?? '';
  return { keyword, ranking: ranking.slice(0, 10), removed: tops.map((t) => t.has(keyword)) };
}
