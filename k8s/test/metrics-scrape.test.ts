// The manifests against the code for /metrics (issue 16): every API and worker pod is scraped where its
// process listens (METRICS_PORT, as the real config loader reads the pod's environment), its probes on that
// port answer, and the NetworkPolicy lets the scrape in. Offline, like manifests.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@rendition/config';
import { startMetricsServer, type MetricsServer } from '@rendition/metrics';
import { objectId, type K8sObject } from './kustomize.ts';
import { component, containerEnv, deployed, get, isRenditionWorkload, ofKind, podTemplate, TREES, type Container, type TreeName } from './manifests.ts';

const TREE_NAMES = Object.keys(TREES) as TreeName[];

function servingPods(objects: K8sObject[]) {
  return ofKind(objects, 'Deployment')
    .filter(isRenditionWorkload)
    .flatMap((workload) =>
      podTemplate(workload).spec.containers.map((container: Container) => ({
        workload,
        container,
        config: loadConfig(containerEnv(objects, container).env, '/app'),
        annotations: (podTemplate(workload).metadata as { annotations?: Record<string, string> } | undefined)?.annotations ?? {},
      })),
    );
}

const portNamed = (container: Container, name: string | number) =>
  typeof name === 'number' ? name : container.ports?.find((port) => port.name === name)?.containerPort;

describe.each(TREE_NAMES)('k8s/%s: /metrics', (tree) => {
  const objects = deployed(tree);
  const pods = servingPods(objects);

  it('has the API and every worker Deployment', () => {
    expect(pods.some(({ workload }) => component(workload) === 'api')).toBe(true);
    expect(pods.filter(({ workload }) => component(workload).startsWith('worker-')).length).toBeGreaterThan(0);
  });

  it('annotates each pod for scraping on the port its process serves /metrics on (METRICS_PORT), not the API port', () => {
    for (const { workload, container, config, annotations } of pods) {
      const where = objectId(workload);
      expect(config.metrics.port, `${where}: METRICS_PORT`).toBeGreaterThan(0);
      expect(config.metrics.port, where).not.toBe(config.http.port);
      expect(annotations['prometheus.io/scrape'], where).toBe('true');
      expect(annotations['prometheus.io/path'], where).toBe('/metrics');
      expect(Number(annotations['prometheus.io/port']), where).toBe(config.metrics.port);
      expect(portNamed(container, 'metrics'), `${where}: container port "metrics"`).toBe(config.metrics.port);
    }
  });

  it('probes workers on METRICS_PORT at /healthz, which the listener answers', () => {
    for (const { workload, container, config } of pods.filter(({ workload }) => component(workload).startsWith('worker-'))) {
      const where = objectId(workload);
      for (const probe of [container.startupProbe, container.livenessProbe]) {
        expect(probe?.httpGet?.path, where).toBe('/healthz');
        expect(portNamed(container, probe!.httpGet!.port), where).toBe(config.metrics.port);
      }
      // No readiness: no Service sends traffic to a worker, and an unready pod would count against its budget.
      expect(container.readinessProbe, where).toBeUndefined();
    }
  });

  it('lets the scrape in through the metrics NetworkPolicy, on every pod it annotates', () => {
    const policy = get(objects, 'NetworkPolicy', 'rendition-metrics-ingress').spec as {
      podSelector: { matchLabels: Record<string, string> };
      ingress: Array<{ ports: Array<{ port: number | string; protocol?: string }> }>;
    };
    for (const { workload, container, config } of pods) {
      const labels = podTemplate(workload).metadata?.labels ?? {};
      expect(
        Object.entries(policy.podSelector.matchLabels).every(([key, value]) => labels[key] === value),
        objectId(workload),
      ).toBe(true);
      const ports = policy.ingress.flatMap((rule) => rule.ports.map((port) => portNamed(container, port.port)));
      expect(ports, objectId(workload)).toContain(config.metrics.port);
    }
  });
});

describe('the listener the probes and the scrape reach', () => {
  let server: MetricsServer;
  beforeAll(async () => {
    server = await startMetricsServer({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => server?.close());

  it('answers /healthz and /metrics', async () => {
    expect((await fetch(`http://127.0.0.1:${server.port}/healthz`)).status).toBe(200);
    const scrape = await fetch(`http://127.0.0.1:${server.port}/metrics`);
    expect(scrape.status).toBe(200);
    expect(await scrape.text()).toContain('# TYPE rendition_jobs_total counter');
  });
});
