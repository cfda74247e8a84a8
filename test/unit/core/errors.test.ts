// Error message hygiene: excerpts of input are short and escaped, every typed error is one bounded line.
import { describe, expect, it } from 'vitest';
import { boundMessage, ImportError, jsonSyntaxProblem, KpsError, MESSAGE_MAX, quoteExcerpt, toErrorShape } from '../../../src-main/core/errors.js';

function parseError(text: string): unknown {
  try {
    JSON.parse(text);
  } catch (err) {
    return err;
  }
  throw new Error(`expected ${text} not to parse`);
}

describe('quoteExcerpt', () => {
  it('quotes short text as JSON would, escaping controls, quotes and backslashes', () => {
    expect(quoteExcerpt('abc')).toBe('"abc"');
    expect(quoteExcerpt('a"b\\c\nd\te\u001b[31m\u0085')).toBe('"a\\"b\\\\c\\nd\\te\\u001b[31m\\u0085"');
  });

  it('cuts long text and says how long it was, without splitting a surrogate pair', () => {
    expect(quoteExcerpt('x'.repeat(100))).toBe(`"${'x'.repeat(40)}…" (100 characters)`);
    const emoji = 'a'.repeat(39) + '😀' + 'b';
    expect(quoteExcerpt(emoji)).toBe(`"${'a'.repeat(39)}…" (42 characters)`);
  });
});

describe('boundMessage and typed errors', () => {
  it('keeps both ends of an overlong message and makes it one line', () => {
    const m = boundMessage(`start ${'y'.repeat(5000)}\n end`);
    expect(m.length).toBeLessThanOrEqual(MESSAGE_MAX);
    expect(m.startsWith('start yyy')).toBe(true);
    expect(m.endsWith('yyy\\n end')).toBe(true);
    expect(m).toMatch(/… \[\d+ characters cut\] …/);
    expect(boundMessage('short')).toBe('short');
  });

  it('bounds every KpsError and ImportError message, and plain errors on the wire', () => {
    const cell = JSON.stringify('z'.repeat(1_000_000));
    const e = new ImportError('/data/training.csv', 7, `column Image: ${cell} is not a number`);
    expect(e.message.length).toBeLessThanOrEqual(MESSAGE_MAX);
    expect(e.message.startsWith('/data/training.csv, record 7: column Image: "zzz')).toBe(true);
    expect(e.message.endsWith('zzz" is not a number')).toBe(true);
    expect(new KpsError('bad-input', 'two\nlines').message).toBe('two\\nlines');
    expect(toErrorShape(new Error('q'.repeat(10_000))).message.length).toBeLessThanOrEqual(MESSAGE_MAX);
  });
});

describe('jsonSyntaxProblem', () => {
  it('drops the source text V8 quotes and gives a line and column where V8 gives a position', () => {
    const secret = 'hunter2-secret';
    expect(jsonSyntaxProblem(parseError(secret), secret)).toBe("Unexpected token 'h'");
    const long = `${secret} and more text after it, long enough`;
    expect(jsonSyntaxProblem(parseError(long), long)).toBe("Unexpected token 'h'");
    const text = '{"a": 1,\n  "b" 2}';
    // V8's wording varies by version; the position is ours.
    expect(jsonSyntaxProblem(parseError(text), text)).toMatch(/^[^"]* at line 2, column 7$/);
  });
});
