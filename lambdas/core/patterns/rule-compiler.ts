import { cidrRange, ipLiteralRange } from './cidr.js';
import { RulerParseError } from './errors.js';
import { JsonReader, tokenText, valueTokens, type JsonToken, type TokenSource } from './json-reader.js';
import { patternValue, type PatternValue } from './pattern-values.js';
import { parseWildcard, type Wildcard } from './wildcard.js';

/** One branch of a rule after `$or` expansion: flattened path -> the values OR-ed on it. */
export type SubRule = Map<string, PatternValue[]>;

const OR = '$or';

/** Field names that make an object inside `$or` a matcher rather than a branch (Ruler's list). */
const RESERVED_IN_OR = new Set([
  'exactly',
  'equals-ignore-case',
  'prefix',
  'suffix',
  'anything-but',
  'exists',
  'wildcard',
  'numeric',
  'cidr',
  'html',
  '=',
  '<',
  '<=',
  '>',
  '>=',
  'regex',
  'not-wildcard',
  'not-equals-ignore-case',
  'date-after',
  'date-on-or-after',
  'date-before',
  'date-on-or-before',
  'in-date-range',
  'ip-address-in-range',
  'ip-address-not-in-range',
]);

/** Above this many branches we stop materialising them; the service refuses > 1000 anyway. */
const BRANCH_CEILING = 1001;

/**
 * Result of compiling pattern text: the sub-rules, plus `branches`, the number of `$or`
 * combinations: exact up to {@link BRANCH_CEILING}, and above the service's limit whenever the
 * true number is (sub-rules stop being built there, so a huge expansion costs no more).
 */
export interface CompiledRule {
  readonly subRules: SubRule[];
  readonly branches: number;
}

/**
 * Compiles pattern text the way Ruler's `GenericMachine.addRule` does: with `JsonRuleCompiler`
 * (which expands `$or`), and if that reports a parse error, again with the legacy
 * `RuleCompiler`, where `$or` is an ordinary field name (`{"$or": ["x"]}` then matches a field
 * literally called `$or`). When both fail, the first compiler's message is reported, as
 * `JsonRuleCompiler.check` (the text AWS returns) does.
 *
 * @throws RulerParseError or RulerArgumentError carrying Ruler's message.
 */
export function compileRuleText(text: string): CompiledRule {
  return compileTokens(() => new JsonReader(text));
}

/**
 * {@link compileRuleText} for a pattern given as a plain JSON value: the same sub-rules and the
 * same errors as for `JSON.stringify(value)`, read off the value without writing and lexing the
 * text. Undefined for a value `valueTokens` cannot read (the caller then compiles its text).
 */
export function compileRuleValue(value: object): CompiledRule | undefined {
  const tokens = valueTokens(value);
  if (!tokens) return undefined;
  return compileTokens(() => {
    tokens.rewind();
    return tokens;
  });
}

function compileTokens(source: () => TokenSource): CompiledRule {
  try {
    return new RuleCompiler(source(), false).compile();
  } catch (err) {
    if (!(err instanceof RulerParseError)) throw err;
    try {
      return new RuleCompiler(source(), true).compile();
    } catch {
      throw err;
    }
  }
}

class RuleCompiler {
  private readonly path: string[] = [];
  private branches = 0;

  constructor(
    private readonly reader: TokenSource,
    private readonly legacy: boolean,
  ) {}

  compile(): CompiledRule {
    const rules: SubRule[] = [];
    if (this.reader.next().kind !== 'startObject') this.barf('Filter is not an object');
    this.parseObject(rules, false);
    this.branches = Math.max(this.branches, rules.length);
    return { subRules: rules, branches: this.branches };
  }

  private parseObject(rules: SubRule[], insideOr: boolean): void {
    let fieldsPresent = false;
    for (;;) {
      const token = this.reader.next();
      if (token.kind === 'endObject') break;
      if (token.kind !== 'field') this.barf('Expected a field name');
      fieldsPresent = true;
      const name = token.name;
      if (!this.legacy && name === OR) {
        this.parseOr(rules);
        continue;
      }
      if (!this.legacy && insideOr && RESERVED_IN_OR.has(name)) {
        this.barf(`${name} is Ruler reserved fieldName which cannot be used inside ${OR}.`);
      }
      const value = this.reader.next();
      if (value.kind === 'startObject') {
        this.path.push(name);
        this.parseObject(rules, insideOr);
        this.path.pop();
      } else if (value.kind === 'startArray') {
        this.writeRules(rules, this.extendedName(name));
      } else {
        this.barf(`"${name}" must be an object or an array`);
      }
    }
    if (!fieldsPresent) this.barf('Empty objects are not allowed');
  }

