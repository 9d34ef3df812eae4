// @mobilecs/windowing/testing: helpers for tests only (a harness driving a UsageProcessor
// and builders of agreements and records). Production code imports the package index,
// which does not export them.
export { UsageHarness } from './harness';
export { TEST_PROCESSOR_CONFIG, testProcessorConfig } from './processor-config';
export { agreement, idOf, record } from './test-data';
