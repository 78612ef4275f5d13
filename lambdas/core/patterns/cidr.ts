import { RulerArgumentError } from './errors.js';

/**
 * An IP range as Ruler stores it: equal-length strings of upper-case hex digits (8 for IPv4, 32
 * for IPv6) and open/closed ends. Matching walks a value's characters the way Ruler's byte
 * machine does (see {@link hexRangeMatches}), so its quirks come along.
 */
export interface HexRange {
  readonly bottom: string;
  readonly top: string;
  readonly openBottom: boolean;
  readonly openTop: boolean;
}

const IPV4_SHAPE = /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/;
const IPV6_SHAPE = /^[0-9a-fA-F:]*:[0-9a-fA-F:]*$/;
const HEX = '0123456789ABCDEF';

/**
 * Parses an IP literal the way Ruler does (a shape check, then `InetAddress.getByName`).
 * Returns the address bytes, `'invalid'` when the text has an IP shape but Java rejects it, or
 * `'nonstandard'` when it has no IP shape at all (the two produce different messages).
 */
function parseIp(text: string): Uint8Array | 'invalid' | 'nonstandard' {
  if (IPV4_SHAPE.test(text)) return parseIpv4(text) ?? 'invalid';
  if (IPV6_SHAPE.test(text)) return parseIpv6(text) ?? 'invalid';
  return 'nonstandard';
}

function parseIpv4(text: string): Uint8Array | null {
  const parts = text.split('.');
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const part = parts[i] ?? '';
    // Java refuses ambiguous (octal-looking) literals since 8u331/11.0.15/17.0.3.
    if (part.length > 1 && part.startsWith('0')) return null;
    if (part.length > 3) return null;
    const v = Number(part);
    if (v > 255) return null;
    out[i] = v;
  }
  return out;
}

/** Port of Java's `IPAddressUtil.textToNumericFormatV6` (no zone ids or dotted quads reach it). */
function parseIpv6(src: string): Uint8Array | null {
  if (src.length < 2) return null;
  const dst = new Uint8Array(16);
  let i = 0;
  if (src[0] === ':') {
    if (src[1] !== ':') return null;
    i = 1;
  }
  let colonp = -1;
  let j = 0;
  let sawDigit = false;
  let val = 0;
  while (i < src.length) {
    const ch = src[i++] ?? '';
    const digit = parseInt(ch, 16);
    if (!Number.isNaN(digit)) {
      val = (val << 4) | digit;
      if (val > 0xffff) return null;
      sawDigit = true;
      continue;
    }
    // only ':' remains possible after the shape check
    if (!sawDigit) {
      if (colonp !== -1) return null;
      colonp = j;
      continue;
    } else if (i === src.length) {
      return null;
    }
    if (j + 2 > 16) return null;
    dst[j++] = (val >> 8) & 0xff;
    dst[j++] = val & 0xff;
    sawDigit = false;
    val = 0;
  }
  if (sawDigit) {
    if (j + 2 > 16) return null;
    dst[j++] = (val >> 8) & 0xff;
    dst[j++] = val & 0xff;
  }
  if (colonp !== -1) {
    const n = j - colonp;
    if (j === 16) return null;
    for (let k = 1; k <= n; k++) {
      dst[16 - k] = dst[colonp + n - k] ?? 0;
      dst[colonp + n - k] = 0;
    }
    j = 16;
  }
  if (j !== 16) return null;
  // Java hands back an Inet4Address for IPv4-mapped addresses (::ffff:a.b.c.d).
  let mapped = true;
  for (let k = 0; k < 10; k++) if (dst[k] !== 0) mapped = false;
  if (mapped && dst[10] === 0xff && dst[11] === 0xff) return dst.slice(12);
  return dst;
}

function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += HEX[b >> 4]! + HEX[b & 0xf]!;
  return s;
}

/** The hex form of an IP literal, or null if Ruler would not read the text as an IP address. */
export function ipToHex(text: string): string | null {
  const parsed = parseIp(text);
  return typeof parsed === 'string' ? null : toHex(parsed);
}

/**
 * A plain string pattern value that reads as an IP address becomes a one-address range (so IPv6
 * spellings are canonicalised), exactly like Ruler's `CIDR.ipToRangeIfPossible`; otherwise null.
 */
