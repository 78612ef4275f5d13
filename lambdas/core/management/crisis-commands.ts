import {
  CRISIS_PARTITION,
  type CrisisChange,
  type CrisisState,
  crisisStatus,
  endCrisis,
  NO_CRISIS,
  startCrisis,
} from './crisis.js';
import type { CrisisStatus } from './console-api-types.js';
import type { GovernanceStore } from './ports/governance-store.js';

/** What `crisis start` / `crisis end` did. */
export type CrisisCommandOutcome =
  | { done: true; status: CrisisStatus }
  /** Nothing changed: crisis mode was already on (start) or off (end). */
  | { done: false; status: CrisisStatus };

/** Attempts against concurrent changes (a spike starting one at the same moment) before giving up. */
const ATTEMPTS = 5;

/**
 * Applies a change computed from crisis mode as stored, again on a conflict (a spike starting one
 * at the same moment); `done: false` when there is nothing to change.
 */
async function change(
  store: GovernanceStore,
  compute: (state: CrisisState) => CrisisChange | undefined,
): Promise<CrisisCommandOutcome> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const state = (await store.read<CrisisState>(CRISIS_PARTITION)) ?? NO_CRISIS;
    const next = compute(state);
    if (!next) return { done: false, status: crisisStatus(state) };
    const written = await store.commit(
      [{ partition: CRISIS_PARTITION, next: next.next, expectedRevision: state.revision }],
      [next.event],
    );
    if (written === 'written') return { done: true, status: crisisStatus(next.next) };
  }
  throw new Error('crisis mode kept changing meanwhile; try again');
}

/** `crisis start --reason …`: crisis mode on, by hand, with "Crisis Started" in the audit trail. */
export function startCrisisByHand(
  store: GovernanceStore,
  cause: { reason: string; actor?: string | undefined },
  at: string,
  crisisId: string,
): Promise<CrisisCommandOutcome> {
  return change(store, (state) =>
    startCrisis(
      state,
      { by: 'manual', reason: cause.reason, ...(cause.actor ? { actor: cause.actor } : {}) },
      at,
      crisisId,
    ),
  );
}

/** `crisis end [--reason …]`: crisis mode off, by hand, with "Crisis Ended" `{ by: manual }`. */
export function endCrisisByHand(
  store: GovernanceStore,
  reason: string | undefined,
  at: string,
): Promise<CrisisCommandOutcome> {
  return change(store, (state) => endCrisis(state, 'manual', at, reason));
}

/** `crisis status`: as stored. */
export async function readCrisisStatus(store: GovernanceStore): Promise<CrisisStatus> {
  return crisisStatus((await store.read<CrisisState>(CRISIS_PARTITION)) ?? NO_CRISIS);
}
