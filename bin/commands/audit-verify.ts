import { verifyChains } from '../../lambdas/core/audit/chain.js';
import { AuditUsageError } from './audit-export.js';
import { exportsFolder, newestExport, readExport, stateDirectory } from './export-reader.js';

/** Usage of `switchboard audit verify`; also part of the CLI's usage text. */
export const AUDIT_VERIFY_USAGE = 'switchboard audit verify [<export dir>] [--json]';

/**
 * `switchboard audit verify [<export dir>] [--json]`: checks the audit chains of an export (the
 * newest under `.switchboard/exports/` by default): every engagement's records, each against its
 * hash and the one before it, without gaps, up to the chain's head. Exit 0 with how many records
 * and chains it verified; exit 1 naming the first record (by its table key) that was changed,
 * removed or reordered, or when the export itself is damaged (a data file that does not match
 * its manifest). `--json` prints `{ dir, chains, records, unchained, problems }`.
 */
export async function auditVerifyCommand(args: string[]): Promise<number> {
  const json = args.includes('--json');
  const dirs = args.filter((a) => a !== '--json');
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
  const items: Record<string, unknown>[] = [];
  try {
    for await (const item of readExport(dir)) items.push(item);
  } catch (err) {
    console.error(`switchboard: ${(err as Error).message}`);
    return 1;
  }
  const report = verifyChains(items);
  if (json) console.log(JSON.stringify({ dir, ...report }));
  const first = report.problems[0];
  if (first) {
    if (!json)
      console.error(
        `switchboard: audit chain broken at pk=${first.pk} sk=${first.sk}: ${first.problem}` +
          (report.problems.length > 1 ? ` (and ${report.problems.length - 1} more chain(s) broken)` : ''),
      );
    return 1;
  }
  if (!json)
    console.log(
      `verified ${report.records} audit record(s) in ${report.chains} chain(s) in ${dir}` +
        (report.unchained > 0 ? `; ${report.unchained} record(s) predate the chain and were not verified` : ''),
    );
  return 0;
}
