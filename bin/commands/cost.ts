import { readTwinInfo, TwinNotRunningError } from './twin-info.js';

/** Usage of `switchboard cost`; also part of the CLI's usage text. */
export const COST_USAGE = 'switchboard cost [--json] [--reset]';

/** A command line that does not fit the usage (exit 2). */
export class CostUsageError extends Error {}

/** What the twin reports at `GET /twin/usage`: what its functions used since start or the last reset. */
export interface TwinUsage {
  apiRequests: number;
  functions: Record<string, { invocations: number; billedMs: number; memoryMb: number }>;
  services: Record<string, { requests: Record<string, number>; capacityUnits: Record<string, number>; events: number }>;
  eventBridgeDeliveries: number;
}

/**
 * List prices, us-east-1, USD, first tier, free tiers ignored (AWS pricing pages; DynamoDB
 * on-demand after its 1 November 2024 price cut). The region is printed with the report.
 */
export const PRICES = {
  region: 'us-east-1',
  apiGatewayRestPerMillion: 3.5,
  lambdaRequestsPerMillion: 0.2,
  lambdaArmGbSecond: 0.0000133334,
  sqsPerMillionRequests: 0.4,
  eventBridgePerMillionEvents: 1.0,
  dynamoDbPerMillionWru: 0.625,
  dynamoDbPerMillionRru: 0.125,
} as const;

/** One line of the report: per engagement units, and what a million engagements cost, beside the floor. */
export interface CostLine {
  service: string;
  operation: string;
  unitsPerEngagement: number;
  usdPerMillion: number;
  floorUsdPerMillion: number;
}

/** The report `cost --json` prints. */
export interface CostReport {
  engagements: number;
  region: string;
  frontDoor: string;
  perMillion: { total: number; floor: number; ratio: number };
  lines: CostLine[];
}

const READ_OPERATIONS = new Set(['GetItem', 'Query', 'Scan', 'BatchGetItem', 'TransactGetItems']);

/**
 * The floor for a REST API front door: the least any design with this front door pays per
 * engagement — one API request; one function that verifies, stores (one conditional write of a
 * 1 KB item) and publishes (one event), 256 MB for 50 ms; EventBridge's one message to one
 * department queue; nothing else. (A queue between the webhook and the processing, as
 * Switchboard has for durability, is above the floor.)
 */
const FLOOR = {
  'API Gateway (REST)': PRICES.apiGatewayRestPerMillion,
  'Lambda requests': PRICES.lambdaRequestsPerMillion,
  'Lambda duration': 0.25 * 0.05 * PRICES.lambdaArmGbSecond * 1e6,
  'DynamoDB writes': PRICES.dynamoDbPerMillionWru,
  'DynamoDB reads': 0,
  'EventBridge events': PRICES.eventBridgePerMillionEvents,
  SQS: PRICES.sqsPerMillionRequests,
} as const;

/**
 * Prices what the twin's functions used per engagement (engagements = events published to the
 * bus): API requests, Lambda requests and billed GB-seconds, DynamoDB capacity units (as DynamoDB
 * Local reports them, transactions corrected to DynamoDB's 2 units per KB), SQS requests (the functions' own, the event source's receive and delete
 * per batch, and EventBridge's delivery to each department queue) and EventBridge events.
 */
