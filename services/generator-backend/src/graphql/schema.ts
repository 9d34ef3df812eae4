// The original's GraphQL API (findDataRecords, getTotalDataUsage, upsertDataRecord),
// with a 64-bit-safe Long for byte counts.
import {
  GraphQLError,
  GraphQLInputObjectType,
  GraphQLInt,
  GraphQLList,
  type GraphQLNullableType,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
} from 'graphql';
import { BadRequestError } from '../errors';
import type { DataRecordsService } from '../data-records';
import { GraphQLLong } from './long';

const nonNull = <T extends GraphQLNullableType>(t: T) => new GraphQLNonNull(t);

const DataRecordKey = new GraphQLObjectType({
  name: 'DataRecordKey',
  fields: {
    agreementId: { type: nonNull(GraphQLString) },
    year: { type: nonNull(GraphQLInt) },
    month: { type: nonNull(GraphQLInt) },
    recordedAt: { type: nonNull(GraphQLString), description: 'ISO-8601 UTC, e.g. 2020-01-01T23:00:00.000Z' },
    internalRecordId: { type: nonNull(GraphQLString) },
  },
});

const DataRecord = new GraphQLObjectType({
  name: 'DataRecord',
  fields: {
    key: { type: nonNull(DataRecordKey) },
    recordedBytes: { type: nonNull(GraphQLLong) },
  },
});

const DataRecordUpsertRequest = new GraphQLInputObjectType({
  name: 'DataRecordUpsertRequest',
  fields: {
    recordedAt: {
      type: nonNull(GraphQLString),
      description: 'ISO-8601 with an offset (2020-01-01T23:00:00.000+00:00) or Java form (2020-01-02T00:00+01:00[Europe/Warsaw])',
    },
    internalRecordId: { type: nonNull(GraphQLString) },
    recordedBytes: { type: nonNull(GraphQLLong) },
  },
});

const periodArgs = {
  agreementId: { type: nonNull(GraphQLString) },
  year: { type: nonNull(GraphQLInt) },
  month: { type: nonNull(GraphQLInt) },
};

interface PeriodArgs {
  agreementId: string;
  year: number;
  month: number;
}

/** Bad input becomes a GraphQL error with code BAD_USER_INPUT; other errors pass through. */
async function userInput<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof BadRequestError) throw new GraphQLError(err.message, { extensions: { code: 'BAD_USER_INPUT' } });
    throw err;
  }
}

export function createSchema(service: DataRecordsService): GraphQLSchema {
  return new GraphQLSchema({
    query: new GraphQLObjectType({
      name: 'Query',
      fields: {
        findDataRecords: {
          type: nonNull(new GraphQLList(nonNull(DataRecord))),
          description: 'Data records of one billing period, newest first',
          args: periodArgs,
          resolve: (_src, a: PeriodArgs) => userInput(() => service.find(a.agreementId, a.year, a.month)),
        },
        getTotalDataUsage: {
          type: nonNull(GraphQLString),
          description: 'Total of one billing period in B, KB, MB and GB (one per line, rounded half up)',
          args: periodArgs,
          resolve: (_src, a: PeriodArgs) => userInput(() => service.totalDataUsed(a.agreementId, a.year, a.month)),
        },
      },
    }),
    mutation: new GraphQLObjectType({
      name: 'Mutation',
      fields: {
        upsertDataRecord: {
          type: nonNull(DataRecord),
          args: {
            agreementId: { type: nonNull(GraphQLString) },
            upsertRequest: { type: nonNull(DataRecordUpsertRequest) },
          },
          resolve: (_src, a: { agreementId: string; upsertRequest: { recordedAt: string; internalRecordId: string; recordedBytes: bigint } }) =>
            // A Long is a bigint; the domain refuses what is outside 0 … 2^63 − 1 with a clear message.
            userInput(() => service.upsert(a.agreementId, a.upsertRequest)),
        },
      },
    }),
  });
}
