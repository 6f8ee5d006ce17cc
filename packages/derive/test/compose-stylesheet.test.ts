import { describe, expect, it } from 'vitest';
import { withPage } from '../src/compose/explode.ts';
import { cssIdentifier, spriteImageInfos, spriteStylesheet } from '../src/compose/sprite-stylesheet.ts';
import { textRendering } from '../src/compose/text.ts';

describe('cssIdentifier (CSS.escape)', () => {
  it.each([
    ['amazon_logo', 'amazon_logo'],
    ['folder/logo', 'folder\\/logo'],
    ['1st', '\\31 st'],
    ['-2x', '-\\32 x'],
    ['-', '\\-'],
    ['a b.c', 'a\\ b\\.c'],
    ["it's", "it\\'s"],
    ['é', 'é'],
    ['tab\there', 'tab\\9 here'],
  ])('%j → %j', (name, escaped) => {
    expect(cssIdentifier(name)).toBe(escaped);
  });
});

describe('spriteStylesheet', () => {
  it('gives every class the sprite as background, then each its offset and size', () => {
    const infos = spriteImageInfos(
      ['a', 'b'],
      [
        { x: 0, y: 0, width: 10, height: 5 },
        { x: 0, y: 7, width: 4, height: 4 },
      ],
    );
    expect(spriteStylesheet("http://h/x'y.png", infos)).toBe(
      [
        '.a, .b {',
        "  background: url('http://h/x\\'y.png') no-repeat;",
        '}',
        '.a { background-position: 0px 0px; width: 10px; height: 5px; }',
        '.b { background-position: 0px -7px; width: 4px; height: 4px; }',
        '',
      ].join('\n'),
    );
  });

  it('keeps a public_id named like an Object member as a plain key', () => {
    const infos = spriteImageInfos(['__proto__'], [{ x: 0, y: 0, width: 1, height: 1 }]);
    expect(Object.keys(infos)).toEqual(['__proto__']);
    expect(JSON.parse(JSON.stringify(infos))).toEqual(JSON.parse('{"__proto__":{"width":1,"height":1,"x":0,"y":0}}'));
  });
});

describe('withPage', () => {
  it.each([
    ['pg_all', 3, 'pg_3'],
    ['c_scale,pg_all,w_100', 2, 'c_scale,pg_2,w_100'],
    ['w_10/pg_all', 1, 'w_10/pg_1'],
    ['pg_allx', 1, 'pg_allx'],
  ])('%j, page %d → %j', (text, page, expected) => {
    expect(withPage(text, page)).toBe(expected);
  });
});

describe('textRendering', () => {
  const style = {
    fontFamily: 'Arial',
    fontSize: 20,
    fontColor: '#ff000080',
    fontWeight: 'bold' as const,
    fontStyle: 'italic' as const,
    textAlign: 'center' as const,
    textDecoration: 'strikethrough' as const,
    background: 'transparent',
    opacity: 50,
    lineSpacing: 3,
  };

  it('resolves colours, multiplies the colour’s alpha by the opacity and drops a transparent background', () => {
    const rendering = textRendering({ text: 'x', style });
    expect(rendering).toEqual({
      text: 'x',
      font: { family: 'Arial', size: 20, weight: 'bold', italic: true, decoration: 'strikethrough', color: { r: 255, g: 0, b: 0 } },
      alpha: 0.502 * 0.5,
      background: null,
      align: 'center',
      lineSpacing: 3,
    });
    expect(textRendering({ text: 'x', style: { ...style, background: 'navy' } }).background).toMatchObject({ r: 0, g: 0, b: 128, alpha: 1 });
  });

  it('refuses a colour name no table knows with a 400', () => {
    expect(() => textRendering({ text: 'x', style: { ...style, background: 'blurple' } })).toThrow('Invalid background: blurple');
  });
});
