import { describe, expect, it } from 'vitest';
import { asyncRefusal } from '../test/refusal.ts';
import { canonicalString } from './canonical.ts';
import { expandNamed, MAX_NAMED_DEPTH, namedReferences, type NamedLookup } from './named.ts';
import { MAX_COMPONENTS, parseTransformation } from './parse-transformation.ts';

const library =
  (definitions: Record<string, string>): NamedLookup =>
  (name) =>
    definitions[name];
const expand = async (text: string, lookup: NamedLookup): Promise<string> => canonicalString(await expandNamed(parseTransformation(text), lookup));

describe('expandNamed', () => {
  const lookup = library({
    thumb: 'c_fill,w_100,h_100',
    gray: 'e_grayscale',
    nested: 't_thumb/t_gray',
    two: 'w_10/a_90',
  });

  it.each<[string, string]>([
    ['t_thumb', 'c_fill,h_100,w_100'],
    ['w_500/t_thumb', 'w_500/c_fill,h_100,w_100'],
    ['t_thumb.gray', 'c_fill,h_100,w_100/e_grayscale'],
    ['t_thumb,o_50', 'c_fill,h_100,w_100/o_50'], // the component's own parameters apply after the named ones
    ['t_nested/q_80', 'c_fill,h_100,w_100/e_grayscale/q_80'],
    ['t_two/t_two', 'w_10/a_90/w_10/a_90'],
    ['w_100', 'w_100'],
  ])('%s → %s', async (text, want) => {
    expect(await expand(text, lookup)).toBe(want);
  });

  it('accepts plans and async lookups', async () => {
    const plan = parseTransformation('e_sepia');
    expect(await expand('t_x', async (name) => (name === 'x' ? plan : undefined))).toBe('e_sepia');
  });

  it('asks for each name once', async () => {
    const asked: string[] = [];
    await expandNamed(parseTransformation('t_thumb/t_thumb.thumb'), (name) => {
      asked.push(name);
      return 'w_1';
    });
    expect(asked).toEqual(['thumb']);
  });

  it.each<[string, Record<string, string>, string]>([
    ['t_nope', {}, 'Unknown transformation nope'],
    ['t_a', { a: 't_b' }, 'Unknown transformation b'],
    ['t_a', { a: 't_a' }, 'Invalid named transformation - cycle: a -> a'],
    ['t_a', { a: 'w_1/t_b', b: 't_c', c: 't_a' }, 'Invalid named transformation - cycle: a -> b -> c -> a'],
    ['t_a', { a: 'c_nope' }, 'Invalid crop mode - nope'],
  ])('%s with %j → %s', async (text, definitions, message) => {
    const error = await asyncRefusal(() => expandNamed(parseTransformation(text), library(definitions)));
    expect(error.status).toBe(400);
    expect(error.message).toBe(message);
  });

  it('bounds nesting depth and the expanded size', async () => {
    const chain: Record<string, string> = {};
    for (let i = 0; i < MAX_NAMED_DEPTH; i += 1) chain[`n${i}`] = `t_n${i + 1}`;
    chain[`n${MAX_NAMED_DEPTH}`] = 'w_1';
    expect(await expand('t_n1', library(chain))).toBe('w_1');
    const tooDeep = await asyncRefusal(() => expandNamed(parseTransformation('t_n0'), library(chain)));
    expect(tooDeep.message).toMatch(new RegExp(`^Invalid named transformation - nested more than ${MAX_NAMED_DEPTH} deep: n0 -> n1 -> `));

    const big = Array(60).fill('w_1').join('/');
    const tooMany = await asyncRefusal(() => expandNamed(parseTransformation('t_big/t_big'), library({ big })));
    expect(tooMany.message).toBe(`Invalid transformation - more than ${MAX_COMPONENTS} components`);
  });

  it('lists the direct references to prefetch', () => {
    expect(namedReferences(parseTransformation('t_a.b/w_1/t_b.c'))).toEqual(['a', 'b', 'c']);
    expect(namedReferences(parseTransformation('w_1'))).toEqual([]);
  });
});
