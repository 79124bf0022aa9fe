/** @leasebreak/checker — stamps classified into outcome classes, with evidence. */
export { classifyDma } from './classify.js';
export type { BlockRef, DmaClass } from './classify.js';
