/**
 * The model must stay pure: no threads, no I/O, no timers (package.json says so, and the
 * simulator's determinism depends on it). This scans every .ts file under packages/model/src.
 * The test itself may do I/O.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

/** Modules the model may not import (bare or with the node: prefix, and their subpaths). */
const FORBIDDEN_MODULES = ['worker_threads', 'fs', 'child_process', 'timers'];
const FORBIDDEN_CALLS = ['setTimeout', 'setInterval', 'setImmediate'];

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const ent of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, ent.name);
    if (ent.isDirectory()) out.push(...tsFiles(p));
    else if (ent.isFile() && ent.name.endsWith('.ts')) out.push(p);
  }
  return out;
}

/**
 * Blank out comments (and, with `blankStrings`, the insides of string literals), keeping line
 * numbers. A small scanner: enough for TypeScript source without regex literals containing
 * quotes or comment openers.
 */
function stripComments(src: string, blankStrings = false): string {
  let out = '';
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    const n = src[i + 1];
    if (c === '/' && n === '/') {
      while (i < src.length && src[i] !== '\n') i++;
    } else if (c === '/' && n === '*') {
      const end = src.indexOf('*/', i + 2);
      const stop = end < 0 ? src.length : end + 2;
      out += src.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop;
    } else if (c === '"' || c === "'" || c === '`') {
      let j = i + 1;
      while (j < src.length && src[j] !== c) j += src[j] === '\\' ? 2 : 1;
      const lit = src.slice(i, j + 1);
      out += blankStrings ? c + lit.slice(1, -1).replace(/[^\n]/g, ' ') + c : lit;
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

const modAlt = FORBIDDEN_MODULES.join('|');
const IMPORT_RES = [
  // import x from 'fs'; import * as x from 'node:fs'; export { y } from 'fs/promises'; import type ... from
  new RegExp(String.raw`\b(?:import|export)\b[^;'"]*?\bfrom\s*(['"])(?:node:)?(?:${modAlt})(?:/[^'"]*)?\1`, 'g'),
  // import 'fs'; (side effect)
  new RegExp(String.raw`\bimport\s*(['"])(?:node:)?(?:${modAlt})(?:/[^'"]*)?\1`, 'g'),
  // import('fs'), require('fs')
  new RegExp(String.raw`\b(?:import|require)\s*\(\s*(['"\`])(?:node:)?(?:${modAlt})(?:/[^'"\`]*)?\1`, 'g'),
];
const CALL_RE = new RegExp(String.raw`\b(${FORBIDDEN_CALLS.join('|')})\s*\(`, 'g');

/** Every violation in one file's text, as "line N: what". */
function violations(text: string): string[] {
  const code = stripComments(text);
  const bare = stripComments(text, true);
  const found: string[] = [];
  const lineOf = (at: number): number => code.slice(0, at).split('\n').length;
  for (const re of IMPORT_RES) for (const m of code.matchAll(re)) found.push(`line ${lineOf(m.index)}: imports ${m[0].replace(/\s+/g, ' ')}`);
  for (const m of bare.matchAll(CALL_RE)) found.push(`line ${lineOf(m.index)}: calls ${m[1]}`);
  return found;
}

describe('model purity', () => {
  it('the detector catches what it must and ignores what it must', () => {
    const bad = [
      "import { Worker } from 'worker_threads';",
      'import { Worker } from "node:worker_threads";',
      "import * as fs from 'fs';",
      "import { readFile } from 'node:fs/promises';",
      "import type { Stats } from 'fs';",
      "export { readFileSync } from 'node:fs';",
      "import 'node:child_process';",
      "const cp = await import('child_process');",
      "const fs = require('fs');",
      "import {\n  spawn,\n} from 'node:child_process';",
      'setTimeout(() => {}, 10);',
      'globalThis.setInterval(tick, 5);',
      'const h = setImmediate (cb);',
      "import { setTimeout as sleep } from 'node:timers/promises';",
    ];
    for (const b of bad) expect(violations(b), b).not.toEqual([]);
    const good = [
      "import { daxWrite } from '../fs/dax.js';",
      "import { freeBlocksFrom } from './fs.js';",
      "import type { FsckOptions } from '../fs/fsck.js';",
      '// setTimeout(() => {}, 10) in a comment',
      "/* import fs from 'fs' */",
      "const msg = 'do not call setTimeout(f) here';",
      'const t = `setInterval(${x})`;',
      'const fsck = 1; const offset = 2;',
      'clearTimeoutLike(); mySetTimeout(1);',
    ];
    for (const g of good) expect(violations(g), g).toEqual([]);
  });

  it('no file under packages/model/src imports threads, fs or child_process, or uses timers', () => {
    const files = tsFiles(SRC);
    expect(files.length, `found only ${files.length} .ts files under ${SRC}`).toBeGreaterThanOrEqual(10);
    const report: string[] = [];
    for (const f of files) for (const v of violations(readFileSync(f, 'utf8'))) report.push(`${relative(SRC, f)} ${v}`);
    expect(report).toEqual([]);
  });
});
