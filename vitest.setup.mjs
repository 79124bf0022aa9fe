// Every test file's setup (each workspace's vitest.config.ts lists it): the hang watchdog
// (vitest.watchdog.mjs). LEASEBREAK_TEST_WATCHDOG_MS overrides its limit; 0 turns it off.
import { beforeEach } from 'vitest';
import { startWatchdog } from './vitest.watchdog.mjs';

const ms = Number(process.env.LEASEBREAK_TEST_WATCHDOG_MS ?? 300_000);
if (ms > 0) {
  const dog = startWatchdog(ms);
  beforeEach((ctx) => dog.setName(`${ctx.task.file?.name ?? '?'} > ${ctx.task.name}`));
}
