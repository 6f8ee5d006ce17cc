import { CROP_MODE_SEMANTICS, CROP_MODE_TABLE, SHARED_RULES, TABLE_INPUT, TABLE_TARGETS } from './crop-mode-table.ts';
import { CROP_MODES } from './plan.ts';

// Renders docs/crop-modes.md from crop-mode-table.ts (run packages/transform/scripts/render-crop-doc.ts).

export const CROP_DOC_PATH = 'docs/crop-modes.md';

const escape = (text: string): string => text.replace(/\|/g, '\\|');

/** The mode × target matrix: each cell is the output size and what happened (`400x300, cropped`). */
export function renderCropModeMatrix(): string {
  const header = `| mode | ${TABLE_TARGETS.map((target) => `\`${target}\``).join(' | ')} |`;
  const rule = `| --- | ${TABLE_TARGETS.map(() => '---').join(' | ')} |`;
  const rows = CROP_MODES.map((mode) => {
    const cells = TABLE_TARGETS.map((target) => {
      const found = CROP_MODE_TABLE.find((entry) => entry.mode === mode && entry.target === target);
      if (found === undefined) throw new Error(`crop-mode table lacks ${mode} × ${target}`);
      return `${found.output}, ${found.actions.join(', ')}`;
    });
    return `| \`c_${mode}\` | ${cells.join(' | ')} |`;
  });
  return [header, rule, ...rows].join('\n');
}

export function renderCropModeDoc(): string {
  const semantics = CROP_MODES.map((mode) => `| \`c_${mode}\` | ${escape(CROP_MODE_SEMANTICS[mode])} |`);
  return [
    '# Crop modes: expected output dimensions',
    '',
    '<!-- Generated from packages/transform/src/crop-mode-table.ts by',
    '     `node packages/transform/scripts/render-crop-doc.ts`. Do not edit by hand: a test fails when this',
    '     page and the table differ, and every cell below is checked against projectOutputSize. -->',
    '',
    'What each `c_` mode of a transformation does to the size of an image, as `@rendition/transform`',
    'projects it (`projectOutputSize`) and the image executor produces it. Cloudinary documents the modes in',
    'prose; where its wording leaves a case open, the choice made here is stated in the sentence for the mode.',
    '',
    '## Semantics',
    '',
    '| mode | what it does |',
    '| --- | --- |',
    ...semantics,
    '',
    `## Output for an input of ${TABLE_INPUT.width}x${TABLE_INPUT.height}`,
    '',
    "Each column is a transformation component with the row's `c_` added (`c_fill,w_400,h_300`). A cell gives the",
    'output size and what happened to the image: scaled down or up (keeping the aspect ratio unless',
    '"distorted"), cropped (pixels cut away), padded (background added), or unchanged.',
    '',
    renderCropModeMatrix(),
    '',
    '## Rules every mode shares',
    '',
    ...SHARED_RULES.map((text) => `- ${text}`),
    '',
  ].join('\n');
}
