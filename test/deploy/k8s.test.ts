// k8s/, checked offline (no cluster here): rendered as kustomize does (the small
// renderer of deploy-files.ts, which refuses what it does not handle), every resource
// validated against the Kubernetes OpenAPI schemas (kubernetes-models), and what a
// minikube user relies on. Each structural check also runs on a broken copy to
// show that it can fail.
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SERVICES, asArray, asObject, at, readRepoFile, renderKustomization, repoRoot, text, type Json, type JsonObject } from './deploy-files';

const NAMESPACE = 'mobilecs';
const resources = renderKustomization();

const named = (docs: JsonObject[], kind: string, name: string) => docs.find((d) => d.kind === kind && at(d, 'metadata', 'name') === name);
const podSpec = (workload: Json | undefined) => at(workload, 'spec', 'template', 'spec');
const containersOf = (workload: Json | undefined) => [...asArray(at(podSpec(workload), 'initContainers')), ...asArray(at(podSpec(workload), 'containers'))];
const workloads = (docs: JsonObject[]) => docs.filter((d) => ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob'].includes(text(d.kind)));
const ref = (d: Json | undefined) => `${text(at(d, 'kind'))}/${text(at(d, 'metadata', 'name'))}`;

/** Validates one resource with the kubernetes-models class of its apiVersion and kind (the OpenAPI schema). */
async function openApiErrors(resource: JsonObject): Promise<string[]> {
  const apiVersion = text(resource.apiVersion);
  const kind = text(resource.kind);
  let model: new (data: unknown) => { validate(): void };
  try {
    // @vite-ignore: resolved at run time (vite cannot map the template onto the package's exports).
    const module = (await import(/* @vite-ignore */ `kubernetes-models/${apiVersion}/${kind}`)) as Record<string, unknown>;
    model = module[kind] as typeof model;
  } catch {
    return [`${ref(resource)}: no schema for ${apiVersion} ${kind}`];
  }
  try {
    new model(resource).validate();
    return [];
  } catch (err) {
    return [`${ref(resource)}: ${(err as Error).message}`];
  }
}

/** Problems of the mobilecs service Deployments: probes, image and pull policy. */
function serviceDeploymentProblems(docs: JsonObject[]): string[] {
  const problems: string[] = [];
  for (const service of SERVICES) {
    const deployment = named(docs, 'Deployment', service);
    if (!deployment) {
      problems.push(`no Deployment ${service}`);
      continue;
    }
    const container = asArray(at(podSpec(deployment), 'containers')).find((c) => at(c, 'name') === service);
    if (!container) {
      problems.push(`Deployment/${service}: no container ${service}`);
      continue;
    }
    const ports = asArray(at(container, 'ports'));
    const probe = (kind: string, path: string) => {
      const get = at(container, kind, 'httpGet');
      const port = at(get, 'port');
      const portKnown = ports.some((p) => at(p, 'name') === port || at(p, 'containerPort') === port);
      if (at(get, 'path') !== path || !portKnown) problems.push(`Deployment/${service}: ${kind} is not an HTTP GET of ${path} on a container port`);
    };
    probe('livenessProbe', '/health/live');
    probe('readinessProbe', '/health/ready');
    if (at(container, 'image') !== `mobilecs/${service}:latest`) problems.push(`Deployment/${service}: image ${text(at(container, 'image'))}`);
  }
  for (const workload of workloads(docs)) {
    for (const container of containersOf(workload)) {
      if (text(at(container, 'image')).startsWith('mobilecs/') && at(container, 'imagePullPolicy') !== 'IfNotPresent') {
        // minikube has the image only in its own Docker (k8s/build-images.sh); a pull would fail.
        problems.push(`${ref(workload)}: imagePullPolicy of ${text(at(container, 'image'))} is ${text(at(container, 'imagePullPolicy'))}, not IfNotPresent`);
      }
    }
  }
  return problems;
}

/** Problems of resources: requests and limits of CPU and memory on every container. */
function resourceProblems(docs: JsonObject[]): string[] {
  return workloads(docs).flatMap((workload) =>
    containersOf(workload).flatMap((container) =>
      ['requests', 'limits'].flatMap((kind) =>
        ['cpu', 'memory']
          .filter((r) => at(container, 'resources', kind, r) === undefined)
          .map((r) => `${ref(workload)} container ${text(at(container, 'name'))}: no ${kind}.${r}`),
      ),
    ),
  );
}

/** Problems of Kafka and Cassandra: StatefulSets with a headless Service and storage of their own. */
function statefulSetProblems(docs: JsonObject[]): string[] {
  const problems: string[] = [];
  for (const name of ['kafka', 'cassandra']) {
    const set = named(docs, 'StatefulSet', name);
    if (!set) {
      problems.push(`${name} is not a StatefulSet`);
      continue;
    }
    const headless = named(docs, 'Service', text(at(set, 'spec', 'serviceName')));
    if (at(headless, 'spec', 'clusterIP') !== 'None') problems.push(`StatefulSet/${name}: serviceName is not a headless Service`);
    if (asArray(at(set, 'spec', 'volumeClaimTemplates')).length === 0) problems.push(`StatefulSet/${name}: no volumeClaimTemplates`);
  }
  return problems;
}

/** Problems of Services: selectors that select no pod, target ports no container has. */
function serviceProblems(docs: JsonObject[]): string[] {
  const problems: string[] = [];
  for (const service of docs.filter((d) => d.kind === 'Service')) {
    const selector = asObject(at(service, 'spec', 'selector'));
    const pods = workloads(docs).filter((w) => {
      const labels = asObject(at(w, 'spec', 'template', 'metadata', 'labels'));
      return Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);
    });
    if (pods.length === 0) {
      problems.push(`${ref(service)}: selector matches no pod template`);
      continue;
    }
    const containerPorts = pods.flatMap((p) => containersOf(p).flatMap((c) => asArray(at(c, 'ports'))));
    for (const port of asArray(at(service, 'spec', 'ports'))) {
      const target = at(port, 'targetPort') ?? at(port, 'port');
      if (!containerPorts.some((p) => at(p, 'name') === target || at(p, 'containerPort') === target)) {
        problems.push(`${ref(service)}: targetPort ${text(target)} is no container port`);
      }
    }
  }
  return problems;
}

