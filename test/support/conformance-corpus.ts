import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * The EventBridge conformance corpus the tests run: `corpus/eventbridge-conformance-dev.json` in
 * the repository (see corpus/README.md for where its cases come from), or the file named by
 * `SWITCHBOARD_CONFORMANCE_FILE` (for running a further set of cases, such as an acceptance set,
 * through the same suites).
 */
export const conformanceFile = path.resolve(
  repoRoot,
  process.env.SWITCHBOARD_CONFORMANCE_FILE ?? 'corpus/eventbridge-conformance-dev.json',
);

/**
 * The corpus cases. A missing or empty corpus throws: a conformance suite that silently runs
 * nothing would report green while checking nothing.
 */
export function loadConformanceCases<C>(): C[] {
  if (!existsSync(conformanceFile)) throw new Error(`EventBridge conformance corpus not found at ${conformanceFile}`);
  const cases = (JSON.parse(readFileSync(conformanceFile, 'utf8')) as { cases?: C[] }).cases;
  if (!Array.isArray(cases) || cases.length === 0) throw new Error(`${conformanceFile} holds no "cases"`);
  return cases;
}
