// The original generators' constants (shared spec generator.md).
export const BILLING_TIME_ZONE = 'Europe/Warsaw';
/** 2020-01-01T00:00+01:00[Europe/Warsaw] */
export const SERVICE_START_AT_MS = Date.UTC(2019, 11, 31, 23, 0, 0);
export const GIB = 1024 ** 3;
export const PLANS = [5 * GIB, 10 * GIB] as const;

export const AGREEMENT_ID_SEED = 31423434;
export const MSISDN_SEED = 84744291;
export const SIGNED_AT_SEED = 55701923;
export const PLAN_SEED = 73244573;
export const MSISDNS_SHUFFLING_SEED = 7371661;
export const INCOMING_RECORD_ID_SEED = 33774923;
export const RECORDED_BYTES_SEED = 24524555;
export const FILE_NAME_SEED = 3424233;
export const INTERNAL_RECORD_ID_SEED = 44134134;

/** Max bytes of one record in a data-record file: 1 GiB. */
export const MAX_BYTES_IN_INCOMING_RECORD = 2 ** 30;
/** Max bytes of one record written straight to Cassandra: 10 MiB. */
export const MAX_BYTES_IN_DIRECT_RECORD = 10 * 1024 * 1024;
export const SECONDS_BETWEEN_RECORDS = 86_400;