export function costReport(usage: TwinUsage): CostReport {
  const engagements = usage.services.eventbridge?.events ?? 0;
  if (engagements === 0)
    throw new Error(
      'no engagement has been published since the twin started (or the last --reset): send some deliveries first, e.g. `npm start -- --demo`',
    );
  const per = (n: number) => n / engagements;
  const lines: CostLine[] = [];
  const add = (service: keyof typeof FLOOR, operation: string, units: number, usdPerUnit: number) =>
    lines.push({
      service,
      operation,
      unitsPerEngagement: per(units),
      usdPerMillion: per(units) * usdPerUnit * 1e6,
      floorUsdPerMillion: FLOOR[service],
    });

  add('API Gateway (REST)', 'requests', usage.apiRequests, PRICES.apiGatewayRestPerMillion / 1e6);
  const fns = Object.entries(usage.functions);
  add(
    'Lambda requests',
    fns.map(([name, f]) => `${short(name)} ${per(f.invocations).toFixed(2)}`).join(', '),
    fns.reduce((s, [, f]) => s + f.invocations, 0),
    PRICES.lambdaRequestsPerMillion / 1e6,
  );
  const gbSeconds = fns.reduce((s, [, f]) => s + (f.memoryMb / 1024) * (f.billedMs / 1000), 0);
  add('Lambda duration', 'GB-seconds', gbSeconds, PRICES.lambdaArmGbSecond);
  const capacity = Object.entries(usage.services.dynamodb?.capacityUnits ?? {});
  const writes = capacity.filter(([op]) => !READ_OPERATIONS.has(op));
  const reads = capacity.filter(([op]) => READ_OPERATIONS.has(op));
  add(
    'DynamoDB writes',
    `WRU (${writes.map(([op, n]) => `${op} ${per(n).toFixed(2)}`).join(', ') || 'none'})`,
    writes.reduce((s, [, n]) => s + n, 0),
    PRICES.dynamoDbPerMillionWru / 1e6,
  );
  add(
    'DynamoDB reads',
    `RRU (${reads.map(([op, n]) => `${op} ${per(n).toFixed(2)}`).join(', ') || 'none'})`,
    reads.reduce((s, [, n]) => s + n, 0),
    PRICES.dynamoDbPerMillionRru / 1e6,
  );
  add('EventBridge events', 'PutEvents entries', engagements, PRICES.eventBridgePerMillionEvents / 1e6);
  // The twin's event sources receive and delete once per batch, as Lambda's pollers do.
  const sqsOwn = Object.values(usage.services.sqs?.requests ?? {}).reduce((s, n) => s + n, 0);
  const batches = fns.filter(([name]) => /Process/i.test(name)).reduce((s, [, f]) => s + f.invocations, 0);
  add(
    'SQS',
    `requests (functions ${per(sqsOwn).toFixed(2)}, event source ${per(2 * batches).toFixed(2)}, department deliveries ${per(usage.eventBridgeDeliveries).toFixed(2)})`,
    sqsOwn + 2 * batches + usage.eventBridgeDeliveries,
    PRICES.sqsPerMillionRequests / 1e6,
  );

  const total = lines.reduce((s, l) => s + l.usdPerMillion, 0);
  const floor = Object.values(FLOOR).reduce((s: number, v) => s + v, 0);
  return {
    engagements,
    region: PRICES.region,
    frontDoor: 'API Gateway REST API',
    perMillion: { total, floor, ratio: total / floor },
    lines,
  };
}

const short = (name: string) => name.replace(/^[^-]+-/, '').replace(/Function[0-9A-F]{8}$/, '');

/**
 * `switchboard cost [--json] [--reset]`: the cost per million engagements of what the running
 * twin's functions actually did, at list prices, line by line beside the floor for the same
 * front door. `--reset` zeroes the twin's counters first (then send traffic and run it again).
 */
export async function costCommand(args: string[]): Promise<number> {
  const json = args.includes('--json');
  const reset = args.includes('--reset');
  const unknown = args.filter((a) => a !== '--json' && a !== '--reset');
  if (unknown.length > 0) throw new CostUsageError(`unknown option "${unknown[0]}"; expected: ${COST_USAGE}`);
  let base: string;
  try {
    base = readTwinInfo().webhookBaseUrl;
  } catch (err) {
    if (!(err instanceof TwinNotRunningError)) throw err;
    console.error(`switchboard: ${err.message}`);
    return 1;
  }
  let usage: TwinUsage;
  try {
    const res = await fetch(`${base}/twin/usage`, { method: reset ? 'DELETE' : 'GET' });
    if (!res.ok)
      throw new Error(`GET /twin/usage answered ${res.status}: restart the twin with this version (\`npm start\`)`);
    usage = (await res.json()) as TwinUsage;
  } catch (err) {
    console.error(`switchboard: the twin at ${base} did not answer (${(err as Error).message}); is it still running?`);
    return 1;
  }
  if (reset) {
    console.log('Usage counters reset: send deliveries, then run `npx switchboard cost` again.');
    return 0;
  }
  let report: CostReport;
  try {
    report = costReport(usage);
  } catch (err) {
    console.error(`switchboard: ${(err as Error).message}`);
    return 1;
  }
  if (json) {
    console.log(JSON.stringify(report));
    return 0;
  }
  console.log(
    `Cost per million engagements, list prices (${report.region}), measured over ${report.engagements.toLocaleString('en-US')} engagements the twin published; front door: ${report.frontDoor}`,
  );
  const rows = [
    ['service', 'per engagement', 'USD / million', 'floor', 'what'],
    ...report.lines.map((l) => [
      l.service,
      l.unitsPerEngagement.toFixed(3),
      l.usdPerMillion.toFixed(2),
      l.floorUsdPerMillion.toFixed(2),
      l.operation,
    ]),
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  for (const [i, r] of rows.entries()) {
    console.log(
      r
        .map((cell, c) => (c === 0 || c === 4 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
        .join('  ')
        .trimEnd(),
    );
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
  const { total, floor, ratio } = report.perMillion;
  console.log(
    `total $${total.toFixed(2)} per million; floor $${floor.toFixed(2)}; ${ratio.toFixed(2)}× the floor (target ≤ 1.3×: ${ratio <= 1.3 ? 'met' : 'NOT met'})`,
  );
  return 0;
}
