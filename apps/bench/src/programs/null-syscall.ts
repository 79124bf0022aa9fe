/** Bench program: N null syscalls, each timed (ns). */
import type { ProcessContext } from '@leasebreak/runtime';

export async function runProgram(ctx: ProcessContext, input: unknown): Promise<number[]> {
  const { n } = input as { n: number };
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = ctx.now();
    await ctx.syscall({ op: 'null' });
    out.push(ctx.now() - t0);
  }
  await ctx.syscall({ op: 'exit', code: 0 });
  return out;
}
