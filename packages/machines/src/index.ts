/**
 * @leasebreak/machines: XState v5 machines that mirror the kernel model's lease objects.
 * Their timers run on a clock injected by the runtime, never on a bare setTimeout.
 */
export { stateString, transitionReporter } from './clock.js';
export type { ActorClock, ActorHelperOptions, TransitionReport } from './clock.js';

export { createLeaseActor, leaseLifecycleMachine, targetLeaseType } from './leaseLifecycle.js';
export type {
  LeaseActor,
  LeaseLifecycleContext,
  LeaseLifecycleEvent,
  LeaseLifecycleInput,
  LeaseLifecycleSnapshot,
  LeaseTarget,
  LeaseType,
} from './leaseLifecycle.js';

export { breakerWaitMachine, createBreakerWaitActor } from './breakerWait.js';
export type {
  BreakerWaitActor,
  BreakerWaitContext,
  BreakerWaitEvent,
  BreakerWaitInput,
  BreakerWaitSnapshot,
} from './breakerWait.js';
