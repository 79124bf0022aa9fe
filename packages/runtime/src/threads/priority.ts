/**
 * Thread priority. On Linux the nice value is per thread (setpriority(2), NOTES: under NPTL,
 * PRIO_PROCESS with who = 0 names the calling thread, and a new thread inherits its creator's),
 * so a helper thread can yield to the model's threads without slowing anything else.
 */
import { getPriority, setPriority } from 'node:os';

/** The lowest priority a thread can ask for without privilege. */
export const NICE_IDLE = 19;

/**
 * Lower the calling thread to NICE_IDLE. Only on Linux: elsewhere setpriority names the whole
 * process. Return: whether it was lowered (false in a sandbox that forbids setpriority too).
 */
export function lowerThisThread(platform: NodeJS.Platform = process.platform): boolean {
  if (platform !== 'linux') return false;
  try {
    setPriority(NICE_IDLE);
    return getPriority() === NICE_IDLE;
  } catch {
    return false;
  }
}
