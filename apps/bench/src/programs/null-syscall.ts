/** Bench program: `warmup` null syscalls untimed (the JIT's first second), then N, each timed (ns). */
import type { ProcessContext } from '@leasebreak/runtime';

export async function runProgram(ctx: ProcessContext, input: unknown): Promise<number[]> {
  const { n, warmup = 0 } = input as { n: number; warmup?: number };
  for (let i = 0; i < warmup; i++) await ctx.syscall({ op: 'null' });
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = ctx.now();
    await ctx.syscall({ op: 'null' });
    out.push(ctx.now() - t0);
  }
  await ctx.syscall({ op: 'exit', code: 0 });
  return out;
}
