import type { Department } from '../config/config.schema.js';
import type { LifecycleStore } from './ports/lifecycle-store.js';
import type { SlaTimers } from './ports/sla-timers.js';

/** What applying lifecycle changes needs from the outside world. */
export interface LifecycleDependencies {
  store: LifecycleStore;
  now(): Date;
  /** The config's departments: reroute targets, SLAs and escalation. */
  departments: readonly Department[];
  /** The crisis playbook's `slaFactor`: deadlines of engagements routed during a crisis are shortened by it. @default 1 */
  crisisSlaFactor?: number;
  /** Timers of deadlines a change meets are cancelled (best effort: one that fires anyway finds it met). */
  timers?: SlaTimers;
  /** Told about anything that is not the happy path; never given personal data. */
  log?(level: 'info' | 'warn' | 'error', message: string, data?: Record<string, unknown>): void;
}

/** Conditional writes lost to concurrent changes before giving up (each loser reads again). */
export const MAX_CONFLICTS = 5;