  private parseOr(rules: SubRule[]): void {
    const current = rules.map((r) => new Map(r));
    rules.length = 0;
    if (this.reader.next().kind !== 'startArray') this.barf(`It must be an Array followed with ${OR}.`);
    let count = 0;
    let total = 0;
    for (;;) {
      const token = this.reader.next();
      if (token.kind === 'endArray') break;
      count++;
      if (token.kind !== 'startObject') this.barf(`Only JSON object is allowed in array of ${OR} relationship.`);
      const branch = current.length === 0 ? [new Map<string, PatternValue[]>()] : current.map((r) => new Map(r));
      this.parseObject(branch, true);
      total += branch.length;
      for (const r of branch) if (rules.length < BRANCH_CEILING) rules.push(r);
    }
    if (count < 2) this.barf(`There must have at least 2 Objects in ${OR} relationship.`);
    // Branch counts only grow, so once capped the largest count seen still tells "> 1000".
    this.branches = Math.max(this.branches, total);
    // Past the ceiling the pattern will be refused: keep one sub-rule so that the rest of the
    // text is still checked for syntax errors (reported first, as Ruler does) without copying
    // a thousand sub-rules at every further `$or`.
    if (this.branches > BRANCH_CEILING) rules.length = Math.min(rules.length, 1);
  }

  private writeRules(rules: SubRule[], name: string): void {
    const values: PatternValue[] = [];
    for (;;) {
      const token = this.reader.next();
      if (token.kind === 'endArray') break;
      switch (token.kind) {
        case 'startObject':
          values.push(this.matchExpression());
          break;
        case 'string': {
          const range = ipLiteralRange(token.value);
          values.push(range ? patternValue.cidr(range) : patternValue.exact(token.value));
          break;
        }
        case 'number':
          // Ruler adds a numeric-equality and an exact-text matcher. Event numbers arrive as JS
          // doubles (no lexeme), and numeric equality on doubles covers the exact-text case.
          values.push(patternValue.numericEquals(token.value));
          break;
        case 'true':
        case 'false':
        case 'null':
          values.push(patternValue.literal(token.kind));
          break;
        default:
          this.barf('Match value must be String, number, true, false, or null');
      }
    }
    if (values.length === 0) this.barf('Empty arrays are not allowed');
    if (rules.length === 0) rules.push(new Map());
    for (const rule of rules) rule.set(name, values);
  }

  private matchExpression(): PatternValue {
    const nameToken = this.reader.next();
    if (nameToken.kind !== 'field') return this.barf('Match expression name not found');
    const op = nameToken.name;
    switch (op) {
      case 'exactly': {
        const v = this.reader.next();
        if (v.kind !== 'string') this.barf('exact match pattern must be a string');
        this.expectEndObject();
        return patternValue.exact(v.value);
      }
      case 'prefix':
      case 'suffix': {
        const v = this.reader.next();
        if (v.kind === 'startObject') return this.affixIgnoreCase(op);
        if (v.kind !== 'string') this.barf(`${op} match pattern must be a string`);
        this.expectEndObject();
        return op === 'prefix' ? patternValue.prefix(v.value) : patternValue.suffix(v.value);
      }
      case 'numeric': {
        if (this.reader.next().kind !== 'startArray') this.barf('Value of numeric must be an array.');
        const range = this.numericExpression();
        if (this.reader.next().kind !== 'endObject') this.barf('Too many elements in numeric expression');
        return range;
      }
      case 'anything-but':
        return this.legacy ? this.legacyAnythingBut() : this.anythingBut();
      case 'exists': {
        const v = this.reader.next();
        let result: PatternValue;
        if (v.kind === 'true') result = patternValue.exists();
        else if (v.kind === 'false') result = patternValue.absent();
        else return this.barf('exists match pattern must be either true or false.');
        this.expectEndObject();
        return result;
      }
      case 'cidr': {
        const v = this.reader.next();
        if (v.kind !== 'string') this.barf('prefix match pattern must be a string');
        const range = cidrRange(v.value);
        this.expectEndObject();
        return patternValue.cidr(range);
      }
      case 'equals-ignore-case': {
        const v = this.reader.next();
        if (v.kind !== 'string') this.barf('equals-ignore-case match pattern must be a string');
        this.expectEndObject();
        return patternValue.equalsIgnoreCase(v.value);
      }
      case 'wildcard': {
        const v = this.reader.next();
        if (v.kind !== 'string') this.barf('wildcard match pattern must be a string');
        const wildcard = parseWildcard(v.value);
        this.expectEndObject();
        return patternValue.wildcard(wildcard);
      }
      default:
        return this.barf(`Unrecognized match type ${op}`);
    }
  }

