import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const FILE = 'eventbridge-conformance-dev.json';

/**
 * Where the EventBridge conformance corpus is looked for, first hit wins. It lives outside the
 * repository and is read in place, never copied: `SWITCHBOARD_CONFORMANCE_FILE` (e.g. the
 * held-back acceptance set), then `../shared/` next to the checkout, then `/work/shared/`
 * (where the team's machines keep it, so a clone elsewhere still finds it).
 */
export const CONFORMANCE_CANDIDATES = [process.env['SWITCHBOARD_CONFORMANCE_FILE'], path.resolve(repoRoot, '../shared', FILE), path.join('/work/shared', FILE)].filter(
  (p): p is string => Boolean(p),
);

/** The corpus file in use, or undefined when none of the candidates exists. */
export const conformanceFile = CONFORMANCE_CANDIDATES.find((p) => existsSync(p));

/**
 * The corpus cases; an empty list when the file is missing, in which case the suites using it
 * are skipped with a warning naming where the file was looked for (never silently passed).
 */
export function loadConformanceCases<C>(): C[] {
  if (!conformanceFile) {
    console.warn(`EventBridge conformance corpus not found; looked in:\n  ${CONFORMANCE_CANDIDATES.join('\n  ')}\nSet SWITCHBOARD_CONFORMANCE_FILE to run the conformance suites.`);
    return [];
  }
  return (JSON.parse(readFileSync(conformanceFile, 'utf8')) as { cases: C[] }).cases;
}

/** `describe` when the corpus was found, `describe.skip` otherwise. */
export const describeWithCorpus = conformanceFile ? describe : describe.skip;
