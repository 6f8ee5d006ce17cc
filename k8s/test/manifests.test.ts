// The Kubernetes manifests (k8s/), rendered for the base and each overlay, against the schemas of
// Kubernetes and KEDA and against the code they deploy: the environment they set is a valid
// configuration, the probes and ports exist, the selectors select, every queue has exactly one worker
// class, the ScaledObjects read the keys of the queues their Deployment serves, and every grace period
// outlasts the shutdown it waits for. Offline; kubectl is used only where installed (to compare the
// offline assembler with its kustomize).
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import Fastify from 'fastify';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ConfigError, ENV_VARIABLES, loadConfig, type Config } from '@rendition/config';
import { QUEUE_NAMES, type QueueName } from '@rendition/jobs';
import { registerHealthRoutes } from '../../apps/api/src/routes/health-routes.ts';
import { objectId, type K8sObject } from './kustomize.ts';
import {
  K8S_DIR,
  ROOT,
  TREES,
  component,
  containerEnv,
  deployed,
  find,
  get,
  isRenditionWorkload,
  isWorkload,
  kubectlPath,
  ofKind,
  podLabels,
  podTemplate,
  quantity,
  render,
  secretValues,
  unknownFields,
  validateWithSchema,
  type Container,
  type TreeName,
} from './manifests.ts';

const TREE_NAMES = Object.keys(TREES) as TreeName[];
const rendered = Object.fromEntries(TREE_NAMES.map((tree) => [tree, render(tree)])) as Record<TreeName, K8sObject[]>;
/** With the Secrets an overlay leaves to the operator (their examples), so every reference resolves. */
const withSecrets = Object.fromEntries(TREE_NAMES.map((tree) => [tree, deployed(tree)])) as Record<TreeName, K8sObject[]>;

/** The ScaledObject triggers' metadata the redis scaler reads (KEDA's redis_scaler.go); anything else is a typo. */
const REDIS_TRIGGER_METADATA = new Set(['listName', 'listLength', 'activationListLength', 'databaseIndex']);
const BULLMQ_STATES_READ = new Set(['wait', 'active', 'delayed']);

interface RenditionContainer {
  workload: K8sObject;
  container: Container;
  env: Record<string, string>;
  config: Config;
}

function renditionContainers(objects: K8sObject[]): RenditionContainer[] {
  return objects.filter(isRenditionWorkload).flatMap((workload) =>
    podTemplate(workload).spec.containers.map((container) => {
      const { env } = containerEnv(objects, container);
      let config: Config;
      try {
        config = loadConfig(env, '/app');
      } catch (error) {
        const detail = error instanceof ConfigError ? error.message : String(error);
        throw new Error(`${objectId(workload)} container ${container.name}: the processes would refuse this configuration:\n${detail}`, {
          cause: error,
        });
      }
      return { workload, container, env, config };
    }),
  );
}

const workerDeployments = (objects: K8sObject[]) => ofKind(objects, 'Deployment').filter((object) => component(object).startsWith('worker-'));

function matches(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
  if (!selector || Object.keys(selector).length === 0) return true;
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}

/** The workloads whose pods a label selector selects. */
function selected(objects: K8sObject[], selector: Record<string, string> | undefined): K8sObject[] {
  return objects.filter(isWorkload).filter((workload) => matches(selector, podLabels(workload)));
}

function containerPort(container: Container, port: number | string): number | undefined {
  if (typeof port === 'number') return container.ports?.some((candidate) => candidate.containerPort === port) ? port : undefined;
  return container.ports?.find((candidate) => candidate.name === port)?.containerPort;
}

/** The status the API's health routes answer for a path, on a bare Fastify (no database: /readyz answers 503). */
async function healthStatus(path: string): Promise<number> {
  const app = Fastify();
  registerHealthRoutes(app, { db: {} as never, queues: { ping: async () => true } as never });
  try {
    return (await app.inject({ method: 'GET', url: path })).statusCode;
  } finally {
    await app.close();
  }
}

