import { randomUUID } from 'node:crypto';
import type { SynthesizedStack } from '../template/cloud-assembly.js';
import { resourcesOfType } from '../template/cloud-assembly.js';
import type { IntrinsicResolver } from '../template/intrinsics.js';
import { referencedId } from '../template/local-resources.js';
import type { LocalFunction } from './function-runner.js';

/** A schedule of the template that invokes a function. */
export interface LocalSchedule {
  name: string;
  expression: string;
  functionLogicalId: string;
  /** The target's constant input, when the template sets one. */
  input?: unknown;
}

const RATE = /^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$/;
const UNIT_MS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** Period of a `rate(...)` expression in ms; undefined for cron and at() (run on demand only). */
export function ratePeriodMs(expression: string): number | undefined {
  const m = RATE.exec(expression.trim());
  if (!m) return undefined;
  return Number(m[1]) * (UNIT_MS[m[2]!.replace(/s$/, '')] ?? 0);
}

/** Schedules from EventBridge rules with a ScheduleExpression and from EventBridge Scheduler. */
export function localSchedules(stack: SynthesizedStack, resolver: IntrinsicResolver): LocalSchedule[] {
  const out: LocalSchedule[] = [];
  for (const [logicalId, r] of resourcesOfType(stack, 'AWS::Events::Rule')) {
    const p = r.Properties ?? {};
    if (typeof p.ScheduleExpression !== 'string') continue;
    for (const t of (p.Targets as { Arn: unknown; Input?: string }[] | undefined) ?? []) {
      const fn = referencedId(t.Arn);
      if (fn && stack.resources[fn]?.Type === 'AWS::Lambda::Function')
        out.push({
          name: resolver.physicalName(logicalId),
          expression: p.ScheduleExpression,
          functionLogicalId: fn,
          input: t.Input ? JSON.parse(t.Input) : undefined,
        });
    }
  }
  for (const [logicalId, r] of resourcesOfType(stack, 'AWS::Scheduler::Schedule')) {
    const p = r.Properties ?? {};
    const target = p.Target as { Arn: unknown; Input?: string } | undefined;
    const fn = referencedId(target?.Arn);
    if (fn && typeof p.ScheduleExpression === 'string')
      out.push({
        name: resolver.physicalName(logicalId),
        expression: p.ScheduleExpression,
        functionLogicalId: fn,
        input: target?.Input ? JSON.parse(target.Input) : undefined,
      });
  }
  return out;
}

/**
 * Runs `rate(...)` schedules on their period (cron and one-time schedules can be fired with
 * {@link ScheduleRunner.fire}). `SWITCHBOARD_SCHEDULE_SPEEDUP` divides every period, so a
 * test can see a 5-minute poller run in seconds.
 */
export class ScheduleRunner {
  private timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly schedules: LocalSchedule[],
    private readonly functions: Map<string, LocalFunction>,
    private readonly region: string,
    private readonly speedup = Number(process.env.SWITCHBOARD_SCHEDULE_SPEEDUP ?? 1) || 1,
  ) {}

  start(): void {
    for (const s of this.schedules) {
      const period = ratePeriodMs(s.expression);
      if (period === undefined) continue;
      const timer = setInterval(
        () => void this.fire(s.name).catch((err: Error) => console.error(`[schedule ${s.name}] ${err.message}`)),
        Math.max(50, period / this.speedup),
      );
      timer.unref();
      this.timers.push(timer);
    }
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
  }

  /** Invokes a schedule's function now, with the event a scheduled invocation carries. */
  async fire(name: string): Promise<unknown> {
    const s = this.schedules.find((x) => x.name === name);
    if (!s) throw new Error(`No schedule ${name}`);
    const fn = this.functions.get(s.functionLogicalId);
    if (!fn) throw new Error(`Schedule ${name} targets unknown function ${s.functionLogicalId}`);
    const event = s.input ?? {
      version: '0',
      id: randomUUID(),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: '123456789012',
      time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: this.region,
      resources: [],
      detail: {},
    };
    return fn.invoke(event);
  }
}
