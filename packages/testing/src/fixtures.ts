import { fileURLToPath } from 'node:url';

/** The real media in ../shared/fixtures beside the repository (images/, documents/). */
export const FIXTURES_DIR = fileURLToPath(new URL('../../../../shared/fixtures/', import.meta.url));

export function fixturePath(relative: string): string {
  return `${FIXTURES_DIR}${relative}`;
}
