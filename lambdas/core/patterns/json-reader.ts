import { RulerParseError } from './errors.js';

/** One token of a JSON document, in the shape of Jackson's streaming `JsonToken`s. */
export type JsonToken =
  | { readonly kind: 'startObject' }
  | { readonly kind: 'endObject' }
  | { readonly kind: 'startArray' }
  | { readonly kind: 'endArray' }
  | { readonly kind: 'field'; readonly name: string }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'number'; readonly text: string; readonly value: number }
  | { readonly kind: 'true' }
  | { readonly kind: 'false' }
  | { readonly kind: 'null' }
  | { readonly kind: 'eof' };

const START_OBJECT: JsonToken = { kind: 'startObject' };
const END_OBJECT: JsonToken = { kind: 'endObject' };
const START_ARRAY: JsonToken = { kind: 'startArray' };
const END_ARRAY: JsonToken = { kind: 'endArray' };
const TRUE: JsonToken = { kind: 'true' };
const FALSE: JsonToken = { kind: 'false' };
const NULL: JsonToken = { kind: 'null' };
const EOF: JsonToken = { kind: 'eof' };

const VALID_VALUES = "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')";

/** Jackson's `JsonParser.getText()` for a token, which Ruler quotes in some messages. */
export function tokenText(token: JsonToken): string {
  switch (token.kind) {
    case 'startObject':
      return '{';
    case 'endObject':
      return '}';
    case 'startArray':
      return '[';
    case 'endArray':
      return ']';
    case 'field':
      return token.name;
    case 'string':
      return token.value;
    case 'number':
      return token.text;
    case 'eof':
      return 'null';
    default:
      return token.kind;
  }
}

interface Scope {
  readonly type: 'Object' | 'Array';
  readonly start: number;
  entries: number;
}

/**
 * A pull reader over pattern text that yields Jackson's token sequence and Jackson's error
 * messages. Ruler validates while it streams, so a semantic error early in the text wins over a
 * syntax error later in it; reading lazily keeps that order. Duplicate keys come out as separate
 * field tokens (the compilers apply "last one wins" themselves), and number lexemes are kept.
 */
export class JsonReader {
  private pos = 0;
  private readonly scopes: Scope[] = [];
  private valueExpected = false;

  constructor(private readonly text: string) {}

  /** Returns the next token, or throws {@link RulerParseError} with Jackson's message. */
  next(): JsonToken {
    if (this.valueExpected) {
      this.valueExpected = false;
      const ch = this.skipWhitespace();
      if (ch === undefined) throw this.fail('Unexpected end-of-input: expected a value');
      return this.readValue(ch);
    }
    let ch = this.skipWhitespace();
    const scope = this.scopes[this.scopes.length - 1];
    if (ch === undefined) {
      if (scope) {
        throw this.fail(
          `Unexpected end-of-input: expected close marker for ${scope.type} (start marker at ${this.location(scope.start)})`,
        );
      }
      return EOF;
    }
    if (ch === ']' || ch === '}') return this.close(ch);
    if (scope && scope.entries > 0) {
      if (ch !== ',') {
        throw this.unexpected(ch, `was expecting comma to separate ${scope.type} entries`);
      }
      this.pos++;
      ch = this.skipWhitespace();
      if (ch === undefined) {
        throw this.fail(
          `Unexpected end-of-input: expected close marker for ${scope.type} (start marker at ${this.location(scope.start)})`,
        );
      }
    }
    if (scope) scope.entries++;
    if (scope?.type === 'Object') return this.readFieldName(ch);
    return this.readValue(ch);
  }

  private close(ch: string): JsonToken {
    const scope = this.scopes[this.scopes.length - 1];
    const expected = scope?.type === 'Array' ? ']' : '}';
    if (!scope || ch !== expected) {
      const desc = scope ? scope.type : 'root';
      const at = scope ? this.location(scope.start) : this.location(0);
      throw this.fail(`Unexpected close marker '${ch}': expected '${expected}' (for ${desc} starting at ${at})`);
    }
    this.pos++;
    this.scopes.pop();
    return ch === ']' ? END_ARRAY : END_OBJECT;
  }

  private readFieldName(ch: string): JsonToken {
    if (ch !== '"') throw this.unexpected(ch, 'was expecting double-quote to start field name');
    this.pos++;
    const name = this.readString('name');
    const colon = this.skipWhitespace();
    if (colon === undefined)
      throw this.fail('Unexpected end-of-input: was expecting a colon to separate field name and value');
    if (colon !== ':') throw this.unexpected(colon, 'was expecting a colon to separate field name and value');
    this.pos++;
    this.valueExpected = true;
    return { kind: 'field', name };
  }