/** Problems of the incoming folder: the PVC mounted by generator-backend and importer where INCOMING_DATA_RECORDS_DIR points. */
function incomingVolumeProblems(docs: JsonObject[]): string[] {
  const problems: string[] = [];
  const claim = 'incoming-data-records';
  if (!named(docs, 'PersistentVolumeClaim', claim)) problems.push(`no PersistentVolumeClaim ${claim}`);
  for (const name of ['generator-backend', 'importer']) {
    const deployment = named(docs, 'Deployment', name);
    const volume = asArray(at(podSpec(deployment), 'volumes')).find((v) => at(v, 'persistentVolumeClaim', 'claimName') === claim);
    const container = asArray(at(podSpec(deployment), 'containers')).find((c) => at(c, 'name') === name);
    const dir = at(asArray(at(container, 'env')).find((e) => at(e, 'name') === 'INCOMING_DATA_RECORDS_DIR'), 'value');
    const mounted = asArray(at(container, 'volumeMounts')).some((m) => at(m, 'name') === at(volume, 'name') && at(m, 'mountPath') === dir);
    if (!volume || !mounted) problems.push(`Deployment/${name}: PVC ${claim} not mounted at INCOMING_DATA_RECORDS_DIR (${text(dir)})`);
  }
  return problems;
}

