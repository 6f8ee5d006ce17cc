import { isAllowedForStrict, namedAllowedForStrict, type CatalogDb } from '@rendition/catalog';
import { parseTransformation } from '@rendition/transform';

/**
 * Under strict transformations, whether an unsigned URL may still build this derivative: its canonical
 * text (named transformations expanded, as the derived table keeps it) was marked `allowed_for_strict`,
 * or the URL names only named transformations (`t_a`, `t_a/t_b`) that all are.
 */
export async function strictAllows(db: CatalogDb, cloudName: string, urlTransformation: string, canonical: string): Promise<boolean> {
  if (canonical !== '' && (await isAllowedForStrict(db, cloudName, canonical))) return true;
  let names: string[] = [];
  try {
    const plan = parseTransformation(decodeURIComponent(urlTransformation));
    for (const component of plan.components) {
      const { named, ...own } = component;
      if (named === undefined || Object.keys(own).length > 0) return false;
      names = [...names, ...named];
    }
  } catch {
    return false;
  }
  return namedAllowedForStrict(db, cloudName, names);
}
