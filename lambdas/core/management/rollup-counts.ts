import type { Assignment } from '../assignments/assignment.js';
import type { SpikeEntry } from '../config/crisis.schema.js';
import type { Engagement } from '../engagement/engagement.schema.js';
import { meets, SLA_KINDS } from '../routing/sla.js';
import { responseBucket } from './response-times.js';
import { counterKey, hourOf, topicWords } from './rollup.js';

/**
 * What the rollup function counts, from the table's stream (docs/management.md, "Rollups"):
 * each newly stored engagement, each status change that is a department's first response or
 * resolution, each SLA breach and each published reply. Pure: the store adds the deltas, once
 * per `id` however often the stream delivers the record.
 */

/** A newly routed engagement's row in the console's live feed (no text: the feed reads it from the engagement). */
export interface FeedEntry {
  engagementId: string;
  receivedAt: string;
  platform: string;
  kind: string;
  departments: string[];
  priority: string;
  intents: string[];
  sentiment?: string;
  language: string;
  rules: string[];
}

/** What one stream record adds. */
export interface RollupDelta {
  /** The record's table key (`pk#sk`): the same on every redelivery, so it is counted once. */
  id: string;
  hour?: { hour: string; add: Record<string, number> };
  /** Keyword counts of the day (the digest's and the trends page's top topics). */
  keywords?: { day: string; add: Record<string, number> };
  /** Per spike entry whose key it matches: its minute's counts. */
  spikes: { spikeId: string; minute: string; add: Record<string, number> }[];
  feed?: FeedEntry;
}

/** An engagement stored for the first time. */
export function countRouted(id: string, engagement: Engagement, spikes: readonly SpikeEntry[]): RollupDelta {
  const add: Record<string, number> = {};
  const inc = (key: string) => {
    add[key] = (add[key] ?? 0) + 1;
  };
  const { routing } = engagement;
  inc(counterKey.engagements());
  inc(counterKey.platform(engagement.platform));
  for (const d of routing.departments) inc(counterKey.department(d));
  for (const i of engagement.intents) inc(counterKey.intent(i));
  if (engagement.sentiment) inc(counterKey.sentiment(engagement.sentiment.label));
  inc(counterKey.language(engagement.language));
  inc(counterKey.priority(routing.priority));
  for (const r of routing.rules) inc(counterKey.rule(r));
  if (routing.rules.length === 0) inc(counterKey.rule('(none)'));

  const keywords: Record<string, number> = {};
  for (const k of topicWords(engagement)) keywords[k] = 1;
  const minute = minuteOf(engagement.receivedAt);
  return {
    id,
    hour: { hour: hourOf(engagement.receivedAt), add },
    ...(Object.keys(keywords).length ? { keywords: { day: engagement.receivedAt.slice(0, 10), add: keywords } } : {}),
    spikes: spikes.flatMap((s) => {
      const counted = spikeCount(s.key, engagement);
      return counted ? [{ spikeId: s.id, minute, add: counted }] : [];
    }),
    feed: {
      engagementId: engagement.id,
      receivedAt: engagement.receivedAt,
      platform: engagement.platform,
      kind: engagement.kind,
      departments: routing.departments,
      priority: routing.priority,
      intents: engagement.intents,
      ...(engagement.sentiment ? { sentiment: engagement.sentiment.label } : {}),
      language: engagement.language,
      rules: routing.rules,
    },
  };
}

/** What an engagement adds to a spike key's minute: `n` (and `negative`), or nothing when it is not of the key. */
export function spikeCount(key: string, engagement: Engagement): Record<string, number> | undefined {
  if (key === 'negativeShare') {
    if (!engagement.sentiment) return undefined;
    return engagement.sentiment.label === 'negative' ? { n: 1, negative: 1 } : { n: 1 };
  }
  const [kind, ...rest] = key.split(':');
  const value = rest.join(':');
  const of =
    kind === 'keyword'
      ? engagement.keywords.includes(value)
      : kind === 'intent'
        ? (engagement.intents as string[]).includes(value)
        : kind === 'platform'
          ? engagement.platform === value
          : false;
  return of ? { n: 1 } : undefined;
}

/**
 * A status change: counted when it is the assignment's first change meeting an SLA kind (its
 * first response, its resolution), with the time from routing and whether no breach of that kind
 * was recorded. `assignment` is the assignment as stored when the change is counted.
 */
export function countStatusChanged(
  id: string,
  change: { department: string; to: string; at: string },
  assignment: Assignment | undefined,
): RollupDelta {
  const add: Record<string, number> = {};
  if (assignment) {
    for (const kind of SLA_KINDS) {
      if (!meets(change.to as Assignment['state'], kind)) continue;
      const first = assignment.events.find((e) => e.by === 'department' && !e.late && meets(e.to, kind));
      if (!first || first.at !== change.at || first.to !== change.to) continue;
      const seconds = Math.max(0, (Date.parse(change.at) - Date.parse(assignment.routedAt)) / 1000);
      const key = kind === 'firstResponse' ? counterKey.firstResponse : counterKey.resolution;
      add[key(change.department, 'count')] = 1;
      if (!assignment.breaches?.[kind]) add[key(change.department, 'met')] = 1;
      add[key(change.department, responseBucket(seconds))] = 1;
    }
  }
  return { id, ...(Object.keys(add).length ? { hour: { hour: hourOf(change.at), add } } : {}), spikes: [] };
}

/** An "SLA Breached". */
export function countBreach(id: string, breach: { department: string; sla: string; breachedAt: string }): RollupDelta {
  return {
    id,
    hour: { hour: hourOf(breach.breachedAt), add: { [counterKey.breach(breach.department, breach.sla)]: 1 } },
    spikes: [],
  };
}

/** A "Reply Published". */
export function countReplyPublished(id: string, reply: { department: string; at: string }): RollupDelta {
  return {
    id,
    hour: { hour: hourOf(reply.at), add: { [counterKey.replyPublished(reply.department)]: 1 } },
    spikes: [],
  };
}

/** The start of the UTC minute `at` falls in, ISO 8601. */
export const minuteOf = (at: string): string => {
  const d = new Date(at);
  d.setUTCSeconds(0, 0);
  return d.toISOString();
};
