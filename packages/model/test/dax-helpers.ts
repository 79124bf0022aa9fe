export * from '../src/index.js';
export { MemorySink as MemorySinkForTest } from '@leasebreak/trace';
