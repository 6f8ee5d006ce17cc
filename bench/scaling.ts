/**
 * Scaling with worker processes: the async + eager workload of eager-throughput (lib/eager-uploads.ts)
 * against one `rendition api` process and N `rendition worker` processes (PostgreSQL and Redis run as
 * their own processes), for each N of `--workers` (default 1,2,4,8,16, capped at the machine's
 * available parallelism unless `--force`): derivations/s, the speed-up over the first step and the
 * efficiency (speed-up ÷ the growth in worker processes). Each step gets a database, queue prefix and
 * storage directory of its own. See bench/README.md.
 */
import { readFile } from 'node:fs/promises';
import { availableParallelism, cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import type { CatalogDb } from '@rendition/catalog';
import { freePort } from '@rendition/testing';
import { basicAuthHeader, startBenchCluster } from './lib/bench-cluster.ts';
import type { Cleanup } from './lib/cleanup.ts';
import { EAGER, EAGER_SOURCE, derivationsPerSecond, uploadAll, type UploadRun } from './lib/eager-uploads.ts';
import { envInt } from './lib/env.ts';
import { machineBusySeconds, processCpuSeconds } from './lib/machine-cpu.ts';
import { roleEnv, startApiProcess, startWorkerProcess, type RoleProcess } from './lib/role-process.ts';
import { pause, runBench } from './lib/run-bench.ts';
import { ErrorTally, fixed, percentile, sortedCopy, table } from './lib/stats.ts';
import { startArrivalReceiver, type Arrivals } from './lib/webhook-arrivals.ts';

const UPLOADS_PER_WORKER = envInt('BENCH_UPLOADS_PER_WORKER', 100, 10, 1_000);
const WARMUP_PER_WORKER = envInt('BENCH_WARMUP_PER_WORKER', 4, 0, 50);
const CLIENTS_PER_WORKER = envInt('BENCH_CONCURRENCY', 4, 1, 64);
/** The queues the workload goes through; every worker process runs all three. */
const QUEUES = process.env.WORKER_QUEUES ?? 'ingest,derive,notify';
const NOTIFICATION_TIMEOUT_MS = 60_000;
const SETTLE_MS = 2_000;
const DEFAULT_STEPS = '1,2,4,8,16';
const MAX_WORKERS = 256;

const { values } = parseArgs({
  options: { workers: { type: 'string', default: DEFAULT_STEPS }, force: { type: 'boolean', default: false } },
});
const requested = parseSteps(values.workers);
const cores = availableParallelism();
const steps = values.force ? requested : requested.filter((workers) => workers <= cores);
const skipped = requested.filter((workers) => !steps.includes(workers));
const capNote = stepsNote();
if (steps.length === 0) {
  console.error(`scaling: ${capNote}`);
  process.exit(1);
}
// Per step: boot (a database, the API, the workers), warm-up, the notification timeout, and at
// worst 5 derivations/s per worker process; past it the bench cleans up and fails.
const DEADLINE_MS = 60_000 + steps.reduce((sum, workers) => sum + 120_000 + workers * (UPLOADS_PER_WORKER + WARMUP_PER_WORKER) * 200, 0);

await runBench('scaling', main, DEADLINE_MS);

interface Step {
  workers: number;
  run: UploadRun;
  rate: number;
  /** CPU used over the measured run, in cores: the API process, the worker processes, this process (the clients and the receiver), the whole machine. */
  apiCores: number;
  workerCores: number;
  benchCores: number;
  machineCores: number;
  errors: ErrorTally;
}

async function main(cleanup: Cleanup): Promise<void> {
  const photo = await readFile(EAGER_SOURCE);
  const receiver = await startArrivalReceiver(cleanup);

  console.log(
    `scaling: ${cpus().length} CPU(s), availableParallelism ${cores}, Node ${process.version}; PostgreSQL and Redis as they run here (processes of their own)\n` +
      `  workload per step with N worker processes: N × ${UPLOADS_PER_WORKER} multipart uploads (after N × ${WARMUP_PER_WORKER} warm-up) of ` +
      `${EAGER_SOURCE.split('/').pop()} (${photo.length} bytes) sent by N × ${CLIENTS_PER_WORKER} concurrent clients, each async=true, eager=${EAGER}, ` +
      `eager_async=true, eager_notification_url; timed from the first upload sent to the last eager notification\n` +
      `  processes per step: one \`rendition api\` and N \`rendition worker\` (WORKER_QUEUES=${QUEUES}, the WORKER_CONCURRENCY_* of this ` +
      `environment, printed per step), with a database, queue prefix and storage directory of their own\n` +
      `  steps: ${steps.join(', ')}${capNote === undefined ? '' : `; ${capNote}`}`,
  );

  const results: Step[] = [];
  for (const workers of steps) {
    const step = await runStep(cleanup, workers, { photo, receiverUrl: receiver.url, arrivals: receiver.arrivals });
    results.push(step);
    console.log(
      `  ${workers} worker process(es): ${step.run.delivered.length} derivations, ${fixed(step.rate, 2)}/s; ` +
        `CPU in cores: API ${fixed(step.apiCores, 2)}, workers ${fixed(step.workerCores, 2)}, clients ${fixed(step.benchCores, 2)}, machine ${fixed(step.machineCores, 2)}; ${step.errors.summary()}`,
    );
  }

  const base = results[0]!;
  const speedUp = (step: Step) => step.rate / base.rate;
  console.log(
    '\n' +
      table([
        [
          'workers',
          'derivations/s',
          `speed-up vs ${base.workers}`,
          'efficiency',
          'derivations',
          'accepted s',
          'p50 s',
          'p99 s',
          'API cores',
          'worker cores',
          'client cores',
          'machine cores',
          'errors',
        ],
        ...results.map((step) => {
          const latencies = sortedCopy(step.run.delivered);
          return [
            String(step.workers),
            fixed(step.rate, 2),
            fixed(speedUp(step), 2),
            fixed(speedUp(step) / (step.workers / base.workers), 2),
            String(step.run.delivered.length),
            fixed((step.run.acceptedAll - step.run.start) / 1000, 2),
            fixed(percentile(latencies, 50) / 1000, 2),
            fixed(percentile(latencies, 99) / 1000, 2),
            fixed(step.apiCores, 2),
            fixed(step.workerCores, 2),
            fixed(step.benchCores, 2),
            fixed(step.machineCores, 2),
            String(step.errors.count),
          ];
        }),
      ]),
  );
  console.log(
    `efficiency = speed-up ÷ (workers ÷ ${base.workers}); accepted s: first upload sent -> all accepted; p50/p99: upload sent -> its eager notification; ` +
      `cores: CPU seconds over the measured run ÷ its wall time (client: this process, the uploading clients and the webhook receiver; ` +
      `machine less the others: PostgreSQL, Redis and anything else running)`,
  );
  console.log(`CPUs: ${cpus().length} (availableParallelism ${cores})${capNote === undefined ? '' : `; ${capNote}`}`);
  const failed = results.find((step) => step.errors.count > 0);
  if (failed) {
    console.log(`first error (${failed.workers} worker processes): ${failed.errors.first}`);
    process.exitCode = 1;
  }
}

/** One step: a fresh Rendition (database, queue prefix, storage), its API process and `workers` worker processes, warm-up, the measured run. */
async function runStep(cleanup: Cleanup, workers: number, client: { photo: Buffer; receiverUrl: string; arrivals: Arrivals }): Promise<Step> {
  const bench = await startBenchCluster({ SSRF_ALLOW: '127.0.0.1/32' }, []);
  cleanup.add(`rendition services (step ${workers})`, () => bench.stop());
  await warnIfConnectionsShort(bench.cluster.services.db, workers, envInt('DATABASE_POOL_SIZE', bench.config.databasePoolSize, 1, 10_000));
  const env = roleEnv(bench.config);
  const api = await startApiProcess({ ...env, PORT: String(await freePort()), LOG_LEVEL: 'error' });
  cleanup.add(`rendition api (step ${workers})`, () => api.stop());
  const processes: RoleProcess[] = [];
  await Promise.all(
    Array.from({ length: workers }, async () => {
      const worker = await startWorkerProcess({ ...env, WORKER_QUEUES: QUEUES });
      processes.push(worker);
      cleanup.add(`rendition worker (step ${workers})`, () => worker.stop());
    }),
  );

  const { concurrency } = bench.config.worker;
  console.log(
    `  ${workers} worker process(es) started, each with concurrency ingest ${concurrency.ingest}, derive ${concurrency.derive}, notify ${concurrency.notify}`,
  );

  const uploads = (count: number, prefix: string) =>
    uploadAll({
      ...client,
      count,
      prefix,
      concurrency: workers * CLIENTS_PER_WORKER,
      timeoutMs: NOTIFICATION_TIMEOUT_MS,
      uploadUrl: `${api.baseUrl}/v1_1/${bench.cloud}/image/upload`,
      auth: basicAuthHeader(bench.credentials),
    });
  if (WARMUP_PER_WORKER > 0) {
    const warm = await uploads(workers * WARMUP_PER_WORKER, `warm-${workers}`);
    if (warm.failures.length > 0) throw new Error(`warm-up with ${workers} worker processes failed: ${warm.failures[0]}\n${outputOf(api, processes)}`);
  }
  await pause(SETTLE_MS);

  const sample = async () => ({
    at: performance.now(),
    api: await processCpuSeconds(api.pid).catch(() => Number.NaN),
    workers: (await Promise.all(processes.map((worker) => processCpuSeconds(worker.pid).catch(() => Number.NaN)))).reduce((sum, s) => sum + s, 0),
    bench: ownCpuSeconds(),
    machine: await machineBusySeconds(),
  });
  const before = await sample();
  const run = await uploads(workers * UPLOADS_PER_WORKER, `run-${workers}`);
  const after = await sample();
  const errors = new ErrorTally();
  for (const failure of run.failures) errors.add(failure);
  if (run.delivered.length === 0)
    throw new Error(`no eager notification arrived with ${workers} worker processes: ${errors.first}\n${outputOf(api, processes)}`);
  const logged = errors.count > 0 ? outputOf(api, processes) : '';
  if (logged !== '') console.error(logged);

  await Promise.all(processes.map((worker) => worker.stop()));
  await api.stop();
  await bench.stop();
  const seconds = (after.at - before.at) / 1000;
  return {
    workers,
    run,
    rate: derivationsPerSecond(run),
    apiCores: (after.api - before.api) / seconds,
    workerCores: (after.workers - before.workers) / seconds,
    benchCores: (after.bench - before.bench) / seconds,
    machineCores: (after.machine - before.machine) / seconds,
    errors,
  };
}

/** User + system CPU seconds of this process so far. */
function ownCpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/** What the role processes logged (the API at error level, the workers after their start-up), for a failed step. */
function outputOf(api: RoleProcess, workers: RoleProcess[]): string {
  return [['api', api] as const, ...workers.map((worker, i) => [`worker ${i + 1}`, worker] as const)]
    .filter(([, role]) => role.output().trim() !== '')
    .map(([name, role]) => `${name}: ${role.output().slice(-2_000)}`)
    .join('\n');
}

/**
 * Each role process may open DATABASE_POOL_SIZE connections plus one for its LISTEN: with many worker
 * processes that can pass PostgreSQL's max_connections (100 by default), which refuses the rest.
 */
async function warnIfConnectionsShort(db: CatalogDb, workers: number, poolSize: number): Promise<void> {
  const { rows } = await sql<{ max: string; used: string }>`
    SELECT current_setting('max_connections') AS max, (SELECT count(*) FROM pg_stat_activity) AS used`.execute(db);
  const max = Number(rows[0]?.max);
  const used = Number(rows[0]?.used);
  const needed = (workers + 1) * (poolSize + 1);
  if (used + needed <= max) return;
  console.log(
    `  warning: the API and ${workers} worker process(es) may open up to ${needed} PostgreSQL connections (DATABASE_POOL_SIZE ${poolSize} + 1 each); ` +
      `max_connections is ${max} with ${used} in use: if connections are refused, raise max_connections or lower DATABASE_POOL_SIZE`,
  );
}

function parseSteps(list: string): number[] {
  const counts = list.split(',').map((item) => Number(item.trim()));
  if (counts.length === 0 || counts.some((count) => !Number.isInteger(count) || count < 1 || count > MAX_WORKERS)) {
    throw new Error(`--workers must be a comma-separated list of integers in 1..${MAX_WORKERS}, e.g. ${DEFAULT_STEPS}; got ${list}`);
  }
  return [...new Set(counts)].sort((a, b) => a - b);
}

/** Why the steps differ from --workers, or that some have more worker processes than cores; undefined when neither. */
function stepsNote(): string | undefined {
  const machine = `this machine has ${cores} ${cores === 1 ? 'core' : 'cores'}`;
  if (steps.length === 0) return `${machine}: no step of --workers=${values.workers} fits (--force runs them anyway)`;
  if (skipped.length > 0) return `${machine}: stopping at ${steps.at(-1)}; ${skipped.join(', ')} skipped (--force runs them anyway)`;
  const oversubscribed = steps.filter((workers) => workers > cores);
  if (oversubscribed.length > 0) return `${machine}: ${oversubscribed.join(', ')} run anyway (--force)`;
  return undefined;
}
