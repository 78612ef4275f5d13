import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { jest } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import type { Assignment } from '#core/assignments/assignment.js';
import type { Department } from '#core/config/config.schema.js';
import type { Engagement } from '#core/engagement/engagement.schema.js';
import { engagementHistory, formatHistory } from '#core/lifecycle/history.js';
import { historyCommand, HistoryUsageError } from '../../../bin/commands/history.js';

const departments: Department[] = [
  {
    id: 'care',
    name: 'Care',
    sla: { firstResponse: 'PT1H', resolution: 'P1D' },
    escalation: { to: 'comms', priority: 'urgent' },
  },
  { id: 'comms', name: 'Comms', sla: { firstResponse: 'PT15M' } },
  { id: 'sales', name: 'Sales', sla: { firstResponse: 'PT2H' } },
  { id: 'legal', name: 'Legal' },
];
const engagement: Engagement = {
  id: 'x:1',
  platform: 'x',
  kind: 'mention',
  externalId: '1',
  text: 'still waiting for my refund',
  language: 'en',
  createdAt: '2026-12-01T09:59:00.000Z',
  receivedAt: '2026-12-01T10:00:00.000Z',
  author: { id: 'a', handle: 'sam', name: 'Sam' },
  intents: ['complaint'],
  keywords: ['refund'],
  routing: {
    departments: ['care', 'sales'],
    rules: ['refunds', 'buyers'],
    priority: 'normal',
    slaDueAt: '2026-12-01T11:00:00.000Z',
    configVersion: 'v1',
  },
};
const reasons = [
  { rule: 'refunds', matched: [{ field: 'keywords', operator: 'exact', value: 'refund' }] },
  { rule: 'buyers', matched: [{ field: 'intents', operator: 'exact', value: 'purchase_intent' }] },
];
/** The engagement item as the process function stores it. */
const engagementItem = {
  pk: 'ENG#x:1',
  sk: 'ENGAGEMENT',
  type: 'engagement',
  engagement,
  decision: { at: '2026-12-01T10:00:01.000Z', deliveryId: 'm-1', reasons },
};
const assignmentItem = (a: Partial<Assignment> & Pick<Assignment, 'department'>) => {
  const assignment: Assignment = {
    engagementId: 'x:1',
    state: 'new',
    version: 1,
    revision: 1,
    routedAt: '2026-12-01T10:00:01.000Z',
    changedAt: '2026-12-01T10:00:01.000Z',
    events: [],
    answers: {},
    ...a,
  };
  return { pk: 'ENG#x:1', sk: `ASSIGN#${a.department}`, type: 'assignment', revision: assignment.revision, assignment };
};
const eventItem = (key: string, at: string, detailType: string, detail: Record<string, unknown>) => ({
  pk: 'ENG#x:1',
  sk: `EVENT#${key}`,
  type: 'event',
  at,
  event: { source: 'switchboard', detailType, detail },
});

/** Care hands over to legal with a note; sales to comms. */
const rerouted = () => [
  engagementItem,
  assignmentItem({
    department: 'care',
    state: 'rerouted',
    version: 2,
    events: [
      {
        at: '2026-12-01T10:20:00.000Z',
        from: 'new',
        to: 'rerouted',
        by: 'department',
        reportId: 'r1',
        actor: { id: 'agent-7' },
        note: 'a legal threat',
      },
    ],
  }),
  assignmentItem({ department: 'legal', routedAt: '2026-12-01T10:20:00.000Z', reroutedFrom: 'care' }),
  assignmentItem({ department: 'comms', routedAt: '2026-12-01T10:40:00.000Z', reroutedFrom: 'sales' }),
  eventItem('2026-12-01T10:20:00.000Z#legal#routed', '2026-12-01T10:20:00.000Z', 'Engagement Routed', {
    ...engagement,
    routing: { ...engagement.routing, departments: ['legal'], reroutedFrom: 'care' },
  }),
];