describe('k8s/ (rendered kustomization)', () => {
  it('renders every resource into namespace mobilecs with the part-of label', () => {
    expect(resources.map(ref).sort()).toEqual(
      [
        'ConfigMap/mobilecs-config',
        'Deployment/generator-backend',
        'Deployment/importer',
        'Deployment/ingester',
        'Namespace/mobilecs',
        'PersistentVolumeClaim/incoming-data-records',
        'Service/cassandra',
        'Service/cassandra-headless',
        'Service/generator-backend',
        'Service/importer',
        'Service/ingester',
        'Service/kafka',
        'Service/kafka-headless',
        'StatefulSet/cassandra',
        'StatefulSet/kafka',
      ].sort(),
    );
    for (const resource of resources) {
      if (resource.kind !== 'Namespace') expect(at(resource, 'metadata', 'namespace'), ref(resource)).toBe(NAMESPACE);
      expect(at(resource, 'metadata', 'labels', 'app.kubernetes.io/part-of'), ref(resource)).toBe('mobilecs');
    }
  });

  it('validates every resource against the Kubernetes OpenAPI schemas', async () => {
    const errors = (await Promise.all(resources.map(openApiErrors))).flat();
    expect(errors).toEqual([]);
  });

  it('gives the service Deployments liveness and readiness probes and local images (IfNotPresent)', () => {
    expect(serviceDeploymentProblems(resources)).toEqual([]);
  });

  it('sets resource requests and limits on every container', () => {
    expect(resourceProblems(resources)).toEqual([]);
  });

  it('runs Kafka and Cassandra as StatefulSets', () => {
    expect(statefulSetProblems(resources)).toEqual([]);
  });

  it('has Services that select pods and target their ports', () => {
    expect(serviceProblems(resources)).toEqual([]);
  });

  it('exposes generator-backend as a NodePort Service (minikube service -n mobilecs generator-backend)', () => {
    const service = named(resources, 'Service', 'generator-backend');
    expect(at(service, 'spec', 'type')).toBe('NodePort');
    expect(asArray(at(service, 'spec', 'ports')).map((p) => at(p, 'port'))).toEqual([8080]);
  });

  it('mounts the incoming PVC in generator-backend and importer', () => {
    expect(incomingVolumeProblems(resources)).toEqual([]);
  });

  it('uses the Kafka version the tests run against (infra/kafka/pom.xml)', () => {
    const version = /<kafka\.version>([^<]+)</.exec(readRepoFile('infra/kafka/pom.xml'))![1];
    expect(at(containersOf(named(resources, 'StatefulSet', 'kafka'))[0], 'image')).toBe(`apache/kafka:${version}`);
  });

  it('listens where build-images.sh builds each image for (PORT = HTTP_PORT = containerPort)', () => {
    const script = readRepoFile('k8s/build-images.sh');
    const entries = /for entry in ([^;]+);/.exec(script)![1]!.trim().split(/\s+/);
    const built = Object.fromEntries(entries.map((e) => e.split(':') as [string, string]));
    expect(Object.keys(built).sort()).toEqual([...SERVICES].sort());
    expect(script).toContain('docker build -f services/Dockerfile --build-arg "SERVICE=${service}" --build-arg "PORT=${port}"');
    for (const service of SERVICES) {
      const container = asArray(at(podSpec(named(resources, 'Deployment', service)), 'containers'))[0];
      const httpPort = at(asArray(at(container, 'env')).find((e) => at(e, 'name') === 'HTTP_PORT'), 'value');
      expect(httpPort, service).toBe(built[service]);
      expect(asArray(at(container, 'ports')).map((p) => text(at(p, 'containerPort'))), service).toEqual([built[service]]);
    }
  });
});

