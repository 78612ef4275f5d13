import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import type * as z from 'zod';
import { SwitchboardConfigSchema, type SwitchboardConfig } from './config.schema.js';

/** Where the config lives unless `SWITCHBOARD_CONFIG` says otherwise (relative to the working directory). */
export const DEFAULT_CONFIG_PATH = 'config/switchboard.yaml';

/** A validated config plus the content hash that travels with every routing decision. */
export interface LoadedConfig {
  config: SwitchboardConfig;
  /** First 16 hex digits of the SHA-256 of the file's bytes. */
  configVersion: string;
  path: string;
}

/** One problem in the config file, located for a human. */
export interface ConfigProblem {
  /** Dotted path such as `rules[2].priority`. */
  field: string;
  line?: number;
  column?: number;
  message: string;
}

/** Thrown when the config cannot be used; `message` lists every problem with file, line and field. */
export class ConfigError extends Error {
  constructor(
    readonly path: string,
    readonly problems: ConfigProblem[],
  ) {
    super(
      `Invalid Switchboard config ${path}:\n` +
        problems.map((p) => `  ${path}${p.line ? `:${p.line}:${p.column}` : ''} ${p.field}: ${p.message}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

/** Resolves the config path: `SWITCHBOARD_CONFIG` when set, else {@link DEFAULT_CONFIG_PATH}. */
export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.SWITCHBOARD_CONFIG ?? DEFAULT_CONFIG_PATH);
}

/** Reads and validates the config file (see {@link parseConfig}). */
export function loadConfig(path = configPath()): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(path, [{ field: '(file)', message: `cannot be read: ${(err as Error).message}` }]);
  }
  return parseConfig(text, path);
}

/**
 * Validates YAML text against the config schema. Every problem names the field, the line and
 * column it sits on, and what is allowed there.
 */
export function parseConfig(text: string, path = DEFAULT_CONFIG_PATH): LoadedConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      path,
      doc.errors.map((e) => {
        const pos = lineCounter.linePos(e.pos[0]);
        return { field: '(yaml)', line: pos.line, column: pos.col, message: e.message.split('\n')[0] ?? e.message };
      }),
    );
  }
  const result = SwitchboardConfigSchema.safeParse(doc.toJS());
  if (!result.success)
    throw new ConfigError(
      path,
      result.error.issues.map((issue) => locate(issue, doc.contents, lineCounter)),
    );
  return {
    config: result.data,
    configVersion: createHash('sha256').update(text).digest('hex').slice(0, 16),
    path,
  };
}

function locate(issue: z.core.$ZodIssue, root: unknown, lines: LineCounter): ConfigProblem {
  const path = issue.path.map((k) => (typeof k === 'symbol' ? k.toString() : k));
  const field =
    path.reduce<string>((acc, k) => (typeof k === 'number' ? `${acc}[${k}]` : acc ? `${acc}.${k}` : k), '') || '(root)';
  // An unknown key has no node of its own in the path; point at the key inside the object instead.
  const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
  const node = deepestNode(root, [...path, ...keys.slice(0, 1)]);
  const pos = node?.range ? lines.linePos(node.range[0]) : undefined;
  const message =
    issue.code === 'unrecognized_keys'
      ? `${issue.message} (allowed keys are listed in README.md, "Config")`
      : issue.message;
  return { field, line: pos?.line, column: pos?.col, message };
}

/**
 * Walks the YAML tree as far as the path goes: a wrong value points at its key's line, a
 * missing field at its parent.
 */
function deepestNode(root: unknown, path: (string | number)[]): Node | undefined {
  let node = root as Node | undefined;
  for (const [i, key] of path.entries()) {
    let next: Node | undefined;
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && p.key.value === key);
      const last = i === path.length - 1;
      next = (last ? pair?.key : (pair?.value ?? pair?.key)) as Node | undefined;
    } else if (isSeq(node) && typeof key === 'number') next = node.items[key] as Node | undefined;
    if (!next?.range) break;
    node = next;
  }
  return node;
}