  private affixIgnoreCase(op: 'prefix' | 'suffix'): PatternValue {
    const label = op === 'prefix' ? 'Prefix' : 'Suffix';
    const nameToken = this.reader.next();
    if (nameToken.kind !== 'field') this.barf(`${label} expression name not found`);
    if (nameToken.name !== 'equals-ignore-case') this.barf(`Unsupported ${op} pattern: ${nameToken.name}`);
    const v = this.reader.next();
    if (v.kind !== 'string') this.barf('equals-ignore-case match pattern must be a string');
    this.expectEndObject();
    this.expectEndObject();
    return op === 'prefix' ? patternValue.prefixIgnoreCase(v.value) : patternValue.suffixIgnoreCase(v.value);
  }

  private anythingBut(): PatternValue {
    type Kind = 'plain' | 'equals-ignore-case' | 'prefix' | 'suffix' | 'wildcard';
    let kind: Kind = 'plain';
    let token = this.reader.next();
    if (token.kind === 'startObject') {
      const opToken = this.reader.next();
      if (opToken.kind !== 'field') this.barf('Anything-But expression name not found');
      const op = opToken.name;
      if (op !== 'equals-ignore-case' && op !== 'prefix' && op !== 'suffix' && op !== 'wildcard') {
        this.barf(`Unsupported anything-but pattern: ${op}`);
      }
      kind = op;
      token = this.reader.next();
    }
    if (token.kind !== 'startArray' && token.kind !== 'string' && token.kind !== 'number') {
      this.barf('Value of anything-but must be an array or single string/number value.');
    }
    let result: PatternValue;
    if (kind === 'plain') {
      result = token.kind === 'startArray' ? this.anythingButList() : this.anythingButSingle(token);
    } else {
      const texts: string[] = [];
      const wrongType = (): never =>
        this.barf(
          kind === 'equals-ignore-case'
            ? 'Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.'
            : kind === 'wildcard'
              ? 'wildcard match pattern must be a string'
              : 'prefix/suffix match pattern must be a string',
        );
      const take = (t: JsonToken): void => {
        if (t.kind !== 'string') wrongType();
        else {
          if ((kind === 'prefix' || kind === 'suffix') && t.value === '') this.barf('Null prefix/suffix not allowed');
          texts.push(t.value);
        }
      };
      if (token.kind === 'startArray') {
        for (let t = this.reader.next(); t.kind !== 'endArray'; t = this.reader.next()) take(t);
      } else {
        take(token);
      }
      result = this.valuesSet(kind, texts);
    }
    if (this.reader.next().kind !== 'endObject') this.barf('Too many elements in numeric expression');
    if (kind !== 'plain' && this.reader.next().kind !== 'endObject')
      this.barf('Too many elements in numeric expression');
    return result;
  }

  private valuesSet(kind: 'equals-ignore-case' | 'prefix' | 'suffix' | 'wildcard', texts: string[]): PatternValue {
    switch (kind) {
      case 'equals-ignore-case':
        return patternValue.anythingButIgnoreCase(texts);
      case 'prefix':
        return patternValue.anythingButPrefix(texts);
      case 'suffix':
        return patternValue.anythingButSuffix(texts);
      case 'wildcard': {
        const parsed: Wildcard[] = texts.map((t) => parseWildcard(t));
        return patternValue.anythingButWildcard(parsed);
      }
    }
  }

  private anythingButList(): PatternValue {
    const strings: string[] = [];
    const numbers: number[] = [];
    for (let t = this.reader.next(); t.kind !== 'endArray'; t = this.reader.next()) {
      if (t.kind === 'string') strings.push(t.value);
      else if (t.kind === 'number') numbers.push(t.value);
      else this.barf('Inside anything but list, start|null|boolean is not supported.');
    }
    if (strings.length > 0 === numbers.length > 0) {
      this.barf('Inside anything but list, either all values are number or string, mixed type is not supported');
    }
    return numbers.length > 0 ? patternValue.anythingButNumbers(numbers) : patternValue.anythingButStrings(strings);
  }

  private anythingButSingle(token: JsonToken): PatternValue {
    if (token.kind === 'string') return patternValue.anythingButStrings([token.value]);
    if (token.kind === 'number') return patternValue.anythingButNumbers([token.value]);
    return this.barf('Inside anything-but list, start|null|boolean is not supported.');
  }

