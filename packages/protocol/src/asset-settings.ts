import { ApiError } from './api-error.ts';

/**
 * Asset settings the Admin API's `update` takes (shared/spec/cloudinary-reference.md §4.10):
 * `access_control` (the SDK sends a JSON array) and `quality_override`.
 */

export interface AccessControlEntry {
  access_type: 'anonymous' | 'token';
  start?: string;
  end?: string;
}

const MAX_ACCESS_CONTROL_ENTRIES = 10;

/** `access_control`: a JSON array (or one object) of `{access_type, start?, end?}`; `[]` clears it. */
export function parseAccessControl(text: string): AccessControlEntry[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalidAccessControl(text, 'not JSON');
  }
  const entries = Array.isArray(value) ? value : [value];
  if (entries.length > MAX_ACCESS_CONTROL_ENTRIES) throw invalidAccessControl(text, `at most ${MAX_ACCESS_CONTROL_ENTRIES} entries`);
  return entries.map((entry) => accessControlEntry(entry, text));
}

function accessControlEntry(entry: unknown, text: string): AccessControlEntry {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw invalidAccessControl(text, 'each entry is an object');
  const record = entry as Record<string, unknown>;
  const type = record.access_type;
  if (type !== 'anonymous' && type !== 'token') throw invalidAccessControl(text, 'access_type is anonymous or token');
  const result: AccessControlEntry = { access_type: type };
  for (const bound of ['start', 'end'] as const) {
    const raw = record[bound];
    if (raw === undefined || raw === null) continue;
    if (typeof raw !== 'string' || Number.isNaN(Date.parse(raw))) throw invalidAccessControl(text, `${bound} is an ISO 8601 date`);
    result[bound] = new Date(Date.parse(raw)).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
  if (result.start !== undefined && result.end !== undefined && result.start > result.end) throw invalidAccessControl(text, 'start is after end');
  return result;
}

function invalidAccessControl(text: string, why: string): ApiError {
  return new ApiError(400, `Invalid access_control ${text.length > 200 ? `${text.slice(0, 200)}…` : text}: ${why}`);
}

/**
 * Whether anyone may see an asset with this access_control at `now`: no list (or an empty one), or
 * an `anonymous` entry whose window holds now. Otherwise only signed (or token) requests may.
 */
export function isPubliclyAccessible(entries: readonly AccessControlEntry[] | null | undefined, now: Date): boolean {
  if (!entries || entries.length === 0) return true;
  const at = now.toISOString();
  return entries.some(
    (entry) => entry.access_type === 'anonymous' && (entry.start === undefined || entry.start <= at) && (entry.end === undefined || at <= entry.end),
  );
}

/** `quality_override`: what `q_auto` uses for this asset: `auto[:best|good|eco|low]` or 1–100; empty clears it. */
export function parseQualityOverride(text: string): string | null {
  const value = text.trim().toLowerCase();
  if (value === '') return null;
  if (/^auto(?::(?:best|good|eco|low))?$/.test(value)) return value;
  if (/^\d{1,3}$/.test(value) && Number(value) >= 1 && Number(value) <= 100) return String(Number(value));
  throw new ApiError(400, `Invalid quality_override ${text}: expected auto[:best|good|eco|low] or a number from 1 to 100`);
}
