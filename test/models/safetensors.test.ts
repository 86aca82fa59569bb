import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  f16ToF32,
  f32ToBf16,
  f32ToF16,
  parseSafetensors,
  readSafetensors,
  readSafetensorsHeader,
  SafetensorsError,
  serializeSafetensors,
  writeSafetensors,
} from '../../src/models/safetensors.js';
import { Rng } from '../../src/common/random.js';

const tmpDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'st-test-'));
const concat = (chunks: Uint8Array[]) => new Uint8Array(Buffer.concat(chunks));

/** A file made by hand: 8-byte length, header JSON (padded to 8), buffer bytes. */
function handMade(header: unknown, bufBytes: number, rawHeader?: string): Uint8Array {
  let h = Buffer.from(rawHeader ?? JSON.stringify(header));
  h = Buffer.concat([h, Buffer.alloc((8 - (h.length % 8)) % 8, 0x20)]);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(h.length));
  return new Uint8Array(Buffer.concat([len, h, Buffer.alloc(bufBytes)]));
}

test('round trip: every writable dtype, metadata, atomic write', () => {
  const dir = tmpDir();
  const f = path.join(dir, 'm.safetensors');
  writeSafetensors(
    f,
    {
      'a.weight': { dtype: 'F32', shape: [2, 3], data: new Float32Array([1, -2, 3.5, 0, 1e-8, -1e30]) },
      half: { dtype: 'F16', shape: [4], data: [1, 0.1, -65504, 1e-7] },
      bf: { dtype: 'BF16', shape: [2], data: [1.5, -3.140625] },
      ids: { dtype: 'I64', shape: [3], data: [0, -5, 2147483647] },
      i32: { dtype: 'I32', shape: [1, 2], data: new Int32Array([7, -7]) },
      u8: { dtype: 'U8', shape: [2], data: [0, 255] },
      empty: { dtype: 'F32', shape: [0, 4], data: [] },
      scalar: { dtype: 'F32', shape: [], data: [42] },
    },
    { format: 'pt', note: 'x' },
  );
  assert.deepEqual(fs.readdirSync(dir), ['m.safetensors'], 'no temporary file left behind');
  const raw = fs.readFileSync(f);
  const hl = Number(raw.readBigUInt64LE(0));
  assert.equal(hl % 8, 0, 'header padded to 8 bytes');
  assert.match(raw.subarray(8, 8 + hl).toString(), /^\{"__metadata__":\{"format":"pt","note":"x"\},"ids":\{"dtype":"I64"/);
  assert.match(raw.subarray(8, 8 + hl).toString(), / *$/);
  const { tensors, metadata } = readSafetensors(f);
  assert.deepEqual(metadata, { format: 'pt', note: 'x' });
  const a = tensors.get('a.weight')!;
  assert.equal(a.dtype, 'F32');
  assert.deepEqual(a.shape, [2, 3]);
  assert.deepEqual(Array.from(a.data as Float32Array), Array.from(new Float32Array([1, -2, 3.5, 0, 1e-8, -1e30])));
  const half = tensors.get('half')!;
  assert.ok(half.data instanceof Float32Array);
  assert.equal(half.data[0], 1);
  assert.equal(half.data[1], 0.0999755859375); // nearest half to 0.1
  assert.equal(half.data[2], -65504);
  assert.equal(half.data[3], 2 ** -24 * 2); // 1e-7 rounds to the subnormal 2 * 2^-24 (1.19e-7)
  assert.deepEqual(Array.from(tensors.get('bf')!.data as Float32Array), [1.5, -3.140625]);
  const ids = tensors.get('ids')!;
  assert.ok(ids.data instanceof Int32Array);
  assert.deepEqual(Array.from(ids.data), [0, -5, 2147483647]);
  assert.deepEqual(Array.from(tensors.get('i32')!.data as Int32Array), [7, -7]);
  assert.deepEqual(Array.from(tensors.get('u8')!.data as Uint8Array), [0, 255]);
  assert.deepEqual(tensors.get('empty')!.shape, [0, 4]);
  assert.equal(tensors.get('empty')!.data.length, 0);
  assert.deepEqual(tensors.get('scalar')!.shape, []);
  assert.equal(tensors.get('scalar')!.data[0], 42);
  // bigint mode and header-only read
  const big = readSafetensors(f, { int64: 'bigint' }).tensors.get('ids')!.data;
  assert.ok(big instanceof BigInt64Array);
  assert.deepEqual(Array.from(big as BigInt64Array), [0n, -5n, 2147483647n]);
  const h = readSafetensorsHeader(f);
  assert.equal(h.entries.get('a.weight')!.end - h.entries.get('a.weight')!.begin, 24);
  assert.equal(readSafetensors(f, { filter: (n) => n === 'u8' }).tensors.size, 1);
  fs.rmSync(dir, { recursive: true });
});

test('I64 values outside int32 are an error unless read as bigint', () => {
  const bytes = concat(serializeSafetensors({ x: { dtype: 'I64', shape: [2], data: new BigInt64Array([1n, 1n << 40n]) } }));
  assert.throws(() => parseSafetensors(bytes, 'big.safetensors'), /big\.safetensors.*does not fit in int32/);
  assert.deepEqual(Array.from(parseSafetensors(bytes, 'x', { int64: 'bigint' }).tensors.get('x')!.data as BigInt64Array), [1n, 1n << 40n]);
});

test('float16 conversion: exhaustive round trip and ties to even', () => {
  for (let h = 0; h < 65536; h++) {
    const v = f16ToF32(h);
    if (Number.isNaN(v)) {
      assert.ok(Number.isNaN(f16ToF32(f32ToF16(v))));
      continue;
    }
    assert.equal(f32ToF16(v), h, `half ${h.toString(16)}`);
    // the midpoint to the next half rounds to the even one of the two
    if ((h & 0x7fff) < 0x7bff) {
      const next = f16ToF32(h + 1);
      const mid = (v + next) / 2;
      if (Math.fround(mid) === mid) assert.equal(f32ToF16(mid), h & 1 ? h + 1 : h, `tie at ${h.toString(16)}`);
    }
  }
  assert.equal(f32ToF16(65520), 0x7c00); // rounds to infinity
  assert.equal(f32ToF16(65519), 0x7bff);
  assert.equal(f32ToF16(-1e-9), 0x8000);
  assert.equal(f32ToBf16(1 + 2 ** -8), 0x3f80); // tie -> even
  assert.equal(f32ToBf16(1 + 3 * 2 ** -8), 0x3f82);
});

test('malformed headers: each is a SafetensorsError naming the file and the problem', () => {
  const ok = { w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } };
  const cases: [string, Uint8Array, RegExp][] = [
    ['short', new Uint8Array(5), /shorter than the 8-byte/],
    ['huge header length', (() => { const b = handMade(ok, 8); new DataView(b.buffer).setBigUint64(0, 2n ** 63n, true); return b; })(), /exceeds the limit/],
    ['header past eof', (() => { const b = handMade(ok, 8); new DataView(b.buffer).setBigUint64(0, 1000n, true); return b; })(), /exceeds the file size/],
    ['not json', handMade(null, 0, '{"w": '), /not valid JSON/],
    ['not object', handMade(null, 0, '[1, 2]'), /does not start with/],
    ['bad utf8', (() => { const b = handMade(null, 0, '{"\u00e9":1}'); b[10] = 0xff; return b; })(), /UTF-8/],
    ['unknown dtype', handMade({ w: { dtype: 'F128', shape: [2], data_offsets: [0, 8] } }, 8), /unknown dtype/],
    ['negative dim', handMade({ w: { dtype: 'F32', shape: [-2], data_offsets: [0, 8] } }, 8), /non-negative integer/],
    ['fractional dim', handMade({ w: { dtype: 'F32', shape: [2.5], data_offsets: [0, 8] } }, 8), /non-negative integer/],
    ['string dim', handMade({ w: { dtype: 'F32', shape: ['2'], data_offsets: [0, 8] } }, 8), /non-negative integer/],
    ['huge shape', handMade({ w: { dtype: 'F32', shape: [1e9, 1e9, 1e9], data_offsets: [0, 8] } }, 8), /too many elements/],
    ['huge shape, consistent offsets', handMade({ w: { dtype: 'U8', shape: [1e12], data_offsets: [0, 1e12] } }, 8), /past the end/],
    ['size mismatch', handMade({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, 8), /needs 12/],
    ['offsets past end', handMade({ w: { dtype: 'F32', shape: [2], data_offsets: [8, 16] } }, 8), /past the end/],
    ['reversed offsets', handMade({ w: { dtype: 'F32', shape: [2], data_offsets: [8, 0] } }, 8), /end 0 < begin 8/],
    ['negative offset', handMade({ w: { dtype: 'F32', shape: [2], data_offsets: [-8, 0] } }, 8), /non-negative integers/],
    ['offsets not a pair', handMade({ w: { dtype: 'F32', shape: [2], data_offsets: [0] } }, 8), /not a pair/],
    ['overlap', handMade({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, 8), /overlaps/],
    ['gap', handMade({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] } }, 12), /gap/],
    ['trailing bytes', handMade(ok, 16), /cover 8 bytes but the byte buffer has 16/],
    ['metadata not strings', handMade({ __metadata__: { a: 1 } }, 0), /not a string/],
    ['metadata not object', handMade({ __metadata__: 'x' }, 0), /not an object/],
    ['entry not object', handMade({ w: 3 }, 0), /not an object/],
    ['proto key', handMade({ __proto__: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, 8, '{"__proto__":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}'), /needs 12/],
  ];
  for (const [what, bytes, re] of cases) {
    assert.throws(
      () => parseSafetensors(bytes, `evil-${what}.safetensors`),
      (e: unknown) => e instanceof SafetensorsError && e.message.includes(`evil-${what}.safetensors`) && re.test(e.message),
      what,
    );
  }
  // the same through the file reader
  const dir = tmpDir();
  const f = path.join(dir, 'evil.safetensors');
  fs.writeFileSync(f, cases[2]![1]);
  assert.throws(() => readSafetensors(f), /evil\.safetensors: invalid safetensors file: header length 1000 exceeds the file size/);
  assert.throws(() => readSafetensors(path.join(dir, 'missing.safetensors')), /missing\.safetensors: cannot open/);
  fs.rmSync(dir, { recursive: true });
  // the size limit applies before anything is allocated
  assert.throws(() => parseSafetensors(handMade(ok, 8), 'x', { maxBytes: 4 }), /exceeds the limit of 4/);
});

test('fuzz: byte flips and truncations give either a valid parse or a SafetensorsError', () => {
  const rng = new Rng(1234);
  const valid = concat(
    serializeSafetensors(
      {
        'bert.embeddings.word_embeddings.weight': { dtype: 'F32', shape: [5, 3], data: Array.from({ length: 15 }, (_, i) => i / 7) },
        'x.bias': { dtype: 'F16', shape: [3], data: [1, 2, 3] },
        ids: { dtype: 'I64', shape: [2], data: [3, 4] },
        m: { dtype: 'U8', shape: [3], data: [1, 0, 1] },
      },
      { format: 'pt' },
    ),
  );
  const hl = Number(new DataView(valid.buffer).getBigUint64(0, true));
  let parsed = 0;
  let rejected = 0;
  for (let it = 0; it < 3000; it++) {
    let b = valid.slice();
    const kind = rng.int(4);
    if (kind === 0) {
      // flip 1..4 random bytes anywhere
      for (let k = 1 + rng.int(4); k > 0; k--) b[rng.int(b.length)] = rng.int(256);
    } else if (kind === 1) {
      // flips concentrated in the length and header (where parsing decisions are made)
      for (let k = 1 + rng.int(3); k > 0; k--) b[rng.int(8 + hl)] ^= 1 << rng.int(8);
    } else if (kind === 2) {
      b = b.slice(0, rng.int(b.length));
    } else {
      // replace a digit in the header with another digit (keeps the JSON valid, changes shapes/offsets)
      const digits: number[] = [];
      for (let i = 8; i < 8 + hl; i++) if (b[i]! >= 0x30 && b[i]! <= 0x39) digits.push(i);
      b[digits[rng.int(digits.length)]!] = 0x30 + rng.int(10);
    }
    try {
      const r = parseSafetensors(b, 'fuzz.safetensors', { maxBytes: 1 << 20 });
      // a successful parse must be self-consistent
      for (const [, t] of r.tensors) assert.equal(t.data.length, t.shape.reduce((x, y) => x * y, 1));
      parsed++;
    } catch (e) {
      assert.ok(e instanceof SafetensorsError, `unexpected ${String(e)}`);
      assert.match((e as Error).message, /^fuzz\.safetensors: invalid safetensors file: /);
      rejected++;
    }
  }
  assert.ok(parsed > 100 && rejected > 100, `parsed ${parsed}, rejected ${rejected}`);
});
