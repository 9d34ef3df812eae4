export { BillingPeriod } from './billing-period';
export { WatermarkTracker, type PartitionProgress, type WatermarkOptions } from './watermark';
export { BillingWindow, windowKey, type WindowState, type AggregateOutput } from './window';
export {
  AgreementMatcher,
  type MatchingState,
  type HoldLimits,
  type Match,
  type HeldRecord,
  type DeadLetterOutput,
  type DeadLetterReason,
} from './matcher';
export {
  STATE_FORMAT_VERSION,
  SnapshotError,
  partitionKey,
  stateValueSchema,
  processorSnapshotSchema,
  type ProcessorSnapshot,
  type StateValue,
  type MatchingValue,
  type WindowValue,
  type PartitionValue,
} from './snapshot';
export {
  UsageProcessor,
  type UsageProcessorConfig,
  type UsageOutput,
  type DataRecordOutput,
  type LateOutput,
  type WallClockClosePolicy,
  type StateChange,
} from './processor';
export {
  copyKey,
  StoredCopyLookupMissing,
  type RecordArrival,
  type StoredCopy,
  type StoredCopies,
  type CopyKeyFields,
  type CountedCopy,
  type DuplicateOutput,
} from './copies';
