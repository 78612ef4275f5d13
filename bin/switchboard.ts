import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, configPath, loadConfig } from '../lambdas/core/config/load-config.js';
import { adapterFor } from '../lambdas/core/platforms/registry.js';
import { createRouter } from '../lambdas/core/routing/router.js';
import {
  diffRouting,
  DiffInputError,
  testRuleExamples,
  type ExampleResult,
  type RoutingChange,
  type RoutingOutcome,
} from '../lambdas/core/rules/index.js';
import { simulate } from '../lambdas/core/simulate/simulate.js';
import { QUEUE_USAGE, queueCommand, QueueUsageError } from './commands/queue.js';
import { REDRIVE_USAGE, redriveCommand, RedriveUsageError } from './commands/redrive.js';
import { COST_USAGE, costCommand, CostUsageError } from './commands/cost.js';
import { HISTORY_USAGE, historyCommand, HistoryUsageError } from './commands/history.js';
import { REPLAY_USAGE, replayCommand, ReplayUsageError } from './commands/replay.js';
import { AUDIT_EXPORT_USAGE, auditExportCommand, AuditUsageError } from './commands/audit-export.js';
import { AUDIT_QUERY_USAGE, auditQueryCommand, AuditQueryUsageError } from './commands/audit-query.js';
import { AUDIT_VERIFY_USAGE, auditVerifyCommand } from './commands/audit-verify.js';
import { ERASE_USAGE, eraseCommand, EraseUsageError } from './commands/erase.js';
import { VOICE_USAGE, voiceCommand, VoiceUsageError } from './commands/voice.js';
import { CRISIS_USAGE, crisisCommand, CrisisUsageError } from './commands/crisis.js';
import { DIGEST_USAGE, digestCommand, DigestUsageError } from './commands/digest.js';

