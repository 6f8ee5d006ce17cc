import { ApiError, normalizeParams, type RawParams } from '@rendition/protocol';
import {
  fieldNameTooLong,
  fieldsTooLarge,
  fieldTooLarge,
  fileTextLimit,
  fileTooLarge,
  MAX_FIELD_NAME_BYTES,
  MAX_PARTS,
  ONE_FILE_ONLY,
  type BodyLimits,
} from './body-limits.ts';
import { TextValueWriter, type TextValue } from './text-value.ts';

/**
 * Streaming readers of urlencoded and JSON bodies. Every parameter is held to MAX_FIELD_BYTES and all
 * of them to MAX_FIELDS_TOTAL_BYTES as they arrive, so reading stops at the first byte over a limit;
 * an upload's `file` value goes to a TextValueWriter (memory, then disk), after `gate` had its say.
 */
export interface ScanOptions {
  limits: BodyLimits;
  /** The call is an upload: its `file` value may be large. */
  takesFile: boolean;
  /** Refuses, before a large `file` value is kept, what the parameters seen so far already doom. */
  gate?: (params: RawParams) => Promise<void>;
}

export const TOO_MANY_PARAMETERS = `Too many parameters (more than ${MAX_PARTS})`;

function fileWriter(options: ScanOptions, fieldsSoFar: () => RawParams): TextValueWriter {
  const { limits, gate } = options;
  return new TextValueWriter({
    memoryBytes: limits.maxFieldBytes,
    maxBytes: fileTextLimit(limits),
    tooLarge: () => fileTooLarge(limits.maxDataUriBytes),
    ...(gate ? { beforeSpill: () => gate(fieldsSoFar()) } : {}),
  });
}

