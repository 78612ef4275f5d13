import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import type { ConsoleFeed, ConsoleMeta, ConsoleRules, ConsoleTrends } from '#core/management/console-api-types.js';
import { launchChromium, seriousAxeViolations, until } from '#test-support/browser.js';
import { TEST_STATE_DIR } from './state-dir.js';
import { engage, receiveUntil, twin } from './twin-client.js';

/**
 * The management console against the twin: its read-only API over the rollups the stream keeps,
 * the pages in a real headless Chromium, and `switchboard digest` from the same data.
 */
const info = JSON.parse(readFileSync(join(TEST_STATE_DIR, 'local.json'), 'utf8')) as { consoleUrl: string };
const api = async <T>(path: string): Promise<{ status: number; body: T }> => {
  const res = await fetch(`${info.consoleUrl}api/${path}`);
  return { status: res.status, body: (await res.json()) as T };
};

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

describe('the console on the twin', () => {
  let complaint = '';
  let praise = '';
  beforeAll(async () => {
    complaint = await engage('my order never arrived and nobody answers, refund please');
    praise = await engage('Loving the new autumn colours, well done team!');
    await receiveUntil('customer-care', (m) => m.detail.id === complaint);
    await receiveUntil('communications', (m) => m.detail.id === praise);
  });

  it('is in local.json and serves its pages', async () => {
    expect(info.consoleUrl).toBe(`${twin.webhookBaseUrl}/console/`);
    const page = await fetch(info.consoleUrl);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<h1');
    expect((await fetch(`${info.consoleUrl}../package.json`)).status).not.toBe(200);
  });

  it('answers the feed from the rollups, filtered, with text and each department’s state', async () => {
    const all = await until('both engagements in the feed', async () => {
      const { body } = await api<ConsoleFeed>('feed?limit=200');
      const ids = body.engagements.map((e) => e.id);
      return ids.includes(complaint) && ids.includes(praise) ? body : undefined;
    });
    const row = all.engagements.find((e) => e.id === complaint);
    expect(row).toMatchObject({ platform: 'generic', departments: [{ id: 'customer-care', state: 'new' }] });
    expect(row?.text).toContain('never arrived');
    const care = await api<ConsoleFeed>('feed?department=customer-care&limit=200');
    expect(care.body.engagements.map((e) => e.id)).toContain(complaint);
    expect(care.body.engagements.map((e) => e.id)).not.toContain(praise);
    expect((await api<{ error: string }>('feed?limit=5000')).status).toBe(400);
    expect((await api<{ error: string }>('nothing')).status).toBe(404);
  });

  it('counts them in the hour’s trends and the rules that fired', async () => {
    const trends = await until('the hour counted', async () => {
      const { body } = await api<ConsoleTrends>('trends?hours=2');
      const hour = body.hours.at(-1);
      return hour && (hour.byDepartment['customer-care'] ?? 0) >= 1 ? body : undefined;
    });
    expect(trends.hours).toHaveLength(2);
    expect(trends.hours.at(-1)?.byPlatform.generic).toBeGreaterThanOrEqual(2);
    const rules = await api<ConsoleRules>('rules?days=1');
    expect(rules.body.rules.find((r) => r.id === 'care-orders-and-refunds')?.fired).toBeGreaterThanOrEqual(1);
    const meta = await api<ConsoleMeta>('meta');
    expect(meta.body.departments.map((d) => d.id)).toContain('customer-care');
  });

  it('shows the feed in Chromium, filters it by department in the query string, and draws the trends', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(info.consoleUrl);
      await until('the complaint in the feed', () => page.getByText('never arrived').first().isVisible());
      await page.getByLabel('Department').selectOption('communications');
      await until('the filter in the query string', () => page.url().includes('department=communications'));
      await until('the complaint filtered out', async () => !(await page.getByText('never arrived').count()));
      expect(await page.getByText('autumn colours').first().isVisible()).toBe(true);
      expect(await seriousAxeViolations(page)).toEqual([]);

      await page.goto(`${info.consoleUrl}trends.html`);
      await until('a chart drawn', async () => (await page.locator('figure svg').count()) > 0);
      expect(await seriousAxeViolations(page)).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('writes a digest with charts from the twin’s data, which the console links', async () => {
    const out = spawnSync(process.execPath, ['bin/switchboard.js', 'digest'], {
      encoding: 'utf8',
      env: {
        ...process.env,
        SWITCHBOARD_STATE_DIR: TEST_STATE_DIR,
        SWITCHBOARD_CONFIG: join(TEST_STATE_DIR, 'switchboard.yaml'),
      },
    });
    expect(out.status).toBe(0);
    const path = out.stdout.trim().split('\n').at(-1) ?? '';
    const today = new Date().toISOString().slice(0, 10);
    expect(path).toMatch(new RegExp(`digests/${today}\\.html$`));
    expect(existsSync(path)).toBe(true);
    const html = readFileSync(path, 'utf8');
    // Volume by hour, 29 days by sentiment, intents (compliance too, once responses are counted).
    expect((html.match(/<svg/g) ?? []).length).toBeGreaterThanOrEqual(3);
    expect(html).not.toContain('<script');
    // The console lists it and reads it through its API (signed in, on AWS).
    const meta = await api<ConsoleMeta>('meta');
    expect(meta.body.digests[0]).toEqual({ date: today, url: `digest.html?date=${today}` });
    const read = await api<{ date: string; html: string }>(`digest?date=${today}`);
    expect(read.body.html).toBe(html);
    expect((await api('digest?date=1999-01-01')).status).toBe(404);
    const page = await browser.newPage();
    try {
      await page.goto(`${info.consoleUrl}${meta.body.digests[0]?.url}`);
      const frame = page.frameLocator('#digest');
      await until('the digest shown', async () => (await frame.locator('svg').count()) >= 3);
    } finally {
      await page.close();
    }
  });
});
