import { PRIORITIES } from '../engagement/engagement.schema.js';
import { type ConsoleSources, feedRows } from './console-read.js';
import { type CrisisState, crisisStatus, NO_CRISIS } from './crisis.js';
import { type AttentionRow, type DigestInput, renderDigest } from './digest.js';
import type { FeedEntry } from './rollup-counts.js';

const DAY_MS = 86_400_000;
/** The digest compares the day with the 28 days before it. */
const BASELINE_DAYS = 28;
const MAX_ATTENTION = 20;

/** Why a row of the day needs a leader's eye, most pressing first; empty when it does not. */
export function attentionReasons(entry: FeedEntry, crisisTeam: string | undefined): string[] {
  const reasons: string[] = [];
  if (entry.priority === 'urgent') reasons.push('urgent priority');
  if (entry.rules.includes('crisis')) reasons.push(`crisis playbook (sent to ${crisisTeam ?? 'the crisis team'})`);
  if (entry.intents.includes('legal_risk')) reasons.push('legal risk');
  if (entry.intents.includes('safety_risk')) reasons.push('safety risk');
  if (entry.intents.includes('press_inquiry')) reasons.push('press inquiry');
  if (reasons.length > 0 && entry.sentiment === 'negative') reasons.push('negative');
  return reasons;
}

/**
 * The digest of a UTC day (docs/management.md, "Digest"): its hours against the 28 days before,
 * its top topics, SLA results, spikes and crisis mode, and the engagements that need a leader's
 * eye (urgent, crisis, legal or safety risk, press; the most pressing first, twenty at most).
 * `date` defaults to today so far. Returns the HTML and the day reported.
 */
export async function makeDigest(
  sources: ConsoleSources,
  options: { date?: string; consoleUrl?: string },
): Promise<{ date: string; html: string }> {
  const now = sources.now();
  const date = options.date ?? now.toISOString().slice(0, 10);
  const dayStart = Date.parse(`${date}T00:00:00.000Z`);
  if (!Number.isFinite(dayStart) || !/^\d{4}-\d{2}-\d{2}$/.test(date))
    throw new RangeError(`--date must be a day as YYYY-MM-DD, not "${date}"`);
  if (dayStart > now.getTime()) throw new RangeError(`${date} has not begun yet (UTC)`);
  const dayEnd = dayStart + DAY_MS;
  const from = new Date(dayStart - BASELINE_DAYS * DAY_MS).toISOString();
  const hours = await sources.hours(from, new Date(dayEnd).toISOString());
  const keywords = await sources.keywords(from.slice(0, 10), date);

  const crisisTeam = sources.config.crisis?.team;
  const rank = (e: FeedEntry) => PRIORITIES.indexOf(e.priority as (typeof PRIORITIES)[number]);
  const candidates: { entry: FeedEntry; reasons: string[] }[] = [];
  for await (const entry of sources.feed(date)) {
    const reasons = attentionReasons(entry, crisisTeam);
    if (reasons.length) candidates.push({ entry, reasons });
  }
  candidates.sort(
    (a, b) =>
      rank(b.entry) - rank(a.entry) ||
      b.reasons.length - a.reasons.length ||
      (a.entry.receivedAt < b.entry.receivedAt ? 1 : -1),
  );
  const picked = candidates.slice(0, MAX_ATTENTION);
  const rows = await feedRows(
    picked.map((c) => c.entry),
    sources,
  );
  const attention: AttentionRow[] = rows.map((row, i) => ({ ...row, reasons: picked[i]?.reasons ?? [] }));

  const spikes = (await sources.spikes(new Date(dayStart).toISOString())).filter((s) => Date.parse(s.at) < dayEnd);
  const state: CrisisState = (await sources.crisis()) ?? NO_CRISIS;
  const input: DigestInput = {
    date,
    generatedAt: now.toISOString(),
    partial: now.getTime() < dayEnd,
    hours,
    keywords,
    departments: sources.config.departments.map((d) => ({
      id: d.id,
      name: d.name,
      ...(d.sla
        ? { sla: { firstResponse: d.sla.firstResponse, ...(d.sla.resolution ? { resolution: d.sla.resolution } : {}) } }
        : {}),
    })),
    attention,
    spikes,
    crisis: crisisStatus(state),
    ...(options.consoleUrl ? { consoleUrl: options.consoleUrl } : {}),
  };
  return { date, html: await renderDigest(input) };
}
