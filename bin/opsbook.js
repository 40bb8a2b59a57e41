#!/usr/bin/env -S node --max-semi-space-size=2
// The `opsbook` bin. An installed package runs the compiled lib/ (Node strips no types under
// node_modules); a checkout of the repository runs the sources, so `npx opsbook` works in both.
import { existsSync } from 'node:fs';

const source = new URL('./opsbook.ts', import.meta.url);
const installed = import.meta.url.includes('/node_modules/') || !existsSync(source);
await import(installed ? new URL('../lib/bin/opsbook.js', import.meta.url).href : source.href);
