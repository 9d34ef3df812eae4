// Ingester throughput with exactly-once on: agreements and records already in Kafka,
// one ingester started, timed until every expected aggregate is committed (all data
// records are upserted into Cassandra before their offsets commit).
//   npm run bench -- ingester [msisdns=24] [stepHours=1] [partitions=6]
import { KafkaAdmin, KafkaConsumer, KafkaProducer, createCassandraClient, ensureTopics, type TopicNames } from '@mobilecs/platform';
import { agreementCodec, importedRecordCodec } from '@mobilecs/domain';
import { cassandraContactPoints, cassandraDataCenter, kafkaBrokers, startLocalInfra } from '../infra/src/index';
import { ServiceProcess } from '../test/support/service-process';
import { expectedAggregates, faultDataset } from '../test/ingester/fault-dataset';

export async function ingesterBench(msisdns: number, stepHours: number, partitions: number): Promise<Record<string, number>> {
  if (!process.env.KAFKA_BROKERS || !process.env.CASSANDRA_CONTACT_POINTS) await startLocalInfra(() => undefined);
  const brokers = (process.env.KAFKA_BROKERS ?? kafkaBrokers.join(',')).split(',');
  const contactPoints = (process.env.CASSANDRA_CONTACT_POINTS ?? cassandraContactPoints.join(',')).split(',');
  const kafka = { brokers, clientId: 'bench' };
  const tag = `bench_${Date.now().toString(36)}`;
  const names: TopicNames = {
    agreements: `${tag}.agreements`,
    incomingDataRecords: `${tag}.incoming-data-records`,
    dataRecordsAggregates: `${tag}.data-records-aggregates`,
    deadLetters: `${tag}.dead-letters`,
    dataRecordsLate: `${tag}.data-records-late`,
  };
  await ensureTopics(kafka, { names, inputPartitions: partitions, outputPartitions: partitions, replicationFactor: 1 });
  const data = faultDataset(msisdns, stepHours);
  const expected = expectedAggregates(data).length;
  const producer = await KafkaProducer.connect(kafka);
  await producer.send(data.agreements.map((a) => ({ topic: names.agreements, key: a.msisdn, value: agreementCodec.encode(a), timestamp: a.signedAt })));
  await producer.send(data.records.map((r) => ({ topic: names.incomingDataRecords, key: r.msisdn, value: importedRecordCodec.encode(r), timestamp: r.recordedAt })));
  await producer.disconnect();

  let aggregates = 0;
  const consumer = await KafkaConsumer.connect(kafka, { groupId: `${tag}-reader`, readCommitted: true });
  await consumer.subscribe([names.dataRecordsAggregates]);
  await consumer.run({ eachBatch: async (b) => void (aggregates += b.messages.length) });

  const started = Date.now();
  const ingester = new ServiceProcess('ingester', 'services/ingester/src/main.ts', {
    KAFKA_BROKERS: brokers.join(','),
    CASSANDRA_CONTACT_POINTS: contactPoints.join(','),
    CASSANDRA_LOCAL_DATA_CENTER: process.env.CASSANDRA_LOCAL_DATA_CENTER ?? cassandraDataCenter,
    CASSANDRA_KEYSPACE: tag,
    TOPIC_AGREEMENTS: names.agreements,
    TOPIC_INCOMING_DATA_RECORDS: names.incomingDataRecords,
    TOPIC_DATA_RECORDS_AGGREGATES: names.dataRecordsAggregates,
    TOPIC_DEAD_LETTERS: names.deadLetters,
    TOPIC_DATA_RECORDS_LATE: names.dataRecordsLate,
    TOPIC_INGESTER_CHANGELOG: `${tag}.changelog`,
    TOPIC_PARTITIONS: String(partitions),
    INGESTER_GROUP_ID: tag,
    INGESTER_TRANSACTIONAL_ID_PREFIX: tag,
    INGESTER_IDLE_TIMEOUT_MS: '2000',
    HTTP_PORT: '0',
  });
  await ingester.waitForLog(/"msg":"ingester ready"/, 120_000);
  const ready = Date.now();
  while (aggregates < expected && Date.now() - started < 600_000) await new Promise((r) => setTimeout(r, 200));
  const seconds = (Date.now() - ready) / 1000;
  await ingester.kill('SIGTERM');
  await consumer.disconnect();
  const admin = await KafkaAdmin.connect(kafka);
  await admin.deleteTopics([...Object.values(names as unknown as Record<string, string>), `${tag}.changelog`]).catch(() => undefined);
  await admin.disconnect();
  const cassandra = createCassandraClient({ contactPoints, localDataCenter: process.env.CASSANDRA_LOCAL_DATA_CENTER ?? cassandraDataCenter });
  await cassandra.execute(`DROP KEYSPACE IF EXISTS ${tag}`).catch(() => undefined);
  await cassandra.shutdown();
  return {
    records: data.records.length,
    aggregates,
    expectedAggregates: expected,
    partitions,
    secondsFromReady: Number(seconds.toFixed(1)),
    recordsPerSecond: Math.round(data.records.length / seconds),
  };
}
