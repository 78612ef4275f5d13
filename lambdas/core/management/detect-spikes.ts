import type { CrisisPlaybook, SpikeEntry } from '../config/crisis.schema.js';
import { parseDurationMs } from '../config/duration.js';
import type { OutboxEvent } from '../lifecycle/ports/lifecycle-store.js';
import {
  autoEndDue,
  CRISIS_PARTITION,
  type CrisisChange,
  type CrisisState,
  endCrisis,
  NO_CRISIS,
  spikeAgain,
  startCrisis,
} from './crisis.js';
import type { GovernanceState, GovernanceStore, StateWrite } from './ports/governance-store.js';
import { measureWindow, spikeScore, type WindowCounts } from './spike-score.js';

/** "Spike Detected": source and detail type. */
export const SPIKE_DETECTED = { source: 'switchboard', detailType: 'Spike Detected' } as const;

/** How many previous days' same-time windows make a seasonal baseline. */
export const BASELINE_DAYS = 7;
/** How many windows just before it make the baseline of a stack with less than a day of history. */
export const PRECEDING_WINDOWS = 4;

const DAY_MS = 86_400_000;

/** The partition a spike entry's cooldown and its events live in. */
export const spikePartition = (spikeId: string) => `switchboard:spike:${spikeId}`;

/** A spike entry's stored state: when it last raised. */
export interface SpikeState extends GovernanceState {
  lastRaisedAt?: string;
}

/** "Spike Detected" detail (docs/design.md, "Spikes and crisis"). */
export interface SpikeDetected {
  key: string;
  spike: string;
  window: string;
  observed: number;
  expected: number;
  score: number;
  at: string;
}

/** Where the per-minute counts of each spike entry are read (kept by the rollups). */
export interface SpikeCounts {
  /** Counts of the entry's key over the minutes in [from, to) (epoch ms, whole minutes). */
  window(spikeId: string, from: number, to: number): Promise<WindowCounts>;
  /** When counting began (the stack's first counted engagement), epoch ms; undefined before any. */
  since(): Promise<number | undefined>;
}

/** What detection runs with. */
export interface DetectSpikesDependencies {
  spikes: readonly SpikeEntry[];
  playbook?: CrisisPlaybook | undefined;
  counts: SpikeCounts;
  store: GovernanceStore;
  now(): Date;
  newId(): string;
  log?(level: 'info' | 'warn', message: string, data?: Record<string, unknown>): void;
}

/** What one run did. */
export interface DetectSpikesOutcome {
  raised: SpikeDetected[];
  crisis?: 'started' | 'ended';
}

/**
 * One detection run (every minute): each spike entry's window against its baseline; a spike
 * past its sensitivity (with at least `minCount` engagements, and not in its cooldown) raises
 * "Spike Detected", and with `startsCrisis` starts crisis mode in the same write. A running
 * crisis whose cause has been quiet for the playbook's `autoEnd` ends. Every write is
 * conditional, so two runs at once raise a spike once.
 */
export async function detectSpikes(deps: DetectSpikesDependencies): Promise<DetectSpikesOutcome> {
  const now = deps.now();
  const end = Math.floor(now.getTime() / 60_000) * 60_000 + 60_000; // the current minute included
  const since = await deps.counts.since();
  const outcome: DetectSpikesOutcome = { raised: [] };
  for (const entry of deps.spikes) {
    const detected = await evaluate(entry, end, since, now, deps);
    if (!detected) continue;
    if (await raise(entry, detected, deps, outcome)) outcome.raised.push(detected);
  }
  await maybeAutoEnd(deps, outcome);
  return outcome;
}

/** The entry's measure now, when it is a spike (past minCount and sensitivity). */
async function evaluate(
  entry: SpikeEntry,
  end: number,
  since: number | undefined,
  now: Date,
  deps: DetectSpikesDependencies,
): Promise<SpikeDetected | undefined> {
  const width = parseDurationMs(entry.window) ?? 15 * 60_000;
  const start = end - width;
  const current = await deps.counts.window(entry.id, start, end);
  if (current.n < entry.minCount) return undefined;
  // The same window on earlier days copes with the daily rhythm; a stack younger than a day
  // has none, and uses the windows just before instead (docs/design.md: "the windows it has").
  const covered = (from: number) => since !== undefined && from >= since;
  let kind: 'same-time-previous-days' | 'preceding-windows' = 'same-time-previous-days';
  let ranges = Array.from({ length: BASELINE_DAYS }, (_, d) => start - (d + 1) * DAY_MS).filter(covered);
  if (ranges.length === 0) {
    kind = 'preceding-windows';
    ranges = Array.from({ length: PRECEDING_WINDOWS }, (_, k) => start - (k + 1) * width).filter(covered);
  }
  const baseline = await Promise.all(ranges.map((from) => deps.counts.window(entry.id, from, from + width)));
  const measure = measureWindow(current, baseline, kind, entry.key === 'negativeShare');
  const score = spikeScore(measure.observed, measure.expected);
  if (score < entry.sensitivity) return undefined;
  return {
    key: entry.key,
    spike: entry.id,
    window: entry.window,
    observed: measure.observed,
    expected: measure.expected,
    score,
    at: now.toISOString(),
  };
}