export function ipLiteralRange(text: string): HexRange | null {
  const hex = ipToHex(text);
  if (hex === null) return null;
  const last = hex[hex.length - 1] ?? '0';
  const head = hex.slice(0, -1);
  if (last === 'F') return { bottom: `${head}E`, top: hex, openBottom: true, openTop: false };
  const next = last === '9' ? 'A' : String.fromCharCode(last.charCodeAt(0) + 1);
  return { bottom: hex, top: `${head}${next}`, openBottom: false, openTop: true };
}

/**
 * Compiles a `cidr` operand with Ruler's validation and messages. The base's host bits are
 * cleared, so `10.0.0.7/24` covers `10.0.0.0`-`10.0.0.255`.
 */
export function cidrRange(cidr: string): HexRange {
  const slashed = javaSplit(cidr, '/');
  if (slashed.length !== 2) throw new RulerArgumentError("Malformed CIDR, one '/' required");
  const maskText = slashed[1] ?? '';
  if (!/^[+-]?[0-9]+$/.test(maskText) || Number(maskText) > 2147483647 || Number(maskText) < -2147483648) {
    throw new RulerArgumentError('Malformed CIDR, mask bits must be an integer');
  }
  const maskBits = Number(maskText);
  if (maskBits < 0) throw new RulerArgumentError('Malformed CIDR, mask bits must not be negative');
  const ipText = slashed[0] ?? '';
  const ip = parseIp(ipText);
  if (ip === 'nonstandard') throw new RulerArgumentError(`Nonstandard IP address: ${ipText}`);
  if (ip === 'invalid') throw new RulerArgumentError(`Invalid IP address: ${ipText}`);
  const width = ip.length * 8;
  if (ip.length === 4 && maskBits > 31) throw new RulerArgumentError('IPv4 mask bits must be < 32');
  if (ip.length === 16 && maskBits > 127) throw new RulerArgumentError('IPv6 mask bits must be < 128');
  const low = new Uint8Array(ip.length);
  const high = new Uint8Array(ip.length);
  for (let i = 0; i < ip.length; i++) {
    const hostBits = Math.min(8, Math.max(0, width - maskBits - (ip.length - 1 - i) * 8));
    const hostMask = (1 << hostBits) - 1;
    low[i] = (ip[i] ?? 0) & ~hostMask & 0xff;
    high[i] = ((ip[i] ?? 0) | hostMask) & 0xff;
  }
  return { bottom: toHex(low), top: toHex(high), openBottom: false, openTop: false };
}

/**
 * Whether Ruler's range automaton accepts `value` (the value's text as the byte machine sees
 * it: an IP's hex form, or a number's digits). Ruler decides as soon as the value is provably
 * inside the range, without checking the value's length, and treats any byte strictly between
 * two hex digits as in range; this walk reproduces that, quirks included (a number such as
 * `5` falls inside `0.0.0.0/0`).
 */
export function hexRangeMatches(range: HexRange, value: string): boolean {
  const { bottom, top } = range;
  const last = bottom.length - 1;
  let fork = 0;
  while (fork <= last && bottom[fork] === top[fork]) fork++;
  if (fork > last) return false;
  for (let i = 0; i < fork; i++) if (value[i] !== bottom[i]) return false;
  const c = value[fork];
  if (c === undefined) return false;
  const lo = bottom[fork]!;
  const hi = top[fork]!;
  if (isHexDigit(c) && c > lo && c < hi) return true;
  if (fork === last) return (c === lo && !range.openBottom) || (c === hi && !range.openTop);
  if (c === lo) {
    for (let k = fork + 1; k <= last; k++) {
      const d = value[k];
      const b = bottom[k]!;
      if (d === undefined) return false;
      if (isHexDigit(d) && d > b) return true;
      if (d !== b) return false;
      if (k === last) return !range.openBottom;
    }
    return false;
  }
  if (c === hi) {
    for (let k = fork + 1; k <= last; k++) {
      const d = value[k];
      const t = top[k]!;
      if (d === undefined) return false;
      if (isHexDigit(d) && d < t) return true;
      if (d !== t) return false;
      if (k === last) return !range.openTop;
    }
  }
  return false;
}

function isHexDigit(c: string): boolean {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
}

/** Java's `String.split` with a literal one-character separator (trailing empties dropped). */
function javaSplit(s: string, sep: string): string[] {
  const parts = s.split(sep);
  if (s.length === 0) return parts;
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}
