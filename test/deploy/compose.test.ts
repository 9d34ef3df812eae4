// docker-compose.yml, checked offline (no Docker engine here): the Compose
// specification's JSON schema, dclint's correctness rules, and what a user relies on
// (start order on health, the shared incoming folder, host ports, Kafka in KRaft mode,
// the images built from services/Dockerfile). Each structural check also runs on a
// broken copy to show that it can fail.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { DCLinter } from 'dclint';
import { describe, expect, it } from 'vitest';
import { SERVICES, asArray, asObject, at, composeEnvironment as environmentOf, isObject, loadCompose, readRepoFile, repoRoot, text, type Json, type JsonObject } from './deploy-files';

/**
 * The Compose specification's schema (compose-spec.json) as shipped inside dclint, the
 * Compose linter (GitHub, where compose-spec keeps it, is not reachable here; dclint
 * refreshes its copy from there). Its `$schema` names the draft-07 meta-schema by its
 * https address, which Ajv knows by http; Ajv's default dialect is draft-07 anyway.
 */
function composeSpecSchema(): object {
  const dclintDir = dirname(createRequire(import.meta.url).resolve('dclint/package.json'));
  const { $schema: _dialect, ...schema } = JSON.parse(readFileSync(join(dclintDir, 'schemas', 'compose.schema.json'), 'utf8')) as Record<string, unknown>;
  return schema;
}

// strict: false because the spec uses annotations Ajv does not know (`deprecated`).
const validateCompose = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true }).compile(composeSpecSchema());
const schemaErrors = (doc: unknown): string[] =>
  validateCompose(doc) ? [] : (validateCompose.errors ?? []).map((e: ErrorObject) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);

// dclint's rules as used here. dclint runs every rule not set to 0, so each is named:
// a rule that an upgrade adds runs as well, and fails the test if it finds anything.
const dclintRules = {
  'no-duplicate-container-names': 2,
  'no-duplicate-exported-ports': 2,
  'no-unbound-port-interfaces': 2, // Kafka and Cassandra have no authentication: publish on 127.0.0.1
  'no-version-field': 2,
  'require-quotes-in-ports': [2, { quoteType: 'double' }], // unquoted a:b can be read as a base-60 number
  'service-image-require-explicit-tag': 2,
  'service-container-name-regex': 2,
  // Style only (key and service order), or at odds with building images here: build
  // and image together name the images k8s/build-images.sh also builds.
  'no-build-and-image': 0,
  'no-quotes-in-volumes': 0,
  'require-project-name-field': 0,
  'service-dependencies-alphabetical-order': 0,
  'service-keys-order': 0,
  'service-ports-alphabetical-order': 0,
  'services-alphabetical-order': 0,
  'top-level-properties-order': 0,
} satisfies Record<string, 0 | 2 | [2, Record<string, unknown>]>;

/** dclint's findings for a compose file: its schema check and the rules above. */
function dclintMessages(path: string): string[] {
  const linter = new DCLinter({ rules: dclintRules, quiet: false, debug: false, exclude: [] });
  const [result] = linter.lintFiles([path], false);
  return (result?.messages ?? []).map((m) => `line ${m.line} ${m.rule}: ${m.message}`);
}

const servicesOf = (compose: JsonObject) => asObject(compose.services);

/** Named volumes mounted by a service: short syntax `name:/path[:mode]` or long syntax. */
function namedVolumeMounts(compose: JsonObject, service: Json | undefined): { volume: string; target: string }[] {
  const declared = Object.keys(asObject(compose.volumes));
  return asArray(at(service, 'volumes')).flatMap((mount) => {
    if (typeof mount === 'string') {
      const [source, target] = mount.split(':');
      return source && target && declared.includes(source) ? [{ volume: source, target }] : [];
    }
    const source = at(mount, 'source');
    const target = at(mount, 'target');
    return at(mount, 'type') === 'volume' && typeof source === 'string' && typeof target === 'string' && declared.includes(source)
      ? [{ volume: source, target }]
      : [];
  });
}

/** Published ports: short syntax `[ip:]published:target[/proto]` or long syntax. */
function publishedPorts(service: Json | undefined): { hostIp: string; published: number; target: number }[] {
  return asArray(at(service, 'ports')).flatMap((port) => {
    if (typeof port === 'string' || typeof port === 'number') {
      const parts = text(port).replace(/\/(tcp|udp)$/, '').split(':');
      const target = Number(parts.at(-1));
      const published = Number(parts.at(-2));
      return parts.length >= 2 ? [{ hostIp: parts.length === 3 ? parts[0]! : '0.0.0.0', published, target }] : [];
    }
    const published = Number(at(port, 'published'));
    return Number.isInteger(published) ? [{ hostIp: text(at(port, 'host_ip') ?? '0.0.0.0'), published, target: Number(at(port, 'target')) }] : [];
  });
}

