import { transformErrors } from './messages.ts';
import { MAX_COMPONENTS, parseTransformation } from './parse-transformation.ts';
import type { Component, TransformationPlan } from './plan.ts';

/** How deep named transformations may nest (`t_a` whose definition uses `t_b` …). */
export const MAX_NAMED_DEPTH = 10;

/**
 * Finds a named transformation's definition: its plan, or its transformation string (parsed here), or
 * undefined when no such name exists. May be async (the caller reads the catalog); this package does no I/O.
 */
export type NamedLookup = (name: string) => TransformationPlan | string | undefined | Promise<TransformationPlan | string | undefined>;

/** Every `t_` name the plan references directly, in order of first use (to prefetch definitions). */
export function namedReferences(plan: TransformationPlan): string[] {
  const names = new Set<string>();
  for (const component of plan.components) for (const name of component.named ?? []) names.add(name);
  return [...names];
}

/**
 * Replaces every `t_<name>` with the named plan's components, recursively, so executors never see a
 * reference. A component `t_a.b,w_100` becomes a's components, then b's, then the component `w_100`
 * (the component's own parameters apply after the named ones). Throws ApiError(400):
 * `Unknown transformation <name>`, a cycle (`a -> b -> a`), nesting deeper than MAX_NAMED_DEPTH, or more
 * than MAX_COMPONENTS components after expansion.
 */
export async function expandNamed(plan: TransformationPlan, lookup: NamedLookup): Promise<TransformationPlan> {
  const definitions = new Map<string, TransformationPlan>();

  const definition = async (name: string): Promise<TransformationPlan> => {
    const known = definitions.get(name);
    if (known !== undefined) return known;
    const found = await lookup(name);
    if (found === undefined) throw transformErrors.unknownNamed(name);
    const parsed = typeof found === 'string' ? parseTransformation(found) : found;
    definitions.set(name, parsed);
    return parsed;
  };

  const expand = async (current: TransformationPlan, path: readonly string[], out: Component[]): Promise<void> => {
    for (const component of current.components) {
      const { named, ...own } = component;
      for (const name of named ?? []) {
        if (path.includes(name)) throw transformErrors.namedCycle([...path, name]);
        if (path.length >= MAX_NAMED_DEPTH) throw transformErrors.namedTooDeep(MAX_NAMED_DEPTH, [...path, name]);
        await expand(await definition(name), [...path, name], out);
      }
      if (named === undefined || Object.keys(own).length > 0) out.push(own);
      if (out.length > MAX_COMPONENTS) throw transformErrors.tooManyComponents(MAX_COMPONENTS);
    }
  };

  const components: Component[] = [];
  await expand(plan, [], components);
  return { components };
}