describe('engagementHistory', () => {
  it('is undefined without the engagement item', () => {
    expect(engagementHistory([], departments)).toBeUndefined();
    expect(engagementHistory([assignmentItem({ department: 'care' })], departments)).toBeUndefined();
  });

  it('reads the routed departments without an assignment item as new, and prints the contract’s shape', () => {
    const history = engagementHistory([engagementItem], departments)!;
    // Exactly the contract: { engagement, caseId?, decision, assignments, replies }.
    expect(JSON.parse(JSON.stringify(history.report))).toEqual({
      engagement,
      decision: { rules: ['refunds', 'buyers'], reasons, configVersion: 'v1', at: '2026-12-01T10:00:01.000Z' },
      assignments: [
        { department: 'care', state: 'new', version: 1, slaDueAt: '2026-12-01T11:00:00.000Z', events: [] },
        { department: 'sales', state: 'new', version: 1, slaDueAt: '2026-12-01T12:00:00.000Z', events: [] },
      ],
      replies: [],
    });
    expect(history.deadlines.care).toEqual({
      firstResponse: '2026-12-01T11:00:00.000Z',
      resolution: '2026-12-02T10:00:00.000Z',
    });
  });

  it('gives each change with who made it, late reports included, keeping to the contract’s keys', () => {
    const care = assignmentItem({
      department: 'care',
      state: 'resolved',
      version: 3,
      revision: 4,
      events: [
        {
          at: '2026-12-01T10:05:00.000Z',
          from: 'new',
          to: 'acknowledged',
          by: 'department',
          reportId: 'r1',
          actor: { id: 'agent-7', name: 'Kim' },
        },
        {
          at: '2026-12-01T10:30:00.000Z',
          from: 'acknowledged',
          to: 'resolved',
          by: 'department',
          reportId: 'r2',
          note: 'refunded',
        },
        {
          at: '2026-12-01T10:10:00.000Z',
          from: 'resolved',
          to: 'responded',
          by: 'department',
          reportId: 'r0',
          late: true,
        },
      ],
      answers: { r1: { status: 200, state: 'acknowledged', version: 2 } },
    });
    const { report } = engagementHistory([care, engagementItem], departments)!;
    expect(report.assignments[0]).toEqual({
      department: 'care',
      state: 'resolved',
      version: 3,
      slaDueAt: '2026-12-01T11:00:00.000Z',
      events: [
        {
          at: '2026-12-01T10:05:00.000Z',
          from: 'new',
          to: 'acknowledged',
          reportId: 'r1',
          actor: { id: 'agent-7', name: 'Kim' },
          by: 'department',
        },
        {
          at: '2026-12-01T10:30:00.000Z',
          from: 'acknowledged',
          to: 'resolved',
          reportId: 'r2',
          note: 'refunded',
          by: 'department',
        },
        {
          at: '2026-12-01T10:10:00.000Z',
          from: 'resolved',
          to: 'responded',
          reportId: 'r0',
          by: 'department',
          late: true,
        },
      ],
    });
    const allowed = new Set(['at', 'from', 'to', 'reportId', 'actor', 'note', 'by', 'late']);
    for (const a of report.assignments)
      for (const e of a.events) for (const key of Object.keys(e)) expect(allowed).toContain(key);
    // The unstored one is still there, after the stored one in routing order.
    expect(report.assignments.map((a) => [a.department, a.state])).toEqual([
      ['care', 'resolved'],
      ['sales', 'new'],
    ]);
  });

  it('puts handed-over assignments after the first routing’s, by when they came, with deadlines from the handover', () => {
    const { report, timeline } = engagementHistory(rerouted(), departments)!;
    expect(report.assignments.map((a) => [a.department, a.slaDueAt])).toEqual([
      ['care', '2026-12-01T11:00:00.000Z'],
      ['sales', '2026-12-01T12:00:00.000Z'],
      ['legal', undefined], // no SLA
      ['comms', '2026-12-01T10:55:00.000Z'], // 15 minutes from the handover, not from receipt
    ]);
    expect(timeline.find((e) => e.kind === 'handover' && e.to === 'legal')).toEqual({
      kind: 'handover',
      at: '2026-12-01T10:20:00.000Z',
      how: 'rerouted',
      from: 'care',
      to: 'legal',
      priority: 'normal',
      note: 'a legal threat',
      due: {},
    });
  });

  it('records SLA breaches and escalations, from the events and from the assignment', () => {
    const history = engagementHistory(
      [
        engagementItem,
        assignmentItem({
          department: 'care',
          state: 'escalated',
          version: 2,
          events: [
            {
              at: '2026-12-01T11:00:02.000Z',
              from: 'new',
              to: 'escalated',
              by: 'switchboard',
              reason: 'sla:firstResponse',
            },
          ],
          breaches: { firstResponse: '2026-12-01T11:00:02.000Z' },
        }),
        // A breach whose event is gone (an exported table) still shows.
        assignmentItem({ department: 'sales', breaches: { firstResponse: '2026-12-01T12:00:03.000Z' } }),
        assignmentItem({ department: 'comms', routedAt: '2026-12-01T11:00:02.000Z', escalatedFrom: 'care' }),
        eventItem('2026-12-01T11:00:02.000Z#care#breach-firstResponse', '2026-12-01T11:00:02.000Z', 'SLA Breached', {
          engagementId: 'x:1',
          department: 'care',
          sla: 'firstResponse',
          dueAt: '2026-12-01T11:00:00.000Z',
          breachedAt: '2026-12-01T11:00:02.000Z',
          escalatedTo: 'comms',
        }),
        eventItem('2026-12-01T11:00:02.000Z#comms#routed', '2026-12-01T11:00:02.000Z', 'Engagement Routed', {
          ...engagement,
          routing: { ...engagement.routing, departments: ['comms'], priority: 'urgent', escalatedFrom: 'care' },
        }),
      ],
      departments,
    )!;
    expect(history.breaches).toEqual({
      care: { firstResponse: '2026-12-01T11:00:02.000Z' },
      sales: { firstResponse: '2026-12-01T12:00:03.000Z' },
    });
    // At one instant: the breach, the change it makes, the escalation it causes.
    expect(history.timeline.map((e) => `${e.at} ${e.kind}`)).toEqual([
      '2026-12-01T10:00:01.000Z routed',
      '2026-12-01T11:00:02.000Z breach',
      '2026-12-01T11:00:02.000Z status',
      '2026-12-01T11:00:02.000Z handover',
      '2026-12-01T12:00:03.000Z breach',
    ]);
    const text = formatHistory(history);
    expect(text).toContain(
      '2026-12-01T11:00:02.000Z  SLA firstResponse breached at care (due 2026-12-01T11:00:00.000Z), escalated to comms',
    );
    expect(text).toContain('2026-12-01T11:00:02.000Z  care: new → escalated by switchboard (sla:firstResponse)');
    expect(text).toContain(
      '2026-12-01T11:00:02.000Z  escalated care → comms, priority urgent, first response due 2026-12-01T11:15:02.000Z',
    );
    expect(text).toContain(
      '2026-12-01T12:00:03.000Z  SLA firstResponse breached at sales (due 2026-12-01T12:00:00.000Z)',
    );
    expect(text).toContain(
      '  care: escalated (version 2); first response due 2026-12-01T11:00:00.000Z: breached 2026-12-01T11:00:02.000Z',
    );
  });
});