const USAGE = `Usage: switchboard simulate <file…>
       switchboard rules test [config.yaml]
       switchboard rules diff [--json] <old.yaml> <new.yaml> <file…>
       ${QUEUE_USAGE}
       ${REDRIVE_USAGE}
       ${COST_USAGE}
       ${HISTORY_USAGE}
       ${REPLAY_USAGE}
       ${AUDIT_EXPORT_USAGE}
       ${AUDIT_QUERY_USAGE}
       ${AUDIT_VERIFY_USAGE}
       ${ERASE_USAGE}
       ${VOICE_USAGE.join('\n       ')}
       ${CRISIS_USAGE.join('\n       ')}
       ${DIGEST_USAGE}

  simulate: dry-runs engagements ({platform, text, …}) or platform deliveries ({platform,
    headers, body}, or samples from events/<platform>/) through enrichment and routing, without
    AWS. Files hold JSON (one object or an array) or JSON Lines. Prints one JSON line per engagement.

  rules test: runs every rule's examples (routes / doesNotRoute): one ✓ or ✗ line per example
    with the rule id and why, then a summary. Exits 1 when an example fails or the config is invalid.

  rules diff: routes the engagements in the files (as simulate reads them) with both configs and
    prints each one that routes differently: a readable line, or one JSON line each with --json.
    Differences are not failures: exits 0.

  queue read: reads up to --max (1-10, default 10) messages of a department's queue (or a
    dead-letter queue by name) of the running local twin, waiting up to --wait seconds (default 1),
    one line each (--json: the event as sent). Messages stay in the queue unless --delete.

  redrive: moves the messages of a dead-letter queue (by name; a department id means both of its
    dead-letter queues; --all: every one) back to where they failed: a queue's own dead letters to
    that queue, undeliverable events to the queue they were meant for. Shows progress, then one
    summary line per queue (--json: [{queue, target, messages, moved}]); --dry-run moves nothing.

  cost: the cost per million engagements of what the running twin's functions did (API, Lambda,
    DynamoDB capacity, SQS, EventBridge) at list prices, each line beside the floor for a REST API
    front door (--json: {engagements, region, frontDoor, perMillion: {total, floor, ratio}, lines}).
    --reset zeroes the twin's counters, to measure one run of traffic.

  history: an engagement's whole story from the running twin's table: the routing decision and
    why, every assignment with each status change (who, when), SLA deadlines and breaches,
    reroutes and escalations (--json: {engagement, caseId?, decision, assignments, replies}).
    --stack reads a deployed stack's table instead (its TableName output, or SWITCHBOARD_TABLE_NAME),
    with the usual AWS credentials and region. Exits 1 when there is no such
    engagement.

  replay: sends a department the stored engagements received in [--since, --until) (default
    until now; a date alone is midnight UTC) that its rules in the config match and that were not
    routed to it then, as "Engagement Routed" with routing.departments [<id>] and routing.replayed
    true (no SLA starts). Each engagement reaches the department once however often replay runs:
    one sent before counts as skipped. Shows progress, then a summary line (--json: {matched,
    sent, skipped}); --dry-run sends nothing and prints the id of each engagement it would send.
    An interrupted run goes on where it stopped (--restart starts over). Reads the running twin's
    table; --stack runs it in a deployed stack as a job (its JobsStateMachineArn output, or
    SWITCHBOARD_JOBS_STATE_MACHINE_ARN; the rules of the config deployed there) that goes on if the
    command stops: it shows the job's progress and prints the same summary, or exits 1 naming why
    the job failed.

  audit export: writes the running twin's table to --out (default .switchboard/exports/<time>/)
    in DynamoDB's export format (manifest-summary.json, manifest-files.json, data/*.json.gz of
    DynamoDB JSON lines), read with a consistent Scan, then anchors it (.switchboard/anchors/: the
    heads of its audit chains and their root). Shows progress, then a summary line and the root
    (--json: {dir, items, files}). A deployed stack exports itself nightly into its audit bucket;
    --stack <name> starts one there now (--wait follows it to the end).

  audit query: runs SQL (DuckDB's dialect) over the newest export (or --export <dir>), in the
    tables engagements, assignments, routing_decisions, status_changes, replies and erasures (one
    row per record; an unknown table or column lists what there is). Prints a table; --json one
    array of row objects; --csv a header row, then rows (lists as JSON text). Quote the columns
    "at" and "by": they are SQL keywords. Exits 1 on bad SQL or when there is no export.

  erase: removes a person's personal data (the text, author and permalink of what they wrote, and
    the raw deliveries it came in) from the running twin's table, sends "Engagement Erased" to the
    departments that received it, and keeps a tombstone (the auditors' erasures table). No prompt;
    --dry-run lists what would be erased (--json: {author, engagements, erased}). --stack erases in
    a deployed stack, as a job like replay's; requested_by is SWITCHBOARD_REQUESTED_BY, else the
    operator's login.

  audit verify: checks the hash chain of every engagement's audit records in an export (the
    newest, or the one named), then the anchors (.switchboard/anchors/, or --anchors <dir> such as
    the audit bucket's anchors/ synced down): the export's root must be its anchor's, and it must
    extend every chain the anchor before it holds. Exit 0 with how many records and chains it
    verified and the root, exit 1 naming the first record (pk, sk) that was changed, removed or
    reordered, or rewritten since it was anchored (--json: the whole report).

  crisis: crisis mode by hand (docs/management.md). start turns it on with a reason (--actor, else
    SWITCHBOARD_ACTOR or the operator's login, is recorded; exit 1 if it is on already; --dry-run
    prints what the config's crisis: playbook would change and changes nothing); end turns it off
    (exit 1 if it is off); status prints it (--json: { active, crisisId, startedAt, cause } or
    { active: false, last }). "Crisis Started" / "Crisis Ended" go to the audit trail and the bus.

  digest: the day's digest (UTC; default today so far) from the running twin's rollups: the day
    against the previous four weeks, with charts; written to .switchboard/digests/<date>.html
    (linked from the console), whose path is printed last.

  voice test: runs the config's voice.examples (allowed / refused with the rules they break): one
    ✓ or ✗ line per example with the verdict, then a summary. Exits 1 when one fails.

  voice check: the brand-voice verdict on one reply for --platform (default generic) and
    --department (default the default department): allowed or refused, then each violation or
    warning with its rule, where it is and the text quoted (--json: {refused, violations, checks}).
    Exits 1 when refused.

  The config is config/switchboard.yaml, or the file SWITCHBOARD_CONFIG names.
  Exit codes: 0 ok, 1 failure (bad config, failing example, bad input), 2 usage error.`;

