import { CRISIS_PARTITION, type CrisisState, crisisStatus, endCrisis, NO_CRISIS, startCrisis } from './crisis.js';
import type { CrisisStatus } from './console-api-types.js';
import type { GovernanceStore } from './ports/governance-store.js';

/** What `crisis start` / `crisis end` did. */
export type CrisisCommandOutcome =
  | { done: true; status: CrisisStatus }
  /** Nothing changed: crisis mode was already on (start) or off (end). */
  | { done: false; status: CrisisStatus };

/** Attempts against concurrent changes (a spike starting one at the same moment) before giving up. */
const ATTEMPTS = 5;

/** `crisis start --reason …`: crisis mode on, by hand, with "Crisis Started" in the audit trail. */
export async function startCrisisByHand(
  store: GovernanceStore,
  cause: { reason: string; actor?: string | undefined },
  at: string,
  crisisId: string,
): Promise<CrisisCommandOutcome> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const state = (await store.read<CrisisState>(CRISIS_PARTITION)) ?? NO_CRISIS;
    const change = startCrisis(
      state,
      { by: 'manual', reason: cause.reason, ...(cause.actor ? { actor: cause.actor } : {}) },
      at,
      crisisId,
    );
    if (!change) return { done: false, status: crisisStatus(state) };
    if (
      (await store.commit(
        [{ partition: CRISIS_PARTITION, next: change.next, expectedRevision: state.revision }],
        [change.event],
      )) === 'written'
    )
      return { done: true, status: crisisStatus(change.next) };
  }
  throw new Error('crisis mode kept changing meanwhile; try again');
}

/** `crisis end [--reason …]`: crisis mode off, by hand, with "Crisis Ended" `{ by: manual }`. */
export async function endCrisisByHand(
  store: GovernanceStore,
  reason: string | undefined,
  at: string,
): Promise<CrisisCommandOutcome> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const state = (await store.read<CrisisState>(CRISIS_PARTITION)) ?? NO_CRISIS;
    const change = endCrisis(state, 'manual', at, reason);
    if (!change) return { done: false, status: crisisStatus(state) };
    if (
      (await store.commit(
        [{ partition: CRISIS_PARTITION, next: change.next, expectedRevision: state.revision }],
        [change.event],
      )) === 'written'
    )
      return { done: true, status: crisisStatus(change.next) };
  }
  throw new Error('crisis mode kept changing meanwhile; try again');
}

/** `crisis status`: as stored. */
export async function readCrisisStatus(store: GovernanceStore): Promise<CrisisStatus> {
  return crisisStatus((await store.read<CrisisState>(CRISIS_PARTITION)) ?? NO_CRISIS);
}
