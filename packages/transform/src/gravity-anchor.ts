import type { CompassGravity, Gravity } from './plan.ts';

// Where a gravity puts something along one axis: shared by c_crop's region, c_pad's image and a layer's
// placement, so the three read `g_north_east` the same way. Auto gravity anchors at the centre here (an
// executor may then move a crop window to a salient spot, never resize it).

const WEST: ReadonlySet<CompassGravity> = new Set(['north_west', 'west', 'south_west']);
const EAST: ReadonlySet<CompassGravity> = new Set(['north_east', 'east', 'south_east']);
const NORTH: ReadonlySet<CompassGravity> = new Set(['north_west', 'north', 'north_east']);
const SOUTH: ReadonlySet<CompassGravity> = new Set(['south_west', 'south', 'south_east']);

/**
 * Where a gravity anchors something of free space `free` along an axis: start, middle or end. `sign` is
 * the direction a positive x_/y_ offset moves it: away from the edge it is anchored to (inwards).
 */
export function anchor(gravity: Gravity, free: number, axis: 'x' | 'y'): { position: number; sign: 1 | -1 } {
  const direction = gravity.kind === 'compass' ? gravity.direction : 'center';
  const [start, end] = axis === 'x' ? [WEST, EAST] : [NORTH, SOUTH];
  if (start.has(direction)) return { position: 0, sign: 1 };
  if (end.has(direction)) return { position: free, sign: -1 };
  return { position: Math.floor(free / 2), sign: 1 };
}
