/**
 * The model's lease-break round trip under the threads runtime (programs/lease-pingpong.ts): the
 * breaker's open(O_WRONLY) timed from the breaker, the holder releasing at once on SIGIO.
 */
import { type RunSpec, ThreadsRuntime, distUrl } from '@leasebreak/runtime';

export function benchSpec(processes: RunSpec['processes'], barriers: RunSpec['barriers'] = {}, pollNs?: number): RunSpec {
  return { kernel: { pmemPages: 256, leaseBreakTimeNs: 45e9, files: [{ path: '/pmem/a', size: 4096, uid: 0 }] }, processes, barriers, seed: 1, timeLimitNs: 120e9, keepEvents: false, ...(pollNs === undefined ? {} : { pollNs }) };
}

/** `m` breaks; the samples (ns) without the warm-up tenth. */
export async function modelLeaseBreak(m: number, pollNs?: number): Promise<number[]> {
  const leaseUrl = distUrl('./programs/lease-pingpong.js', import.meta.url).href;
  const r = await new ThreadsRuntime().run(benchSpec([
    { name: 'holder', program: leaseUrl, input: { n: m, role: 'holder' }, blocked: [29] },
    { name: 'breaker', program: leaseUrl, input: { n: m, role: 'breaker' } },
  ], { leased: ['holder', 'breaker'] }, pollNs));
  if (r.status !== 'ok' || r.processes.some((p) => p.error !== undefined)) throw new Error(`lease bench: ${r.status} ${r.processes.map((p) => p.error ?? '').join(' ')}`);
  return (r.processes[1]!.output as number[]).slice(Math.floor(m / 10));
}
