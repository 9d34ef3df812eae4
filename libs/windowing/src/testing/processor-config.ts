// The processor's options for tests. The library has no defaults (the ingester's
// configuration has them); tests start from these and override what they exercise.
import type { UsageProcessorConfig } from '../processor';

const DAY_MS = 86_400_000;

/** No out-of-orderness or lateness, idle after 60 s, 10 000 held records per msisdn held at most 35 days, no wall-clock close, no future check. */
export const TEST_PROCESSOR_CONFIG: UsageProcessorConfig = {
  outOfOrdernessMs: 0,
  idleTimeoutMs: 60_000,
  allowedLatenessMs: 0,
  maxHeldRecordsPerMsisdn: 10_000,
  maxHoldMs: 35 * DAY_MS,
};

/** TEST_PROCESSOR_CONFIG with the given options overridden. */
export function testProcessorConfig(over: Partial<UsageProcessorConfig> = {}): UsageProcessorConfig {
  return { ...TEST_PROCESSOR_CONFIG, ...over };
}
