import { describe, expect, it } from 'vitest';
import { parsePrometheusText, PrometheusParseError, sampleSum, sampleValue } from './prometheus-text.ts';

const VALID = `# HELP jobs_total Jobs done, "quoted" and \\\\ escaped\\nsecond line
# TYPE jobs_total counter
jobs_total{queue="a",outcome="completed"} 3
jobs_total{queue="b",outcome="completed",} 1 1700000000000
# a plain comment
# TYPE depth gauge
depth{queue="we\\"ird\\\\name\\n"} -2.5e1
depth 0
# TYPE latency_seconds histogram
latency_seconds_bucket{le="0.1"} 1
latency_seconds_bucket{le="1"} 2
latency_seconds_bucket{le="+Inf"} 3
latency_seconds_sum 4.2
latency_seconds_count 3
untyped_thing Nan
other_thing -inf
`;

describe('the strict Prometheus text parser', () => {
  it('reads families, types, help, labels with escapes, values and timestamps', () => {
    const families = parsePrometheusText(VALID);
    expect([...families.keys()]).toEqual(['jobs_total', 'depth', 'latency_seconds', 'untyped_thing', 'other_thing']);
    expect(sampleValue(families, 'untyped_thing')).toBeNaN();
    expect(sampleValue(families, 'other_thing')).toBe(-Infinity);
    expect(families.get('jobs_total')).toMatchObject({ type: 'counter', help: 'Jobs done, "quoted" and \\ escaped\nsecond line' });
    expect(families.get('jobs_total')!.samples[1]).toEqual({
      name: 'jobs_total',
      labels: { queue: 'b', outcome: 'completed' },
      value: 1,
      timestampMs: 1700000000000,
    });
    expect(families.get('depth')!.samples[0]!.labels.queue).toBe('we"ird\\name\n');
    expect(sampleValue(families, 'depth', { queue: 'we"ird\\name\n' })).toBe(-25);
    expect(sampleValue(families, 'depth')).toBe(0);
    expect(sampleValue(families, 'latency_seconds_bucket', { le: '+Inf' })).toBe(3);
    expect(sampleValue(families, 'jobs_total', { queue: 'a' })).toBe(0); // labels must match exactly
    expect(sampleSum(families, 'jobs_total', { outcome: 'completed' })).toBe(4);
    expect(families.get('untyped_thing')).toMatchObject({ type: 'untyped' });
    expect(parsePrometheusText('')).toEqual(new Map());
  });

  it.each([
    ['no final line feed', 'a 1'],
    ['an invalid metric name', '1a 1\n'],
    ['an invalid label name', 'a{1x="v"} 1\n'],
    ['a reserved label name', 'a{__name__="v"} 1\n'],
    ['an unquoted label value', 'a{x=v} 1\n'],
    ['an invalid escape', 'a{x="\\t"} 1\n'],
    ['an unterminated label value', 'a{x="v} 1\n'],
    ['a label twice', 'a{x="1",x="2"} 1\n'],
    ['a missing value', 'a{x="1"}\n'],
    ['a value that is no number', 'a 1x\n'],
    ['a value Go would not parse', 'a NaNa\n'],
    ['an invalid timestamp', 'a 1 1.5\n'],
    ['trailing garbage', 'a 1 2 3\n'],
    ['an unknown type', '# TYPE a countr\na 1\n'],
    ['a second TYPE', '# TYPE a counter\n# TYPE a counter\na 1\n'],
    ['a TYPE after the samples', 'a 1\n# TYPE a counter\n'],
    ['a second HELP', '# HELP a x\n# HELP a y\na 1\n'],
    ['a family interleaved with another', 'a 1\nb 1\na{x="1"} 1\n'],
    ['a series twice', 'a{x="1",y="2"} 1\na{y="2",x="1"} 2\n'],
    ['a negative counter', '# TYPE a counter\na -1\n'],
    ['a histogram without +Inf', '# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n'],
    ['a bucket without le', '# TYPE h histogram\nh_bucket 1\n'],
    ['decreasing buckets', '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n'],
    ['bucket bounds out of order', '# TYPE h histogram\nh_bucket{le="2"} 1\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n'],
    ['a count that is not the +Inf bucket', '# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 1\n'],
    ['a histogram without _sum', '# TYPE h histogram\nh_bucket{le="+Inf"} 1\nh_count 1\n'],
    ['le outside a histogram', '# TYPE g gauge\ng{le="1"} 1\n'],
    ['a carriage return', 'a 1\r\n'],
  ])('refuses %s', (_reason, text) => {
    expect(() => parsePrometheusText(text)).toThrow(PrometheusParseError);
  });
});
