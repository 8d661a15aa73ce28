import { mkdtemp, rm } from 'node:fs/promises';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Job } from 'kubernetes-models/batch/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Secret, Service } from 'kubernetes-models/v1';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../bench/processes.ts';
import { environmentSchema } from '../src/config/env.ts';
import { parseGatewayConfigYaml } from '../src/config/gateway-config.ts';
import { queueJobStates } from '../src/metrics/scrape-gauges.ts';
import { interpolatedNames } from './support/compose-file.ts';
import { startGatewayProcess, type GatewayProcess } from './support/gateway-process.ts';
import { containersOf, readKustomization, readManifests, renderKustomization, type Manifest } from './support/kustomize.ts';
import { createTestDatabase, deleteRedisPrefix, testRedisUrl, uniqueName, type TestDatabase } from './support/test-services.ts';

const root = resolve(import.meta.dirname, '..');
const base = join(root, 'deploy/kubernetes/base');
const overlay = join(root, 'deploy/kubernetes/overlays/production');

/** The schema each kind is checked against: Kubernetes's own, KEDA's and the Prometheus Operator's. */
const models: Record<string, new (data: never) => { validate(): void }> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'batch/v1/Job': Job,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'keda.sh/v1alpha1/ScaledObject': ScaledObject,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
};

function validate(manifest: Manifest): void {
  const Model = models[`${manifest.apiVersion}/${manifest.kind}`];
  if (!Model) throw new Error(`${manifest.apiVersion} ${manifest.kind} (${manifest.metadata.name}): no schema to check it against`);
  new Model(structuredClone(manifest) as never).validate();
}

type Container = {
  name: string;
  image: string;
  env?: Array<{ name: string; value?: string }>;
  envFrom?: Array<{ secretRef?: { name: string } }>;
  ports?: Array<{ name: string; containerPort: number }>;
} & Record<string, unknown>;
type Probe = { httpGet: { path: string; port: string | number } };