/** Raises the spike unless it is in its cooldown; with `startsCrisis`, crisis mode too, in the same write. */
async function raise(
  entry: SpikeEntry,
  detected: SpikeDetected,
  deps: DetectSpikesDependencies,
  outcome: DetectSpikesOutcome,
): Promise<boolean> {
  const cooldown = parseDurationMs(entry.cooldown) ?? 3_600_000;
  for (let attempt = 0; attempt < 3; attempt++) {
    const state = (await deps.store.read<SpikeState>(spikePartition(entry.id))) ?? { revision: 0 };
    if (state.lastRaisedAt && Date.parse(detected.at) - Date.parse(state.lastRaisedAt) < cooldown) {
      // No second "Spike Detected" in the cooldown, but the storm goes on: the crisis it started
      // is not quiet, so its auto end counts from now.
      if (entry.startsCrisis) await keepAlive(entry, detected.at, deps);
      return false;
    }
    const writes: StateWrite[] = [
      {
        partition: spikePartition(entry.id),
        next: { ...state, lastRaisedAt: detected.at, revision: state.revision + 1 } as SpikeState,
        expectedRevision: state.revision,
      },
    ];
    const events: OutboxEvent[] = [
      {
        engagementId: spikePartition(entry.id),
        key: `${detected.at}#spike#${entry.id}`,
        at: detected.at,
        source: SPIKE_DETECTED.source,
        detailType: SPIKE_DETECTED.detailType,
        detail: { ...detected },
      },
    ];
    let started = false;
    if (entry.startsCrisis && deps.playbook) {
      const crisis = (await deps.store.read<CrisisState>(CRISIS_PARTITION)) ?? NO_CRISIS;
      const change: CrisisChange | undefined = startCrisis(
        crisis,
        { by: 'spike', spike: entry.id, key: entry.key, score: detected.score },
        detected.at,
        deps.newId(),
      );
      if (change) {
        writes.push({ partition: CRISIS_PARTITION, next: change.next, expectedRevision: crisis.revision });
        events.push(change.event);
        started = true;
      } else {
        // Its own crisis runs on: auto end counts from this spike.
        const again = spikeAgain(crisis, entry.id, detected.at);
        if (again) writes.push({ partition: CRISIS_PARTITION, next: again, expectedRevision: crisis.revision });
      }
    }
    if ((await deps.store.commit(writes, events)) === 'written') {
      if (started) outcome.crisis = 'started';
      deps.log?.('info', 'spike detected', { spike: entry.id, score: detected.score, crisisStarted: started });
      return true;
    }
  }
  deps.log?.('warn', 'spike not raised: its state kept changing', { spike: entry.id });
  return false;
}

/** Notes on the running crisis that its cause spiked again (no event: nothing changed but the clock). */
async function keepAlive(entry: SpikeEntry, at: string, deps: DetectSpikesDependencies): Promise<void> {
  const crisis = (await deps.store.read<CrisisState>(CRISIS_PARTITION)) ?? NO_CRISIS;
  const again = spikeAgain(crisis, entry.id, at);
  // A conflict means someone changed crisis mode meanwhile; the next run sees the spike again.
  if (again)
    await deps.store.commit([{ partition: CRISIS_PARTITION, next: again, expectedRevision: crisis.revision }], []);
}

/** Ends crisis mode by itself where the playbook says so and its cause has been quiet long enough. */
async function maybeAutoEnd(deps: DetectSpikesDependencies, outcome: DetectSpikesOutcome): Promise<void> {
  if (!deps.playbook?.autoEnd) return;
  const crisis = (await deps.store.read<CrisisState>(CRISIS_PARTITION)) ?? NO_CRISIS;
  if (!autoEndDue(crisis, deps.playbook, deps.now())) return;
  const change = endCrisis(crisis, 'auto', deps.now().toISOString());
  if (!change) return;
  const written = await deps.store.commit(
    [{ partition: CRISIS_PARTITION, next: change.next, expectedRevision: crisis.revision }],
    [change.event],
  );
  // A conflict: someone ended (or changed) it meanwhile; the next run looks again.
  if (written === 'written') outcome.crisis = 'ended';
}
