import { validationError } from './errors.js';
import { evaluateJsonPath, parseJsonPath, type PathStep } from './json-path.js';
import type { EventEnvelope, Target } from './types.js';

const MAX_INPUT_PATHS = 100;

/**
 * Checks a target's Input / InputPath / InputTransformer at PutTargets time, so a bad target
 * fails when it is configured rather than silently at delivery.
 */
export function assertValidTargetInput(target: Target): void {
  const given = [target.Input, target.InputPath, target.InputTransformer].filter(
    (value) => value !== undefined && value !== null,
  );
  if (given.length > 1) throw validationError('Only one of Input, InputPath, or InputTransformer must be provided.');
  if (target.Input !== undefined && target.Input !== null) {
    try {
      JSON.parse(target.Input);
    } catch {
      throw validationError(
        `Parameter Input is not valid. Reason: the Input of target ${target.Id} is not valid JSON.`,
      );
    }
  }
  if (target.InputPath !== undefined && target.InputPath !== null && parseJsonPath(target.InputPath) === undefined) {
    throw validationError(`Parameter InputPath is not valid. Reason: ${target.InputPath} is not a supported JSONPath.`);
  }
  const transformer = target.InputTransformer;
  if (transformer !== undefined && transformer !== null) {
    if (typeof transformer.InputTemplate !== 'string' || transformer.InputTemplate === '') {
      throw validationError(
        "1 validation error detected: Value null at 'inputTemplate' failed to satisfy constraint: Member must not be null",
      );
    }
    const paths = Object.entries(transformer.InputPathsMap ?? {});
    if (paths.length > MAX_INPUT_PATHS)
      throw validationError(`InputPathsMap has more than ${MAX_INPUT_PATHS} variables.`);
    for (const [name, path] of paths) {
      if (name.toLowerCase().startsWith('aws.'))
        throw validationError(`InputPathsMap key ${name} is reserved: keys cannot start with "aws."`);
      if (parseJsonPath(path) === undefined)
        throw validationError(`Parameter InputPathsMap is not valid. Reason: ${path} is not a supported JSONPath.`);
    }
  }
}

/** What the reserved `<aws.events.*>` variables resolve to for one delivery. */
export interface DeliveryContext {
  ruleArn: string;
  ruleName: string;
  ingestionTime: string;
}

/**
 * The payload a target receives: the whole event by default, the constant `Input`, the part
 * selected by `InputPath`, or the rendered `InputTransformer` template.
 */
export function renderTargetInput(target: Target, event: EventEnvelope, context: DeliveryContext): string {
  if (typeof target.Input === 'string') return target.Input;
  if (typeof target.InputPath === 'string') {
    const selected = evaluateJsonPath(event, parseJsonPath(target.InputPath) ?? []);
    return JSON.stringify(selected ?? null);
  }
  if (target.InputTransformer) {
    const variables = new Map<string, unknown>();
    for (const [name, path] of Object.entries(target.InputTransformer.InputPathsMap ?? {})) {
      const value = evaluateJsonPath(event, parseJsonPath(path) ?? ([] as PathStep[]));
      if (value !== undefined) variables.set(name, value);
    }
    const { detail: _detail, ...withoutDetail } = event;
    variables.set('aws.events.rule-arn', context.ruleArn);
    variables.set('aws.events.rule-name', context.ruleName);
    variables.set('aws.events.event.ingestion-time', context.ingestionTime);
    variables.set('aws.events.event', withoutDetail);
    variables.set('aws.events.event.json', event);
    return renderTemplate(target.InputTransformer.InputTemplate, variables);
  }
  return JSON.stringify(event);
}

/**
 * Fills `<name>` placeholders. As EventBridge does, values go in unescaped: strings as their raw
 * text (the template supplies quotes), other values as JSON. A placeholder whose path matched
 * nothing becomes `null` where a JSON value is expected and nothing inside a string or text.
 */
export function renderTemplate(template: string, variables: ReadonlyMap<string, unknown>): string {
  const jsonTemplate = /^\s*[{[]/.test(template);
  let output = '';
  let inString = false;
  for (let at = 0; at < template.length; ) {
    const char = template.charAt(at);
    if (char === '<') {
      const placeholder = /^<([A-Za-z0-9_.-]+)>/.exec(template.slice(at));
      if (placeholder?.[1] !== undefined) {
        output += insert(variables.get(placeholder[1]), jsonTemplate && !inString);
        at += placeholder[0].length;
        continue;
      }
    }
    if (jsonTemplate && char === '\\' && inString) {
      output += template.slice(at, at + 2);
      at += 2;
      continue;
    }
    if (jsonTemplate && char === '"') inString = !inString;
    output += char;
    at += 1;
  }
  return output;
}

function insert(value: unknown, asJsonValue: boolean): string {
  if (value === undefined) return asJsonValue ? 'null' : '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}