describe('formatHistory', () => {
  it('tells the story line by line: routing and why, each change with who and when, reroutes, deadlines', () => {
    const items = [
      ...rerouted(),
      { pk: 'ENG#x:1', sk: 'AUDIT#2026-12-01T10:50:00.000Z#EDITED', at: '2026-12-01T10:50:00.000Z', deliveryId: 'm-2' },
    ];
    const text = formatHistory(engagementHistory(items, departments)!);
    expect(text.split('\n')).toEqual([
      'engagement x:1: x mention by @sam, received 2026-12-01T10:00:00.000Z',
      '  "still waiting for my refund"',
      '  config v1',
      '',
      '2026-12-01T10:00:01.000Z  routed to care, sales (rule refunds: keywords = refund; rule buyers: intents = purchase_intent), priority normal, care first response due 2026-12-01T11:00:00.000Z, resolution due 2026-12-02T10:00:00.000Z; sales first response due 2026-12-01T12:00:00.000Z',
      '2026-12-01T10:20:00.000Z  care: new → rerouted by agent-7, report r1: "a legal threat"',
      '2026-12-01T10:20:00.000Z  rerouted care → legal: "a legal threat", priority normal',
      '2026-12-01T10:40:00.000Z  rerouted sales → comms, first response due 2026-12-01T10:55:00.000Z',
      '2026-12-01T10:50:00.000Z  edited on the platform, delivery m-2',
      '',
      'assignments:',
      '  care: rerouted (version 2); first response due 2026-12-01T11:00:00.000Z: met; resolution due 2026-12-02T10:00:00.000Z: handed over',
      '  sales: new (version 1); first response due 2026-12-01T12:00:00.000Z: open',
      '  legal: new (version 1)',
      '  comms: new (version 1); first response due 2026-12-01T10:55:00.000Z: open',
      'replies: none',
    ]);
  });

  it('names the actor and the report of each change, marks late reports, and shows the case', () => {
    const items = [
      { ...engagementItem, caseId: 'case-9' },
      assignmentItem({
        department: 'care',
        state: 'acknowledged',
        version: 2,
        events: [
          {
            at: '2026-12-01T10:05:00.000Z',
            from: 'new',
            to: 'acknowledged',
            by: 'department',
            reportId: 'r1',
            actor: { id: 'agent-7', name: 'Kim' },
          },
          {
            at: '2026-12-01T10:01:00.000Z',
            from: 'acknowledged',
            to: 'dismissed',
            by: 'department',
            reportId: 'r0',
            late: true,
          },
        ],
      }),
    ];
    const history = engagementHistory(items, departments)!;
    expect(history.report.caseId).toBe('case-9');
    const lines = formatHistory(history).split('\n');
    expect(lines).toContain('  case case-9');
    // A late report sits where it was recorded (after the change it came after), with the time it claims.
    const ack = lines.indexOf('2026-12-01T10:05:00.000Z  care: new → acknowledged by agent-7 (Kim), report r1');
    expect(ack).toBeGreaterThan(0);
    expect(lines[ack + 1]).toBe(
      '2026-12-01T10:01:00.000Z  care: acknowledged → dismissed by the department, report r0 [late: arrived after a later change; recorded, changed nothing]',
    );
  });

  it('says when no rule matched', () => {
    const item = {
      ...engagementItem,
      engagement: { ...engagement, routing: { ...engagement.routing, departments: ['legal'], rules: [] } },
      decision: { ...engagementItem.decision, reasons: [] },
    };
    expect(formatHistory(engagementHistory([item], departments)!)).toContain(
      'routed to legal (no rule matched: default department), priority normal\n',
    );
  });
});

