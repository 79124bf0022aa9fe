/**
 * The host kernel's own lease break (native/lease_break.c, built with the system `cc` when there
 * is one): a holder process releases an F_RDLCK lease from its SIGIO handler while a breaker
 * opens the file for write on a tmpfs. Measured with both processes on one CPU and on two, since
 * on a small machine the placement dominates.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface HostBreak {
  readonly placement: 'same CPU' | 'two CPUs';
  readonly n: number;
  readonly p50Ns: number;
  readonly p99Ns: number;
  readonly maxNs: number;
  readonly holderCpu: number;
  readonly breakerCpu: number;
}

const SOURCE = fileURLToPath(new URL('../native/lease_break.c', import.meta.url));

/** Build the probe; return its path, or a reason it cannot be built here. */
export function buildHostProbe(): { ok: true; path: string } | { ok: false; reason: string } {
  const cc = spawnSync('cc', ['--version'], { encoding: 'utf8' });
  if (cc.error !== undefined || cc.status !== 0) return { ok: false, reason: `no usable C compiler (cc --version: ${cc.error?.message ?? `exit ${String(cc.status)}`})` };
  if (!existsSync(SOURCE)) return { ok: false, reason: `missing ${SOURCE}` };
  const out = join(mkdtempSync(join(tmpdir(), 'leasebreak-')), 'lease_break');
  try {
    execFileSync('cc', ['-O2', '-o', out, SOURCE], { stdio: 'pipe' });
  } catch (e) {
    return { ok: false, reason: `cc failed: ${(e as { stderr?: Buffer }).stderr?.toString().trim() ?? String(e)}` };
  }
  return { ok: true, path: out };
}

/** Run the probe: `n` breaks with both processes on CPU 0 (`same`) or on CPUs 0 and 1. */
export function hostLeaseBreak(probe: string, n: number, same: boolean, timeoutMs = 120_000): HostBreak {
  const dir = existsSync('/dev/shm') ? '/dev/shm' : tmpdir(); // tmpfs where there is one
  const file = join(dir, `leasebreak-probe-${process.pid}`);
  const out = execFileSync(probe, [file, String(n), same ? '1' : '0'], { encoding: 'utf8', timeout: timeoutMs }).trim();
  const [m, p50, p99, max, hc, bc] = out.split(/\s+/).map(Number);
  return { placement: same ? 'same CPU' : 'two CPUs', n: m!, p50Ns: p50!, p99Ns: p99!, maxNs: max!, holderCpu: hc!, breakerCpu: bc! };
}
