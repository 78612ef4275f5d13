import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type {
  ConsoleCrisis,
  ConsoleMeta,
  ConsoleRules,
  ConsoleService,
  ConsoleTrends,
  FeedRow,
} from '#core/management/console-api-types.js';
import type { HourRollup } from '#core/management/rollup.js';
import { consoleFile } from '#local/console/console-files.js';

/** What the fixture API answers; tests change it in place (a new engagement, crisis on). */
export interface ConsoleFixtures {
  meta: ConsoleMeta;
  /** Newest first, as `api/feed` answers; the server applies the filters and the limit. */
  feed: FeedRow[];
  /** 336 hours, oldest first; the server answers the last `hours` of them. */
  trends: ConsoleTrends;
  service: ConsoleService;
  rules: ConsoleRules;
  crisis: ConsoleCrisis;
}

const HOUR = 3_600_000;
const at = (msAgo: number): string => new Date(Date.now() - msAgo).toISOString();

/** A feed row with the fields a test does not care about filled in. */
export function feedRow(row: Partial<FeedRow> & Pick<FeedRow, 'id' | 'text'>): FeedRow {
  return {
    receivedAt: at(60_000),
    platform: 'x',
    kind: 'mention',
    departments: [{ id: 'care', state: 'new' }],
    priority: 'normal',
    intents: ['question'],
    sentiment: 'neutral',
    language: 'en',
    rules: ['default'],
    ...row,
  };
}

function hourRollup(hour: string, i: number): HourRollup {
  const n = (base: number) => base + (i % 5);
  return {
    hour,
    engagements: n(4) + n(2),
    byPlatform: { x: n(4), bluesky: n(2) },
    byDepartment: { care: n(3), billing: n(2), pr: i % 7 === 0 ? 1 : 0 },
    byIntent: { complaint: n(2), question: n(3), praise: 1 },
    bySentiment: { negative: n(2), neutral: n(3), positive: 1 },
    byLanguage: { en: n(5), de: 1 },
    byPriority: { normal: n(5), urgent: 1 },
    byRule: { 'billing-words': n(2) },
    firstResponse: {},
    resolution: {},
    breaches: {},
    repliesPublished: {},
  };
}

/** A fresh, consistent set of fixtures: three departments, four engagements, crisis off. */
export function defaultFixtures(): ConsoleFixtures {
  const now = Date.now();
  const top = now - (now % HOUR);
  const hours = Array.from({ length: 336 }, (_, i) => hourRollup(new Date(top - (335 - i) * HOUR).toISOString(), i));
  return {
    meta: {
      departments: [
        { id: 'care', name: 'Customer care' },
        { id: 'billing', name: 'Billing' },
        { id: 'pr', name: 'Press office' },
      ],
      platforms: ['x', 'bluesky', 'mastodon'],
      intents: ['complaint', 'question', 'praise'],
      sentiments: ['positive', 'neutral', 'negative'],
      languages: ['en', 'de'],
      configVersion: 'cfg-2026-12-06-a1b2',
      digests: [
        { date: '2026-12-05', url: 'digests/2026-12-05.html' },
        { date: '2026-12-04', url: 'digests/2026-12-04.html' },
      ],
    },
    feed: [
      feedRow({
        id: 'e4',
        receivedAt: at(60_000),
        platform: 'bluesky',
        text: 'Where is my refund? <b>not bold</b>',
        departments: [{ id: 'billing', state: 'assigned' }],
        intents: ['complaint'],
        sentiment: 'negative',
        priority: 'high',
        url: 'https://bsky.app/profile/a/post/4',
      }),
      feedRow({
        id: 'e3',
        receivedAt: at(120_000),
        text: 'Love the new app',
        intents: ['praise'],
        sentiment: 'positive',
      }),
      feedRow({
        id: 'e2',
        receivedAt: at(180_000),
        text: 'Invoice shows the wrong amount',
        departments: [
          { id: 'billing', state: 'new' },
          { id: 'care', state: 'responded' },
        ],
        intents: ['complaint', 'question'],
        language: 'de',
      }),
      feedRow({ id: 'e1', receivedAt: at(240_000), text: 'How do I reset my password?' }),
    ],
    trends: {
      from: hours[0]!.hour,
      to: new Date(top + HOUR).toISOString(),
      hours,
      topKeywords: [
        { keyword: 'refund', count: 42 },
        { keyword: 'invoice', count: 17 },
        { keyword: 'password', count: 9 },
      ],
    },
    service: {
      from: at(7 * 24 * HOUR),
      to: at(0),
      departments: [
        {
          id: 'care',
          name: 'Customer care',
          sla: { firstResponse: 'PT1H', resolution: 'P1D' },
          routed: 120,
          firstResponse: { count: 100, met: 95, compliance: 0.95, p50: 240, p90: 7500 },
          resolution: { count: 80, met: 70, compliance: 0.875, p50: 3600, p90: 90_000 },
          breaches: { firstResponse: 5, resolution: 10, approval: 0 },
          repliesPublished: 64,
        },
        {
          id: 'billing',
          name: 'Billing',
          sla: { firstResponse: 'PT4H' },
          routed: 40,
          firstResponse: { count: 30, met: 28, compliance: 28 / 30, p50: 900, p90: 12_000 },
          resolution: { count: 0, met: 0, compliance: null, p50: null, p90: null },
          breaches: { firstResponse: 2, resolution: 0, approval: 1 },
          repliesPublished: 12,
        },
        {
          id: 'pr',
          name: 'Press office',
          sla: {},
          routed: 3,
          firstResponse: { count: 0, met: 0, compliance: null, p50: null, p90: null },
          resolution: { count: 0, met: 0, compliance: null, p50: null, p90: null },
          breaches: { firstResponse: 0, resolution: 0, approval: 0 },
          repliesPublished: 0,
        },
      ],
    },
    rules: {
      configVersion: 'cfg-2026-12-06-a1b2',
      from: at(7 * 24 * HOUR),
      to: at(0),
      rules: [
        { id: 'press-mentions', routeTo: ['pr'], priority: 'high', fired: 3 },
        { id: 'billing-words', routeTo: ['billing'], priority: 'normal', fired: 40 },
        { id: 'legal-threats', routeTo: ['pr', 'care'], priority: 'urgent', fired: 0 },
        { id: 'complaints', routeTo: ['care'], priority: 'normal', fired: 77 },
      ],
      neverFired: ['legal-threats'],
      unmatched: 11,
    },
    crisis: {
      status: {
        active: false,
        last: {
          crisisId: 'crisis-0007',
          startedAt: at(50 * HOUR),
          endedAt: at(47 * HOUR),
          cause: { by: 'manual', reason: 'outage drill' },
          endedBy: 'manual',
        },
      },
      playbook: ['Replies need approval by crisis-room', 'Urgent engagements also go to crisis-room'],
      spikes: [
        {
          spike: 'volume',
          key: 'department:care',
          window: 'PT15M',
          observed: 48,
          expected: 6.5,
          score: 7.25,
          at: at(2 * HOUR),
        },
      ],
    },
  };
}

