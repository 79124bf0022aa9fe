#!/usr/bin/env node
/**
 * The model's lease-break round trip as a process of its own, so the bench can run it under
 * `taskset` with the same CPU placement as the host kernel's probe (native/lease_break.c).
 * Usage: node lease-probe.js <breaks> [pollNs]   → prints {"samples":[ns…]} on stdout.
 */
import { modelLeaseBreak } from './lease-model.js';

const m = Number(process.argv[2] ?? 200);
const poll = process.argv[3] === undefined ? undefined : Number(process.argv[3]);
if (!Number.isInteger(m) || m < 10 || (poll !== undefined && !(poll >= 0))) {
  process.stderr.write('usage: lease-probe <breaks ≥ 10> [pollNs ≥ 0]\n');
  process.exit(2);
}
process.stdout.write(JSON.stringify({ samples: await modelLeaseBreak(m, poll) }) + '\n');
