/**
 * @leasebreak/workloads — process programs, stress generators and the scenario file format.
 */
export { loadScenario, loadScenarioFile, scenarioFromData, formatScenarioErrors } from './scenario/load.js';
export {
  ScenarioSchema,
  StepSchema,
  STEP_ARGS,
  KERNEL_KNOBS,
  DEFAULTS,
  parseExpectOne,
  parseKernelOverride,
  parsePolicyList,
  scenarioErrorMap,
} from './scenario/schema.js';
export { walkSteps, waitedSignals, barrierNames, barrierParties } from './scenario/walk.js';
export type { ParsedScenario } from './scenario/schema.js';
export { checkScenario, pathText, REF_KIND } from './scenario/check.js';
export type { BindingKind, CheckIssue } from './scenario/check.js';
export { parseSize, parseDuration, formatSize, formatDuration, SIZE_UNITS, DURATION_UNITS } from './scenario/units.js';
export type { UnitResult } from './scenario/units.js';
export {
  POLICY_NAMES,
  DEFAULT_POLICY,
  WORKLOAD_NAMES,
  STEP_OPS,
  MODES,
  SIGNALS,
  SIGRTMIN,
  SIGRTMIN_MAX_OFFSET,
  signalName,
  parseSignal,
  FCNTL_CMDS,
  LEASE_TYPES,
  parseLeaseType,
  formatLeaseType,
} from './scenario/names.js';
export { OUTCOME_KEYS, INFORMED_FAILURE_ERRNOS } from './scenario/types.js';
export type {
  Scenario,
  ScenarioError,
  LoadResult,
  LoadOptions,
  WorkloadOptionsValidator,
  WorkloadValidators,
  KernelKnobs,
  KernelKnob,
  FileSpec,
  ProcessSpec,
  ScriptedProcess,
  WorkloadProcess,
  OutcomeExpect,
  OutcomeKey,
  InformedFailureErrno,
  Step,
  StepOf,
  Expect,
  Flags,
  Ref,
  NoArgs,
  FcntlArgs,
  OpenStep,
  CloseStep,
  DupStep,
  ReadStep,
  PreadStep,
  WriteStep,
  PwriteStep,
  TruncateStep,
  FtruncateStep,
  FallocateStep,
  FcntlStep,
  MmapStep,
  MunmapStep,
  LoadStep,
  StoreStep,
  IbvRegMrStep,
  IbvDeregMrStep,
  RdmaWriteStep,
  RdmaReadStep,
  SignalStep,
  WaitStep,
  SleepStep,
  BarrierStep,
  KillStep,
  ExitStep,
  RepeatStep,
  FcntlCmd,
  LeaseType,
  Mode,
  PolicyName,
  Sig,
  StepOp,
  WorkloadName,
} from './scenario/types.js';
export { runScenario } from './run/runner.js';
export type { RunOptions } from './run/runner.js';
export { BadInput, plan, instanceNames, DEFAULT_PMEM_BYTES } from './run/plan.js';
export type { Plan, PlanOptions } from './run/plan.js';
export { buildReport, leaseBreakStats, leaseBreakPhases } from './run/report.js';
export type { Report, Outcomes, Percentiles, ProcessReport, Violation, LeaseBreakPhases } from './run/report.js';
export type { StepRecord, Expectation, RepeatStats } from './programs/records.js';
export { WORKLOAD_VALIDATORS, parseLeaseHolderOptions, parseLeaseBreakerOptions, LEASE_HOLDER_KEYS, LEASE_BREAKER_KEYS, ON_SIGIO, BREAKER_OPS } from './programs/validators.js';
export type { LeaseHolderOptions, LeaseBreakerOptions, OnSigio, BreakerOp, HeldLeaseType } from './programs/validators.js';
export type { LeaseHolderInput, LeaseHolderOutput } from './programs/lease-holder.js';
export type { LeaseBreakerInput, LeaseBreakerOutput } from './programs/lease-breaker.js';
export type { LatencySummary } from './programs/stress.js';
export { BwLog, type BwLogOutput, steadyBandwidth, BW_INTERVAL_NS } from './programs/bwlog.js';
export {
  parseTruncatorOptions,
  parseFileWriterOptions,
  parseMmapWriterOptions,
  parseDioReaderOptions,
  TRUNCATOR_OPS,
  TRUNCATOR_KEYS,
  FILE_WRITER_KEYS,
  MMAP_WRITER_KEYS,
  DIO_READER_KEYS,
} from './programs/validators.js';
export type { TruncatorOptions, TruncatorOp, FileWriterOptions, MmapWriterOptions, DioReaderOptions } from './programs/validators.js';
export type { TruncatorInput, TruncatorOutput, TruncatorOpSummary } from './programs/truncator.js';
export type { FileWriterInput, FileWriterOutput } from './programs/file-writer.js';
export type { MmapWriterInput, MmapWriterOutput } from './programs/mmap-writer.js';
export type { DioReaderInput, DioReaderOutput } from './programs/dio-reader.js';
export { builtinScenario, BUILTIN_DESCRIPTIONS, BUILTIN_NAMES } from './programs/builtins.js';
export { parseRdmaOptions, RDMA_KEYS, RDMA_ON_SIGIO, RDMA_LAYOUT_LEASE, RDMA_MAX_PAGES, RDMA_MAX_DEPTH } from './programs/validators.js';
export type { RdmaOptions, RdmaOnSigio, RdmaLayoutLease } from './programs/validators.js';
export type { RdmaInput, RdmaOutput, RdmaPolicyInfo } from './programs/rdma-writer.js';
export { Nic, VIOLATIONS_KEPT, VIOLATIONS_KEPT_PER_CLASS, DEFAULT_DETERMINISTIC_PAGE_NS } from './programs/nic.js';
export type { NicInput, NicOutput, NicViolation, NicOptions, DmaProbe } from './programs/nic.js';
export { NIC_NAME, usesRdma } from './run/plan.js';
export * as nicLayout from './nic/layout.js';
export { qpOpen, postSend, postWrite, postRead, pollCq, tryPollCq, rdmaSync, outstanding, qpDepth, qpStats, DEFAULT_QP_DEPTH } from './nic/uverbs.js';
export type { Completion, PostResult, SyncOptions } from './nic/uverbs.js';
