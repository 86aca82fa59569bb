// CUBE (Cui et al., "A Unified Evaluation of Textual Backdoor Learning: Frameworks and Benchmarks",
// NeurIPS'22 Datasets & Benchmarks, §5; OpenBackdoor's cube_defender.py): represent every training example
// with a model trained on the (possibly poisoned) training set, reduce (PCA to 20 dimensions, then UMAP to 2
// with min_dist 0), cluster by density, and within each label drop every cluster smaller than half of that
// label's examples: poisoned examples, which the backdoor maps to one spot of the target label, form their
// own small cluster.
//
// Differences from OpenBackdoor: DBSCAN (density-clustering) instead of HDBSCAN (hdbscan-ts, the npm port,
// took 85 s on 1,000 points and split two clear blobs into ten clusters), with eps set from the data (the
// median distance to the minPts-th neighbour × 2, UMAP's min_dist 0 packs clusters tightly); noise points
// join the cluster of their nearest clustered point instead of forming a group of their own (which the
// half-of-the-label rule would drop whole). UMAP's n_neighbors is 15 (umap-learn's default) instead of 100,
// for time on CPU.
import { PCA } from 'ml-pca';
import { UMAP } from 'umap-js';
import DensityClustering from 'density-clustering';
import type { Example } from '../data/types.js';
import type { TextClassifier } from '../models/classifier.js';
import { Rng } from '../common/random.js';
import { representations, type RepresentationOptions } from './representations.js';

export interface CubeOptions extends RepresentationOptions {
  pcaDims?: number;
  neighbors?: number;
  /** DBSCAN's minPts (default 10) */
  minPts?: number;
  seed?: number;
}

export interface CubeResult {
  removed: boolean[];
  /** cluster of each example after noise assignment */
  clusters: number[];
  /** per label: cluster sizes, and which clusters were dropped */
  perLabel: { label: number; sizes: Record<string, number>; dropped: number[] }[];
  eps: number;
}

const dist2 = (a: readonly number[], b: readonly number[]) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return s;
};

/** 2-D embedding of the representations: PCA, then UMAP (seeded). */
export function reduce(reps: Float32Array[], opts: CubeOptions = {}): number[][] {
  const rows = reps.map((r) => Array.from(r));
  const dims = Math.min(opts.pcaDims ?? 20, rows[0]!.length, rows.length - 1);
  const pca = new PCA(rows);
  const projected = pca.predict(rows, { nComponents: dims }).to2DArray();
  const rng = new Rng(opts.seed ?? 1).fork('umap');
  const umap = new UMAP({ nComponents: 2, nNeighbors: Math.min(opts.neighbors ?? 15, rows.length - 1), minDist: 0, random: () => rng.next() });
  return umap.fit(projected);
}

/** DBSCAN with eps from the data; noise points join their nearest clustered point's cluster. */
export function densityClusters(points: number[][], minPts = 10): { clusters: number[]; eps: number } {
  const n = points.length;
  const kth: number[] = [];
  for (let i = 0; i < n; i++) {
    const d = points.map((p) => dist2(points[i]!, p)).sort((a, b) => a - b);
    kth.push(Math.sqrt(d[Math.min(minPts, n - 1)]!));
  }
  kth.sort((a, b) => a - b);
  const eps = 2 * kth[Math.floor(n / 2)]!;
  const db = new DensityClustering.DBSCAN();
  const found: number[][] = db.run(points, eps, minPts);
  const clusters = new Array<number>(n).fill(-1);
  found.forEach((members, c) => members.forEach((i) => (clusters[i] = c)));
  const clustered = clusters.flatMap((c, i) => (c >= 0 ? [i] : []));
  for (let i = 0; i < n; i++) {
    if (clusters[i]! >= 0) continue;
    if (clustered.length === 0) {
      clusters[i] = 0;
      continue;
    }
    let best = clustered[0]!;
    for (const j of clustered) if (dist2(points[i]!, points[j]!) < dist2(points[i]!, points[best]!)) best = j;
    clusters[i] = clusters[best]!;
  }
  return { clusters, eps };
}

export async function cubeFilter(clf: TextClassifier, train: readonly Example[], opts: CubeOptions = {}): Promise<CubeResult> {
  const reps = await representations(clf, train.map((e) => e.text), opts);
  const pts = reduce(reps, opts);
  const { clusters, eps } = densityClusters(pts, opts.minPts ?? 10);
  const removed = new Array<boolean>(train.length).fill(false);
  const perLabel: CubeResult['perLabel'] = [];
  for (const label of [...new Set(train.map((e) => e.label))].sort((a, b) => a - b)) {
    const idx = train.flatMap((e, i) => (e.label === label ? [i] : []));
    const sizes = new Map<number, number>();
    for (const i of idx) sizes.set(clusters[i]!, (sizes.get(clusters[i]!) ?? 0) + 1);
    const largest = [...sizes.entries()].sort((a, b) => b[1] - a[1])[0]![0];
    // OpenBackdoor's rule: every cluster but the largest with fewer than half of the label's examples goes
    const dropped = [...sizes.entries()].filter(([c, s]) => c !== largest && s < 0.5 * idx.length).map(([c]) => c);
    for (const i of idx) if (dropped.includes(clusters[i]!)) removed[i] = true;
    perLabel.push({ label, sizes: Object.fromEntries([...sizes.entries()].map(([c, s]) => [String(c), s])), dropped });
  }
  return { removed, clusters, perLabel, eps };
}
