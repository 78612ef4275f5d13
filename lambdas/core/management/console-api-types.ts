import type { HourRollup } from './rollup.js';

/**
 * The console's read-only API (docs/management.md): `GET <base>/console/api/<name>`, JSON. On the
 * twin `<base>` is the webhook base URL and no sign-in is asked; on AWS the same paths sit behind
 * the console's sign-in. These are the answers' shapes; the console pages read nothing else.
 */

/** `GET …/console/api/meta`: what the filters offer, and the digests there are. */
export interface ConsoleMeta {
  departments: { id: string; name: string }[];
  platforms: string[];
  intents: string[];
  sentiments: string[];
  /** Languages seen in the last 14 days, most engagements first. */
  languages: string[];
  configVersion: string;
  /** Newest first; `url` is relative to the console (`digests/2026-12-05.html`). */
  digests: { date: string; url: string }[];
}

/** One row of the live feed. */
export interface FeedRow {
  id: string;
  receivedAt: string;
  platform: string;
  kind: string;
  /** The engagement's text as stored (empty once erased or past retention). */
  text: string;
  /** Each department it went to, with its assignment's state there. */
  departments: { id: string; state: string }[];
  priority: string;
  intents: string[];
  sentiment?: string;
  language: string;
  /** The routing rules that matched (`crisis` when crisis mode added the crisis team). */
  rules: string[];
  url?: string;
}

/**
 * `GET …/console/api/feed?platform=&department=&intent=&sentiment=&language=&limit=` (each filter
 * optional, values are ids; `limit` 1–200, default 50): the newest engagements of the last 7
 * days matching every filter given, newest first.
 */
export interface ConsoleFeed {
  engagements: FeedRow[];
  generatedAt: string;
}

/** `GET …/console/api/trends?hours=48` (1–336, default 48): hourly rollups, oldest first, every hour present (zeros included). */
export interface ConsoleTrends {
  from: string;
  to: string;
  hours: HourRollup[];
  /** Keyword counts over the same days, top 20, most first. */
  topKeywords: { keyword: string; count: number }[];
}

/** Response-time figures of one department over the period, in seconds. */
export interface ResponseFigures {
  count: number;
  met: number;
  /** `met / count`, or null with no responses. */
  compliance: number | null;
  p50: number | null;
  p90: number | null;
}

/** `GET …/console/api/service?days=7` (1–30, default 7): service per department over the last days. */
export interface ConsoleService {
  from: string;
  to: string;
  departments: {
    id: string;
    name: string;
    /** The SLA as configured (ISO 8601 durations), if any. */
    sla: { firstResponse?: string; resolution?: string };
    routed: number;
    firstResponse: ResponseFigures;
    resolution: ResponseFigures;
    breaches: { firstResponse: number; resolution: number; approval: number };
    repliesPublished: number;
  }[];
}

/** `GET …/console/api/rules?days=7` (1–30, default 7): which rules fired how often; rules that never fired. */
export interface ConsoleRules {
  configVersion: string;
  from: string;
  to: string;
  rules: { id: string; routeTo: string[]; priority: string; fired: number }[];
  /** Ids of the config's rules that fired 0 times in the period. */
  neverFired: string[];
  /** Engagements that matched no rule and went to the default department. */
  unmatched: number;
}

/** Crisis status, as `switchboard crisis status --json` prints it (docs/design.md, "Spikes and crisis"). */
export type CrisisStatus =
  | {
      active: true;
      crisisId: string;
      startedAt: string;
      cause:
        | { by: 'spike'; spike: string; key: string; score: number }
        | { by: 'manual'; reason: string; actor?: string };
    }
  | {
      active: false;
      last?: {
        crisisId: string;
        startedAt: string;
        endedAt: string;
        cause: Record<string, unknown>;
        endedBy: 'manual' | 'auto';
      };
    };

/** A "Spike Detected" as the console lists it. */
export interface SpikeRow {
  spike: string;
  key: string;
  window: string;
  observed: number;
  expected: number;
  score: number;
  at: string;
}

/** `GET …/console/api/crisis`: the state, what the playbook changes while it is on, and recent spikes. */
export interface ConsoleCrisis {
  status: CrisisStatus;
  /** The config's playbook in words, one line per change ("Replies need approval by crisis-room"). Empty without a `crisis:` section. */
  playbook: string[];
  /** The last 7 days' spikes, newest first. */
  spikes: SpikeRow[];
}
