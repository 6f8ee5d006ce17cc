import { describe, expect, it } from 'vitest';
import { looksLikeSvg } from '../src/sniff-svg.ts';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('looksLikeSvg', () => {
  it.each([
    ['<svg xmlns="http://www.w3.org/2000/svg"/>', true],
    ['<svg>', true],
    ['<svg/>', true],
    ['  \n\t<svg\nwidth="1">', true],
    ['\uFEFF<svg>', true],
    ['<?xml version="1.0"?><svg>', true],
    ['<?xml version="1.0"?>\n<?xml-stylesheet href="a.css"?>\n<svg>', true],
    ['<!-- a > b --><svg>', true],
    ['<!doctype svg><svg>', true],
    ['<!DOCTYPE svg [ <!ENTITY a "b"> ]><svg>', true],
    ['<svgx>', false],
    ['<svg', false],
    ['<html><svg>', false],
    ['text <svg>', false],
    ['<?xml version="1.0"?><root/>', false],
    ['<!-- never closed <svg>', false],
    ['<!DOCTYPE svg [ <!ENTITY a "b"> <svg>', false],
    ['', false],
  ])('%j → %s', (text, expected) => {
    expect(looksLikeSvg(bytes(text))).toBe(expected);
  });
});
