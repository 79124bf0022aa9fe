#!/usr/bin/env node
/**
 * `npm run bench`: every benchmark prints its figure beside a floor measured in the same run.
 * Benchmarks are not tests: nothing here fails a build; a missed target prints "NO".
 * Usage: node apps/bench/dist/main.js [--budget-ms N] [--json] [--calibrate]
 *   --calibrate   only the host kernel's lease break beside the model's (`leasebreak calibrate`)
 */
import { parseArgs } from 'node:util';
import { printTable, type Row } from './harness.js';
import { modelBench } from './model.js';
import { runtimeProbesFirst } from './runtime.js';
import { raceBench } from './races.js';

const { values } = parseArgs({ options: { 'budget-ms': { type: 'string', default: '400' }, json: { type: 'boolean', default: false }, calibrate: { type: 'boolean', default: false } } });
const budgetMs = Number(values['budget-ms']);
if (!Number.isFinite(budgetMs) || budgetMs <= 0) {
  process.stderr.write(`bench: --budget-ms must be a positive number of milliseconds, got "${values['budget-ms']}"\n`);
  process.exit(2);
}

const sections: { title: string; rows: Row[] }[] = [];
process.stderr.write('bench: runtimes, per CPU placement: the host kernel\'s own lease break (a C probe built with cc) and the model\'s (real worker threads)...\n');
const runtimeRows = runtimeProbesFirst(2000);
if (!values.calibrate) {
  process.stderr.write('bench: kernel model on a 1 Mi-page device...\n');
  sections.push({ title: 'kernel model (1 Mi-page = 4 GiB device)', rows: await modelBench(budgetMs) });
}

const rt = await runtimeRows();
sections.push({
  title: 'threads runtime: syscalls and lease breaks vs a raw Atomics round trip, and vs the host kernel',
  rows: values.calibrate ? rt.filter((r) => r.bench.includes('host') || r.bench.startsWith('lease break round trip')) : rt,
});

if (!values.calibrate) {
  process.stderr.write('bench: seed races (NIC bandwidth, time to first corruption)...\n');
  sections.push({ title: 'seed races: the NIC and no-break', rows: await raceBench(budgetMs, 10) });
}

if (values.json) process.stdout.write(JSON.stringify(sections, null, 2) + '\n');
else for (const s of sections) printTable(s.title, s.rows);
