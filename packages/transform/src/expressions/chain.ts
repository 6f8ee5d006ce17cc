import { transformErrors } from '../messages.ts';
import { MAX_COMPONENTS } from '../parse-transformation.ts';
import { expressionErrors } from './errors.ts';
import { isVariableName } from './syntax.ts';

// A transformation chain read for its conditionals: components (`/`), each with its `if_` (at most
// one), its variable assignments (`$name_value`) and its other parameters, then the tree the `if_`,
// `if_else` and `if_end` components make.
//
// Pairing, as Cloudinary documents it and the SDK writes it:
// - `if_<cond>` alone opens a block that `if_else` switches and `if_end` closes
//   (`if_ar_lt_1/c_pad,h_300,w_500/if_end`).
// - `if_<cond>,<params>` (the condition in the same component as parameters) applies to that component
//   only (`if_w_gt_300,c_crop,w_300`)... unless an `if_else` or `if_end` follows, which then closes it
//   like a block: the SDK's `{if: 'w_gt_300', width: 300}, {if: 'end'}` is `if_w_gt_300,w_300/if_end`,
//   and `if_else,w_100` after it is its else-branch.
// - `if_else,<params>` likewise: its own component only, unless an `if_end` follows.
// - `if_end,<params>`: the parameters are the last component of the branch, then the block closes.
// - A bare `if_<cond>` or `if_else` with no `if_end` after it runs to the end of the chain.
// Unmatched `if_else` / `if_end` are a 400. [GUESS] where Cloudinary's documentation is silent (the
// parameters of `if_end`, the missing `if_end`): docs/compatibility.md.

/** Deepest nesting of conditions (an `if_` inside an `if_`…): bounds the recursion and the work. */
export const MAX_IF_DEPTH = 8;
/** Most different variables one transformation may assign. */
export const MAX_VARIABLES = 32;

export type Parameter = { key: string; value: string; text: string };

export type Branch = { kind: 'if'; condition: string } | { kind: 'else' } | { kind: 'end' };

export type ChainComponent = {
  text: string;
  branch?: Branch;
  /** `$name_value`, in order. */
  assignments: Parameter[];
  /** The other parameters, in order. */
  parameters: Parameter[];
};

export type ChainNode =
  /** A component's assignments and parameters (never its `if_`). */
  { kind: 'component'; component: ChainComponent } | { kind: 'conditional'; condition: string; then: ChainNode[]; otherwise: ChainNode[] };

/**
 * The `,` parameters of a component. A condition may hold the SDK's list literal, whose `,` is not a
 * separator (`if_tags_in_['a',_'b']`): an `if_` parameter with an unclosed `[` takes the next ones.
 */
function splitParameters(text: string): string[] {
  const raw = text.split(',');
  const parameters: string[] = [];
  for (let index = 0; index < raw.length; index++) {
    let parameter = raw[index]!;
    if (parameter.startsWith('if_')) {
      const open = (part: string): number => (part.match(/\[/g)?.length ?? 0) - (part.match(/]/g)?.length ?? 0);
      while (open(parameter) > 0 && index + 1 < raw.length) parameter += `,${raw[++index]!}`;
    }
    parameters.push(parameter);
  }
  return parameters;
}

function readComponent(text: string, whole: string): ChainComponent {
  if (text === '') throw transformErrors.emptyComponent(whole);
  const component: ChainComponent = { text, assignments: [], parameters: [] };
  for (const parameterText of splitParameters(text)) {
    const underscore = parameterText.indexOf('_');
    if (underscore <= 0 || underscore === parameterText.length - 1) throw transformErrors.invalidComponent(text);
    const parameter = { key: parameterText.slice(0, underscore), value: parameterText.slice(underscore + 1), text: parameterText };
    if (parameter.key === 'if') {
      if (component.branch !== undefined) throw expressionErrors.structure(`more than one if_ in the component ${text}`);
      component.branch =
        parameter.value === 'else' ? { kind: 'else' } : parameter.value === 'end' ? { kind: 'end' } : { kind: 'if', condition: parameter.value };
    } else if (parameter.key.startsWith('$')) {
      if (!isVariableName(parameter.key)) throw expressionErrors.variableName(parameterText);
      component.assignments.push(parameter);
    } else {
      component.parameters.push(parameter);
    }
  }
  return component;
}

