/**
 * Ruler compares UTF-8 bytes produced by Java's `String.getBytes(UTF_8)`, which turns an unpaired
 * surrogate into `?`. Applying the same replacement to both pattern and event strings lets the
 * matchers compare JS strings and still agree with Ruler byte for byte.
 */
export function javaUtf8Normalize(s: string): string {
  return LONE_SURROGATE_TEST.test(s) ? s.replace(LONE_SURROGATE, '?') : s;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const LONE_SURROGATE_TEST = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Number of bytes Java's UTF-8 encoder writes for `s` (unpaired surrogates count as one `?`). */
export function javaUtf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && isLowSurrogate(s.charCodeAt(i + 1))) {
      n += 4;
      i++;
    } else if (c >= 0xd800 && c <= 0xdfff) n += 1;
    else n += 3;
  }
  return n;
}

/** UTF-8 bytes as Java writes them (unpaired surrogates become `?`). */
export function javaUtf8Bytes(s: string): Uint8Array {
  return new TextEncoder().encode(javaUtf8Normalize(s));
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}