/** Counts parameter bytes against the per-field and total limits. */
class FieldBudget {
  #total = 0;
  #count = 0;
  readonly #limits: BodyLimits;
  constructor(limits: BodyLimits) {
    this.#limits = limits;
  }
  addName(bytes: number): void {
    if (bytes > MAX_FIELD_NAME_BYTES) throw fieldNameTooLong();
    this.#add(bytes);
  }
  addValue(name: string, fieldBytes: number, added: number): void {
    if (fieldBytes > this.#limits.maxFieldBytes) throw fieldTooLarge(name, this.#limits);
    this.#add(added);
  }
  countField(): void {
    if (++this.#count > MAX_PARTS) throw new ApiError(400, TOO_MANY_PARAMETERS);
  }
  #add(bytes: number): void {
    this.#total += bytes;
    if (this.#total > this.#limits.maxFieldsTotalBytes) throw fieldsTooLarge(this.#limits);
  }
}

const PERCENT = 0x25;
const PLUS = 0x2b;
const AMPERSAND = 0x26;
const EQUALS = 0x3d;

function hexValue(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  if (byte >= 0x41 && byte <= 0x46) return byte - 0x37;
  if (byte >= 0x61 && byte <= 0x66) return byte - 0x57;
  return -1;
}

/** `+` and `%XX` decoding that survives an escape split across chunks; a bad escape stays as sent. */
export class PercentDecoder {
  #pending: number[] = [];

  decode(input: Buffer): Buffer {
    const out = Buffer.allocUnsafe(input.length + this.#pending.length);
    let length = 0;
    const bytes = this.#pending.length > 0 ? [...this.#pending] : undefined;
    this.#pending = [];
    const source = bytes ? Buffer.concat([Buffer.from(bytes), input]) : input;
    let i = 0;
    while (i < source.length) {
      const byte = source[i]!;
      if (byte === PLUS) {
        out[length++] = 0x20;
        i++;
      } else if (byte === PERCENT) {
        if (source.length - i < 3) {
          this.#pending = [...source.subarray(i)];
          break;
        }
        const high = hexValue(source[i + 1]!);
        const low = hexValue(source[i + 2]!);
        if (high >= 0 && low >= 0) {
          out[length++] = high * 16 + low;
          i += 3;
        } else {
          out[length++] = byte;
          i++;
        }
      } else {
        out[length++] = byte;
        i++;
      }
    }
    return out.subarray(0, length);
  }

  /** The end of a name or value: an unfinished escape is kept as sent. */
  flush(): Buffer {
    const rest = Buffer.from(this.#pending);
    this.#pending = [];
    return rest;
  }
}

export interface ScannedForm {
  fields: Array<[string, string]>;
  /** An upload's `file` value when it was too large to keep in memory (else it is among `fields`). */
  file?: TextValue;
}

/** application/x-www-form-urlencoded, chunk by chunk. */
export class UrlencodedScanner {
  readonly #options: ScanOptions;
  readonly #budget: FieldBudget;
  readonly #fields: Array<[string, string]> = [];
  #file: TextValue | undefined;
  #inName = true;
  #name: Buffer[] = [];
  #nameBytes = 0;
  #currentName = '';
  #value: Buffer[] = [];
  #valueBytes = 0;
  #decoder = new PercentDecoder();
  #writer: TextValueWriter | undefined;
  #sawFile = false;

  constructor(options: ScanOptions) {
    this.#options = options;
    this.#budget = new FieldBudget(options.limits);
  }

  async write(chunk: Buffer): Promise<void> {
    let start = 0;
    // Where the next `&` and `=` are (-1: none left in this chunk); searched again only once passed.
    let ampersand = -2;
    let equals = -2;
    for (;;) {
      if (ampersand !== -1 && ampersand < start) ampersand = chunk.indexOf(AMPERSAND, start);
      if (this.#inName && equals !== -1 && equals < start) equals = chunk.indexOf(EQUALS, start);
      const nextAmpersand = ampersand === -1 ? Infinity : ampersand;
      const nextEquals = this.#inName && equals !== -1 ? equals : Infinity;
      if (nextEquals < nextAmpersand) {
        await this.#feed(chunk.subarray(start, nextEquals));
        this.#endName();
        start = nextEquals + 1;
      } else if (nextAmpersand !== Infinity) {
        await this.#feed(chunk.subarray(start, nextAmpersand));
        await this.#endPair();
        start = nextAmpersand + 1;
      } else {
        await this.#feed(chunk.subarray(start));
        return;
      }
    }
  }

  async end(): Promise<ScannedForm> {
    await this.#endPair();
    return { fields: this.#fields, ...(this.#file ? { file: this.#file } : {}) };
  }

  async abort(): Promise<void> {
    await this.#writer?.abort();
    await this.#file?.discard();
  }

  async #feed(slice: Buffer): Promise<void> {
    if (slice.length === 0) return;
    const decoded = this.#decoder.decode(slice);
    await this.#take(decoded);
  }

  async #take(decoded: Buffer): Promise<void> {
    if (decoded.length === 0) return;
    if (this.#inName) {
      this.#nameBytes += decoded.length;
      if (this.#nameBytes > MAX_FIELD_NAME_BYTES) throw fieldNameTooLong();
      this.#name.push(decoded);
    } else if (this.#writer) {
      await this.#writer.write(decoded);
    } else {
      this.#valueBytes += decoded.length;
      this.#budget.addValue(this.#currentName, this.#valueBytes, decoded.length);
      this.#value.push(decoded);
    }
  }

  #endName(): void {
    this.#name.push(this.#decoder.flush());
    this.#currentName = Buffer.concat(this.#name).toString('utf8');
    this.#name = [];
    this.#inName = false;
    this.#budget.countField();
    this.#budget.addName(this.#nameBytes);
    if (this.#options.takesFile && this.#currentName === 'file') {
      if (this.#sawFile) throw new ApiError(400, ONE_FILE_ONLY);
      this.#sawFile = true;
      this.#writer = fileWriter(this.#options, () => normalizeParams(this.#fields));
    }
  }

  async #endPair(): Promise<void> {
    if (this.#inName) {
      // A name without `=`, or nothing at all between two `&`.
      const tail = this.#decoder.flush();
      if (this.#nameBytes === 0 && tail.length === 0) return;
      await this.#take(tail);
      this.#endName();
    } else {
      await this.#take(this.#decoder.flush());
    }
    if (this.#writer) {
      // A small `file` value joins the fields; a spilled one stays a TextValue.
      const value = await this.#writer.finish();
      this.#writer = undefined;
      if (value.spilled) this.#file = value;
      else this.#fields.push(['file', await value.text()]);
    } else {
      this.#fields.push([this.#currentName, Buffer.concat(this.#value).toString('utf8')]);
    }
    this.#reset();
  }

  #reset(): void {
    this.#inName = true;
    this.#name = [];
    this.#nameBytes = 0;
    this.#value = [];
    this.#valueBytes = 0;
    this.#currentName = '';
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const isJsonSpace = (byte: number) => byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;
const SIMPLE_ESCAPES: Readonly<Record<number, number>> = {
  0x22: 0x22,
  0x5c: 0x5c,
  0x2f: 0x2f,
  0x62: 0x08,
  0x66: 0x0c,
  0x6e: 0x0a,
  0x72: 0x0d,
  0x74: 0x09,
};
/** The parameters authentication reads: the gate looks at these among the members seen so far. */
const AUTH_MEMBERS = new Set(['api_key', 'timestamp', 'signature', 'upload_preset']);

export const INVALID_JSON = 'Invalid JSON body';

type JsonState = 'start' | 'keyOrEnd' | 'key' | 'afterKey' | 'beforeValue' | 'value' | 'fileString' | 'afterValue' | 'nextKey' | 'done';

export interface ScannedJson {
  /** The object's text without a large `file` member, for the usual (prototype-safe) JSON parser. */
  text: string;
  /** The `file` string when it went to disk. */
  file?: TextValue;
  /** The `file` string when it was small enough to keep (added back after parsing). */
  smallFile?: string;
}

/**
 * A JSON object body of an upload, member by member: every member but `file` is captured as sent
 * (each within MAX_FIELD_BYTES, all within MAX_FIELDS_TOTAL_BYTES) and parsed as one document at the
 * end; the `file` string is decoded into a TextValueWriter as it arrives.
 */
export class JsonUploadScanner {
  readonly #options: ScanOptions;
  readonly #budget: FieldBudget;
  #state: JsonState = 'start';
  readonly #members: Buffer[] = [];
  #key: number[] = [];
  #keyEscape = false;
  #keyName = '';
  #value: Buffer[] = [];
  #valueBytes = 0;
  #depth = 0;
  #inString = false;
  #stringEscape = false;
  readonly #authPairs: Array<[string, string]> = [];
  #writer: TextValueWriter | undefined;
  #file: TextValue | undefined;
  #smallFile: string | undefined;
  #escape: 'none' | 'start' | 'unicode' = 'none';
  #unicode = '';
  #highSurrogate: number | undefined;

  constructor(options: ScanOptions) {
    this.#options = options;
    this.#budget = new FieldBudget(options.limits);
  }

  async write(chunk: Buffer): Promise<void> {
    let i = 0;
    while (i < chunk.length) {
      if (this.#state === 'fileString') {
        i = await this.#fileString(chunk, i);
        continue;
      }
      if (this.#state === 'value') {
        i = this.#valueBytesOf(chunk, i);
        continue;
      }
      const byte = chunk[i]!;
      i++;
      switch (this.#state) {
        case 'start':
          if (isJsonSpace(byte)) break;
          if (byte !== 0x7b) throw new ApiError(400, `${INVALID_JSON}: expected an object`);
          this.#state = 'keyOrEnd';
          break;
        case 'keyOrEnd':
        case 'nextKey':
          if (isJsonSpace(byte)) break;
          if (byte === QUOTE) {
            this.#key = [byte];
            this.#keyEscape = false;
            this.#state = 'key';
          } else if (byte === 0x7d && this.#state === 'keyOrEnd') {
            this.#state = 'done';
          } else {
            throw new ApiError(400, INVALID_JSON);
          }
          break;
        case 'key':
          this.#key.push(byte);
          if (this.#key.length > MAX_FIELD_NAME_BYTES + 2) throw fieldNameTooLong();
          if (this.#keyEscape) this.#keyEscape = false;
          else if (byte === BACKSLASH) this.#keyEscape = true;
          else if (byte === QUOTE) this.#endKey();
          break;
        case 'afterKey':
          if (isJsonSpace(byte)) break;
          if (byte !== 0x3a) throw new ApiError(400, INVALID_JSON);
          this.#state = 'beforeValue';
          break;
        case 'beforeValue':
          if (isJsonSpace(byte)) break;
          if (byte === QUOTE && this.#options.takesFile && this.#keyName === 'file') {
            if (this.#writer || this.#file || this.#smallFile !== undefined) throw new ApiError(400, ONE_FILE_ONLY);
            this.#writer = fileWriter(this.#options, () => normalizeParams(this.#authPairs));
            this.#state = 'fileString';
          } else {
            this.#value = [];
            this.#valueBytes = 0;
            this.#depth = 0;
            this.#inString = false;
            this.#stringEscape = false;
            this.#state = 'value';
            i--;
          }
          break;
        case 'afterValue':
          if (isJsonSpace(byte)) break;
          if (byte === 0x2c) this.#state = 'nextKey';
          else if (byte === 0x7d) this.#state = 'done';
          else throw new ApiError(400, INVALID_JSON);
          break;
        case 'done':
          if (!isJsonSpace(byte)) throw new ApiError(400, INVALID_JSON);
          break;
      }
    }
  }

  async end(): Promise<ScannedJson> {
    if (this.#state === 'start') return { text: '' };
    if (this.#state !== 'done') throw new ApiError(400, INVALID_JSON);
    return {
      text: `{${this.#members.map((member) => member.toString('utf8')).join(',')}}`,
      ...(this.#file ? { file: this.#file } : {}),
      ...(this.#smallFile !== undefined ? { smallFile: this.#smallFile } : {}),
    };
  }

  async abort(): Promise<void> {
    await this.#writer?.abort();
    await this.#file?.discard();
  }

  #endKey(): void {
    let name: unknown;
    try {
      name = JSON.parse(Buffer.from(this.#key).toString('utf8'));
    } catch {
      throw new ApiError(400, INVALID_JSON);
    }
    this.#keyName = String(name);
    this.#budget.countField();
    this.#budget.addName(this.#key.length);
    this.#state = 'afterKey';
  }

  /** Captures a member's value as sent, up to the `,` or `}` that ends it; returns the next index. */
  #valueBytesOf(chunk: Buffer, from: number): number {
    let i = from;
    let ended = false;
    for (; i < chunk.length; i++) {
      const byte = chunk[i]!;
      if (this.#inString) {
        if (this.#stringEscape) this.#stringEscape = false;
        else if (byte === BACKSLASH) this.#stringEscape = true;
        else if (byte === QUOTE) this.#inString = false;
        continue;
      }
      if (byte === QUOTE) this.#inString = true;
      else if (byte === 0x7b || byte === 0x5b) this.#depth++;
      else if (byte === 0x7d || byte === 0x5d) {
        if (this.#depth === 0) {
          ended = true;
          break;
        }
        this.#depth--;
      } else if (byte === 0x2c && this.#depth === 0) {
        ended = true;
        break;
      }
    }
    const piece = Buffer.from(chunk.subarray(from, i));
    this.#valueBytes += piece.length;
    this.#budget.addValue(this.#keyName, this.#valueBytes, piece.length);
    this.#value.push(piece);
    if (ended) this.#endValue();
    return i;
  }

  #endValue(): void {
    const value = Buffer.concat(this.#value).toString('utf8').trim();
    if (value === '') throw new ApiError(400, INVALID_JSON);
    this.#members.push(Buffer.concat([Buffer.from(this.#key), Buffer.from(':'), Buffer.from(value)]));
    if (AUTH_MEMBERS.has(this.#keyName)) {
      try {
        const parsed: unknown = JSON.parse(value);
        if (typeof parsed === 'string' || typeof parsed === 'number' || typeof parsed === 'boolean')
          this.#authPairs.push([this.#keyName, String(parsed)]);
      } catch {
        throw new ApiError(400, INVALID_JSON);
      }
    }
    this.#value = [];
    this.#state = 'afterValue';
  }

  /** Decodes the `file` string into the writer; returns the next index. */
  async #fileString(chunk: Buffer, from: number): Promise<number> {
    let i = from;
    // Where the next `"` and `\` are (-1: none left in this chunk); searched again only once passed.
    let quote = -2;
    let backslash = -2;
    while (i < chunk.length) {
      if (this.#escape !== 'none') {
        this.#escapeByte(chunk[i]!);
        i++;
        continue;
      }
      if (quote !== -1 && quote < i) quote = chunk.indexOf(QUOTE, i);
      if (backslash !== -1 && backslash < i) backslash = chunk.indexOf(BACKSLASH, i);
      const stop = Math.min(quote === -1 ? chunk.length : quote, backslash === -1 ? chunk.length : backslash);
      if (stop > i) {
        await this.#emitText(Buffer.from(chunk.subarray(i, stop)));
        i = stop;
      }
      if (i >= chunk.length) break;
      if (chunk[i] === QUOTE) {
        this.#flushSurrogate();
        await this.#emitText(Buffer.alloc(0));
        const value = await this.#writer!.finish();
        this.#writer = undefined;
        if (value.spilled) this.#file = value;
        else this.#smallFile = await value.text();
        this.#state = 'afterValue';
        return i + 1;
      }
      this.#escape = 'start';
      i++;
    }
    return i;
  }

  #pendingEscaped: number[] = [];

  #escapeByte(byte: number): void {
    if (this.#escape === 'start') {
      if (byte === 0x75) {
        this.#escape = 'unicode';
        this.#unicode = '';
        return;
      }
      const simple = SIMPLE_ESCAPES[byte];
      if (simple === undefined) throw new ApiError(400, INVALID_JSON);
      this.#flushSurrogate();
      this.#pendingEscaped.push(simple);
      this.#escape = 'none';
      return;
    }
    this.#unicode += String.fromCharCode(byte);
    if (this.#unicode.length < 4) return;
    if (!/^[0-9a-fA-F]{4}$/.test(this.#unicode)) throw new ApiError(400, INVALID_JSON);
    const unit = parseInt(this.#unicode, 16);
    this.#escape = 'none';
    if (this.#highSurrogate !== undefined) {
      const high = this.#highSurrogate;
      this.#highSurrogate = undefined;
      if (unit >= 0xdc00 && unit <= 0xdfff) {
        this.#pendingEscaped.push(...Buffer.from(String.fromCharCode(high, unit), 'utf8'));
        return;
      }
      this.#pendingEscaped.push(...Buffer.from(String.fromCharCode(high), 'utf8'));
    }
    if (unit >= 0xd800 && unit <= 0xdbff) this.#highSurrogate = unit;
    else this.#pendingEscaped.push(...Buffer.from(String.fromCharCode(unit), 'utf8'));
  }

  #flushSurrogate(): void {
    if (this.#highSurrogate === undefined) return;
    this.#pendingEscaped.push(...Buffer.from(String.fromCharCode(this.#highSurrogate), 'utf8'));
    this.#highSurrogate = undefined;
  }

  /** Writes escaped bytes decoded so far, then `plain`. */
  async #emitText(plain: Buffer): Promise<void> {
    if (plain.length > 0) this.#flushSurrogate();
    if (this.#pendingEscaped.length > 0) {
      const escaped = Buffer.from(this.#pendingEscaped);
      this.#pendingEscaped = [];
      await this.#writer!.write(escaped);
    }
    if (plain.length > 0) await this.#writer!.write(plain);
  }
}