/** The components of a (percent-decoded) chain. Throws the plain parser's 400s for its grammar. */
export function readChain(decoded: string): ChainComponent[] {
  const texts = decoded.split('/');
  if (texts.length > MAX_COMPONENTS) throw transformErrors.tooManyComponents(MAX_COMPONENTS);
  const components = texts.map((text) => readComponent(text, decoded));
  const names = new Set(components.flatMap((component) => component.assignments.map((assignment) => assignment.key)));
  if (names.size > MAX_VARIABLES) throw expressionErrors.tooManyVariables(MAX_VARIABLES);
  return components;
}

const hasContent = (component: ChainComponent): boolean => component.assignments.length > 0 || component.parameters.length > 0;
const own = (component: ChainComponent): ChainNode => ({ kind: 'component', component });
const ownIfAny = (component: ChainComponent): ChainNode[] => (hasContent(component) ? [own(component)] : []);

type Scan = { nodes: ChainNode[]; next: number; closer?: ChainComponent };

/** Reads components from `start` until an `if_else` / `if_end` it does not own (the closer) or the end. */
function sequence(components: readonly ChainComponent[], start: number): Scan {
  const nodes: ChainNode[] = [];
  let index = start;
  while (index < components.length) {
    const component = components[index]!;
    const branch = component.branch;
    if (branch?.kind === 'else' || branch?.kind === 'end') return { nodes, next: index, closer: component };
    if (branch === undefined) {
      nodes.push(own(component));
      index++;
      continue;
    }
    const condition = branch.condition;
    const body = sequence(components, index + 1);
    if (body.closer === undefined) {
      // Nothing closes it: with parameters of its own it is a one-component condition and what follows is
      // unconditional; bare, it runs to the end of the chain.
      if (hasContent(component)) nodes.push({ kind: 'conditional', condition, then: [own(component)], otherwise: [] }, ...body.nodes);
      else nodes.push({ kind: 'conditional', condition, then: body.nodes, otherwise: [] });
      index = body.next;
      continue;
    }
    const then = [...ownIfAny(component), ...body.nodes];
    if (body.closer.branch?.kind === 'end') {
      nodes.push({ kind: 'conditional', condition, then: [...then, ...ownIfAny(body.closer)], otherwise: [] });
      index = body.next + 1;
      continue;
    }
    const elseComponent = body.closer;
    const rest = sequence(components, body.next + 1);
    if (rest.closer?.branch?.kind === 'else') throw expressionErrors.structure(`a second if_else for if_${condition}`);
    if (rest.closer === undefined) {
      if (hasContent(elseComponent)) nodes.push({ kind: 'conditional', condition, then, otherwise: [own(elseComponent)] }, ...rest.nodes);
      else nodes.push({ kind: 'conditional', condition, then, otherwise: rest.nodes });
      index = rest.next;
      continue;
    }
    nodes.push({ kind: 'conditional', condition, then, otherwise: [...ownIfAny(elseComponent), ...rest.nodes, ...ownIfAny(rest.closer)] });
    index = rest.next + 1;
  }
  return { nodes, next: index };
}

function depthOf(nodes: readonly ChainNode[]): number {
  let deepest = 0;
  for (const node of nodes) {
    if (node.kind === 'conditional') deepest = Math.max(deepest, 1 + depthOf(node.then), 1 + depthOf(node.otherwise));
  }
  return deepest;
}

/**
 * The tree of a chain's conditionals. Throws ApiError(400) for an `if_else` or `if_end` without an
 * `if_`, a second `if_else`, or conditions nested deeper than MAX_IF_DEPTH. The recursion is bounded
 * by MAX_COMPONENTS (readChain refuses more).
 */
export function buildTree(components: readonly ChainComponent[]): ChainNode[] {
  const scan = sequence(components, 0);
  if (scan.closer !== undefined) {
    throw expressionErrors.structure(`${scan.closer.branch?.kind === 'else' ? 'if_else' : 'if_end'} without an if_<condition> before it`);
  }
  if (depthOf(scan.nodes) > MAX_IF_DEPTH) throw expressionErrors.structure(`conditions nested more than ${MAX_IF_DEPTH} deep`);
  return scan.nodes;
}
