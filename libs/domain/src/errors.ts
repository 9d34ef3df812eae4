// Typed errors. Parsers return them inside a Result; only programming errors (encoding a
// value that breaks its own schema) are thrown, and then as one of these classes too.

/** Base class of every error the domain reports about bad data. */
export abstract class DomainError extends Error {
  abstract readonly reason: string;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export type TimestampErrorReason =
  | 'format' // not ISO-8601 with an offset, nor Java's zoned form
  | 'invalid-date' // e.g. 2020-02-30 or 24:00
  | 'unknown-zone' // bracketed zone id is not a known IANA zone
  | 'offset-mismatch'; // the offset is not the zone's offset at that instant

export class TimestampError extends DomainError {
  constructor(
    readonly reason: TimestampErrorReason,
    readonly value: string,
    message: string,
  ) {
    super(message);
  }
}

export type DataRecordLineField = 'externalId' | 'recordedAt' | 'msisdn' | 'recordedBytes';

export type DataRecordLineErrorReason =
  | 'blank-line'
  | 'field-count'
  | 'invalid-external-id'
  | 'invalid-recorded-at'
  | 'invalid-msisdn'
  | 'invalid-recorded-bytes';

export class DataRecordLineError extends DomainError {
  constructor(
    readonly reason: DataRecordLineErrorReason,
    /** The offending field, absent for whole-line problems. */
    readonly field: DataRecordLineField | undefined,
    /** The offending text: the field's text, or the whole line. */
    readonly value: string,
    message: string,
  ) {
    super(message);
  }
}

export type MessageDecodeErrorReason = 'malformed-json' | 'invalid-message';

export interface ValidationIssue {
  /** Dotted path of the offending property, '' for the whole message. */
  readonly path: string;
  readonly message: string;
}

export class MessageDecodeError extends DomainError {
  constructor(
    readonly reason: MessageDecodeErrorReason,
    /** Which message type was being decoded, e.g. 'Agreement'. */
    readonly messageType: string,
    readonly issues: readonly ValidationIssue[],
    message: string,
  ) {
    super(message);
  }
}

/** Thrown (never returned) when code tries to serialise a value that breaks its own schema. */
export class MessageEncodeError extends DomainError {
  readonly reason = 'invalid-value';
  constructor(
    readonly messageType: string,
    readonly issues: readonly ValidationIssue[],
  ) {
    super(`cannot encode ${messageType}: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`);
  }
}
