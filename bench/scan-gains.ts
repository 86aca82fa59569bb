// The classifier scan's slot gradients (slotGains: the phrase growth's, and the large profile's pre-ranked
// sweep) with and without the gains worker (src/defenses/scan/target.ts): a BERT classifier of the shipped
// bert-small's shape (random head and weights: the cost, not the values, is measured), one growth step's
// gradient batch (48 groups of 16 sequences of 12–40 pieces), through a target over the onnx classifier (as the
// scan runs it). The reference is the same call with every pass in this thread, measured in the same run; the
// line also says whether the two gave the same gains bit for bit.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initEngine } from '../src/engine/index.js';
import { BertForSequenceClassification, type BertConfig } from '../src/models/bert/index.js';
import { BertClassifier } from '../src/models/classifier.js';
import { WordPieceTokenizer } from '../src/text/wordpiece.js';
import { loadOnnxClassifier } from '../src/models/onnx/index.js';
import { scanTargetOf, SLOT } from '../src/defenses/scan/target.js';
import { Rng } from '../src/common/random.js';

export async function benchScanGains(groups = 48, perGroup = 16, repeats = 2): Promise<Record<string, unknown>> {
  const info = await initEngine();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-scan-gains-'));
  const saved = process.env['NLP_BACKDOOR_SCAN_WORKER'];
  try {
    const base = JSON.parse(fs.readFileSync('assets/bert-small/config.json', 'utf8')) as BertConfig;
    const model = new BertForSequenceClassification({ ...base, num_labels: 2 }, { seed: 1 });
    new BertClassifier(model, WordPieceTokenizer.fromDirectory('assets/bert-small')).save(tmp);
    model.dispose();
    const clf = await loadOnnxClassifier(tmp);
    const rng = new Rng(1);
    const seqs: number[][] = [];
    const group: number[] = [];
    for (let k = 0; k < groups; k++)
      for (let i = 0; i < perGroup; i++) {
        const body = Array.from({ length: 12 + rng.int(29) }, () => 1000 + rng.int(7000));
        body.splice(rng.int(body.length + 1), 0, SLOT);
        seqs.push([2, ...body, 3]);
        group.push(k);
      }
    const time = async (worker: '0' | '1') => {
      process.env['NLP_BACKDOOR_SCAN_WORKER'] = worker;
      const target = scanTargetOf(clf, tmp);
      // warm-up: the tfjs copy (and the worker) load on the first call
      await target.slotGains!(seqs.slice(0, 4 * perGroup), group.slice(0, 4 * perGroup), 4, 1);
      let best = Infinity;
      let gains: Float32Array = new Float32Array(0);
      for (let r = 0; r < repeats; r++) {
        const t0 = performance.now();
        gains = await target.slotGains!(seqs, group, groups, 1);
        best = Math.min(best, (performance.now() - t0) / 1000);
      }
      const passes = { ...target.gainsPasses! };
      await target.dispose!();
      return { s: best, gains, passes };
    };
    const here = await time('0');
    const shared = await time('1');
    let differ = 0;
    for (let i = 0; i < here.gains.length; i++) if (here.gains[i] !== shared.gains[i]) differ++;
    await clf.dispose();
    const n = groups * perGroup;
    return {
      bench: 'scan-gains',
      backend: info.backend,
      cores: os.availableParallelism(),
      sequences: n,
      with_worker_seq_per_s: +(n / shared.s).toFixed(1),
      ref_this_thread_seq_per_s: +(n / here.s).toFixed(1),
      ratio_vs_this_thread: +(here.s / shared.s).toFixed(3),
      passes_with_worker: shared.passes,
      gains_differing: differ,
    };
  } finally {
    if (saved === undefined) delete process.env['NLP_BACKDOOR_SCAN_WORKER'];
    else process.env['NLP_BACKDOOR_SCAN_WORKER'] = saved;
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
