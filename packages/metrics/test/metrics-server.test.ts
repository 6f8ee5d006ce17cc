import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizedScrape, countDerivativeCache, METRICS_CONTENT_TYPE, startMetricsServer, type MetricsServer } from '@rendition/metrics';
import { parsePrometheusText, sampleValue } from './prometheus-text.ts';

describe('the METRICS_PORT listener', () => {
  let open: MetricsServer;
  let guarded: MetricsServer;
  const url = (server: MetricsServer, path: string) => `http://127.0.0.1:${server.port}${path}`;

  beforeAll(async () => {
    open = await startMetricsServer({ port: 0, host: '127.0.0.1' });
    guarded = await startMetricsServer({ port: 0, host: '127.0.0.1', token: 'a-long-enough-metrics-token' });
  });

  afterAll(async () => {
    await open?.close();
    await guarded?.close();
  });

  it('serves the registry at GET /metrics in the Prometheus text format', async () => {
    countDerivativeCache('hit');
    const response = await fetch(url(open, '/metrics'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(METRICS_CONTENT_TYPE);
    expect(METRICS_CONTENT_TYPE).toMatch(/^text\/plain; version=0\.0\.4/);
    const families = parsePrometheusText(await response.text());
    expect(sampleValue(families, 'rendition_derivative_cache_total', { result: 'hit' })).toBeGreaterThanOrEqual(1);
    const head = await fetch(url(open, '/metrics'), { method: 'HEAD' });
    expect(head.status).toBe(200);
  });

  it('answers /healthz for liveness probes, 404 elsewhere, 405 to other methods', async () => {
    expect((await fetch(url(open, '/healthz'))).status).toBe(200);
    expect((await fetch(url(guarded, '/healthz'))).status).toBe(200);
    expect((await fetch(url(open, '/'))).status).toBe(404);
    expect((await fetch(url(open, '/metrics/x'))).status).toBe(404);
    const post = await fetch(url(open, '/metrics'), { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect((await fetch(url(open, '/metrics?name[]=x'))).status).toBe(200);
  });

  it('asks for METRICS_TOKEN as a bearer token when one is set', async () => {
    const none = await fetch(url(guarded, '/metrics'));
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await fetch(url(guarded, '/metrics'), { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await fetch(url(guarded, '/metrics'), { headers: { authorization: 'Basic YTpi' } })).status).toBe(401);
    const right = await fetch(url(guarded, '/metrics'), { headers: { authorization: 'Bearer a-long-enough-metrics-token' } });
    expect(right.status).toBe(200);
    parsePrometheusText(await right.text());
  });

  it('compares tokens exactly', () => {
    expect(authorizedScrape(undefined, undefined)).toBe(true);
    expect(authorizedScrape('anything', '')).toBe(true);
    expect(authorizedScrape('Bearer abc', 'abc')).toBe(true);
    expect(authorizedScrape('bearer abc', 'abc')).toBe(true);
    expect(authorizedScrape('Bearer abcd', 'abc')).toBe(false);
    expect(authorizedScrape('Bearer ab', 'abc')).toBe(false);
    expect(authorizedScrape('Bearer abc def', 'abc')).toBe(false);
    expect(authorizedScrape(undefined, 'abc')).toBe(false);
  });

  it('fails to start on a port already taken', async () => {
    await expect(startMetricsServer({ port: open.port, host: '127.0.0.1' })).rejects.toThrow(/EADDRINUSE/);
  });
});