/** Thrown for a command line that does not fit {@link USAGE}; exits 2. */
class UsageError extends Error {}

/** Reads JSON (object or array) or JSON Lines. */
function readInputs(file: string): unknown[] {
  const text = readFileSync(file, 'utf8');
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? parsed : [parsed];
  } catch {
    return text
      .split('\n')
      .filter((l) => l.trim())
      .map((line, n) => {
        try {
          return JSON.parse(line) as unknown;
        } catch (err) {
          throw new Error(`${file}:${n + 1}: not JSON: ${(err as Error).message}`);
        }
      });
  }
}

function main(argv: string[]): number | Promise<number> {
  const [command, ...args] = argv;
  if (command === '--help' || command === '-h' || command === 'help') {
    console.log(USAGE);
    return 0;
  }
  if (command === 'simulate' && args.length > 0) return simulateCommand(args);
  if (command === 'rules') return rulesCommand(args);
  if (command === 'queue') return queueCommand(args);
  if (command === 'redrive') return redriveCommand(args);
  if (command === 'cost') return costCommand(args);
  if (command === 'history') return historyCommand(args);
  if (command === 'replay') return replayCommand(args);
  if (command === 'erase') return eraseCommand(args);
  if (command === 'voice') return voiceCommand(args);
  if (command === 'crisis') return crisisCommand(args);
  if (command === 'digest') return digestCommand(args);
  if (command === 'audit') {
    const [sub, ...rest] = args;
    if (sub === 'export') return auditExportCommand(rest);
    if (sub === 'query') return auditQueryCommand(rest);
    if (sub === 'verify') return auditVerifyCommand(rest);
    throw new AuditUsageError(
      sub === undefined ? 'audit needs a subcommand: export, query or verify' : `unknown audit subcommand "${sub}"`,
    );
  }
  throw new UsageError(
    command === undefined
      ? 'no command given'
      : command === 'simulate'
        ? 'simulate needs at least one file'
        : `unknown command "${command}"`,
  );
}

function simulateCommand(files: string[]): number {
  const router = createRouter(loadConfig());
  let failed = false;
  for (const file of files) {
    for (const result of simulate(readInputs(file), router, adapterFor)) {
      if ('engagement' in result) console.log(JSON.stringify(result.engagement));
      else {
        failed = true;
        console.error(`${file}: input ${result.input}: ${result.error}`);
      }
    }
  }
  return failed ? 1 : 0;
}

function rulesCommand(argv: string[]): number {
  const [sub, ...rest] = argv;
  const flags = rest.filter((a) => a.startsWith('--'));
  const args = rest.filter((a) => !a.startsWith('--'));
  if (sub === 'test') {
    if (flags.length > 0) throw new UsageError(`rules test takes no option ${flags[0]}`);
    if (args.length > 1) throw new UsageError('rules test takes at most one config file');
    return rulesTest(args[0] ? resolve(args[0]) : configPath());
  }
  if (sub === 'diff') {
    const unknown = flags.find((f) => f !== '--json');
    if (unknown) throw new UsageError(`rules diff has no option ${unknown}`);
    const [oldPath, newPath, ...files] = args;
    if (!oldPath || !newPath || files.length === 0)
      throw new UsageError('rules diff needs <old.yaml> <new.yaml> and at least one engagements file');
    return rulesDiff(resolve(oldPath), resolve(newPath), files, flags.includes('--json'));
  }
  throw new UsageError(
    sub === undefined ? 'rules needs a subcommand: test or diff' : `unknown rules subcommand "${sub}"`,
  );
}

const clip = (text: string, max = 60) => JSON.stringify(text.length > max ? `${text.slice(0, max - 1)}…` : text);

function describeExample(r: ExampleResult): string {
  const draft = typeof r.example === 'string' ? '' : exampleDetails(r.example);
  return `${clip(r.text)}${draft}`;
}

