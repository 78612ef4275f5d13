import { createHash } from 'node:crypto';
import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  type SchedulerClient,
} from '@aws-sdk/client-scheduler';
import pLimit from 'p-limit';
import type { SlaTimer, SlaTimers } from '../core/lifecycle/ports/sla-timers.js';
import { slaDueMessage } from '../core/lifecycle/track-lifecycle.js';
import { type ApprovalTimer, type ApprovalTimers, approvalDueMessage } from '../core/replies/approval-due.js';

/** Where fired SLA timers go, and as whom EventBridge Scheduler sends them. */
export interface SchedulerSlaTimersOptions {
  /** The schedule group every SLA timer lives in (`<stack>-sla`). */
  groupName: string;
  /** The tracker's queue, which gets `{"slaDue": …}` when a timer fires. */
  targetArn: string;
  /** The role Scheduler sends to the queue with. */
  roleArn: string;
  /** Where Scheduler puts a firing it could not deliver after its retries. */
  deadLetterArn?: string;
}

/**
 * The name of an assignment's timer of one kind: the same whenever it is computed (so starting
 * a timer twice, as a redelivered event does, meets ConflictException rather than making a second
 * one), within Scheduler's 64 characters of `[0-9a-zA-Z-_.]` whatever the engagement id holds.
 */
export function slaScheduleName(timer: Pick<SlaTimer, 'engagementId' | 'department' | 'sla'>): string {
  const digest = createHash('sha256')
    .update(`${timer.engagementId}\n${timer.department}\n${timer.sla}`)
    .digest('hex')
    .slice(0, 48);
  return `${timer.sla === 'firstResponse' ? 'fr' : 'res'}-${digest}`;
}

/** `at()` takes whole seconds: rounding up never fires a timer before its deadline. */
export function atExpression(dueAt: string): string {
  const seconds = Math.ceil(Date.parse(dueAt) / 1000) * 1000;
  return `at(${new Date(seconds).toISOString().slice(0, 19)})`;
}

/**
 * One one-time schedule firing `input` into the tracker's queue at `dueAt` (rounded up to the
 * second), deleted by Scheduler once it fired. Creating it again (a redelivered event) is not an
 * error: it is the same timer, by its name.
 */
async function startTimer(
  client: SchedulerClient,
  options: SchedulerSlaTimersOptions,
  timer: { name: string; dueAt: string; description: string; input: string },
): Promise<void> {
  try {
    await client.send(
      new CreateScheduleCommand({
        Name: timer.name,
        GroupName: options.groupName,
        ScheduleExpression: atExpression(timer.dueAt),
        ScheduleExpressionTimezone: 'UTC',
        FlexibleTimeWindow: { Mode: 'OFF' },
        ActionAfterCompletion: 'DELETE',
        Description: timer.description,
        Target: {
          Arn: options.targetArn,
          RoleArn: options.roleArn,
          Input: timer.input,
          // A firing that cannot be delivered is retried for a day, then kept.
          RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 },
          ...(options.deadLetterArn ? { DeadLetterConfig: { Arn: options.deadLetterArn } } : {}),
        },
      }),
    );
  } catch (err) {
    if (!(err instanceof ConflictException)) throw err;
  }
}

/**
 * {@link SlaTimers} as EventBridge Scheduler one-time schedules: one per deadline, firing at its
 * time into the tracker's queue, deleted by Scheduler once it fired (`ActionAfterCompletion:
 * DELETE`) and by the tracker when the deadline is met. Calls run eight at a time.
 */
export class SchedulerSlaTimers implements SlaTimers {
  private readonly limit = pLimit(8);

  constructor(
    private readonly client: SchedulerClient,
    private readonly options: SchedulerSlaTimersOptions,
  ) {}

  async start(timers: SlaTimer[]): Promise<void> {
    await Promise.all(
      timers.map((timer) =>
        this.limit(() =>
          startTimer(this.client, this.options, {
            name: slaScheduleName(timer),
            dueAt: timer.dueAt,
            description: `SLA ${timer.sla} of an assignment to ${timer.department}`,
            input: slaDueMessage(timer),
          }),
        ),
      ),
    );
  }

  async cancel(timers: Omit<SlaTimer, 'dueAt'>[]): Promise<void> {
    await Promise.all(
      timers.map((timer) =>
        this.limit(async () => {
          try {
            await this.client.send(
              new DeleteScheduleCommand({ Name: slaScheduleName(timer), GroupName: this.options.groupName }),
            );
          } catch (err) {
            // Fired and deleted already, or the department had no such deadline.
            if (!(err instanceof ResourceNotFoundException)) throw err;
          }
        }),
      ),
    );
  }
}

/** The name of an approval's timer: the same whenever it is computed, so starting it twice starts it once. */
export function approvalScheduleName(timer: Pick<ApprovalTimer, 'replyId' | 'entry' | 'approvers'>): string {
  return `apr-${createHash('sha256').update(`${timer.replyId}\n${timer.entry}\n${timer.approvers}`).digest('hex').slice(0, 40)}`;
}

/**
 * {@link ApprovalTimers} as one-time schedules in the SLA timers' group, firing into the
 * tracker's queue as SLA timers do (the same target, role and dead-letter queue).
 */
export class SchedulerApprovalTimers implements ApprovalTimers {
  private readonly limit = pLimit(8);

  constructor(
    private readonly client: SchedulerClient,
    private readonly options: SchedulerSlaTimersOptions,
  ) {}

  async start(timers: ApprovalTimer[]): Promise<void> {
    await Promise.all(
      timers.map((timer) =>
        this.limit(() =>
          startTimer(this.client, this.options, {
            name: approvalScheduleName(timer),
            dueAt: timer.dueAt,
            description: `Approval of a reply by ${timer.approvers}`,
            input: approvalDueMessage(timer),
          }),
        ),
      ),
    );
  }
}
