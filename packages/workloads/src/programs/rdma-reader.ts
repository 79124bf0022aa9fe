/**
 * The `rdma-reader` stress program: rdma-writer (programs/rdma-writer.ts) with RDMA READs — the
 * NIC copies the MR's pages out to the (simulated) peer. A read of a frame that now belongs to
 * another file is a `dataLeak`: that file's data left the machine. Same options, same lease and
 * SIGIO handling, same output (workload 'rdma-reader').
 */
import type { ProcessContext } from '@leasebreak/runtime';
import { type RdmaOutput, runRdmaProgram } from './rdma-writer.js';

export type { RdmaInput, RdmaOutput } from './rdma-writer.js';

/** The program entry point (loaded by URL in the process's thread, or called directly). */
export async function runProgram(ctx: ProcessContext, input: unknown): Promise<RdmaOutput> {
  return runRdmaProgram(ctx, 'read', input);
}
