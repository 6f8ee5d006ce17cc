import { cloudRateLimits, connectCatalog, setCloudRateLimits, type CloudRateLimits, type CloudRateLimitsChange } from '@rendition/catalog';
import type { Config } from '@rendition/config';
import { prepareDatabase } from './services.ts';

/** The command's options (main.ts's parseArgs): each names one limit. */
export const RATE_LIMIT_OPTIONS = {
  'admin-per-hour': { type: 'string' },
  'uploads-per-minute': { type: 'string' },
  'uploads-per-hour': { type: 'string' },
  'upload-concurrency': { type: 'string' },
} as const;

const LIMITS: ReadonlyArray<{ option: keyof typeof RATE_LIMIT_OPTIONS; name: keyof CloudRateLimits; variable: string }> = [
  { option: 'admin-per-hour', name: 'adminPerHour', variable: 'RATE_LIMIT_ADMIN_PER_HOUR' },
  { option: 'uploads-per-minute', name: 'uploadsPerMinute', variable: 'RATE_LIMIT_UPLOADS_PER_MINUTE' },
  { option: 'uploads-per-hour', name: 'uploadsPerHour', variable: 'RATE_LIMIT_UPLOADS_PER_HOUR' },
  { option: 'upload-concurrency', name: 'uploadConcurrency', variable: 'RATE_LIMIT_UPLOAD_CONCURRENCY' },
];

export const RATE_LIMITS_USAGE =
  'Usage: rendition rate-limits <cloud> show | set [--admin-per-hour N] [--uploads-per-minute N] [--uploads-per-hour N] [--upload-concurrency N]\n' +
  '  N: a whole number (0: no limit), or `default` for the global RATE_LIMIT_* setting\n';

/**
 * `rendition rate-limits <cloud> show|set …` (docs/operations.md "Rate limits"): the cloud's own limits,
 * each overriding its RATE_LIMIT_* variable for the cloud's keys. Prints the limits that apply to the
 * cloud afterwards, each with where it comes from. Running APIs take a change within 30 seconds.
 */
export async function rateLimitsCommand(
  config: Config,
  args: string[],
  options: Partial<Record<keyof typeof RATE_LIMIT_OPTIONS, string>>,
): Promise<number> {
  const [cloud, action, ...extra] = args;
  const change: CloudRateLimitsChange = {};
  let valid = cloud !== undefined && /^[a-z0-9_-]{1,64}$/.test(cloud) && extra.length === 0 && (action === 'show' || action === 'set');
  for (const { option, name } of LIMITS) {
    const value = options[option];
    if (value === undefined) continue;
    if (action !== 'set') valid = false;
    else if (value === 'default') change[name] = null;
    else if (/^\d{1,9}$/.test(value)) change[name] = Number(value);
    else valid = false;
  }
  if (action === 'set' && Object.keys(change).length === 0) valid = false;
  if (!valid || cloud === undefined) {
    process.stderr.write(RATE_LIMITS_USAGE);
    return 2;
  }
  await prepareDatabase(config);
  const db = connectCatalog(config.databaseUrl, { poolSize: 1 });
  try {
    if (action === 'set') await setCloudRateLimits(db, cloud, change);
    const own = await cloudRateLimits(db, cloud);
    const lines = LIMITS.map(({ name, variable }) => {
      const value = own[name] ?? config.rateLimits[name];
      const source = own[name] === undefined ? 'global' : 'cloud';
      return `${variable}=${value} (${source}${value === 0 ? ', no limit' : ''})`;
    });
    if (!config.rateLimits.enabled) lines.push('RATE_LIMITS_ENABLED=false: no rate limit applies while it is so');
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await db.destroy();
  }
  return 0;
}
