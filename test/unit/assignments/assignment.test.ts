import fc from 'fast-check';
import {
  ALLOWED_REPORTS,
  applyReport,
  type Assignment,
  DEPARTMENT_STATUSES,
  InvalidReportError,
  newAssignment,
  setBySwitchboard,
  type StatusReport,
} from '#core/assignments/assignment.js';

const ROUTED_AT = '2026-12-01T10:00:00.000Z';
const minutes = (n: number) => new Date(Date.parse(ROUTED_AT) + n * 60_000).toISOString();
const report = (
  status: StatusReport['status'],
  reportId: string,
  at?: string,
  extra: Partial<StatusReport> = {},
): StatusReport => ({
  engagementId: 'x:1',
  department: 'care',
  status,
  reportId,
  ...(at ? { at } : {}),
  ...extra,
});
/** Applies reports in order, as the store would keep each outcome's `next`. */
function run(reports: StatusReport[], start: Assignment = newAssignment('x:1', 'care', ROUTED_AT)) {
  let assignment = start;
  const answers = reports.map((r) => {
    const outcome = applyReport(assignment, r, minutes(1_000));
    if (outcome.next) assignment = outcome.next;
    return outcome;
  });
  return { assignment, answers };
}

describe('assignment state machine', () => {
  it('walks new → acknowledged → responded → resolved, one version per change', () => {
    const { assignment, answers } = run([
      report('acknowledged', 'r1', minutes(1)),
      report('responded', 'r2', minutes(2)),
      report('resolved', 'r3', minutes(3)),
    ]);
    expect(answers.map((a) => a.answer)).toEqual([
      { status: 200, state: 'acknowledged', version: 2 },
      { status: 200, state: 'responded', version: 3 },
      { status: 200, state: 'resolved', version: 4 },
    ]);
    expect(assignment.events.map((e) => `${e.from}→${e.to}`)).toEqual([
      'new→acknowledged',
      'acknowledged→responded',
      'responded→resolved',
    ]);
  });

  it('refuses a transition the contract does not allow with 409, the states allowed, and changes nothing', () => {
    const { assignment, answers } = run([report('resolved', 'r1', minutes(1)), report('responded', 'r2', minutes(2))]);
    expect(answers[1]!.answer).toEqual({
      status: 409,
      error: 'transition_not_allowed',
      from: 'resolved',
      to: 'responded',
      allowed: [],
    });
    expect(assignment.state).toBe('resolved');
    expect(assignment.version).toBe(2);
  });

  it('answers a repeated reportId exactly as the first time, even after later changes, and stores nothing', () => {
    const first = run([report('acknowledged', 'r1', minutes(1))]);
    const later = run([report('resolved', 'r2', minutes(2))], first.assignment);
    const again = applyReport(later.assignment, report('acknowledged', 'r1', minutes(1)), minutes(9));
    expect(again.answer).toEqual(first.answers[0]!.answer);
    expect(again.next).toBeUndefined();
  });

  it('records a late acknowledged after resolved and changes nothing (200 with the current state)', () => {
    const { assignment, answers } = run([
      report('resolved', 'r1', minutes(5)),
      report('acknowledged', 'r0', minutes(2)),
    ]);
    expect(answers[1]!.answer).toEqual({ status: 200, state: 'resolved', version: 2 });
    expect(answers[1]!.change).toBeUndefined();
    expect(assignment.events.at(-1)).toMatchObject({ to: 'acknowledged', late: true, reportId: 'r0' });
  });

  it('does not take a report from a department whose clock is a little behind routing as late', () => {
    const { answers } = run([report('acknowledged', 'r1', minutes(-1))]);
    expect(answers[0]!.answer).toEqual({ status: 200, state: 'acknowledged', version: 2 });
  });

  it('refuses reports it cannot read', () => {
    const start = newAssignment('x:1', 'care', ROUTED_AT);
    expect(() => applyReport(start, report('rerouted', 'r1'), minutes(1))).toThrow(InvalidReportError);
    expect(() => applyReport(start, report('rerouted', 'r1', undefined, { to: 'care' }), minutes(1))).toThrow(
      InvalidReportError,
    );
    expect(() => applyReport(start, report('acknowledged', 'r1', 'yesterday'), minutes(1))).toThrow(/ISO 8601/);
    expect(() => applyReport(start, { ...report('acknowledged', 'r1'), department: 'sales' }, minutes(1))).toThrow(
      InvalidReportError,
    );
  });

  it('escalates once, never a final state, and reopens only a resolved or dismissed one', () => {
    const start = newAssignment('x:1', 'care', ROUTED_AT);
    const escalated = setBySwitchboard(start, 'escalated', minutes(60), 'sla:firstResponse')!;
    expect(escalated.answer).toEqual({ status: 200, state: 'escalated', version: 2 });
    expect(setBySwitchboard(escalated.next!, 'escalated', minutes(61), 'sla:firstResponse')).toBeUndefined();
    expect(setBySwitchboard(escalated.next!, 'reopened', minutes(61), 'follow-up:x:2')).toBeUndefined();
    const resolved = run([report('resolved', 'r1', minutes(70))], escalated.next!).assignment;
    expect(setBySwitchboard(resolved, 'escalated', minutes(80), 'sla:resolution')).toBeUndefined();
    expect(setBySwitchboard(resolved, 'reopened', minutes(80), 'follow-up:x:2')!.next!.state).toBe('reopened');
  });

  // Property: over any sequence of reports (repeats, late ones, forbidden ones, in any order)…
  const reports = fc.array(
    fc.record({
      status: fc.constantFrom(...DEPARTMENT_STATUSES),
      reportId: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'),
      minute: fc.integer({ min: 0, max: 30 }),
    }),
    { maxLength: 25 },
  );
  const toReports = (rs: { status: StatusReport['status']; reportId: string; minute: number }[]) =>
    rs.map((r) => report(r.status, r.reportId, minutes(r.minute), r.status === 'rerouted' ? { to: 'sales' } : {}));

  it('keeps version equal to 1 + the changes applied, and every change an allowed one', () => {
    fc.assert(
      fc.property(reports, (rs) => {
        const { assignment } = run(toReports(rs));
        const applied = assignment.events.filter((e) => !e.late);
        expect(assignment.version).toBe(1 + applied.length);
        for (const e of applied) expect(ALLOWED_REPORTS[e.from]).toContain(e.to);
        expect(assignment.state).toBe(applied.at(-1)?.to ?? 'new');
      }),
    );
  });

  it('answers every repeated reportId as it answered it first, and never changes a final state', () => {
    fc.assert(
      fc.property(reports, (rs) => {
        const { answers } = run(toReports(rs));
        const first = new Map<string, unknown>();
        let finalState: string | undefined;
        for (const [i, r] of rs.entries()) {
          const answer = answers[i]!.answer;
          if (first.has(r.reportId)) {
            expect(answer).toEqual(first.get(r.reportId));
            continue;
          }
          first.set(r.reportId, answer);
          // Once final, a new report is refused or answered with the final state.
          if (finalState)
            expect(answer.status === 409 || ('state' in answer && answer.state === finalState)).toBe(true);
          if ('state' in answer && ['resolved', 'dismissed', 'rerouted'].includes(answer.state))
            finalState = answer.state;
        }
      }),
    );
  });
});
