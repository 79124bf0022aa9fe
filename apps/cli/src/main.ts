#!/usr/bin/env node
/**
 * The leasebreak command. Results go to stdout (JSON with --json), progress and diagnostics to
 * stderr. Exit codes: 0 ok · 1 an expectation failed · 2 bad input · 3 simulator bug · 130 interrupted.
 */
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { isSimError } from '@leasebreak/model';
import { formatDemo, runDemo } from './demo.js';
import { EXIT, type RunFlags, UsageError, listScenarios, runCommand } from './run.js';
import { RACE_SCENARIOS, matrixCommand } from './matrix.js';
import { BUILTIN_DESCRIPTIONS } from '@leasebreak/workloads';

async function main(argv: string[]): Promise<number> {
  let code: number = EXIT.OK;
  const program = new Command('leasebreak')
    .description('FS-DAX layout leases, long-term pins and RDMA, modelled as racing threads')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  program
    .command('demo')
    .description('walk through the kernel model on one thread (block reuse after truncate, INSERT_RANGE shifting a block)')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { json?: boolean }) => {
      const r = await runDemo();
      process.stdout.write(opts.json ? JSON.stringify(r, null, 2) + '\n' : formatDemo(r) + '\n');
      code = r.fsck.length === 0 ? EXIT.OK : EXIT.SIM_BUG;
    });

  const collect = (v: string, prev: string[] = []): string[] => [...prev, v];
  program
    .command('run')
    .description('run scenario files or built-ins (builtin:NAME) and report what Linux would answer')
    .argument('<scenario...>', 'scenario files (YAML or JSON) or builtin:NAME')
    .option('--json', 'print the report JSON on stdout')
    .option('--out <dir>', 'write report.json into DIR')
    .option('--policy <p,...>', 'kernel policies to run under (overrides the scenario)')
    .option('--seed <n>', 'first seed')
    .option('--runs <n>', 'runs per policy (seeds seed..seed+runs-1)')
    .option('--mode <mode>', 'threads or deterministic')
    .option('--duration <d>', 'how long stress programs run (e.g. 500ms, 2s)')
    .option('--kernel <KEY=VALUE>', 'override a kernel knob (repeatable)', collect)
    .option('--poll-us <n>', 'threads runtime: µs the kernel thread polls for the next syscall before sleeping, callers spin for answers (0: never; default 50; off by itself on a busy host)')
    .option('--ring-mib <N|RING=N>', 'threads runtime: MiB of event ring per thread, 1 to 1024 — N for every ring, or RING=N for kernel, process (each process and the NIC) or lifecycle (repeatable; default kernel 64, process 64, lifecycle 8)', collect)
    .option('-q, --quiet', 'no progress on stderr (with several runs: a bar in a terminal, a line every 5 s otherwise)')
    .action(async (args: string[], opts: RunFlags) => {
      code = await runCommand(args, opts);
    });

  program
    .command('scenarios')
    .description('list the built-in scenarios')
    .option('--json', 'print as JSON')
    .action((opts: { json?: boolean }) => {
      process.stdout.write(listScenarios(opts.json === true) + '\n');
    });

  program
    .command('matrix')
    .description('run every built-in race scenario under every kernel policy and print the outcome table')
    .option('--json', 'print the cells and every report as JSON')
    .option('--out <dir>', 'write report.json into DIR')
    .option('--policy <p,...>', 'policies (default: all)')
    .option('--scenarios <s,...>', 'race scenarios (default: all built-in)')
    .option('--seed <n>', 'first seed')
    .option('--runs <n>', 'seeds per cell')
    .option('--mode <mode>', 'threads or deterministic')
    .option('--duration <d>', 'how long each run\'s stress programs run')
    .option('--kernel <KEY=VALUE>', 'override a kernel knob (repeatable)', collect)
    .option('--poll-us <n>', 'threads runtime: µs the kernel thread polls for the next syscall before sleeping, callers spin for answers (0: never; default 50; off by itself on a busy host)')
    .option('--ring-mib <N|RING=N>', 'threads runtime: MiB of event ring per thread, 1 to 1024 — N for every ring, or RING=N for kernel, process (each process and the NIC) or lifecycle (repeatable; default kernel 64, process 64, lifecycle 8)', collect)
    .option('-q, --quiet', 'no progress on stderr (a bar in a terminal, a line every 5 s otherwise)')
    .action(async (opts: RunFlags & { scenarios?: string }) => {
      code = await matrixCommand(opts);
    });

  const bench = (extra: string[]) => async (opts: { json?: boolean; budgetMs?: string }) => {
    // The benchmarks run in their own process: they reserve gigabytes of shared memory.
    const { spawnSync } = await import('node:child_process');
    const main = fileURLToPath(import.meta.resolve('@leasebreak/bench/main'));
    const args = [main, ...extra, ...(opts.json === true ? ['--json'] : []), ...(opts.budgetMs === undefined ? [] : ['--budget-ms', opts.budgetMs])];
    code = spawnSync(process.execPath, args, { stdio: 'inherit' }).status ?? EXIT.SIM_BUG;
  };
  program
    .command('bench')
    .description('benchmarks, each beside a floor measured in the same run (model ops/s, syscall and lease-break round trips, the host kernel)')
    .option('--json', 'print the tables as JSON')
    .option('--budget-ms <n>', 'time budget per micro-benchmark')
    .action(bench([]));
  program
    .command('calibrate')
    .description("the model's lease-break round trip beside the host kernel's own (same CPU and two CPUs)")
    .option('--json', 'print as JSON')
    .action(bench(['--calibrate']));

  program
    .command('start')
    .description('what `npm start` runs: the race matrix (short runs), report in out/')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { json?: boolean }) => {
      if (!RACE_SCENARIOS.some((n) => Object.hasOwn(BUILTIN_DESCRIPTIONS, n))) {
        process.stderr.write('leasebreak: no race scenario is built in yet; running the kernel-model demo instead\n');
        const r = await runDemo();
        process.stdout.write(opts.json ? JSON.stringify(r, null, 2) + '\n' : formatDemo(r) + '\n');
        code = r.fsck.length === 0 ? EXIT.OK : EXIT.SIM_BUG;
        return;
      }
      process.stderr.write('leasebreak: the race matrix — every built-in race × every kernel policy (short runs; `leasebreak matrix --help` for more)\n');
      code = await matrixCommand({ ...(opts.json === true ? { json: true } : {}), out: 'out', duration: '300ms', runs: '1' });
      if (code === EXIT.OK) process.stderr.write('leasebreak: full reports in out/report.json\n');
    });

  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.OK : EXIT.BAD_INPUT;
    if (e instanceof UsageError) {
      process.stderr.write(`leasebreak: ${e.message}\n`);
      return EXIT.BAD_INPUT;
    }
    if (isSimError(e)) {
      process.stderr.write(`leasebreak: simulator bug: ${(e as Error).message}\n`);
      return EXIT.SIM_BUG;
    }
    throw e;
  }
  return code;
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`leasebreak: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = EXIT.SIM_BUG;
  },
);
