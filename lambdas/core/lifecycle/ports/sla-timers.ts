import type { SlaKind } from '../../routing/sla.js';

/** One SLA deadline of one assignment: when it passes, {@link SlaTimers} hands it back. */
export interface SlaTimer {
  engagementId: string;
  department: string;
  sla: SlaKind;
  dueAt: string;
}

/**
 * One-time timers for SLA deadlines (EventBridge Scheduler on AWS and in the local twin). A timer
 * that fires comes back to the tracker as an "SLA due" message. Starting a timer twice starts it
 * once; cancelling one that already fired or never existed is not an error.
 */
export interface SlaTimers {
  start(timers: SlaTimer[]): Promise<void>;
  cancel(timers: Omit<SlaTimer, 'dueAt'>[]): Promise<void>;
}
