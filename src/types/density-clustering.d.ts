// Types of the parts of density-clustering (no types of its own) that defenses/cube.ts uses.
declare module 'density-clustering' {
  export class DBSCAN {
    run(dataset: number[][], epsilon: number, minPts: number): number[][];
    noise: number[];
  }
  const _default: { DBSCAN: typeof DBSCAN };
  export default _default;
}