  private readValue(ch: string): JsonToken {
    switch (ch) {
      case '"':
        this.pos++;
        return { kind: 'string', value: this.readString('string value') };
      case '{':
        this.scopes.push({ type: 'Object', start: this.pos, entries: 0 });
        this.pos++;
        return START_OBJECT;
      case '[':
        this.scopes.push({ type: 'Array', start: this.pos, entries: 0 });
        this.pos++;
        return START_ARRAY;
      case 't':
      case 'f':
      case 'n':
        return this.readLiteral();
      default:
        if (ch === '-' || (ch >= '0' && ch <= '9')) return this.readNumber();
        return this.oddValue(ch);
    }
  }

  private readLiteral(): JsonToken {
    const word = this.identifierRun();
    if (word === 'true') return this.advance(word, TRUE);
    if (word === 'false') return this.advance(word, FALSE);
    if (word === 'null') return this.advance(word, NULL);
    throw this.fail(`Unrecognized token '${word}': was expecting ${VALID_VALUES}`);
  }

  private advance(word: string, token: JsonToken): JsonToken {
    this.pos += word.length;
    return token;
  }

  private oddValue(ch: string): never {
    if (isIdentifierStart(ch)) {
      const word = this.identifierRun();
      if (word === 'NaN' || word === 'Infinity') {
        throw this.fail(`Non-standard token '${word}': enable \`JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS\` to allow`);
      }
      throw this.fail(`Unrecognized token '${word}': was expecting ${VALID_VALUES}`);
    }
    throw this.unexpected(ch, `expected a valid value ${VALID_VALUES}`);
  }

  private identifierRun(): string {
    let end = this.pos;
    while (end < this.text.length && end - this.pos < 256 && isIdentifierPart(this.text[end] ?? '')) end++;
    return this.text.slice(this.pos, end);
  }

  private readNumber(): JsonToken {
    const t = this.text;
    const start = this.pos;
    let p = this.pos;
    if (t[p] === '-') {
      p++;
      const d = t[p];
      if (d === undefined) throw this.fail('Unexpected end-of-input in a Number value');
      if (!isDigit(d)) {
        if (d === 'I' && t.startsWith('Infinity', p)) {
          throw this.fail(
            "Non-standard token '-Infinity': enable `JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS` to allow",
          );
        }
        throw this.unexpected(
          d,
          'expected digit (0-9) to follow minus sign, for valid numeric value',
          ' in numeric value',
        );
      }
    }
    if (t[p] === '0' && isDigit(t[p + 1] ?? '')) throw this.fail('Invalid numeric value: Leading zeroes not allowed');
    while (isDigit(t[p] ?? '')) p++;
    if (t[p] === '.') {
      p++;
      const d = t[p];
      if (d === undefined || !isDigit(d)) {
        if (d === undefined) throw this.fail('Unexpected end-of-input in a Number value');
        throw this.unexpected(d, 'Decimal point not followed by a digit', ' in numeric value');
      }
      while (isDigit(t[p] ?? '')) p++;
    }
    if (t[p] === 'e' || t[p] === 'E') {
      p++;
      if (t[p] === '+' || t[p] === '-') p++;
      const d = t[p];
      if (d === undefined || !isDigit(d)) {
        if (d === undefined) throw this.fail('Unexpected end-of-input in a Number value');
        throw this.unexpected(d, 'Exponent indicator not followed by a digit', ' in numeric value');
      }
      while (isDigit(t[p] ?? '')) p++;
    }
    this.pos = p;
    const text = t.slice(start, p);
    return { kind: 'number', text, value: Number(text) };
  }

  private readString(what: 'name' | 'string value'): string {
    const t = this.text;
    let out = '';
    let runStart = this.pos;
    for (;;) {
      const ch = t[this.pos];
      if (ch === undefined) {
        throw this.fail(
          `Unexpected end-of-input: was expecting closing quote for a ${what === 'name' ? 'name' : 'string value'}`,
        );
      }
      if (ch === '"') {
        out += t.slice(runStart, this.pos);
        this.pos++;
        return out;
      }
      if (ch === '\\') {
        out += t.slice(runStart, this.pos);
        this.pos++;
        out += this.readEscape();
        runStart = this.pos;
        continue;
      }
      if (ch.charCodeAt(0) < 0x20) {
        throw this.fail(
          `Illegal unquoted character (${charDesc(ch)}): has to be escaped using backslash to be included in ${what}`,
        );
      }
      this.pos++;
    }
  }

