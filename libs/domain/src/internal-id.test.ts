import { describe, expect, it } from 'vitest';
import { INTERNAL_RECORD_ID_NAMESPACE, internalRecordId, internalRecordIdName } from './internal-id';

const record = {
  externalId: '523d8cc7-e611-3508-90bc-fab260b2973e',
  msisdn: '48917846822',
  recordedAt: Date.UTC(2020, 0, 10, 23),
  recordedBytes: 362570622,
};

describe('internalRecordId', () => {
  it('hashes a documented name with UUIDv5 in a fixed namespace', () => {
    expect(internalRecordIdName(record)).toBe(
      'mobilecs/data-record/v1;523d8cc7-e611-3508-90bc-fab260b2973e;48917846822;1578697200000;362570622',
    );
    expect(INTERNAL_RECORD_ID_NAMESPACE).toBe('6f0c1d9e-3b1a-4c55-9a7e-2d8b5e4f7a10');
    const id = internalRecordId(record);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // Pinned: changing the namespace or the name would silently re-key every record.
    expect(id).toBe(internalRecordId({ ...record }));
    expect(id).toMatchInlineSnapshot(`"bc67d291-379d-5f68-a5f4-aa77971a8604"`);
  });

  it('is the same whether recordedBytes is a number or a bigint (ids of records imported before bigint byte counts do not change)', () => {
    expect(internalRecordId({ ...record, recordedBytes: 362570622n })).toBe('bc67d291-379d-5f68-a5f4-aa77971a8604');
    expect(internalRecordIdName({ ...record, recordedBytes: 9223372036854775807n })).toBe(
      'mobilecs/data-record/v1;523d8cc7-e611-3508-90bc-fab260b2973e;48917846822;1578697200000;9223372036854775807',
    );
  });

  it('is the same for the same record imported twice, whatever the case of the externalId', () => {
    expect(internalRecordId({ ...record, externalId: record.externalId.toUpperCase() })).toBe(internalRecordId(record));
  });

  it('differs when two operators reuse an externalId for different records', () => {
    const ids = new Set([
      internalRecordId(record),
      internalRecordId({ ...record, msisdn: '48111111111' }),
      internalRecordId({ ...record, recordedAt: record.recordedAt + 1 }),
      internalRecordId({ ...record, recordedBytes: record.recordedBytes + 1 }),
    ]);
    expect(ids.size).toBe(4);
  });
});
