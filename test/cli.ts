/** Run the built CLI (apps/cli/dist) as a user would; return its exit code, stdout and stderr. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../apps/cli/dist/main.js', import.meta.url));

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunResult extends CliResult {
  readonly signal: NodeJS.Signals | null;
}

/**
 * Run `file args` (a program, or node with a script) and collect its output; SIGKILL after
 * `timeoutMs`. The exit code of a process killed by a signal is -1 (SIGINT: 130, as a shell says).
 */
export function run(file: string, args: readonly string[], opts: { cwd?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: opts.cwd ?? fileURLToPath(new URL('.', import.meta.url)), env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 100_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal === 'SIGINT' ? 130 : -1), signal, stdout, stderr });
    });
  });
}

export function cli(args: readonly string[], opts: { cwd?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  return run(process.execPath, [CLI, ...args], opts);
}

/** Run and parse --json output (one report or an array). */
export async function cliJson<T = unknown>(args: readonly string[]): Promise<CliResult & { json: T }> {
  const r = await cli([...args, '--json']);
  let json: T;
  try {
    json = JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`leasebreak ${args.join(' ')} printed no JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
  return { ...r, json };
}
