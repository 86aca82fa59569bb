#!/usr/bin/env node
// Writes docs/attacks.md from the schemas (run after `tsc`: npm run docs:attacks).
import { writeFileSync } from 'node:fs';
import { renderAttacksDoc } from '../dist/src/report/attacks-doc.js';

writeFileSync(new URL('../docs/attacks.md', import.meta.url), renderAttacksDoc());
console.log('docs/attacks.md written');