  private readEscape(): string {
    const ch = this.text[this.pos];
    if (ch === undefined) throw this.fail('Unexpected end-of-input in character escape sequence');
    this.pos++;
    switch (ch) {
      case '"':
      case '\\':
      case '/':
        return ch;
      case 'b':
        return '\b';
      case 'f':
        return '\f';
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 't':
        return '\t';
      case 'u': {
        let code = 0;
        for (let i = 0; i < 4; i++) {
          const h = this.text[this.pos];
          if (h === undefined) throw this.fail('Unexpected end-of-input in character escape sequence');
          const v = parseInt(h, 16);
          if (Number.isNaN(v)) throw this.unexpected(h, 'expected a hex-digit for character escape sequence');
          code = code * 16 + v;
          this.pos++;
        }
        return String.fromCharCode(code);
      }
      default:
        throw this.fail(`Unrecognized character escape ${charDesc(ch)}`);
    }
  }

  private skipWhitespace(): string | undefined {
    const t = this.text;
    while (this.pos < t.length) {
      const ch = t[this.pos];
      if (ch !== ' ' && ch !== '\t' && ch !== '\n' && ch !== '\r') return ch;
      this.pos++;
    }
    return undefined;
  }

  private unexpected(ch: string, comment: string, where = ''): RulerParseError {
    return this.fail(`Unexpected character (${charDesc(ch)})${where}: ${comment}`);
  }

  private fail(message: string): RulerParseError {
    return new RulerParseError(message);
  }

  /** Jackson's `[Source: ...; line: L, column: C]` for an offset into the text. */
  private location(offset: number): string {
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < offset && i < this.text.length; i++) {
      if (this.text[i] === '\n') {
        line++;
        lineStart = i + 1;
      }
    }
    const shown =
      this.text.length > 500
        ? `${this.text.slice(0, 500)}"[truncated ${this.text.length - 500} chars]`
        : `${this.text}"`;
    return `[Source: (String)"${shown}; line: ${line}, column: ${offset - lineStart + 1}]`;
  }
}

function isDigit(ch: string): boolean {
  return ch >= '0' && ch <= '9';
}

function isIdentifierStart(ch: string): boolean {
  return /[\p{L}\p{Nl}_$]/u.test(ch);
}

function isIdentifierPart(ch: string): boolean {
  return /[\p{L}\p{Nl}\p{Nd}\p{Mn}\p{Mc}\p{Pc}_$]/u.test(ch);
}

/** Jackson's `_getCharDesc`: how a character is named in its error messages. */
function charDesc(ch: string): string {
  const code = ch.charCodeAt(0);
  if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return `(CTRL-CHAR, code ${code})`;
  if (code > 255) return `'${ch}' (code ${code} / 0x${code.toString(16)})`;
  return `'${ch}' (code ${code})`;
}

/** Anything that yields a token stream: a {@link JsonReader} over text, or {@link valueTokens} over a value. */
export interface TokenSource {
  next(): JsonToken;
}

/**
 * The token stream `new JsonReader(JSON.stringify(value))` would yield, read straight off a plain
 * JSON value (objects, arrays, strings, finite numbers, booleans, null), without writing and
 * lexing the text: what a function's cold start does for every rule of a config it carries as
 * data. Answers undefined for anything else (undefined members, functions, dates, non-finite
 * numbers…), whose text the caller reads instead.
 */
export function valueTokens(value: unknown): (TokenSource & { rewind(): void }) | undefined {
  const tokens: JsonToken[] = [];
  const walk = (v: unknown): boolean => {
    switch (typeof v) {
      case 'string':
        tokens.push({ kind: 'string', value: v });
        return true;
      case 'number':
        if (!Number.isFinite(v)) return false;
        // JSON.stringify writes -0 as 0, and the reader would read it back as 0.
        tokens.push({ kind: 'number', text: String(v), value: Object.is(v, -0) ? 0 : v });
        return true;
      case 'boolean':
        tokens.push(v ? TRUE : FALSE);
        return true;
      case 'object': {
        if (v === null) {
          tokens.push(NULL);
          return true;
        }
        if (Array.isArray(v)) {
          tokens.push(START_ARRAY);
          for (const item of v) if (!walk(item)) return false;
          tokens.push(END_ARRAY);
          return true;
        }
        const proto = Object.getPrototypeOf(v) as unknown;
        if (proto !== Object.prototype && proto !== null) return false;
        tokens.push(START_OBJECT);
        for (const [name, member] of Object.entries(v)) {
          tokens.push({ kind: 'field', name });
          if (!walk(member)) return false;
        }
        tokens.push(END_OBJECT);
        return true;
      }
      default:
        return false;
    }
  };
  if (!walk(value)) return undefined;
  let i = 0;
  return { next: () => tokens[i++] ?? EOF, rewind: () => void (i = 0) };
}
