/**
 * The model's lease-break round trip under the threads runtime (programs/lease-pingpong.ts): the
 * breaker's open(O_WRONLY) timed from the breaker, the holder releasing at once on SIGIO.
 */
import { type RunSpec, ThreadsRuntime, distUrl } from '@leasebreak/runtime';

export function benchSpec(processes: RunSpec['processes'], barriers: RunSpec['barriers'] = {}, pollNs?: number): RunSpec {
  return { kernel: { pmemPages: 256, leaseBreakTimeNs: 45e9, files: [{ path: '/pmem/a', size: 4096, uid: 0 }] }, processes, barriers, seed: 1, timeLimitNs: 120e9, keepEvents: false, ...(pollNs === undefined ? {} : { pollNs }) };
}

/**
 * Untimed breaks before the timed ones: about a second, while V8 compiles the hot paths of the
 * kernel, holder and breaker isolates on background threads that take the same CPUs.
 */
export const WARMUP_BREAKS = 3000;

/** `m` timed breaks after WARMUP_BREAKS untimed ones; the samples (ns). */
export async function modelLeaseBreak(m: number, pollNs?: number, warmup = WARMUP_BREAKS): Promise<number[]> {
  const leaseUrl = distUrl('./programs/lease-pingpong.js', import.meta.url).href;
  const r = await new ThreadsRuntime().run(benchSpec([
    { name: 'holder', program: leaseUrl, input: { n: m, role: 'holder', warmup }, blocked: [29] },
    { name: 'breaker', program: leaseUrl, input: { n: m, role: 'breaker', warmup } },
  ], { leased: ['holder', 'breaker'], closed: ['holder', 'breaker'] }, pollNs));
  if (r.status !== 'ok' || r.processes.some((p) => p.error !== undefined)) throw new Error(`lease bench: ${r.status} ${r.processes.map((p) => p.error ?? '').join(' ')}`);
  return r.processes[1]!.output as number[];
}