const byKindAndName = (manifests: Manifest[], kind: string, name: string) => {
  const found = manifests.find((manifest) => manifest.kind === kind && manifest.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name}`);
  return found;
};
const gatewayContainer = (manifest: Manifest) => containersOf(manifest)[0] as Container;
const envValue = (container: Container, name: string) => container.env?.find((variable) => variable.name === name)?.value;
const portNumber = (container: Container, port: string | number) => (typeof port === 'number' ? port : container.ports?.find((candidate) => candidate.name === port)?.containerPort);

describe('Kubernetes manifests (deploy/kubernetes)', () => {
  const rendered = renderKustomization(overlay);
  const secret = readManifests(join(base, 'secret.example.yaml'))[0]!;
  const api = byKindAndName(rendered, 'Deployment', 'llm-gateway-api');
  const worker = byKindAndName(rendered, 'Deployment', 'llm-gateway-worker');
  const migrate = byKindAndName(rendered, 'Job', 'llm-gateway-migrate');

  it('lists every manifest of the base in its kustomization, but the Secret example', () => {
    const files = readdirSync(base).filter((file) => file.endsWith('.yaml') && file !== 'kustomization.yaml' && file !== 'secret.example.yaml');
    expect([...(readKustomization(base).resources ?? [])].sort()).toEqual(files.sort());
  });

  it('renders the production overlay: its namespace, its image and its API replicas on every object', () => {
    expect(rendered.length).toBe(11);
    for (const manifest of rendered) expect(manifest.metadata.namespace).toBe('llm-gateway');
    for (const workload of [api, worker, migrate]) expect(gatewayContainer(workload).image).toBe('registry.example.com/llm-batch-gateway:0.1.0');
    expect(api.spec?.['replicas']).toBe(3);
  });

  it('passes the Kubernetes, KEDA and Prometheus Operator schemas, every object and the Secret example', () => {
    for (const manifest of [...rendered, secret]) expect(() => validate(manifest), `${manifest.kind} ${manifest.metadata.name}`).not.toThrow();
  });

  it('a manifest with a mistake fails them (the check above can fail)', () => {
    const broken = structuredClone(api);
    (gatewayContainer(broken).ports as Array<{ containerPort: unknown }>)[0]!.containerPort = 'http';
    expect(() => validate(broken)).toThrow(/containerPort/);
    const scaled = structuredClone(byKindAndName(rendered, 'ScaledObject', 'llm-gateway-worker'));
    delete (scaled.spec as { scaleTargetRef?: unknown }).scaleTargetRef;
    expect(() => validate(scaled)).toThrow(/scaleTargetRef/);
  });

  it('sets only environment variables the gateway reads or its config interpolates, and that config loads', () => {
    const configMap = byKindAndName(rendered, 'ConfigMap', 'llm-gateway-config') as Manifest & { data: Record<string, string> };
    const configText = configMap.data['gateway.yaml']!;
    const interpolated = interpolatedNames(configText);
    const known = new Set([...Object.keys(environmentSchema.shape), ...interpolated]);
    const secretKeys = Object.keys(secret['stringData'] as Record<string, string>);
    for (const name of secretKeys) expect(known, `Secret key ${name}`).toContain(name);
    for (const workload of [api, worker, migrate]) {
      const container = gatewayContainer(workload);
      for (const variable of container.env ?? []) expect(known, `${workload.metadata.name}: ${variable.name}`).toContain(variable.name);
      expect(container.envFrom?.map((source) => source.secretRef?.name)).toEqual([secret.metadata.name]);
    }
    // Every name the config interpolates comes from the Secret.
    for (const name of interpolated) expect(secretKeys).toContain(name);
    const environment = Object.fromEntries(secretKeys.map((name) => [name, (secret['stringData'] as Record<string, string>)[name]!]));
    const config = parseGatewayConfigYaml(configText, environment);
    expect(Object.keys(config.providers)).toContain('openai');
    // The file the containers read is the one the ConfigMap mounts.
    for (const workload of [api, worker]) {
      const mount = (gatewayContainer(workload)['volumeMounts'] as Array<{ name: string; mountPath: string }>).find((candidate) => candidate.name === 'config');
      expect(`${mount?.mountPath}/gateway.yaml`).toBe(envValue(gatewayContainer(workload), 'GATEWAY_CONFIG'));
    }
  });

  it('gives each role its own GATEWAY_ROLE, probes on the ports the process listens on, and time to drain', () => {
    const apiContainer = gatewayContainer(api);
    const workerContainer = gatewayContainer(worker);
    expect(envValue(apiContainer, 'GATEWAY_ROLE')).toBe('api');
    expect(envValue(workerContainer, 'GATEWAY_ROLE')).toBe('worker');
    expect(envValue(apiContainer, 'HOST')).toBe('0.0.0.0');
    expect(envValue(workerContainer, 'HOST')).toBe('0.0.0.0');
    // The API's probes and Service reach PORT; a worker's reach METRICS_PORT, the only port it serves.
    const probes = (container: Container) => ['readinessProbe', 'livenessProbe', 'startupProbe'].map((name) => container[name] as Probe);
    for (const probe of probes(apiContainer)) expect(portNumber(apiContainer, probe.httpGet.port)).toBe(Number(envValue(apiContainer, 'PORT')));
    for (const probe of probes(workerContainer)) expect(portNumber(workerContainer, probe.httpGet.port)).toBe(Number(envValue(workerContainer, 'METRICS_PORT')));
    for (const container of [apiContainer, workerContainer]) {
      const [readiness, liveness, startup] = probes(container);
      expect([readiness!.httpGet.path, liveness!.httpGet.path, startup!.httpGet.path]).toEqual(['/readyz', '/healthz', '/healthz']);
      expect(portNumber(container, 'metrics')).toBe(Number(envValue(container, 'METRICS_PORT')));
    }
    const service = byKindAndName(rendered, 'Service', 'llm-gateway');
    expect(portNumber(apiContainer, (service.spec?.['ports'] as Array<{ targetPort: string }>)[0]!.targetPort)).toBe(8080);
    // The grace period covers the preStop pause and server.shutdownTimeoutMs (30 s by default).
    for (const workload of [api, worker]) {
      const pod = (workload.spec?.['template'] as { spec: { terminationGracePeriodSeconds: number } }).spec;
      const pause = Number((gatewayContainer(workload)['lifecycle'] as { preStop: { exec: { command: string[] } } }).preStop.exec.command[1]);
      expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(pause + 30);
    }
    // Selectors pick their own pods.
    for (const workload of [api, worker]) {
      const selector = (workload.spec?.['selector'] as { matchLabels: Record<string, string> }).matchLabels;
      expect((workload.spec?.['template'] as { metadata: { labels: Record<string, string> } }).metadata.labels).toMatchObject(selector);
    }
    expect(gatewayContainer(migrate)['command']).toEqual(['node', 'dist/db/migrate-cli.js']);
  });

  it('scales workers on a metric the gateway exports, waiting jobs of every queue', () => {
    const scaled = byKindAndName(rendered, 'ScaledObject', 'llm-gateway-worker') as Manifest & {
      spec: { scaleTargetRef: { name: string }; triggers: Array<{ type: string; metadata: { query: string } }> };
    };
    expect(scaled.spec.scaleTargetRef.name).toBe(worker.metadata.name);
    const [trigger] = scaled.spec.triggers;
    expect(trigger?.type).toBe('prometheus');
    const states = /gateway_queue_jobs\{state=~"([^"]+)"\}/.exec(trigger?.metadata.query ?? '')?.[1]?.split('|');
    expect(states).toEqual(['waiting', 'prioritized']);
    for (const state of states ?? []) expect(queueJobStates).toContain(state);
  });

  describe('against the gateway itself', () => {
    let database: TestDatabase;
    let directory: string;
    const prefix = uniqueName('k8s');
    const processes: GatewayProcess[] = [];
    beforeAll(async () => {
      database = await createTestDatabase('k8s');
      directory = await mkdtemp(join(tmpdir(), 'k8s-manifests-'));
    });
    afterAll(async () => {
      for (const started of processes) {
        started.child.process.kill('SIGTERM');
        await started.exited;
      }
      await database?.drop();
      await deleteRedisPrefix(prefix);
      await rm(directory, { recursive: true, force: true });
    });

    it("answers each role's probes on the port its manifest sends them to", async () => {
      const config = { providers: { mock: { type: 'mock' } } };
      for (const [role, workload] of [
        ['api', api],
        ['worker', worker],
      ] as const) {
        const container = gatewayContainer(workload);
        // The manifest's ports, moved to free ones: every other variable as the manifest sets it.
        const ports = { PORT: await freePort(), METRICS_PORT: await freePort() };
        const environment = Object.fromEntries(
          (container.env ?? []).filter((variable) => !['GATEWAY_CONFIG', 'HOST'].includes(variable.name)).map((variable) => [variable.name, variable.value ?? '']),
        );
        const started = await startGatewayProcess({
          name: `k8s-${role}`,
          role,
          config,
          directory,
          databaseUrl: database.url,
          redisUrl: testRedisUrl(),
          prefix,
          environment: { ...environment, PORT: String(ports.PORT), METRICS_PORT: String(ports.METRICS_PORT) },
        });
        processes.push(started);
        const manifestPorts = { [Number(envValue(container, 'PORT'))]: ports.PORT, [Number(envValue(container, 'METRICS_PORT'))]: ports.METRICS_PORT };
        for (const name of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
          const { path, port } = (container[name] as Probe).httpGet;
          const url = `http://127.0.0.1:${manifestPorts[portNumber(container, port)!]}${path}`;
          await expect.poll(async () => (await fetch(url)).status, { timeout: 20_000, message: `${role} ${name} ${url}` }).toBe(200);
        }
      }
    });
  });
});
