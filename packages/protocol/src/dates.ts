/** `2021-04-15T16:45:46Z`: Cloudinary's timestamps carry whole seconds, never milliseconds. */
export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** `2015-06-20 12:59:41 +0000`, the form Cloudinary prints in its stale-request message. */
export function utcSecondsText(date: Date): string {
  return `${isoSeconds(date).slice(0, 19).replace('T', ' ')} +0000`;
}

/** Unix seconds (what `timestamp` and `version` hold) as a Date. */
export function fromUnixSeconds(seconds: number): Date {
  return new Date(seconds * 1000);
}
