/** `${resource_info.a.b}`, `${resource_info.colors[0][1]}`, `${resource_info["width"]}` (spaces allowed inside the braces). */
const PLACEHOLDER = /\$\{\s*resource_info((?:\.[A-Za-z_$][\w$]*|\[\s*\d+\s*\]|\[\s*"[^"\]]*"\s*\]|\[\s*'[^'\]]*'\s*\])+)\s*\}/g;
const SEGMENT = /\.([A-Za-z_$][\w$]*)|\[\s*(\d+)\s*\]|\[\s*"([^"\]]*)"\s*\]|\[\s*'([^'\]]*)'\s*\]/g;

/**
 * Replaces `${resource_info.<path>}` placeholders in a value an eval script set (Cloudinary's docs write
 * them inside ordinary double-quoted strings, so the server substitutes them after the script ran).
 * Strings are inserted as they are, numbers and booleans as text, objects and arrays as JSON; a
 * missing path or null gives ''. Only own properties are followed (`${resource_info.constructor}` is '').
 * Text that is not a placeholder of this shape is left alone.
 */
export function interpolateResourceInfo(value: string, resourceInfo: Record<string, unknown>): string {
  if (!value.includes('${')) return value;
  return value.replace(PLACEHOLDER, (_match, path: string) => {
    let current: unknown = resourceInfo;
    for (const [, name, index, doubleQuoted, singleQuoted] of path.matchAll(SEGMENT)) {
      const key = name ?? index ?? doubleQuoted ?? singleQuoted ?? '';
      if (typeof current !== 'object' || current === null || !Object.hasOwn(current, key)) return '';
      current = (current as Record<string, unknown>)[key];
    }
    return placeholderText(current);
  });
}

function placeholderText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (typeof value === 'object') return JSON.stringify(value) ?? '';
  return '';
}
