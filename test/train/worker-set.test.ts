// WorkerSet: requests answered by id, and the workers kept referenced while any request waits, so that a second
// request still waiting when the first is answered is not left with an empty event loop (the process would end
// without its answer: the encoder scan's gains worker keeps two passes in flight).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkerSet } from '../../src/train/worker-set.js';

const ECHO = new URL('./worker-set-echo.js', import.meta.url);

test('two requests in flight: both answered, the later one after the earlier one', async () => {
  const set = await WorkerSet.start<{ echo: number }>(ECHO, 1, () => null, 'echo');
  try {
    const order: string[] = [];
    const slow = set.all((_, id) => ({ id, ms: 400 })).then((r) => (order.push('slow'), r[0]!));
    const fast = set.all((_, id) => ({ id, ms: 50 })).then((r) => (order.push('fast'), r[0]!));
    const [a, b] = await Promise.all([slow, fast]);
    assert.equal(a.echo, a.id);
    assert.equal(b.echo, b.id);
    assert.notEqual(a.id, b.id);
    assert.deepEqual(order, ['fast', 'slow']);
  } finally {
    await set.dispose();
  }
});

test('a disposed set refuses requests', async () => {
  const set = await WorkerSet.start<{ echo: number }>(ECHO, 1, () => null, 'echo');
  await set.dispose();
  assert.throws(() => set.check(), /disposed/);
});
