// Every environment variable a service reads is set explicitly for it, in
// docker-compose.yml and in k8s/, and nothing else: the names come from the services'
// own zod schemas (what main.ts validates), so a new variable fails here until both
// deployments set it. zod ignores variables it does not know, so a misspelt name would
// silently leave the default: that is checked too, and the values must pass the schema.
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  SERVICES,
  asArray,
  asObject,
  at,
  commonEnvSchema,
  composeEnvironment,
  envSchemas,
  loadCompose,
  renderKustomization,
  schemaVariables,
  text,
  type JsonObject,
  type ServiceName,
} from './deploy-files';

const compose = loadCompose();
const resources = renderKustomization();

/** A Deployment's container environment as the kubelet builds it: envFrom ConfigMaps first, then env. */
function k8sEnvironment(docs: JsonObject[], service: ServiceName): Record<string, string> {
  const deployment = docs.find((d) => d.kind === 'Deployment' && at(d, 'metadata', 'name') === service);
  const container = asArray(at(deployment, 'spec', 'template', 'spec', 'containers')).find((c) => at(c, 'name') === service);
  if (!container) throw new Error(`no Deployment/${service} with a container ${service}`);
  const env: Record<string, string> = {};
  for (const source of asArray(at(container, 'envFrom'))) {
    const name = at(source, 'configMapRef', 'name');
    const configMap = docs.find((d) => d.kind === 'ConfigMap' && at(d, 'metadata', 'name') === name);
    if (!configMap) throw new Error(`Deployment/${service}: envFrom names ConfigMap ${text(name)}, which is not rendered`);
    for (const [key, value] of Object.entries(asObject(configMap.data))) env[`${text(at(source, 'prefix') ?? '')}${key}`] = text(value);
  }
  for (const entry of asArray(at(container, 'env'))) {
    const value = at(entry, 'value');
    if (value === undefined && at(entry, 'valueFrom') === undefined) throw new Error(`Deployment/${service}: env ${text(at(entry, 'name'))} has no value`);
    const secret = at(entry, 'valueFrom', 'secretKeyRef');
    // A Secret's value is not in the repository: stand in with a name long enough for the schema.
    env[text(at(entry, 'name'))] = value !== undefined ? text(value) : secret !== undefined ? `<secret ${text(at(secret, 'name'))}/${text(at(secret, 'key'))}>` : '<valueFrom>';
  }
  return env;
}

/** What is wrong with an environment for a schema: variables missing, unknown, or values it refuses. */
function environmentProblems(env: Record<string, string>, schema: z.ZodObject): string[] {
  const expected = schemaVariables(schema);
  const missing = expected.filter((name) => !(name in env)).map((name) => `${name} is not set`);
  const unknown = Object.keys(env)
    .filter((name) => !expected.includes(name))
    .map((name) => `${name} is set but not read by the service`);
  const parsed = schema.safeParse(env);
  const refused = parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}=${JSON.stringify(env[String(i.path[0])])}: ${i.message}`);
  return [...missing, ...unknown, ...refused];
}

const composeEnv = (service: ServiceName) => composeEnvironment(asObject(compose.services)[service]);

describe('environment of the services', () => {
  it('reads the variable names from the schemas (and the schemas share the common ones)', () => {
    const common = schemaVariables(commonEnvSchema);
    expect(common).toContain('KAFKA_BROKERS');
    for (const service of SERVICES) {
      expect(schemaVariables(envSchemas[service])).toEqual(expect.arrayContaining([...common, 'HTTP_PORT']));
    }
  });

  for (const service of SERVICES) {
    it(`docker-compose.yml sets exactly ${service}'s variables, with values its schema accepts`, () => {
      expect(environmentProblems(composeEnv(service), envSchemas[service])).toEqual([]);
    });

    it(`k8s sets exactly ${service}'s variables (ConfigMap + env), with values its schema accepts`, () => {
      expect(environmentProblems(k8sEnvironment(resources, service), envSchemas[service])).toEqual([]);
    });

    it(`docker-compose.yml and k8s give ${service} the same values, except the server addresses and the API token`, () => {
      // Server addresses differ by design; the API token comes from a Secret (k8s) and from
      // .env (compose), never from the repository.
      const addresses = ['KAFKA_BROKERS', 'CASSANDRA_CONTACT_POINTS', 'API_TOKEN'];
      const strip = (env: Record<string, string>) => Object.fromEntries(Object.entries(env).filter(([k]) => !addresses.includes(k)));
      expect(strip(k8sEnvironment(resources, service))).toEqual(strip(composeEnv(service)));
    });
  }

  it('keeps the variables every service reads in one place: the x-common-env anchor and the mobilecs-config ConfigMap', () => {
    const common = schemaVariables(commonEnvSchema);
    expect(Object.keys(asObject(compose['x-common-env'])).sort()).toEqual(common);
    const configMap = resources.find((d) => d.kind === 'ConfigMap' && at(d, 'metadata', 'name') === 'mobilecs-config');
    expect(Object.keys(asObject(at(configMap, 'data'))).sort()).toEqual(common);
  });
});

describe('the environment check finds what it is meant to find', () => {
  const complete = composeEnv('ingester');

  it('a variable that is not set', () => {
    const { INGESTER_TICK_MS: _dropped, ...env } = complete;
    expect(environmentProblems(env, envSchemas.ingester)).toEqual(['INGESTER_TICK_MS is not set']);
  });
  it('a misspelt variable', () => {
    const { INGESTER_IDLE_TIMEOUT_MS: value, ...env } = complete;
    expect(environmentProblems({ ...env, INGESTER_IDLE_TIMOUT_MS: value! }, envSchemas.ingester)).toEqual([
      'INGESTER_IDLE_TIMEOUT_MS is not set',
      'INGESTER_IDLE_TIMOUT_MS is set but not read by the service',
    ]);
  });
  it('a value the schema refuses', () => {
    expect(environmentProblems({ ...complete, INGESTER_SESSION_TIMEOUT_MS: '1000' }, envSchemas.ingester)).toEqual([
      expect.stringMatching(/^INGESTER_SESSION_TIMEOUT_MS="1000": /),
    ]);
    const generator = composeEnv('generator-backend');
    expect(environmentProblems({ ...generator, GENERATOR_BATCH_SIZE: '5000' }, envSchemas['generator-backend'])).toEqual([
      'GENERATOR_BATCH_SIZE="5000": must not exceed GENERATOR_MAX_COUNT (1000)',
    ]);
  });
  it('a ConfigMap that is not rendered', () => {
    const docs = resources.filter((d) => d.kind !== 'ConfigMap');
    expect(() => k8sEnvironment(docs, 'importer')).toThrow('envFrom names ConfigMap mobilecs-config, which is not rendered');
  });
});
