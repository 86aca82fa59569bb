#!/usr/bin/env node
// Copies the datasets the package ships (MR, SST-2 sentence splits) from a data folder laid out like the
// project's shared/data into assets/data/, byte for byte with their PROVENANCE.txt, and checks each file
// against the sha256 its PROVENANCE lists, so a shipped copy is provably the original release.
//   node scripts/ship-data.mjs [SOURCE_DIR]     (default: ../shared/data from the package root)
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const source = resolve(process.argv[2] ?? join(root, '..', 'shared', 'data'));
const SHIPPED = {
  mr_rt_polarity: ['rt-polarity.pos', 'rt-polarity.neg'],
  sst2_sentence: ['train.tsv', 'dev.tsv', 'test.tsv'],
};

/** file name -> sha256 from lines like "  train.tsv  745777 bytes  sha256=601d..." */
function listedHashes(provenance) {
  const out = new Map();
  for (const m of provenance.matchAll(/^\s*(\S+)\s+\d+ bytes\s+sha256=([0-9a-f]{64})/gm)) out.set(m[1], m[2]);
  return out;
}

let failed = false;
for (const [folder, files] of Object.entries(SHIPPED)) {
  const from = join(source, folder);
  const to = join(root, 'assets', 'data', folder);
  const provPath = join(from, 'PROVENANCE.txt');
  if (!existsSync(provPath)) {
    console.error(`missing ${provPath}`);
    process.exit(1);
  }
  const hashes = listedHashes(readFileSync(provPath, 'utf8'));
  mkdirSync(to, { recursive: true });
  for (const f of files) {
    const bytes = readFileSync(join(from, f));
    const got = createHash('sha256').update(bytes).digest('hex');
    const want = hashes.get(f);
    if (want && want !== got) {
      console.error(`${folder}/${f}: sha256 ${got} differs from PROVENANCE ${want}; not copied`);
      failed = true;
      continue;
    }
    copyFileSync(join(from, f), join(to, f));
    // the source may be read-only; the copy is a package file a later run must be able to replace
    chmodSync(join(to, f), 0o644);
    console.log(`${folder}/${f}  ${bytes.length} bytes  sha256=${got}${want ? '  (matches PROVENANCE)' : '  (not listed in PROVENANCE)'}`);
  }
  copyFileSync(provPath, join(to, 'PROVENANCE.txt'));
  chmodSync(join(to, 'PROVENANCE.txt'), 0o644);
}
process.exit(failed ? 1 : 0);
