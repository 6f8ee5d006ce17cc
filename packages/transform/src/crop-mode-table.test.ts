import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CROP_DOC_PATH, renderCropModeDoc, renderCropModeMatrix } from './crop-mode-doc.ts';
import { CROP_MODE_SEMANTICS, CROP_MODE_TABLE, TABLE_INPUT, TABLE_TARGETS, type TableAction } from './crop-mode-table.ts';
import { parseTransformation } from './parse-transformation.ts';
import { CROP_MODES } from './plan.ts';
import { projectPlan, type GeometryStep, type Size } from './project-size.ts';

const LIMITS = { maxDimension: 20_000, maxPixels: 100_000_000 };

/** Reads what happened from the geometry steps, in the table's word order. */
function actionsOf(steps: readonly GeometryStep[], input: Size): TableAction[] {
  if (steps.length === 0) return ['unchanged'];
  const found = new Set<TableAction>();
  let current = input;
  for (const step of steps) {
    const scaledTo = step.op === 'resize' ? step : step.op === 'cover' ? { width: step.scaledWidth, height: step.scaledHeight } : undefined;
    if (scaledTo !== undefined) {
      if (scaledTo.width <= current.width && scaledTo.height <= current.height && (scaledTo.width < current.width || scaledTo.height < current.height))
        found.add('scaled down');
      if (scaledTo.width >= current.width && scaledTo.height >= current.height && (scaledTo.width > current.width || scaledTo.height > current.height))
        found.add('scaled up');
      const before = current.width / current.height;
      if (Math.abs(scaledTo.width / scaledTo.height - before) / before > 0.01) found.add('distorted');
    }
    if (step.op === 'extract' || (step.op === 'cover' && (step.scaledWidth !== step.width || step.scaledHeight !== step.height))) found.add('cropped');
    if (step.op === 'pad') found.add('padded');
    current = { width: step.width, height: step.height };
  }
  const order: TableAction[] = ['scaled down', 'scaled up', 'distorted', 'cropped', 'padded'];
  return order.filter((action) => found.has(action));
}

describe('the crop-mode table (docs/crop-modes.md)', () => {
  it('has one row per mode and target', () => {
    expect(CROP_MODE_TABLE).toHaveLength(CROP_MODES.length * TABLE_TARGETS.length);
    for (const mode of CROP_MODES) {
      for (const target of TABLE_TARGETS)
        expect(
          CROP_MODE_TABLE.filter((row) => row.mode === mode && row.target === target),
          `${mode} ${target}`,
        ).toHaveLength(1);
    }
    expect(Object.keys(CROP_MODE_SEMANTICS).sort()).toEqual([...CROP_MODES].sort());
  });

  it.each(CROP_MODE_TABLE.map((row) => [`c_${row.mode},${row.target}`, row] as const))('%s', (text, row) => {
    const geometry = projectPlan(parseTransformation(text), TABLE_INPUT, LIMITS);
    expect(`${geometry.output.width}x${geometry.output.height}`).toBe(row.output);
    expect(actionsOf(geometry.components[0]!.steps, TABLE_INPUT)).toEqual(row.actions);
  });
});

describe('docs/crop-modes.md is fresh', () => {
  it('is exactly what crop-mode-table.ts renders', () => {
    const path = fileURLToPath(new URL(`../../../${CROP_DOC_PATH}`, import.meta.url));
    const regenerate = 'stale: run `node packages/transform/scripts/render-crop-doc.ts`';
    expect(existsSync(path), `${CROP_DOC_PATH} is missing: ${regenerate}`).toBe(true);
    const committed = readFileSync(path, 'utf8');
    expect(committed.includes(`\n${renderCropModeMatrix()}\n`), `${CROP_DOC_PATH} table is ${regenerate}`).toBe(true);
    expect(committed, `${CROP_DOC_PATH} is ${regenerate}`).toBe(renderCropModeDoc());
  });

  it('renders one matrix row per mode with one cell per target', () => {
    const rows = renderCropModeMatrix().split('\n');
    expect(rows).toHaveLength(2 + CROP_MODES.length);
    for (const line of rows) expect(line.split('|').length).toBe(TABLE_TARGETS.length + 3);
    expect(rows[2]).toBe(
      '| `c_scale` | 400x300, scaled down, distorted | 400x200, scaled down | 600x300, scaled down | 2000x1000, scaled up | 400x1000, distorted | 1000x1000, scaled up, distorted |',
    );
  });
});
