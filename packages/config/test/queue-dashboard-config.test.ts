import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';

// The queue dashboard's settings (ADMIN_USER, ADMIN_PASSWORD, QUEUE_DASHBOARD_READ_ONLY): never served
// without both credentials, read-only unless turned off.

const CWD = '/srv/rendition';
const PASSWORD = 'correct-horse-battery';

function problemsOf(env: Record<string, string | undefined>): readonly string[] {
  try {
    loadConfig(env, CWD);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}`);
}

describe('queue dashboard settings', () => {
  it('has no credentials and is read-only by default (empty variables count as unset)', () => {
    expect(loadConfig({}, CWD).queueDashboard).toEqual({ readOnly: true });
    expect(loadConfig({ ADMIN_USER: '', ADMIN_PASSWORD: '' }, CWD).queueDashboard).toEqual({ readOnly: true });
  });

  it('takes both credentials, and QUEUE_DASHBOARD_READ_ONLY=false', () => {
    expect(loadConfig({ ADMIN_USER: 'ops', ADMIN_PASSWORD: PASSWORD, QUEUE_DASHBOARD_READ_ONLY: 'false' }, CWD).queueDashboard).toEqual({
      credentials: { user: 'ops', password: PASSWORD },
      readOnly: false,
    });
  });

  it.each([{ ADMIN_USER: 'ops' }, { ADMIN_PASSWORD: PASSWORD }, { ADMIN_USER: 'ops', ADMIN_PASSWORD: '' }])(
    'refuses one credential without the other: %j',
    (env) => {
      expect(problemsOf(env)).toEqual(['ADMIN_USER and ADMIN_PASSWORD go together: set both to serve the queue dashboard, or neither']);
    },
  );

  it('refuses a user name Basic cannot carry and a short password', () => {
    expect(problemsOf({ ADMIN_USER: 'a:b', ADMIN_PASSWORD: PASSWORD })[0]).toMatch(/^ADMIN_USER=.*colon/);
    expect(problemsOf({ ADMIN_USER: 'ops', ADMIN_PASSWORD: 'short' })[0]).toMatch(/^ADMIN_PASSWORD=.*at least 12 characters/);
    expect(problemsOf({ QUEUE_DASHBOARD_READ_ONLY: 'maybe' })[0]).toMatch(/^QUEUE_DASHBOARD_READ_ONLY=/);
  });
});