describe('switchboard history: the command line', () => {
  it('refuses a command line that does not fit the usage (exit 2), before reading anything', async () => {
    await expect(historyCommand([])).rejects.toThrow(HistoryUsageError);
    await expect(historyCommand(['x:1', 'x:2'])).rejects.toThrow(HistoryUsageError);
    await expect(historyCommand(['x:1', '--yaml'])).rejects.toThrow(HistoryUsageError);
    await expect(historyCommand(['x:1', '--stack'])).rejects.toThrow(HistoryUsageError);
  });

  it('finds a deployed stack’s table in its outputs, and says so when the stack has none (exit 1)', async () => {
    const cloudFormation = mockClient(CloudFormationClient);
    cloudFormation.on(DescribeStacksCommand).resolves({
      Stacks: [{ StackName: 'Other', CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: [] }],
    });
    const region = process.env.AWS_REGION;
    process.env.AWS_REGION = 'us-east-1';
    const errors: string[] = [];
    const error = jest.spyOn(console, 'error').mockImplementation((line: string) => void errors.push(line));
    try {
      expect(await historyCommand(['x:1', '--stack', 'Other'])).toBe(1);
      expect(errors).toEqual(['switchboard: stack Other has no TableName output: is it a Switchboard stack?']);
      expect(cloudFormation.commandCalls(DescribeStacksCommand)[0]!.args[0].input).toEqual({ StackName: 'Other' });
    } finally {
      error.mockRestore();
      cloudFormation.restore();
      if (region === undefined) delete process.env.AWS_REGION;
      else process.env.AWS_REGION = region;
    }
  });
});
