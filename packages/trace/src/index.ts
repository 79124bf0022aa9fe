export { MemorySink, NULL_SINK } from './events.js';
export type { EventSink, SimEvent, SimEventKind } from './events.js';
export { EventHasher, hashEvents } from './hash.js';
