import { describe, expect, it } from 'vitest';
import { splitDefaultImage, type DefaultImageSplit } from './default-image.ts';

describe('splitDefaultImage', () => {
  it.each<[string, DefaultImageSplit]>([
    ['d_avatars:anon.png,w_100', { defaultImage: 'avatars/anon.png', rest: 'w_100' }],
    ['w_100,d_anon.png', { defaultImage: 'anon.png', rest: 'w_100' }],
    ['c_fill,d_a:b:c.jpg,w_10/e_blur', { defaultImage: 'a/b/c.jpg', rest: 'c_fill,w_10/e_blur' }],
    ['d_anon.png', { defaultImage: 'anon.png', rest: '' }],
    ['d_x.png/w_100', { defaultImage: 'x.png', rest: 'w_100' }],
    ['w_100/d_x.png', { defaultImage: 'x.png', rest: 'w_100' }],
    ['w_100/d_x.png/h_50', { defaultImage: 'x.png', rest: 'w_100/h_50' }],
    ['w_100/d_x.png,e_sepia/h_50', { defaultImage: 'x.png', rest: 'w_100/e_sepia/h_50' }],
    ['d_My-Img_2:v.1.PNG', { defaultImage: 'My-Img_2/v.1.PNG', rest: '' }],
    ['d_noext', { defaultImage: 'noext', rest: '' }],
  ])('takes the default image out of %j', (transformation, split) => {
    expect(splitDefaultImage(transformation)).toStrictEqual(split);
  });

  it('keeps the last of several default images and drops them all', () => {
    expect(splitDefaultImage('d_first.png,w_10/d_second.png')).toStrictEqual({ defaultImage: 'second.png', rest: 'w_10' });
    expect(splitDefaultImage('d_first.png,d_second.png')).toStrictEqual({ defaultImage: 'second.png', rest: '' });
  });

  it.each([
    'w_100,h_50/c_fill',
    '',
    'l_d_logo,w_100',
    'w_100,dn_50',
    'd_',
    'd_,w_100',
    'd_a$b,w_100',
    'd_a b',
    'D_x.png',
    'xd_x.png',
    'd_x.png!',
    'w_100//h_10',
  ])('leaves %j as it is, with no default image', (transformation) => {
    expect(splitDefaultImage(transformation)).toStrictEqual({ rest: transformation });
  });

  it('keeps components that were empty to begin with, dropping only those it empties', () => {
    expect(splitDefaultImage('w_100//d_x.png')).toStrictEqual({ defaultImage: 'x.png', rest: 'w_100/' });
  });
});
