import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { type AnchorCheck, anchorRoot, chainHeads, checkAnchor } from '../../lambdas/core/audit/anchor.js';
import { verifyChains } from '../../lambdas/core/audit/chain.js';
import { exportIdOf, type VerifiedExport } from '../../lambdas/core/audit/export-reader.js';
import { loadConfig } from '../../lambdas/core/config/load-config.js';
import { retentionDays } from '../../lambdas/core/config/retention.js';
import { type AnchorFile, anchorsFolder, previousAnchor, readAnchors } from './audit-anchors.js';
import { AuditUsageError } from './audit-export.js';
import { exportsFolder, newestExport, readExport, stateDirectory } from './export-reader.js';

/** Usage of `switchboard audit verify`; also part of the CLI's usage text. */
export const AUDIT_VERIFY_USAGE = 'switchboard audit verify [<export dir>] [--anchors <dir>] [--json]';

/** Days audit records are kept when no config says otherwise (the contract's default, P7Y). */
const DEFAULT_AUDIT_DAYS = 7 * 365;

/**
 * `switchboard audit verify [<export dir>] [--anchors <dir>] [--json]`: checks the audit chains
 * of an export (the newest under `.switchboard/exports/` by default): every engagement's
 * records, each against its hash and the one before it, without gaps, up to the chain's head.
 * Then against the anchors (`<state dir>/anchors/`, or `--anchors <dir>`, e.g. the audit
 * bucket's `anchors/` synced down): the export's own anchor must have the root the export gives,
 * and the newest anchor before it must be extended by it (no anchored chain rewritten since;
 * chains older than `retention.audit` may be gone). Exit 0 with how many records and chains it
 * verified and the export's root; exit 1 naming the first record (by its table key) that was
 * changed, removed or reordered, or when the export itself is damaged (a data file that does not
 * match its manifest) or an anchor was edited. `--json` prints `{ dir, chains, records,
 * unchained, root, anchors: { own, previous, held, expired }, problems }`.
 */
export async function auditVerifyCommand(args: string[]): Promise<number> {
  const json = args.includes('--json');
  const at = args.indexOf('--anchors');
  const anchorsArg = at >= 0 ? args[at + 1] : undefined;
  if (at >= 0 && (!anchorsArg || anchorsArg.startsWith('--')))
    throw new AuditUsageError(`--anchors needs a folder; expected: ${AUDIT_VERIFY_USAGE}`);
  const dirs = args.filter((a, i) => a !== '--json' && (at < 0 || (i !== at && i !== at + 1)));
  const unknown = dirs.find((a) => a.startsWith('--'));
  if (unknown) throw new AuditUsageError(`unknown option "${unknown}"; expected: ${AUDIT_VERIFY_USAGE}`);
  if (dirs.length > 1) throw new AuditUsageError(`name at most one export; expected: ${AUDIT_VERIFY_USAGE}`);
  const dir = dirs[0] ?? newestExport(stateDirectory());
  if (!dir) {
    console.error(
      `switchboard: no export in ${exportsFolder(stateDirectory())}; make one with \`npx switchboard audit export\``,
    );
    return 1;
  }
  const anchorsDir = resolve(anchorsArg ?? anchorsFolder(stateDirectory()));
  if (anchorsArg && !existsSync(anchorsDir)) {
    console.error(`switchboard: no folder ${anchorsDir} (--anchors)`);
    return 1;
  }
  const items: Record<string, unknown>[] = [];
  let verified: VerifiedExport | undefined;
  let anchors: AnchorFile[];
  try {
    for await (const item of readExport(dir, (v) => (verified = v))) items.push(item);
    anchors = readAnchors(anchorsDir);
  } catch (err) {
    console.error(`switchboard: ${(err as Error).message}`);
    return 1;
  }
  const summary = verified!.summary;
  const report = verifyChains(items);
  const exportId = exportIdOf(summary);
  const heads = chainHeads(items);
  const own = anchors.find((a) => a.anchor.exportId === exportId);
  const root = anchorRoot(own?.anchor.previousRoot ?? '', heads);
  const problems = [...report.problems];
  if (own && own.anchor.root !== root)
    problems.push({
      pk: '(export)',
      sk: exportId,
      problem: `its audit chains give root ${root}, but its anchor ${own.file} holds ${own.anchor.root}: the export was changed after it was anchored`,
    });
  const previous = previousAnchor(anchors, summary.tableId, exportId, summary.exportTime);
  let check: AnchorCheck | undefined;
  if (previous) {
    check = checkAnchor(previous.anchor, items, auditCutOff(summary.exportTime));
    problems.push(...check.problems);
  }
  const anchorReport = {
    own: own ? own.file : null,
    previous: previous ? previous.file : null,
    held: check?.held ?? 0,
    expired: check?.expired ?? 0,
  };
  if (json) console.log(JSON.stringify({ dir, ...report, root, anchors: anchorReport, problems }));
  const first = problems[0];
  if (first) {
    if (!json)
      console.error(
        `switchboard: audit chain broken at pk=${first.pk} sk=${first.sk}: ${first.problem}` +
          (problems.length > 1 ? ` (and ${problems.length - 1} more problem(s))` : ''),
      );
    return 1;
  }
  if (!json) {
    console.log(
      `verified ${report.records} audit record(s) in ${report.chains} chain(s) in ${dir}` +
        (report.unchained > 0 ? `; ${report.unchained} record(s) predate the chain and were not verified` : ''),
    );
    console.log(
      `root ${root}${own ? ', as anchored' : ' (not anchored)'}` +
        (previous
          ? `; all ${check!.held} chain(s) anchored on ${previous.anchor.exportTime} hold` +
            (check!.expired > 0 ? ` (${check!.expired} gone by retention)` : '')
          : ''),
    );
  }
  return 0;
}

/** Records of engagements received before this were old enough for retention to remove (retention.audit). */
function auditCutOff(exportTime: string): string {
  let days = DEFAULT_AUDIT_DAYS;
  try {
    days = retentionDays(loadConfig().config.retention.audit) ?? days;
  } catch {
    // No readable config here (an auditor's laptop): the default retention.
  }
  return new Date(Date.parse(exportTime) - days * 86_400_000).toISOString();
}
