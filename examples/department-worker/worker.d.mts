// Types of worker.mjs, so TypeScript (tests, a department's own code) can import it without allowJs.
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { SQSClient } from '@aws-sdk/client-sqs';

/** What a department may report. */
export type DepartmentStatus = 'acknowledged' | 'responded' | 'resolved' | 'dismissed' | 'rerouted';

/** The part of an "Engagement Routed" detail the worker reads; the rest is passed through untouched. */
export interface RoutedEngagement {
  id: string;
  platform?: string;
  kind?: string;
  text?: string;
  routing: {
    departments: string[];
    priority: string;
    slaDueAt?: string;
    reroutedFrom?: string;
    escalatedFrom?: string;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

/** What `handle` decides; `status` defaults to `resolved`. `to` is required for `rerouted`. */
export interface HandleResult {
  status?: Exclude<DepartmentStatus, 'acknowledged'>;
  to?: string;
  note?: string;
}

/** The `.switchboard/local.json` the twin writes (the fields the worker reads). */
export interface LocalTwinJson {
  webhookBaseUrl: string;
  sqsEndpoint: string;
  eventBridgeEndpoint: string;
  region: string;
  eventBusName: string;
  queues: Record<string, string>;
  [key: string]: unknown;
}

export interface WorkerOptions {
  /** The department id, e.g. `customer-care`. */
  department: string;
  /** The twin's local.json (a path, or its content): endpoints, fake credentials, queue, status URL, bus. */
  localJson?: string | LocalTwinJson;
  /** The queue to read; overrides localJson's. Without localJson the SDK talks to AWS. */
  queueUrl?: string;
  /** The full URL to POST reports to; default `<webhookBaseUrl>/departments/<department>/status`. */
  statusUrl?: string;
  /** The department's bearer token; required for `via: 'https'`. */
  statusToken?: string;
  /** `https` (default): answers come back synchronously. `bus`: PutEvents "Status Reported". */
  via?: 'https' | 'bus';
  /** The bus name or ARN for `via: 'bus'` (an ARN from another account); default localJson's. */
  eventBusName?: string;
  region?: string;
  /** The long poll, 0..20 seconds; default 20. */
  waitSeconds?: number;
  /** Stop after this many messages were finished (deleted). */
  maxMessages?: number;
  /** Stop when no message was finished (deleted) for this long, checked after each receive (0: after the first receive that finishes none). */
  idleStopAfterMs?: number;
  /** The department's work; default logs a line (no text) and resolves. Must be idempotent. */
  handle?: (engagement: RoutedEngagement) => Promise<HandleResult | undefined | void> | HandleResult | undefined | void;
  /** Where log lines go; default console.log with a `[worker <department>]` prefix. */
  log?: (line: string) => void;
  /** Clients to use instead of building them (tests). */
  sqs?: SQSClient;
  eventBridge?: EventBridgeClient;
}

/** One report the worker made, in order. */
export interface ReportRecord {
  engagementId: string;
  status: DepartmentStatus;
  reportId: string;
  via: 'https' | 'bus';
  /** The HTTP status, `accepted` (PutEvents took it), or `failed` (not delivered: network, PutEvents failure). */
  outcome: number | 'accepted' | 'failed';
  /** The parsed HTTP answer, when there was one. */
  body?: unknown;
}

/** The "Status Rejected" details received (the bus way). */
export interface StatusRejectedDetail {
  reportId: string;
  engagementId: string;
  department: string;
  reason: string;
}

/** The running worker. Its fields change as it works. */
export interface WorkerHandle {
  /** Messages finished and deleted (engagements reported, Status Rejected read). */
  processed: number;
  reports: ReportRecord[];
  rejected: StatusRejectedDetail[];
  stopped: boolean;
  /** The error that stopped it (a FatalReportError for 401/403), if any. */
  error: Error | undefined;
  /** Settles when the loop ends: resolves on stop/maxMessages/idleStopAfterMs, rejects on a fatal error. */
  done: Promise<void>;
  /** Ends the long poll, lets the message in hand finish, hands back the rest; never rejects. */
  stop(): Promise<void>;
}

/** Thrown (as `done`'s rejection) when the token is refused (401/403) or PutEvents is denied. */
export class FatalReportError extends Error {}

export function runWorker(options: WorkerOptions): WorkerHandle;

export function defaultHandle(engagement: RoutedEngagement): Promise<HandleResult>;
