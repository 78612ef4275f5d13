import { parseDurationMs } from '../config/duration.js';
import type { CrisisPlaybook } from '../config/crisis.schema.js';
import type { OutboxEvent } from '../lifecycle/ports/lifecycle-store.js';
import type { CrisisStatus } from './console-api-types.js';

/**
 * Crisis mode (docs/design.md, "Spikes and crisis"; docs/management.md): on or off, started by a
 * spike entry with `startsCrisis` or by hand, ended by hand or, where the playbook sets
 * `autoEnd`, by itself when its cause has been quiet that long. Pure: the store applies a change
 * only to the revision it was computed from, with its event, in one write.
 */

/** The partition crisis mode's state and events live in (its audit chain), as if an engagement's. */
export const CRISIS_PARTITION = 'switchboard:crisis';

/** Event names and source. */
export const CRISIS_EVENTS = {
  source: 'switchboard',
  started: 'Crisis Started',
  ended: 'Crisis Ended',
} as const;

/** Why a crisis started. */
export type CrisisCause =
  | { by: 'spike'; spike: string; key: string; score: number }
  | { by: 'manual'; reason: string; actor?: string };

/** Crisis mode as stored. */
export interface CrisisState {
  active: boolean;
  crisisId?: string;
  startedAt?: string;
  cause?: CrisisCause;
  /** The latest "Spike Detected" of its cause while on (auto end counts from it). */
  lastSpikeAt?: string;
  /** The crisis before, once one ended. */
  last?: {
    crisisId: string;
    startedAt: string;
    endedAt: string;
    cause: CrisisCause;
    endedBy: 'manual' | 'auto';
    reason?: string;
  };
  /** Bumped on every stored change; 0 for never stored. */
  revision: number;
}

/** The state before any crisis. */
export const NO_CRISIS: CrisisState = { active: false, revision: 0 };

/** A change to store: the next state and its event. */
export interface CrisisChange {
  next: CrisisState;
  event: OutboxEvent;
}

/** Starts crisis mode; undefined when it is on already. */
export function startCrisis(
  state: CrisisState,
  cause: CrisisCause,
  at: string,
  crisisId: string,
): CrisisChange | undefined {
  if (state.active) return undefined;
  const next: CrisisState = {
    active: true,
    crisisId,
    startedAt: at,
    cause,
    ...(cause.by === 'spike' ? { lastSpikeAt: at } : {}),
    ...(state.last ? { last: state.last } : {}),
    revision: state.revision + 1,
  };
  return {
    next,
    event: crisisEvent(CRISIS_EVENTS.started, `${at}#crisis#${crisisId}#started`, at, { crisisId, cause, at }),
  };
}

/** Ends crisis mode; undefined when it is off. */
export function endCrisis(
  state: CrisisState,
  by: 'manual' | 'auto',
  at: string,
  reason?: string,
): CrisisChange | undefined {
  if (!state.active || !state.crisisId || !state.startedAt || !state.cause) return undefined;
  const next: CrisisState = {
    active: false,
    last: {
      crisisId: state.crisisId,
      startedAt: state.startedAt,
      endedAt: at,
      cause: state.cause,
      endedBy: by,
      ...(reason ? { reason } : {}),
    },
    revision: state.revision + 1,
  };
  return {
    next,
    event: crisisEvent(CRISIS_EVENTS.ended, `${at}#crisis#${state.crisisId}#ended`, at, {
      crisisId: state.crisisId,
      by,
      at,
      ...(reason ? { reason } : {}),
    }),
  };
}

/** A spike of the running crisis's cause came again: auto end counts from now. Undefined when it is not its cause. */
export function spikeAgain(state: CrisisState, spike: string, at: string): CrisisState | undefined {
  if (!state.active || state.cause?.by !== 'spike' || state.cause.spike !== spike) return undefined;
  return { ...state, lastSpikeAt: at, revision: state.revision + 1 };
}

/**
 * Whether crisis mode ends by itself now: only where the playbook sets `autoEnd`, only for a
 * crisis a spike started (one started by hand is ended by hand), once its cause has been quiet
 * for `autoEnd`.
 */
export function autoEndDue(state: CrisisState, playbook: CrisisPlaybook | undefined, now: Date): boolean {
  if (!state.active || state.cause?.by !== 'spike' || !playbook?.autoEnd) return false;
  const quietMs = parseDurationMs(playbook.autoEnd);
  const since = Date.parse(state.lastSpikeAt ?? state.startedAt ?? '');
  return quietMs !== undefined && Number.isFinite(since) && now.getTime() - since >= quietMs;
}

/** The status `crisis status --json` prints and the console shows. */
export function crisisStatus(state: CrisisState): CrisisStatus {
  if (state.active && state.crisisId && state.startedAt && state.cause)
    return { active: true, crisisId: state.crisisId, startedAt: state.startedAt, cause: state.cause };
  return { active: false, ...(state.last ? { last: state.last } : {}) };
}

function crisisEvent(detailType: string, key: string, at: string, detail: Record<string, unknown>): OutboxEvent {
  return { engagementId: CRISIS_PARTITION, key, at, source: CRISIS_EVENTS.source, detailType, detail };
}