  /** The legacy compiler's narrower anything-but: single prefix/suffix, or equals-ignore-case. */
  private legacyAnythingBut(): PatternValue {
    let ignoreCase = false;
    let token = this.reader.next();
    if (token.kind === 'startObject') {
      const opToken = this.reader.next();
      if (opToken.kind !== 'field') this.barf('Anything-But expression name not found');
      const op = opToken.name;
      ignoreCase = op === 'equals-ignore-case';
      if (!ignoreCase) {
        if (op !== 'prefix' && op !== 'suffix') this.barf(`Unsupported anything-but pattern: ${op}`);
        const v = this.reader.next();
        if (v.kind !== 'string') this.barf('prefix/suffix match pattern must be a string');
        if (v.value === '') this.barf('Null prefix/suffix not allowed');
        this.expectEndObject();
        this.expectEndObject();
        return op === 'prefix' ? patternValue.anythingButPrefix([v.value]) : patternValue.anythingButSuffix([v.value]);
      }
      token = this.reader.next();
    }
    if (token.kind !== 'startArray' && token.kind !== 'string' && token.kind !== 'number') {
      this.barf('Value of anything-but must be an array or single string/number value.');
    }
    let result: PatternValue;
    if (ignoreCase) {
      const texts: string[] = [];
      const take = (t: JsonToken): void => {
        if (t.kind !== 'string')
          this.barf('Inside anything-but/ignore-case list, number|start|null|boolean is not supported.');
        else texts.push(t.value);
      };
      if (token.kind === 'startArray') {
        for (let t = this.reader.next(); t.kind !== 'endArray'; t = this.reader.next()) take(t);
      } else take(token);
      result = patternValue.anythingButIgnoreCase(texts);
    } else {
      result = token.kind === 'startArray' ? this.anythingButList() : this.anythingButSingle(token);
    }
    if (this.reader.next().kind !== 'endObject') this.barf('Too many elements in numeric expression');
    if (ignoreCase && this.reader.next().kind !== 'endObject') this.barf('Too many elements in numeric expression');
    return result;
  }

  private numericExpression(): PatternValue {
    const opToken = this.reader.next();
    if (opToken.kind !== 'string') this.barf(`Invalid member in numeric match: ${tokenText(opToken)}`);
    const op = opToken.kind === 'string' ? opToken.value : '';
    const operand = this.reader.next();
    const requireNumber = (label: string): number => {
      if (operand.kind !== 'number') return this.barf(`Value of ${label} must be numeric`);
      return operand.value;
    };
    switch (op) {
      case '=': {
        const value = requireNumber('equals');
        if (this.reader.next().kind !== 'endArray') this.barf('Too many elements in numeric expression');
        return patternValue.numericEquals(value);
      }
      case '>=':
      case '>': {
        const bottom = requireNumber(op);
        const next = this.reader.next();
        if (next.kind === 'endArray') return this.range(bottom, op === '>', Infinity, false);
        return this.completeRange(next, bottom, op === '>');
      }
      case '<=':
      case '<': {
        const top = requireNumber(op);
        if (this.reader.next().kind !== 'endArray') this.barf('Too many elements in numeric expression');
        return this.range(-Infinity, false, top, op === '<');
      }
      default:
        return this.barf(`Unrecognized numeric range operator: ${op}`);
    }
  }

  private completeRange(token: JsonToken, bottom: number, openBottom: boolean): PatternValue {
    if (token.kind !== 'string') this.barf(`Bad value in numeric range: ${tokenText(token)}`);
    const op = token.kind === 'string' ? token.value : '';
    if (op !== '<' && op !== '<=') this.barf(`Bad numeric range operator: ${op}`);
    const topToken = this.reader.next();
    if (topToken.kind !== 'number') this.barf(`Value of ${op} must be numeric`);
    const top = topToken.kind === 'number' ? topToken.value : 0;
    if (this.reader.next().kind !== 'endArray') this.barf('Too many terms in numeric range expression');
    return this.range(bottom, openBottom, top, op === '<');
  }

  private range(bottom: number, openBottom: boolean, top: number, openTop: boolean): PatternValue {
    if (bottom >= top) this.barf('Bottom must be less than top');
    return patternValue.range(bottom, openBottom, top, openTop);
  }

  private expectEndObject(): void {
    if (this.reader.next().kind !== 'endObject') this.barf('Only one key allowed in match expression');
  }

  /** Ruler's `Path.extendedName`: joins with '.', except after an empty base. */
  private extendedName(step: string): string {
    const base = this.path.join('.');
    return base === '' ? step : `${base}.${step}`;
  }

  private barf(message: string): never {
    throw new RulerParseError(message);
  }
}