/** Problems of start order: a `service_healthy` dependency must have a healthcheck. */
function healthDependencyProblems(compose: JsonObject): string[] {
  const services = servicesOf(compose);
  const problems: string[] = [];
  for (const [name, service] of Object.entries(services)) {
    for (const [dependency, condition] of Object.entries(asObject(at(service, 'depends_on')))) {
      if (at(condition, 'condition') !== 'service_healthy') continue;
      if (!(dependency in services)) problems.push(`${name} depends on unknown service ${dependency}`);
      else if (!at(services[dependency], 'healthcheck') || at(services[dependency], 'healthcheck', 'disable') === true) {
        problems.push(`${name} waits for ${dependency} to be healthy, but ${dependency} has no healthcheck`);
      }
    }
  }
  return problems;
}

/** Problems of the incoming folder: one named volume, mounted where each side's INCOMING_DATA_RECORDS_DIR points. */
function incomingFolderProblems(compose: JsonObject): string[] {
  const services = servicesOf(compose);
  const mounts = (['generator-backend', 'importer'] as const).map((name) => {
    const dir = environmentOf(services[name]).INCOMING_DATA_RECORDS_DIR;
    return { name, dir, volume: namedVolumeMounts(compose, services[name]).find((m) => m.target === dir)?.volume };
  });
  const problems = mounts.filter((m) => !m.volume).map((m) => `${m.name}: no named volume at INCOMING_DATA_RECORDS_DIR (${m.dir})`);
  if (problems.length === 0 && mounts[0]!.volume !== mounts[1]!.volume) problems.push(`generator-backend and importer mount different volumes`);
  return problems;
}

/** Problems of Kafka's mode: KRaft (broker and controller roles, a quorum, a cluster id), no ZooKeeper anywhere. */
function kraftProblems(compose: JsonObject): string[] {
  const services = servicesOf(compose);
  const problems: string[] = [];
  const kafkaEnv = environmentOf(services.kafka);
  const roles = (kafkaEnv.KAFKA_PROCESS_ROLES ?? '').split(',').map((r) => r.trim());
  if (!roles.includes('broker') || !roles.includes('controller')) problems.push(`kafka: KAFKA_PROCESS_ROLES is "${kafkaEnv.KAFKA_PROCESS_ROLES ?? ''}"`);
  if (!kafkaEnv.KAFKA_CONTROLLER_QUORUM_VOTERS) problems.push('kafka: no KAFKA_CONTROLLER_QUORUM_VOTERS');
  if (!kafkaEnv.CLUSTER_ID) problems.push('kafka: no CLUSTER_ID to format the KRaft storage with');
  for (const [name, service] of Object.entries(services)) {
    if (/zookeeper/i.test(text(at(service, 'image') ?? ''))) problems.push(`${name}: a ZooKeeper image`);
    if (Object.keys(environmentOf(service)).some((k) => /ZOOKEEPER/.test(k))) problems.push(`${name}: ZooKeeper settings`);
  }
  return problems;
}

const compose = loadCompose();
const services = servicesOf(compose);

describe('docker-compose.yml', () => {
  it('is valid against the Compose specification schema (after YAML merge keys)', () => {
    expect(schemaErrors(compose)).toEqual([]);
  });

  it("passes dclint's correctness rules", () => {
    expect(dclintMessages(join(repoRoot, 'docker-compose.yml'))).toEqual([]);
  });

  it('starts nothing on an unhealthy dependency: every service_healthy target has a healthcheck', () => {
    expect(healthDependencyProblems(compose)).toEqual([]);
    // The services wait for what they use.
    expect(Object.keys(asObject(at(services['generator-backend'], 'depends_on'))).sort()).toEqual(['cassandra', 'kafka']);
    expect(Object.keys(asObject(at(services.ingester, 'depends_on'))).sort()).toEqual(['cassandra', 'kafka']);
    expect(Object.keys(asObject(at(services.importer, 'depends_on')))).toEqual(['kafka']);
  });

  it('shares one named volume as the incoming folder of generator-backend and importer', () => {
    expect(incomingFolderProblems(compose)).toEqual([]);
  });

  it('publishes 8080 (generator-backend), 9092 (Kafka, advertised as localhost:9092) and 9042 (Cassandra) on the host', () => {
    expect(publishedPorts(services['generator-backend'])).toContainEqual({ hostIp: '127.0.0.1', published: 8080, target: 8080 });
    expect(environmentOf(services['generator-backend']).HTTP_PORT).toBe('8080');
    expect(publishedPorts(services.kafka)).toContainEqual({ hostIp: '127.0.0.1', published: 9092, target: 9092 });
    const kafkaEnv = environmentOf(services.kafka);
    expect(kafkaEnv.KAFKA_ADVERTISED_LISTENERS).toMatch(/(^|,)\w+:\/\/localhost:9092(,|$)/);
    expect(kafkaEnv.KAFKA_LISTENERS).toMatch(/(^|,)\w+:\/\/:9092(,|$)/);
    expect(publishedPorts(services.cassandra)).toContainEqual({ hostIp: '127.0.0.1', published: 9042, target: 9042 });
    // Scaling the ingester (--scale ingester=3) needs it to publish no fixed host port.
    expect(publishedPorts(services.ingester)).toEqual([]);
  });

  it('runs Kafka in KRaft mode, without ZooKeeper', () => {
    expect(kraftProblems(compose)).toEqual([]);
  });

  it('uses the Kafka and Cassandra versions the tests run against (infra/*/pom.xml)', () => {
    const pomVersion = (server: string) => /<(?:kafka|cassandra)\.version>([^<]+)</.exec(readRepoFile(`infra/${server}/pom.xml`))![1]!;
    const tag = (image: Json | undefined) => text(image).split(':').at(-1)!;
    // An exact version, or its major.minor line (cassandra:5.0 follows 5.0.x).
    const sameLine = (imageTag: string, version: string) => version === imageTag || version.startsWith(`${imageTag}.`);
    expect(tag(at(services.kafka, 'image'))).toBe(pomVersion('kafka'));
    expect(at(services['console-consumer'], 'image')).toBe(at(services.kafka, 'image'));
    expect(sameLine(tag(at(services.cassandra, 'image')), pomVersion('cassandra'))).toBe(true);
  });

  for (const name of SERVICES) {
    it(`builds ${name} from services/Dockerfile with SERVICE=${name} and PORT = its HTTP_PORT`, () => {
      const service = services[name];
      expect(at(service, 'build', 'context')).toBe('.');
      expect(at(service, 'build', 'dockerfile')).toBe('services/Dockerfile');
      expect(text(at(service, 'build', 'args', 'SERVICE'))).toBe(name);
      expect(text(at(service, 'build', 'args', 'PORT'))).toBe(environmentOf(service).HTTP_PORT);
      expect(at(service, 'image')).toBe(`mobilecs/${name}:latest`);
      expect(at(service, 'healthcheck', 'test')).toEqual(expect.arrayContaining([expect.stringContaining('/health/ready')]));
    });
  }
});

