// The sweep view's state: counts of done / running / failed / finished-before runs and the ETA, from the
// coordinator's events at made-up times.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SweepProgressState, formatSeconds } from '../../src/experiments/sweep-progress.js';

const S = 1000; // ms

test('counts follow the events; a run interrupted or failed before it started is counted right', () => {
  const s = new SweepProgressState();
  s.apply({ type: 'start', total: 6, workers: 2 }, 0);
  s.apply({ type: 'skipped', id: 'a' }, 0);
  s.apply({ type: 'run-start', id: 'b' }, 0);
  s.apply({ type: 'run-start', id: 'c' }, 0);
  assert.deepEqual([s.done, s.failed, s.skipped, s.running.size, s.queued, s.finished], [0, 0, 1, 2, 3, 1]);
  s.apply({ type: 'run-end', id: 'b', status: 'done' }, 10 * S);
  s.apply({ type: 'run-end', id: 'c', status: 'failed' }, 12 * S);
  // a transfer run whose source failed: failed without starting
  s.apply({ type: 'run-end', id: 'd', status: 'failed' }, 12 * S);
  assert.deepEqual([s.done, s.failed, s.running.size, s.queued, s.finished], [1, 2, 0, 2, 4]);
  s.apply({ type: 'run-start', id: 'e' }, 12 * S);
  s.apply({ type: 'run-end', id: 'e', status: 'interrupted' }, 13 * S);
  assert.deepEqual([s.interrupted, s.running.size, s.queued, s.finished], [1, 0, 1, 4]);
  assert.equal(s.summary(13 * S).split(' · ').slice(0, 4).join(' · '), '2/6 done · 0 running · 2 failed · 1 before');
});

test('ETA: the mean run time for each queued run plus what running runs have left, over the workers', () => {
  const s = new SweepProgressState();
  s.apply({ type: 'start', total: 8, workers: 2 }, 0);
  assert.equal(s.eta(0), null, 'no estimate before a run has finished');
  assert.match(s.summary(0), /eta \?$/);
  s.apply({ type: 'run-start', id: 'r1' }, 0);
  s.apply({ type: 'run-start', id: 'r2' }, 0);
  s.apply({ type: 'run-end', id: 'r1', status: 'done' }, 40 * S);
  s.apply({ type: 'run-end', id: 'r2', status: 'done' }, 60 * S); // mean 50 s
  s.apply({ type: 'run-start', id: 'r3' }, 60 * S);
  s.apply({ type: 'run-start', id: 'r4' }, 60 * S);
  // at 80 s: r3 and r4 have 30 s left each; 4 queued × 50 s; 2 workers: (60 + 200) / 2
  assert.equal(s.eta(80 * S), 130);
  // a run slower than the mean counts as about to finish, never negative
  assert.equal(s.eta(200 * S), 100);
  // the last runs: parallelism is capped by the runs left (one run left on 2 workers is not twice as fast)
  const t = new SweepProgressState();
  t.apply({ type: 'start', total: 2, workers: 2 }, 0);
  t.apply({ type: 'run-start', id: 'a' }, 0);
  t.apply({ type: 'run-end', id: 'a', status: 'done' }, 30 * S);
  assert.equal(t.eta(30 * S), 30);
  assert.equal(t.summary(30 * S), '1/2 done · 0 running · 0 failed · eta 30s');
});

test('formatSeconds', () => {
  assert.equal(formatSeconds(44.6), '45s');
  assert.equal(formatSeconds(303), '5m 03s');
  assert.equal(formatSeconds(7620), '2h 07m');
  assert.equal(formatSeconds(-3), '0s');
});
