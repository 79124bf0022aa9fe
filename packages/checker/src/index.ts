/** @leasebreak/checker — stamps classified into outcome classes, with evidence. */
export { classifyDma } from './classify.js';
export type { BlockRef, DmaClass } from './classify.js';
export { offlineScan } from './offline.js';
export type { FileLayout, Misplaced, OfflineResult } from './offline.js';
export { countClasses, dmaRecordsFromEvents, toViolation } from './violations.js';
export type { DmaRecord, Names, OutcomeCounts, Violation } from './violations.js';
