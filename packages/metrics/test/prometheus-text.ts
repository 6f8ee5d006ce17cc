// A strict parser of the Prometheus text exposition format (version 0.0.4), for tests: what a scraper
// would refuse, it refuses with the line and the reason. It reads the format as the Prometheus
// documentation ("Exposition formats") defines it, and also checks what a scrape would flag: families
// interleaved, a series twice, a TYPE after its samples, a histogram without its +Inf bucket, buckets
// that decrease, a count that is not the +Inf bucket, a negative counter.

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  /** The sample's own name (`x_bucket`, `x_sum`, `x_count` for a histogram `x`). */
  name: string;
  labels: Record<string, string>;
  value: number;
  timestampMs?: number;
}

export interface MetricFamily {
  name: string;
  type: MetricType;
  help?: string;
  samples: Sample[];
}

export class PrometheusParseError extends Error {
  override readonly name = 'PrometheusParseError';
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set<MetricType>(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

export function isValidMetricName(name: string): boolean {
  return METRIC_NAME.test(name);
}

export function isValidLabelName(name: string): boolean {
  return LABEL_NAME.test(name) && !name.startsWith('__');
}

/** Parses a whole exposition; throws PrometheusParseError at the first thing a scraper would refuse. */
export function parsePrometheusText(text: string): Map<string, MetricFamily> {
  const families = new Map<string, MetricFamily>();
  const seenSeries = new Set<string>();
  let current: MetricFamily | undefined;
  const finished = new Set<string>();
  const typed = new Set<string>();
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  else if (text.length > 0) throw new PrometheusParseError('the exposition does not end with a line feed');

  const familyFor = (name: string, line: number): MetricFamily => {
    if (current?.name === name) return current;
    if (current) finished.add(current.name);
    if (finished.has(name)) throw new PrometheusParseError(`line ${line}: metric family ${name} appears again after another family`);
    const existing = families.get(name);
    current = existing ?? { name, type: 'untyped', samples: [] };
    families.set(name, current);
    return current;
  };

  for (const [index, raw] of lines.entries()) {
    const line = index + 1;
    if (raw.includes('\r')) throw new PrometheusParseError(`line ${line}: carriage return`);
    if (raw.trim() === '') continue;
    if (raw.startsWith('#')) {
      const comment = /^#[ \t]+(HELP|TYPE)[ \t]+(\S+)(?:[ \t]+(.*))?$/.exec(raw);
      if (!comment) continue; // an ordinary comment
      const [, keyword, name = '', rest = ''] = comment;
      if (!METRIC_NAME.test(name)) throw new PrometheusParseError(`line ${line}: invalid metric name ${JSON.stringify(name)}`);
      const family = familyFor(name, line);
      if (keyword === 'HELP') {
        if (family.help !== undefined) throw new PrometheusParseError(`line ${line}: second HELP for ${name}`);
        family.help = unescapeHelp(rest, line);
      } else {
        const type = rest.trim() as MetricType;
        if (!TYPES.has(type)) throw new PrometheusParseError(`line ${line}: unknown type ${JSON.stringify(rest)}`);
        if (family.samples.length > 0) throw new PrometheusParseError(`line ${line}: TYPE of ${name} after its samples`);
        if (typed.has(name)) throw new PrometheusParseError(`line ${line}: second TYPE for ${name}`);
        typed.add(name);
        family.type = type;
      }
      continue;
    }
    const sample = parseSample(raw, line);
    const familyName = familyOf(sample.name, current);
    const family = familyFor(familyName, line);
    checkSampleName(family, sample, line);
    const key = `${sample.name}{${Object.entries(sample.labels)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, value]) => `${name}=${JSON.stringify(value)}`)
      .join(',')}}`;
    if (seenSeries.has(key)) throw new PrometheusParseError(`line ${line}: series ${key} appears twice`);
    seenSeries.add(key);
    family.samples.push(sample);
  }
  for (const family of families.values()) {
    if (family.type === 'histogram') checkHistogram(family);
  }
  return families;
}

/** The family a sample belongs to: a histogram's or summary's suffixed samples belong to the current family. */
function familyOf(sampleName: string, current: MetricFamily | undefined): string {
  if (current && (current.type === 'histogram' || current.type === 'summary')) {
    for (const suffix of ['_bucket', '_sum', '_count']) {
      if (sampleName === `${current.name}${suffix}`) return current.name;
    }
  }
  return sampleName;
}

function checkSampleName(family: MetricFamily, sample: Sample, line: number): void {
  const suffix = sample.name.slice(family.name.length);
  if (family.type === 'histogram') {
    if (!['_bucket', '_sum', '_count'].includes(suffix)) throw new PrometheusParseError(`line ${line}: ${sample.name} in histogram ${family.name}`);
    if (suffix === '_bucket' && sample.labels.le === undefined) throw new PrometheusParseError(`line ${line}: bucket without le`);
    if (suffix !== '_bucket' && sample.labels.le !== undefined) throw new PrometheusParseError(`line ${line}: le on ${sample.name}`);
  } else if (family.type === 'summary') {
    if (!['', '_sum', '_count'].includes(suffix)) throw new PrometheusParseError(`line ${line}: ${sample.name} in summary ${family.name}`);
  } else if (suffix !== '') {
    throw new PrometheusParseError(`line ${line}: ${sample.name} in ${family.type} ${family.name}`);
  }
  if (family.type !== 'histogram' && sample.labels.le !== undefined) throw new PrometheusParseError(`line ${line}: le label outside a histogram`);
  if (family.type === 'counter' && !(sample.value >= 0)) throw new PrometheusParseError(`line ${line}: counter ${sample.name} is ${sample.value}`);
}

function checkHistogram(family: MetricFamily): void {
  const series = new Map<string, { buckets: Array<[number, number]>; count?: number; sum?: number }>();
  for (const sample of family.samples) {
    const { le, ...rest } = sample.labels;
    const key = JSON.stringify(Object.entries(rest).sort(([a], [b]) => a.localeCompare(b)));
    const entry = series.get(key) ?? { buckets: [] };
    series.set(key, entry);
    if (sample.name.endsWith('_bucket')) {
      const bound = parseValue(le ?? '', 0);
      if (Number.isNaN(bound)) throw new PrometheusParseError(`${family.name}: le ${JSON.stringify(le)} is no number`);
      entry.buckets.push([bound, sample.value]);
    } else if (sample.name.endsWith('_count')) entry.count = sample.value;
    else entry.sum = sample.value;
  }
  for (const [key, { buckets, count, sum }] of series) {
    const where = `${family.name}${key}`;
    for (let i = 1; i < buckets.length; i++) {
      if (!(buckets[i]![0] > buckets[i - 1]![0])) throw new PrometheusParseError(`${where}: bucket bounds out of order`);
      if (buckets[i]![1] < buckets[i - 1]![1]) throw new PrometheusParseError(`${where}: bucket le=${buckets[i]![0]} below the one before`);
    }
    const last = buckets.at(-1);
    if (last?.[0] !== Infinity) throw new PrometheusParseError(`${where}: no +Inf bucket`);
    if (count === undefined || sum === undefined) throw new PrometheusParseError(`${where}: _count or _sum missing`);
    if (count !== last[1]) throw new PrometheusParseError(`${where}: _count ${count} is not the +Inf bucket ${last[1]}`);
  }
}

function parseSample(raw: string, line: number): Sample {
  const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(raw);
  if (!nameMatch) throw new PrometheusParseError(`line ${line}: no metric name in ${JSON.stringify(raw)}`);
  const name = nameMatch[0];
  let position = name.length;
  const labels: Record<string, string> = {};
  if (raw[position] === '{') {
    position++;
    for (;;) {
      position = skipBlanks(raw, position);
      if (raw[position] === '}') {
        position++;
        break;
      }
      const labelMatch = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(raw.slice(position));
      if (!labelMatch) throw new PrometheusParseError(`line ${line}: invalid label name at column ${position + 1}`);
      const labelName = labelMatch[0];
      if (labelName.startsWith('__')) throw new PrometheusParseError(`line ${line}: reserved label name ${labelName}`);
      if (labelName in labels) throw new PrometheusParseError(`line ${line}: label ${labelName} twice`);
      position = skipBlanks(raw, position + labelName.length);
      if (raw[position] !== '=') throw new PrometheusParseError(`line ${line}: expected = after ${labelName}`);
      position = skipBlanks(raw, position + 1);
      if (raw[position] !== '"') throw new PrometheusParseError(`line ${line}: label value of ${labelName} is not quoted`);
      position++;
      let value = '';
      for (;;) {
        const char = raw[position];
        if (char === undefined) throw new PrometheusParseError(`line ${line}: unterminated label value`);
        position++;
        if (char === '"') break;
        if (char === '\\') {
          const escaped = raw[position++];
          if (escaped === 'n') value += '\n';
          else if (escaped === '\\' || escaped === '"') value += escaped;
          else throw new PrometheusParseError(`line ${line}: invalid escape \\${escaped ?? ''} in a label value`);
        } else value += char;
      }
      labels[labelName] = value;
      position = skipBlanks(raw, position);
      if (raw[position] === ',') position++;
      else if (raw[position] !== '}') throw new PrometheusParseError(`line ${line}: expected , or } after the value of ${labelName}`);
    }
  }
  const rest = raw.slice(position);
  const fields = /^[ \t]+(\S+)(?:[ \t]+(\S+))?[ \t]*$/.exec(rest);
  if (!fields) throw new PrometheusParseError(`line ${line}: expected a value after ${name} in ${JSON.stringify(raw)}`);
  const value = parseValue(fields[1]!, line);
  const sample: Sample = { name, labels, value };
  if (fields[2] !== undefined) {
    if (!/^-?\d+$/.test(fields[2])) throw new PrometheusParseError(`line ${line}: invalid timestamp ${fields[2]}`);
    sample.timestampMs = Number(fields[2]);
  }
  return sample;
}

/** A value as Go's strconv.ParseFloat reads it (what the format specifies): NaN and ±Inf in any case too. */
function parseValue(text: string, line: number): number {
  const special = /^([+-]?)(inf|infinity|nan)$/i.exec(text);
  if (special) {
    if (special[2]!.toLowerCase() === 'nan') return NaN;
    return special[1] === '-' ? -Infinity : Infinity;
  }
  if (!/^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(text)) throw new PrometheusParseError(`line ${line}: invalid value ${JSON.stringify(text)}`);
  return Number(text);
}

function skipBlanks(raw: string, position: number): number {
  while (raw[position] === ' ' || raw[position] === '\t') position++;
  return position;
}

function unescapeHelp(text: string, line: number): string {
  return text.replace(/\\(.?)/g, (_whole, escaped: string) => {
    if (escaped === 'n') return '\n';
    if (escaped === '\\') return '\\';
    throw new PrometheusParseError(`line ${line}: invalid escape \\${escaped} in HELP`);
  });
}

/** The value of one series, named by its sample name and all its labels; 0 when absent (a counter not yet created). */
export function sampleValue(families: Map<string, MetricFamily>, sampleName: string, labels: Record<string, string> = {}): number {
  for (const family of families.values()) {
    for (const sample of family.samples) {
      if (
        sample.name === sampleName &&
        sameKeys(labels, sample.labels) &&
        Object.entries(labels).every(([name, value]) => sample.labels[name] === value)
      ) {
        return sample.value;
      }
    }
  }
  return 0;
}

/** The sum over every series of a sample name whose labels include `labels`. */
export function sampleSum(families: Map<string, MetricFamily>, sampleName: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const family of families.values()) {
    for (const sample of family.samples) {
      if (sample.name === sampleName && Object.entries(labels).every(([name, value]) => sample.labels[name] === value)) sum += sample.value;
    }
  }
  return sum;
}

function sameKeys(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => key in b);
}