describe('the compose checks find what they are meant to find', () => {
  const broken = (change: (copy: JsonObject) => void): JsonObject => {
    const copy = structuredClone(compose);
    change(copy);
    return copy;
  };
  const service = (copy: JsonObject, name: string) => asObject(asObject(copy.services)[name]);

  it("dclint's rules: a latest tag, an unquoted port, a port on every interface", () => {
    const dir = mkdtempSync(join(tmpdir(), 'mobilecs-compose-'));
    try {
      const file = join(dir, 'docker-compose.yml');
      const text = readRepoFile('docker-compose.yml')
        .replace('image: cassandra:5.0', 'image: cassandra:latest')
        .replace('"127.0.0.1:9042:9042"', '9042:9042');
      writeFileSync(file, text);
      expect(dclintMessages(file).map((m) => m.replace(/^line \d+ /, '').split(':')[0]).sort()).toEqual([
        'no-unbound-port-interfaces',
        'require-quotes-in-ports',
        'service-image-require-explicit-tag',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('a key the specification does not have', () => {
    expect(schemaErrors(broken((c) => (service(c, 'importer').restart_policy = 'always')))).toEqual([
      expect.stringContaining('must NOT have additional properties'),
    ]);
    expect(schemaErrors(broken((c) => (service(c, 'kafka').ports = '9092:9092')))).not.toEqual([]);
  });
  it('a service_healthy dependency without a healthcheck', () => {
    expect(healthDependencyProblems(broken((c) => delete service(c, 'cassandra').healthcheck))).toEqual([
      'generator-backend waits for cassandra to be healthy, but cassandra has no healthcheck',
      'ingester waits for cassandra to be healthy, but cassandra has no healthcheck',
    ]);
  });
  it('an incoming folder that is not shared', () => {
    expect(incomingFolderProblems(broken((c) => (service(c, 'importer').volumes = ['kafka-data:/mobilecs/incoming-data-records'])))).toEqual([
      'generator-backend and importer mount different volumes',
    ]);
    expect(incomingFolderProblems(broken((c) => (asObject(service(c, 'importer').environment).INCOMING_DATA_RECORDS_DIR = '/elsewhere')))).toEqual([
      'importer: no named volume at INCOMING_DATA_RECORDS_DIR (/elsewhere)',
    ]);
  });
  it('Kafka with ZooKeeper', () => {
    const zk = broken((c) => {
      const env = asObject(service(c, 'kafka').environment);
      delete env.KAFKA_PROCESS_ROLES;
      env.KAFKA_ZOOKEEPER_CONNECT = 'zookeeper:2181';
      asObject(c.services).zookeeper = { image: 'confluentinc/cp-zookeeper:7.6.0' };
    });
    expect(kraftProblems(zk)).toEqual(['kafka: KAFKA_PROCESS_ROLES is ""', 'kafka: ZooKeeper settings', 'zookeeper: a ZooKeeper image']);
  });
  it('merge keys are resolved: the shared variables reach every service', () => {
    expect(isObject(compose['x-common-env'])).toBe(true);
    for (const name of SERVICES) expect(environmentOf(services[name]).KAFKA_BROKERS).toBe('kafka:19092');
  });
});
