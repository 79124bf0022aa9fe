#!/usr/bin/env node
/**
 * The runtime measurements (runtime-measure.ts) as a process of its own, so the bench can run it
 * under `taskset` with one CPU placement: the model's threads confined to the placement's CPUs,
 * the floor's two threads each pinned to its own.
 * Usage: node runtime-probe.js <round trips ≥ 100> <cpu A> <cpu B>   → RuntimeFigures as JSON.
 */
import { measureRuntime } from './runtime-measure.js';

const [n, a, b] = process.argv.slice(2, 5).map(Number);
if (!Number.isInteger(n) || n! < 100 || !Number.isInteger(a) || !Number.isInteger(b) || a! < 0 || b! < 0) {
  process.stderr.write('usage: runtime-probe <round trips ≥ 100> <cpu A ≥ 0> <cpu B ≥ 0>\n');
  process.exit(2);
}
process.stdout.write(JSON.stringify(await measureRuntime(n!, [a!, b!])) + '\n');