describe('the k8s checks find what they are meant to find', () => {
  const broken = (change: (docs: JsonObject[]) => void): JsonObject[] => {
    const copy = structuredClone(resources);
    change(copy);
    return copy;
  };
  const container = (docs: JsonObject[], kind: string, name: string) => asObject(containersOf(named(docs, kind, name))[0]);
  const temporary: string[] = [];
  afterAll(() => temporary.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  /** Renders a copy of k8s/ after `change` edited its files. */
  const renderChanged = (change: (dir: string) => void) => {
    const dir = mkdtempSync(join(tmpdir(), 'mobilecs-k8s-'));
    temporary.push(dir);
    cpSync(join(repoRoot, 'k8s'), dir, { recursive: true });
    change(dir);
    return () => renderKustomization(dir);
  };
  const kustomization = readRepoFile('k8s/kustomization.yaml');

  it('the renderer refuses what it does not handle, instead of rendering half of it', () => {
    const withField = (extra: string) => renderChanged((dir) => writeFileSync(join(dir, 'kustomization.yaml'), `${kustomization}${extra}\n`));
    expect(withField('commonLabelz: { a: b }')).toThrow(/unknown field "commonLabelz"/);
    expect(withField('patches: []')).toThrow(/unknown field "patches"/);
    const selectors = renderChanged((dir) => writeFileSync(join(dir, 'kustomization.yaml'), kustomization.replace('includeSelectors: false', 'includeSelectors: true')));
    expect(selectors).toThrow('only labels with includeSelectors: false are supported');
    const remote = renderChanged((dir) => writeFileSync(join(dir, 'kustomization.yaml'), `${kustomization}  - https://example.org/base\n`));
    expect(remote).toThrow(/resource https:\/\/example.org\/base is not a YAML file of this folder/);
    const binding = renderChanged((dir) =>
      writeFileSync(join(dir, 'namespace.yaml'), `${readRepoFile('k8s/namespace.yaml')}---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: { name: x }\n`),
    );
    expect(binding).toThrow('kind RoleBinding is unknown to this renderer');
    const twice = renderChanged((dir) => writeFileSync(join(dir, 'kustomization.yaml'), `${kustomization}  - config.yaml\n`));
    expect(twice).toThrow('ConfigMap/mobilecs/mobilecs-config is defined twice');
  });
  it('a resource the schema refuses', async () => {
    const docs = broken((d) => {
      asObject(at(named(d, 'Deployment', 'ingester'), 'spec')).replicas = 'three';
      delete container(d, 'StatefulSet', 'kafka').name;
    });
    expect((await Promise.all(docs.map(openApiErrors))).flat().sort()).toEqual([
      expect.stringMatching(/^Deployment\/ingester: .*replicas must be integer/),
      expect.stringMatching(/^StatefulSet\/kafka: .*containers\/0 must have required property name/),
    ]);
  });
  it('a missing probe, a probe on the wrong path, a pulled local image', () => {
    const docs = broken((d) => {
      delete container(d, 'Deployment', 'importer').readinessProbe;
      asObject(at(container(d, 'Deployment', 'ingester'), 'livenessProbe', 'httpGet')).path = '/health/ready';
      container(d, 'Deployment', 'generator-backend').imagePullPolicy = 'Always';
    });
    expect(serviceDeploymentProblems(docs)).toEqual([
      'Deployment/importer: readinessProbe is not an HTTP GET of /health/ready on a container port',
      'Deployment/ingester: livenessProbe is not an HTTP GET of /health/live on a container port',
      'Deployment/generator-backend: imagePullPolicy of mobilecs/generator-backend:latest is Always, not IfNotPresent',
    ]);
  });
  it('a container without limits', () => {
    expect(resourceProblems(broken((d) => delete asObject(container(d, 'StatefulSet', 'cassandra').resources).limits))).toEqual([
      'StatefulSet/cassandra container cassandra: no limits.cpu',
      'StatefulSet/cassandra container cassandra: no limits.memory',
    ]);
  });
  it('Kafka as a Deployment', () => {
    expect(statefulSetProblems(broken((d) => (named(d, 'StatefulSet', 'kafka')!.kind = 'Deployment')))).toEqual(['kafka is not a StatefulSet']);
  });
  it('a Service selecting nothing, or targeting a port no container has', () => {
    const docs = broken((d) => {
      asObject(at(named(d, 'Service', 'importer'), 'spec', 'selector'))['app.kubernetes.io/name'] = 'importr';
      asObject(asArray(at(named(d, 'Service', 'kafka'), 'spec', 'ports'))[0]).targetPort = 'brokr';
    });
    expect(serviceProblems(docs).sort()).toEqual(['Service/importer: selector matches no pod template', 'Service/kafka: targetPort brokr is no container port']);
  });
  it('the incoming PVC not mounted by the importer', () => {
    const docs = broken((d) => {
      const mounts = asArray(container(d, 'Deployment', 'importer').volumeMounts);
      container(d, 'Deployment', 'importer').volumeMounts = mounts.filter((m) => at(m, 'name') !== 'incoming-data-records');
    });
    expect(incomingVolumeProblems(docs)).toEqual(['Deployment/importer: PVC incoming-data-records not mounted at INCOMING_DATA_RECORDS_DIR (/mobilecs/incoming-data-records)']);
  });
});