/** What {@link startConsoleServer} hands back. */
export interface ConsoleServer {
  /** `http://127.0.0.1:<port>/console/`. */
  console: string;
  /** Every `/console/api/*` request, in order. */
  apiRequests: URL[];
  fixtures: ConsoleFixtures;
  close(): Promise<void>;
}

const FEED_FILTERS = ['platform', 'department', 'intent', 'sentiment', 'language'] as const;

function feedAnswer(rows: FeedRow[], query: URLSearchParams): FeedRow[] {
  const want = (name: string) => query.get(name) ?? '';
  return rows
    .filter((r) =>
      FEED_FILTERS.every((name) => {
        const value = want(name);
        if (!value) return true;
        if (name === 'department') return r.departments.some((d) => d.id === value);
        if (name === 'intent') return r.intents.includes(value);
        return r[name] === value;
      }),
    )
    .slice(0, Number(query.get('limit') ?? 50));
}

/**
 * A loopback server standing in for the twin's console: the real static files through
 * {@link consoleFile}, and the read-only API answered from `fixtures`, which a test may change
 * between requests.
 */
export async function startConsoleServer(fixtures: ConsoleFixtures, digestsDir: string): Promise<ConsoleServer> {
  const apiRequests: URL[] = [];
  const api: Record<string, (q: URLSearchParams) => unknown> = {
    meta: () => fixtures.meta,
    feed: (q) => ({ engagements: feedAnswer(fixtures.feed, q), generatedAt: new Date().toISOString() }),
    trends: (q) => {
      const hours = fixtures.trends.hours.slice(-Number(q.get('hours') ?? 48));
      return { ...fixtures.trends, from: hours[0]?.hour ?? fixtures.trends.from, hours };
    },
    service: () => fixtures.service,
    rules: () => fixtures.rules,
    crisis: () => fixtures.crisis,
  };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const name = /^\/console\/api\/([a-z]+)$/.exec(url.pathname)?.[1];
    if (name !== undefined) {
      apiRequests.push(url);
      const answer = api[name];
      res.writeHead(answer ? 200 : 404, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(answer ? answer(url.searchParams) : { message: 'Not found' }));
      return;
    }
    const file = consoleFile(url.pathname, { digestsDir });
    if (!file) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
      return;
    }
    res.writeHead(200, { 'content-type': file.contentType }).end(file.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    console: `http://127.0.0.1:${port}/console/`,
    apiRequests,
    fixtures,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