/** ` (x, direct_message, 25000 followers)` for a draft example: what besides the text it sets. */
function exampleDetails(example: Exclude<ExampleResult['example'], string>): string {
  const parts = [
    example.platform,
    example.kind,
    example.author?.followers !== undefined ? `${example.author.followers} followers` : undefined,
    example.rating !== undefined ? `rating ${example.rating}` : undefined,
  ];
  return ` (${parts.filter(Boolean).join(', ')})`;
}

function rulesTest(path: string): number {
  const loaded = loadConfig(path);
  const results = testRuleExamples(loaded);
  for (const r of results) {
    const verb = r.expected === 'routes' ? 'routes' : 'does not route';
    console.log(`${r.pass ? '✓' : '✗'} ${r.rule} ${verb} ${describeExample(r)}: ${r.why}`);
  }
  const failed = results.filter((r) => !r.pass);
  const untested = loaded.config.rules
    .filter((rule) => !results.some((r) => r.rule === rule.id))
    .map((rule) => rule.id);
  const rules = new Set(results.map((r) => r.rule)).size;
  console.log(
    `\n${results.length} example${results.length === 1 ? '' : 's'} of ${rules} rule${rules === 1 ? '' : 's'}: ${results.length - failed.length} passed, ${failed.length} failed` +
      (failed.length ? ` (${[...new Set(failed.map((r) => r.rule))].join(', ')})` : '') +
      (untested.length ? `; no examples: ${untested.join(', ')}` : ''),
  );
  return failed.length > 0 ? 1 : 0;
}

const routingText = (o: RoutingOutcome) => `${o.departments.join(', ')} [${o.priority}${o.trial ? ', trial' : ''}]`;

function changedRules(c: RoutingChange): string {
  const added = c.after.rules.filter((r) => !c.before.rules.includes(r)).map((r) => `+${r}`);
  const removed = c.before.rules.filter((r) => !c.after.rules.includes(r)).map((r) => `-${r}`);
  return [...removed, ...added].join(' ');
}

function rulesDiff(oldPath: string, newPath: string, files: string[], json: boolean): number {
  const before = loadConfig(oldPath);
  const after = loadConfig(newPath);
  let total = 0;
  let changed = 0;
  for (const file of files) {
    const inputs = readInputs(file);
    let changes: RoutingChange[];
    try {
      changes = diffRouting(before, after, inputs);
    } catch (err) {
      if (err instanceof DiffInputError)
        throw new Error(err.problems.map((p) => `${file}: input ${p.input}: ${p.error}`).join('\n'));
      throw err;
    }
    total += inputs.length;
    changed += changes.length;
    for (const c of changes) {
      if (json) console.log(JSON.stringify({ file, ...c }));
      else {
        const rules = changedRules(c);
        console.log(
          `${c.id} ${clip(c.text)}: ${routingText(c.before)} → ${routingText(c.after)}${rules ? ` (rules ${rules})` : ''}`,
        );
      }
    }
  }
  const summary = `${changed} engagement${changed === 1 ? '' : 's'} of ${total} input${total === 1 ? '' : 's'} route${changed === 1 ? 's' : ''} differently`;
  if (json) console.error(summary);
  else console.log(`\n${summary}`);
  return 0;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  if (
    err instanceof UsageError ||
    err instanceof QueueUsageError ||
    err instanceof RedriveUsageError ||
    err instanceof CostUsageError ||
    err instanceof HistoryUsageError ||
    err instanceof ReplayUsageError ||
    err instanceof AuditUsageError ||
    err instanceof EraseUsageError ||
    err instanceof VoiceUsageError ||
    err instanceof CrisisUsageError ||
    err instanceof DigestUsageError ||
    err instanceof AuditQueryUsageError
  ) {
    console.error(`switchboard: ${err.message}\n\n${USAGE}`);
    process.exitCode = 2;
  } else {
    console.error(err instanceof ConfigError ? err.message : `switchboard: ${(err as Error).message}`);
    process.exitCode = 1;
  }
}