function redisUrlParts(url: string): { host: string; port: string; password: string; tls: 'enable' | 'disable'; database: number } {
  const parsed = new URL(url);
  return {
    host: parsed.hostname,
    port: parsed.port || '6379',
    password: decodeURIComponent(parsed.password),
    tls: parsed.protocol === 'rediss:' ? 'enable' : 'disable',
    database: Number(parsed.pathname.replace(/^\//, '') || '0'),
  };
}

/**
 * A host as cluster DNS resolves it from a pod of `namespace`: `<service>.<namespace>` for a Service
 * (short, namespace-qualified or fully qualified), the name itself for anything outside the cluster. With
 * no namespace (the base, applied wherever it is), only the Service's name is known.
 */
function resolvedHost(host: string, namespace: string | undefined): string {
  const service = /^([a-z0-9-]+)(?:\.([a-z0-9-]+)(?:\.svc(?:\.cluster\.local)?)?)?$/.exec(host);
  if (!service) return host;
  const [, name, qualifiedNamespace] = service;
  const resolvedNamespace = qualifiedNamespace ?? namespace;
  return resolvedNamespace === undefined || namespace === undefined ? name! : `${name}.${resolvedNamespace}`;
}

describe.each(TREE_NAMES)('k8s/%s, rendered', (tree) => {
  const objects = withSecrets[tree];

  it('validates against the Kubernetes OpenAPI schemas (kubernetes-models) and KEDA’s CRDs (@kubernetes-models/keda)', async () => {
    expect(objects.length).toBeGreaterThan(10);
    for (const object of objects) await validateWithSchema(object);
  });

  it('has no field the schemas do not know (what the API server’s strict validation refuses)', () => {
    expect(unknownFields(objects)).toEqual([]);
  }, 60_000);

  it('sets only variables of the config schema, and the processes accept the configuration', () => {
    const known = new Set(Object.keys(ENV_VARIABLES));
    const containers = renditionContainers(objects);
    expect(containers.length).toBeGreaterThanOrEqual(8);
    for (const { workload, container } of containers) {
      const { env, sources } = containerEnv(objects, container);
      const unknown = Object.keys(env).filter((name) => !known.has(name));
      expect(unknown.map((name) => `${objectId(workload)}: ${name} (${sources[name]})`)).toEqual([]);
    }
  });

  it('runs each process as the CLI role it is, from the image’s working directory', () => {
    const usage = spawnSync(process.execPath, [join(ROOT, 'apps/cli/bin/rendition.mjs'), '--help'], { encoding: 'utf8' }).stdout;
    expect(readFileSync(join(ROOT, 'Dockerfile'), 'utf8')).toMatch(/^WORKDIR \/app$/m);
    for (const { workload, container } of renditionContainers(objects)) {
      const [node, script, role, ...rest] = container.command ?? [];
      expect([node, script, rest, container.args], objectId(workload)).toEqual(['node', 'apps/cli/bin/rendition.mjs', [], undefined]);
      expect(usage, `${objectId(workload)}: role ${role}`).toMatch(new RegExp(`^ {2}${role}\\b`, 'm'));
      const expected = workload.kind === 'Job' ? 'migrate' : component(workload) === 'api' ? 'api' : 'worker';
      expect(role, objectId(workload)).toBe(expected);
      expect((container as { workingDir?: string }).workingDir).toBeUndefined();
    }
  });

  it('runs Rendition non-root on a read-only root filesystem, with an emptyDir scratch where the OS temp directory is', () => {
    for (const { workload, container, env } of renditionContainers(objects)) {
      const pod = podTemplate(workload).spec;
      const where = `${objectId(workload)} container ${container.name}`;
      expect(pod.securityContext?.runAsNonRoot, where).toBe(true);
      // Numeric: the kubelet cannot check a user name (the image's `node`) against runAsNonRoot.
      expect(pod.securityContext?.runAsUser, where).toBeGreaterThan(0);
      expect(pod.automountServiceAccountToken, where).toBe(false);
      expect(container.securityContext, where).toMatchObject({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      });
      // os.tmpdir(): TMPDIR, else /tmp. Scratch directories, LibreOffice profiles and spooled parts go there.
      const tmp = env.TMPDIR || '/tmp';
      const mount = container.volumeMounts?.find((candidate) => candidate.mountPath === tmp);
      expect(mount, `${where}: nothing writable mounted at ${tmp}`).toBeDefined();
      const volume = pod.volumes?.find((candidate) => candidate.name === mount?.name);
      expect(volume?.emptyDir?.sizeLimit, `${where}: ${tmp} is not a bounded emptyDir`).toBeDefined();
      const ephemeralLimit = container.resources?.limits?.['ephemeral-storage'];
      if (ephemeralLimit !== undefined) expect(quantity(ephemeralLimit), where).toBeGreaterThanOrEqual(quantity(volume!.emptyDir!.sizeLimit!));
    }
  });

  it('gives every container resource requests and limits, requests within limits', () => {
    for (const workload of objects.filter(isWorkload)) {
      for (const container of podTemplate(workload).spec.containers) {
        const where = `${objectId(workload)} container ${container.name}`;
        for (const resource of ['cpu', 'memory']) {
          const request = container.resources?.requests?.[resource];
          const limit = container.resources?.limits?.[resource];
          expect(request, `${where}: ${resource} request`).toBeDefined();
          expect(limit, `${where}: ${resource} limit`).toBeDefined();
          expect(quantity(request!), `${where}: ${resource}`).toBeLessThanOrEqual(quantity(limit!));
        }
      }
    }
  });

  it('waits longer before SIGKILL than the processes’ preStop and SHUTDOWN_TIMEOUT_MS together', () => {
    for (const { workload, container, config } of renditionContainers(objects)) {
      const grace = podTemplate(workload).spec.terminationGracePeriodSeconds ?? 30;
      const preStop = container.lifecycle?.preStop?.sleep?.seconds ?? 0;
      expect(
        grace,
        `${objectId(workload)}: grace ${grace} s, preStop ${preStop} s, SHUTDOWN_TIMEOUT_MS ${config.worker.shutdownTimeoutMs}`,
      ).toBeGreaterThan(preStop + config.worker.shutdownTimeoutMs / 1000);
    }
  });

  it('probes the API where it answers: /healthz (liveness, startup) and /readyz (readiness) on the port it listens on', async () => {
    const api = renditionContainers(objects).filter(({ workload }) => component(workload) === 'api');
    expect(api).toHaveLength(1);
    for (const { workload, container, config } of api) {
      const where = objectId(workload);
      expect(containerPort(container, 'http'), where).toBe(config.http.port);
      expect(container.livenessProbe?.httpGet?.path, where).toBe('/healthz');
      expect(container.startupProbe?.httpGet?.path, where).toBe('/healthz');
      expect(container.readinessProbe?.httpGet?.path, where).toBe('/readyz');
      for (const probe of [container.livenessProbe, container.readinessProbe, container.startupProbe]) {
        expect(containerPort(container, probe!.httpGet!.port), where).toBe(config.http.port);
        expect(await healthStatus(probe!.httpGet!.path), `${where}: GET ${probe!.httpGet!.path}`).not.toBe(404);
      }
      const policy = get(objects, 'NetworkPolicy', 'rendition-api-ingress').spec as { ingress: Array<{ ports: Array<{ port: number | string }> }> };
      expect(policy.ingress.flatMap((rule) => rule.ports.map((port) => containerPort(container, port.port)))).toEqual([config.http.port]);
    }
  });

  it('selects with its selectors: workloads, Services, PodDisruptionBudgets, NetworkPolicies, autoscalers', () => {
    for (const workload of objects.filter((object) => object.kind !== 'Job' && isWorkload(object))) {
      const selector = (workload.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels;
      expect(matches(selector, podLabels(workload)), objectId(workload)).toBe(true);
      expect(selected(objects, selector), `${objectId(workload)}: its selector takes other pods too`).toEqual([workload]);
    }
    for (const service of ofKind(objects, 'Service')) {
      const spec = service.spec as { selector: Record<string, string>; ports: Array<{ port: number; targetPort: number | string }> };
      const targets = selected(objects, spec.selector);
      expect(targets, objectId(service)).toHaveLength(1);
      for (const port of spec.ports) {
        const found = podTemplate(targets[0]!).spec.containers.some((container) => containerPort(container, port.targetPort) !== undefined);
        expect(found, `${objectId(service)}: targetPort ${port.targetPort}`).toBe(true);
      }
    }
    const budgets = ofKind(objects, 'PodDisruptionBudget');
    for (const budget of budgets) {
      const selector = (budget.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels;
      expect(selected(objects, selector), objectId(budget)).toHaveLength(1);
    }
    for (const deployment of ofKind(objects, 'Deployment').filter(isRenditionWorkload)) {
      const covering = budgets.filter((budget) =>
        matches((budget.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels, podLabels(deployment)),
      );
      expect(covering, `${objectId(deployment)}: PodDisruptionBudget`).toHaveLength(1);
    }
    for (const policy of ofKind(objects, 'NetworkPolicy')) {
      const selector = (policy.spec as { podSelector: { matchLabels?: Record<string, string> } }).podSelector.matchLabels;
      expect(selected(objects, selector).length, objectId(policy)).toBeGreaterThan(0);
    }
    for (const autoscaler of ofKind(objects, 'HorizontalPodAutoscaler')) {
      const target = (autoscaler.spec as { scaleTargetRef: { kind: string; name: string } }).scaleTargetRef;
      expect(find(objects, target.kind, target.name), objectId(autoscaler)).toBeDefined();
    }
    for (const scaled of ofKind(objects, 'ScaledObject')) {
      const target = (scaled.spec as { scaleTargetRef: { kind?: string; name: string } }).scaleTargetRef;
      expect(find(objects, target.kind ?? 'Deployment', target.name), objectId(scaled)).toBeDefined();
    }
  });

  it('scales every Rendition Deployment with exactly one autoscaler, and sets no replicas the autoscaler would fight', () => {
    for (const deployment of ofKind(objects, 'Deployment').filter(isRenditionWorkload)) {
      const name = deployment.metadata.name;
      const hpas = ofKind(objects, 'HorizontalPodAutoscaler').filter(
        (hpa) => (hpa.spec as { scaleTargetRef: { name: string } }).scaleTargetRef.name === name,
      );
      const scaled = ofKind(objects, 'ScaledObject').filter(
        (object) => (object.spec as { scaleTargetRef: { name: string } }).scaleTargetRef.name === name,
      );
      expect(hpas.length + scaled.length, objectId(deployment)).toBe(1);
      expect(component(deployment) === 'api' ? hpas : scaled, objectId(deployment)).toHaveLength(1);
      expect((deployment.spec as { replicas?: number }).replicas, objectId(deployment)).toBeUndefined();
    }
    const api = get(objects, 'HorizontalPodAutoscaler', 'rendition-api').spec as { metrics: Array<{ resource?: { name: string } }> };
    expect(api.metrics.map((metric) => metric.resource?.name)).toEqual(['cpu']);
  });

  it('serves every queue of the code from exactly one worker Deployment, each naming real queues in WORKER_QUEUES', () => {
    const servedBy = new Map<string, string[]>();
    for (const { workload, config } of renditionContainers(objects).filter(({ workload }) => component(workload).startsWith('worker-'))) {
      expect(config.worker.queues.length, `${objectId(workload)}: WORKER_QUEUES empty means all queues`).toBeGreaterThan(0);
      for (const queue of config.worker.queues) servedBy.set(queue, [...(servedBy.get(queue) ?? []), workload.metadata.name]);
    }
    expect([...servedBy.keys()].sort()).toEqual([...QUEUE_NAMES].sort());
    for (const [queue, deployments] of servedBy) expect(deployments, `queue ${queue}`).toHaveLength(1);
  });

  it('scales each worker Deployment on the Redis keys of its own queues, as the code names them', () => {
    const containers = renditionContainers(objects);
    for (const deployment of workerDeployments(objects)) {
      const { config, env } = containers.find(({ workload }) => workload === deployment)!;
      const scaled = ofKind(objects, 'ScaledObject').find(
        (object) => (object.spec as { scaleTargetRef: { name: string } }).scaleTargetRef.name === deployment.metadata.name,
      )!;
      const spec = scaled.spec as {
        minReplicaCount?: number;
        maxReplicaCount?: number;
        triggers: Array<{ type: string; name?: string; metadata: Record<string, string>; authenticationRef?: { name: string; kind?: string } }>;
      };
      const where = objectId(scaled);
      expect(spec.maxReplicaCount, where).toBeGreaterThanOrEqual(Math.max(1, spec.minReplicaCount ?? 0));
      const keys = new Map<string, { queue: QueueName; state: string; listLength: number }>();
      for (const trigger of spec.triggers) {
        expect(trigger.type, where).toBe('redis');
        expect(
          Object.keys(trigger.metadata).filter((key) => !REDIS_TRIGGER_METADATA.has(key)),
          where,
        ).toEqual([]);
        const match = new RegExp(`^${config.queuePrefix}:([a-z]+):([a-z]+)$`).exec(trigger.metadata.listName ?? '');
        expect(match, `${where}: listName ${trigger.metadata.listName} is not <QUEUE_PREFIX ${config.queuePrefix}>:<queue>:<state>`).not.toBeNull();
        const [, queue, state] = match!;
        expect(config.worker.queues, `${where}: ${trigger.metadata.listName} is a queue its Deployment does not serve`).toContain(queue);
        expect(BULLMQ_STATES_READ.has(state!), `${where}: state ${state}`).toBe(true);
        const listLength = Number(trigger.metadata.listLength);
        expect(Number.isInteger(listLength) && listLength > 0, `${where}: listLength ${trigger.metadata.listLength}`).toBe(true);
        expect(keys.has(trigger.metadata.listName!), `${where}: ${trigger.metadata.listName} twice`).toBe(false);
        keys.set(trigger.metadata.listName!, { queue: queue as QueueName, state: state!, listLength });

        // Where KEDA connects: the Redis of REDIS_URL, in the scaler's own form.
        const authentication = get(objects, trigger.authenticationRef?.kind ?? 'TriggerAuthentication', trigger.authenticationRef?.name ?? '');
        const references = (authentication.spec as { secretTargetRef: Array<{ parameter: string; name: string; key: string }> }).secretTargetRef;
        const parameters = Object.fromEntries(
          references.map((reference) => {
            const value = secretValues(get(objects, 'Secret', reference.name))[reference.key];
            expect(value, `${objectId(authentication)}: key ${reference.key} of Secret ${reference.name}`).toBeDefined();
            return [reference.parameter, value];
          }),
        );
        const redis = redisUrlParts(env.REDIS_URL ?? config.redisUrl);
        const [kedaHost = '', kedaPort = '6379'] = (parameters.address ?? '').split(':');
        // KEDA's operator resolves names from its own namespace: an in-cluster Redis must be named with its namespace.
        expect(kedaHost, `${objectId(authentication)}: address ${parameters.address} is not namespace-qualified`).toContain('.');
        const namespace = deployment.metadata.namespace;
        expect(
          { host: resolvedHost(kedaHost, namespace), port: kedaPort, password: parameters.password ?? '', tls: parameters.tls ?? 'disable' },
          `${where} vs REDIS_URL`,
        ).toEqual({ host: resolvedHost(redis.host, namespace), port: redis.port, password: redis.password, tls: redis.tls });
        expect(Number(trigger.metadata.databaseIndex ?? '0'), `${where}: databaseIndex vs REDIS_URL`).toBe(redis.database);
      }
      for (const queue of config.worker.queues as QueueName[]) {
        const of = (state: string) => keys.get(`${config.queuePrefix}:${queue}:${state}`);
        expect(of('wait'), `${where}: no trigger on the waiting jobs of ${queue}`).toBeDefined();
        // The running jobs keep the busy pods: the target per replica is what one pod runs at once.
        expect(of('active')?.listLength, `${where}: the active trigger of ${queue} vs WORKER_CONCURRENCY_${queue.toUpperCase()}`).toBe(
          config.worker.concurrency[queue],
        );
        // At zero replicas nobody promotes delayed jobs (retries, scheduled webhooks): a class that may
        // reach zero wakes up for them.
        if ((spec.minReplicaCount ?? 1) === 0)
          expect(of('delayed'), `${where}: scales to zero without a trigger on ${queue}'s delayed jobs`).toBeDefined();
      }
    }
  });

  it('ships example credentials only', () => {
    for (const secret of ofKind(objects, 'Secret')) {
      for (const [key, value] of Object.entries(secretValues(secret))) {
        const where = `${objectId(secret)} ${key}`;
        if (/password|secret/i.test(key) && value !== '') expect(value, where).toContain('change-me');
        if (/^[a-z][a-z+]*:\/\//.test(value)) {
          const password = new URL(value).password;
          if (password) expect(password, where).toContain('change-me');
        }
      }
    }
  });

  it('replaces the logical image name `rendition` in every overlay', () => {
    const images = objects
      .filter(isRenditionWorkload)
      .flatMap((workload) => podTemplate(workload).spec.containers.map((container) => container.image ?? ''));
    if (tree === 'base') expect(new Set(images)).toEqual(new Set(['rendition']));
    else for (const image of images) expect(image).toMatch(/^[^:]+:[^:]+$/);
  });
});

describe('the API’s health routes', () => {
  it('answer at the probed paths, and the API server registers them', async () => {
    expect(await healthStatus('/healthz')).toBe(200);
    // No database here: not ready, but the route is there.
    expect(await healthStatus('/readyz')).toBe(503);
    expect(await healthStatus('/nothing-here')).toBe(404);
    expect(readFileSync(join(ROOT, 'apps/api/src/api-server.ts'), 'utf8')).toMatch(/registerHealthRoutes\(app,/);
  });
});

describe('k8s/overlays/dev', () => {
  const objects = withSecrets.dev;
  const api = renditionContainers(objects).find(({ workload }) => component(workload) === 'api')!;

  it('runs Redis as a StatefulSet with AOF and noeviction, where REDIS_URL and KEDA point', () => {
    const redis = get(objects, 'StatefulSet', 'redis');
    const args = podTemplate(redis).spec.containers[0]!.args ?? [];
    const option = (name: string) => args[args.indexOf(`--${name}`) + 1];
    expect({ appendonly: option('appendonly'), appendfsync: option('appendfsync'), policy: option('maxmemory-policy') }).toEqual({
      appendonly: 'yes',
      appendfsync: 'everysec',
      policy: 'noeviction',
    });
    const url = new URL(api.env.REDIS_URL!);
    const service = get(objects, 'Service', url.hostname);
    expect((service.spec as { ports: Array<{ port: number }> }).ports.map((port) => port.port)).toContain(Number(url.port || 6379));
    expect(selected(objects, (service.spec as { selector: Record<string, string> }).selector)).toEqual([redis]);
  });

  it('runs PostgreSQL as a StatefulSet with the user, password and database of DATABASE_URL', () => {
    const postgres = get(objects, 'StatefulSet', 'postgres');
    const { env } = containerEnv(objects, podTemplate(postgres).spec.containers[0]!);
    const url = new URL(api.env.DATABASE_URL!);
    expect({ user: env.POSTGRES_USER, password: env.POSTGRES_PASSWORD, database: env.POSTGRES_DB }).toEqual({
      user: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
      database: url.pathname.slice(1),
    });
    const service = get(objects, 'Service', url.hostname);
    expect((service.spec as { ports: Array<{ port: number }> }).ports.map((port) => port.port)).toContain(Number(url.port || 5432));
    expect(selected(objects, (service.spec as { selector: Record<string, string> }).selector)).toEqual([postgres]);
  });

  it('runs MinIO at S3_ENDPOINT with the S3 credentials, and creates the bucket of STORAGE_URL', () => {
    const minio = get(objects, 'StatefulSet', 'minio');
    const { env } = containerEnv(objects, podTemplate(minio).spec.containers[0]!);
    expect({ user: env.MINIO_ROOT_USER, password: env.MINIO_ROOT_PASSWORD }).toEqual({
      user: api.env.S3_ACCESS_KEY_ID,
      password: api.env.S3_SECRET_ACCESS_KEY,
    });
    const endpoint = new URL(api.config.s3.endpoint!);
    const service = get(objects, 'Service', endpoint.hostname);
    expect((service.spec as { ports: Array<{ port: number }> }).ports.map((port) => port.port)).toContain(Number(endpoint.port));
    expect(api.config.storage).toMatchObject({ kind: 's3' });
    const bucket = new URL(api.env.STORAGE_URL!).hostname;
    const job = podTemplate(get(objects, 'Job', 'minio-bucket')).spec.containers[0]!;
    expect(job.args?.join(' ')).toContain(`mb --ignore-existing local/${bucket}`);
    expect(job.args?.join(' ')).toContain(`http://${endpoint.host}`);
  });
});

describe('k8s/overlays/production', () => {
  const objects = withSecrets.production;
  const base = rendered.base;

  it('never applies credentials: the Secrets are the operator’s (secrets.example.yaml shows them)', () => {
    expect(ofKind(rendered.production, 'Secret')).toEqual([]);
    const examples = ofKind(objects, 'Secret');
    expect(examples.map((secret) => secret.metadata.name).sort()).toEqual(
      ofKind(base, 'Secret')
        .map((secret) => secret.metadata.name)
        .sort(),
    );
    const namespace = get(rendered.production, 'Namespace', 'rendition').metadata.name;
    for (const secret of examples) expect(secret.metadata.namespace, objectId(secret)).toBe(namespace);
  });

  it('uses external managed services: no database, Redis or object store in the cluster', () => {
    expect(ofKind(objects, 'StatefulSet')).toEqual([]);
    for (const { env } of renditionContainers(objects)) {
      for (const name of ['DATABASE_URL', 'REDIS_URL']) {
        const host = new URL(env[name]!).hostname;
        expect(find(objects, 'Service', host), `${name} points at ${host}`).toBeUndefined();
        expect(host).toContain('.');
      }
      expect(env.REDIS_URL).toMatch(/^rediss:\/\//);
    }
  });

  it('runs more replicas than the base', () => {
    const hpa = (objects: K8sObject[]) => get(objects, 'HorizontalPodAutoscaler', 'rendition-api').spec as { minReplicas: number; maxReplicas: number };
    expect(hpa(objects).minReplicas).toBeGreaterThan(hpa(base).minReplicas);
    expect(hpa(objects).maxReplicas).toBeGreaterThan(hpa(base).maxReplicas);
    for (const scaled of ofKind(objects, 'ScaledObject')) {
      const mine = scaled.spec as { minReplicaCount: number; maxReplicaCount: number };
      const theirs = get(base, 'ScaledObject', scaled.metadata.name).spec as { minReplicaCount: number; maxReplicaCount: number };
      expect(mine.maxReplicaCount, objectId(scaled)).toBeGreaterThan(theirs.maxReplicaCount);
      expect(mine.minReplicaCount, objectId(scaled)).toBeGreaterThanOrEqual(theirs.minReplicaCount);
    }
  });
});

describe('the YAML under k8s/', () => {
  const files = (readdirSync(K8S_DIR, { recursive: true }) as string[]).filter((file) => /\.ya?ml$/.test(file)).map((file) => join(K8S_DIR, file));

  it('reads the same as YAML 1.1, which the Kubernetes tooling uses (quote yes/no/on/off and the like)', () => {
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      const modern = parseAllDocuments(text).map((document) => document.toJS() as unknown);
      const legacy = parseAllDocuments(text, { version: '1.1' }).map((document) => document.toJS() as unknown);
      expect(legacy, relative(ROOT, file)).toEqual(modern);
    }
  });
});

const kubectl = kubectlPath();
describe.skipIf(!kubectl)('the offline assembler', () => {
  it.each(TREE_NAMES)('renders k8s/%s as `kubectl kustomize` does', (tree) => {
    const result = spawnSync(kubectl!, ['kustomize', join(ROOT, TREES[tree])], { encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
    const theirs = parseAllDocuments(result.stdout).map((document) => document.toJS() as K8sObject);
    const byId = (list: K8sObject[]) => Object.fromEntries(list.map((object) => [objectId(object), object]));
    expect(byId(rendered[tree])).toEqual(byId(theirs));
  });
});
