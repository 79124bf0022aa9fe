/**
 * @leasebreak/report — the self-contained HTML report: the outcome table (scenario × policy for a
 * matrix, one row per run otherwise), each run's timeline, lease-break latency (percentiles and a
 * histogram) and every violation with its evidence. One file, no network.
 */
export { renderReport } from './render.js';
export type { RenderInput, MatrixInput, MatrixCell } from './render.js';
export { esc } from './html.js';
