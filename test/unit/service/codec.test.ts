// The JSON wire codec of api.ts: NaN and infinities survive, everything else is plain JSON.
import { describe, expect, it } from 'vitest';
import { decodeWire, encodeWire } from '../../../src-main/api/ops.js';

describe('wire codec', () => {
  it('round-trips NaN and infinities anywhere in a value', () => {
    const value = { keypoints: [{ x: NaN, y: NaN, state: 'missing' }, { x: 1.5, y: -0, state: 'labelled' }], coords: [1, NaN, Infinity, -Infinity], n: null };
    const text = encodeWire(value);
    expect(text).not.toContain('null,"y"');
    const back = decodeWire(text) as typeof value;
    expect(Number.isNaN(back.keypoints[0].x)).toBe(true);
    expect(Number.isNaN(back.keypoints[0].y)).toBe(true);
    expect(back.keypoints[1]).toEqual({ x: 1.5, y: 0, state: 'labelled' });
    expect(back.coords[0]).toBe(1);
    expect(Number.isNaN(back.coords[1])).toBe(true);
    expect(back.coords.slice(2)).toEqual([Infinity, -Infinity]);
    expect(back.n).toBeNull();
  });

  it('writes NaN as {"$num":"NaN"} so any JSON reader can see it', () => {
    expect(encodeWire({ x: NaN })).toBe('{"x":{"$num":"NaN"}}');
  });

  it('leaves objects that merely contain a $num key alone', () => {
    const back = decodeWire('{"a":{"$num":"NaN","other":1},"b":{"$num":"seven"}}') as Record<string, unknown>;
    expect(back.a).toEqual({ $num: 'NaN', other: 1 });
    expect(back.b).toEqual({ $num: 'seven' });
  });

  it('decodes plain JSON unchanged', () => {
    expect(decodeWire('{"ids":[1,2,3],"s":"NaN"}')).toEqual({ ids: [1, 2, 3], s: 'NaN' });
  });
});
