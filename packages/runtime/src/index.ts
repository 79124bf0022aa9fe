/**
 * @leasebreak/runtime — one interface, two runtimes: `threads` (real workers, real races) and
 * `deterministic` (one thread, seeded scheduler, virtual time).
 */
export { DeterministicRuntime } from './deterministic/runtime.js';
export type { DeterministicOptions } from './deterministic/runtime.js';
export { ThreadsRuntime, distUrl } from './threads/runtime.js';
export { Prng } from './prng.js';
export { buildKernel } from './setup.js';
export { auditKernel } from './collect.js';
export type { FileDump, KernelAudit } from './collect.js';
export { QP_REGION_BYTES, NIC_REGION_BYTES } from './types.js';
export type { SharedRegions, CellWaitResult } from './types.js';
export type {
  FileSpec,
  KernelSpec,
  ProcessContext,
  ProcessOutcome,
  ProcessSpec,
  ProgramModule,
  RunResult,
  RunSpec,
  Runtime,
  RuntimeMode,
} from './types.js';

import { DeterministicRuntime } from './deterministic/runtime.js';
import { ThreadsRuntime } from './threads/runtime.js';
import type { Runtime, RuntimeMode } from './types.js';

export function createRuntime(mode: RuntimeMode): Runtime {
  return mode === 'threads' ? new ThreadsRuntime() : new DeterministicRuntime();
}
