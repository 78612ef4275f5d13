import { EventBridgeClient, PutEventsCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
} from '@aws-sdk/client-sqs';
import { randomUUID } from 'node:crypto';
import { localCredentials } from '../support/aws-local.js';
import { localSecrets } from '../support/local-secrets.js';
import { engage as engageAs, receiveUntil, sqs, twin } from './twin-client.js';

const engage = (text: string, thread?: { conversationId?: string; parentId?: string }) =>
  engageAs(text, { author: 'u-lifecycle', ...(thread ? { thread } : {}) });

const eventBridge = new EventBridgeClient({
  endpoint: twin.eventBridgeEndpoint,
  region: twin.region,
  credentials: localCredentials,
});
// A department the secrets file does not list (it-fast) gets the twin's default token.
const tokenOf = (department: string) =>
  (localSecrets.departments as unknown as Record<string, { statusToken: string }>)[department]?.statusToken ??
  `local-${department}-status-token`;

/** Reports a status over HTTPS as a department's system does. */
async function report(department: string, body: object, token = tokenOf(department)) {
  const res = await fetch(`${twin.webhookBaseUrl}/departments/${department}/status`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Every lifecycle event Switchboard publishes, caught on a queue of the test's own. */
interface Published {
  'detail-type': string;
  detail: Record<string, unknown>;
}
let observerUrl = '';
const observed: Published[] = [];
async function observe(predicate: (e: Published) => boolean, timeoutMs: number, settleMs = 0): Promise<Published[]> {
  const deadline = Date.now() + timeoutMs;
  let settleUntil = Number.POSITIVE_INFINITY;
  while (Date.now() < Math.min(deadline, settleUntil)) {
    const out = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: observerUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    for (const m of out.Messages ?? []) {
      observed.push(JSON.parse(m.Body ?? '{}') as Published);
      await sqs.send(new DeleteMessageCommand({ QueueUrl: observerUrl, ReceiptHandle: m.ReceiptHandle }));
    }
    // Once one is seen, keep listening a little longer, so a duplicate would be caught too.
    if (observed.some(predicate) && settleUntil === Number.POSITIVE_INFINITY) settleUntil = Date.now() + settleMs;
  }
  return observed.filter(predicate);
}

beforeAll(async () => {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `it-lifecycle-${randomUUID()}` }));
  observerUrl = QueueUrl!;
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: observerUrl, AttributeNames: ['QueueArn'] }),
  );
  const Name = `it-lifecycle-observer-${randomUUID().slice(0, 8)}`;
  await eventBridge.send(
    new PutRuleCommand({
      Name,
      EventBusName: twin.eventBusName,
      EventPattern: JSON.stringify({
        source: ['switchboard'],
        'detail-type': ['Engagement Status Changed', 'SLA Breached'],
      }),
    }),
  );
  await eventBridge.send(
    new PutTargetsCommand({
      Rule: Name,
      EventBusName: twin.eventBusName,
      Targets: [{ Id: 'observer', Arn: Attributes!.QueueArn! }],
    }),
  );
});

describe('local twin: departments report status back', () => {
  it('applies a report over HTTPS, answers a repeat the same without a second change, and publishes the change once', async () => {
    const id = await engage('my order never arrived, refund please');
    await receiveUntil('customer-care', (m) => m.detail.id === id);
    const first = await report('customer-care', {
      engagementId: id,
      status: 'acknowledged',
      reportId: 'care-1',
      actor: { id: 'agent-7', name: 'Kim' },
    });
    expect(first).toEqual({
      status: 200,
      body: { engagementId: id, department: 'customer-care', status: 'acknowledged', version: 2 },
    });
    expect(await report('customer-care', { engagementId: id, status: 'acknowledged', reportId: 'care-1' })).toEqual(
      first,
    );
    const changes = await observe(
      (e) => e['detail-type'] === 'Engagement Status Changed' && e.detail.engagementId === id,
      20_000,
      2_000,
    );
    expect(changes.map((e) => e.detail)).toEqual([
      {
        engagementId: id,
        department: 'customer-care',
        from: 'new',
        to: 'acknowledged',
        at: expect.any(String),
        reportId: 'care-1',
        actor: { id: 'agent-7', name: 'Kim' },
      },
    ]);
  });

  it('answers 409 with the allowed transitions, 403 to another department’s token, 401, 404 and 400', async () => {
    const id = await engage('still no refund for my order');
    await receiveUntil('customer-care', (m) => m.detail.id === id);
    expect(await report('customer-care', { engagementId: id, status: 'responded', reportId: 'c-1' })).toMatchObject({
      status: 200,
    });
    expect(await report('customer-care', { engagementId: id, status: 'acknowledged', reportId: 'c-2' })).toEqual({
      status: 409,
      body: {
        error: 'transition_not_allowed',
        message: expect.any(String),
        from: 'responded',
        to: 'acknowledged',
        allowed: ['resolved', 'dismissed', 'rerouted'],
      },
    });
    const resolve = { engagementId: id, status: 'resolved', reportId: 'c-3' };
    expect(await report('customer-care', resolve, tokenOf('sales'))).toMatchObject({
      status: 403,
      body: { error: 'forbidden' },
    });
    expect(await report('customer-care', resolve, 'not-a-token')).toMatchObject({
      status: 401,
      body: { error: 'unauthorized' },
    });
    expect(await report('sales', { ...resolve, reportId: 's-1' })).toMatchObject({
      status: 404,
      body: { error: 'unknown_engagement' },
    });
    expect(await report('customer-care', { engagementId: id, status: 'closed' })).toMatchObject({
      status: 400,
      body: { error: 'malformed_report' },
    });
    // None of the refusals changed anything: the resolve still applies, from "responded".
    expect(await report('customer-care', resolve)).toMatchObject({ status: 200, body: { status: 'resolved' } });
  });

  it('applies a report put on the bus, and sends a refused one back to the department as "Status Rejected"', async () => {
    const id = await engage('where is my delivery??');
    await receiveUntil('customer-care', (m) => m.detail.id === id);
    const put = (detail: object) =>
      eventBridge.send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: twin.eventBusName,
              Source: 'switchboard.department.customer-care',
              DetailType: 'Status Reported',
              Detail: JSON.stringify(detail),
            },
          ],
        }),
      );
    expect((await put({ engagementId: id, status: 'resolved', reportId: 'bus-1' })).FailedEntryCount).toBe(0);
    const [resolved] = await observe(
      (e) => e['detail-type'] === 'Engagement Status Changed' && e.detail.engagementId === id,
      20_000,
    );
    expect(resolved?.detail).toMatchObject({ department: 'customer-care', from: 'new', to: 'resolved' });
    await put({ engagementId: id, status: 'acknowledged', reportId: 'bus-2' });
    const [rejected] = await receiveUntil(
      'customer-care',
      (m) => m['detail-type'] === 'Status Rejected' && (m.detail as { reportId?: string }).reportId === 'bus-2',
    );
    expect(rejected).toMatchObject({
      source: 'switchboard',
      detail: {
        reportId: 'bus-2',
        engagementId: id,
        department: 'customer-care',
        reason: expect.stringMatching(/resolved/),
      },
    });
  });

  it('hands a rerouted engagement to the department named, with routing.reroutedFrom', async () => {
    const id = await engage('my refund never came, my lawyer will hear about this');
    const [care] = await receiveUntil('customer-care', (m) => m.detail.id === id);
    expect(care?.detail.routing.departments).toContain('customer-care');
    expect(
      await report('customer-care', {
        engagementId: id,
        status: 'rerouted',
        reportId: 'r-1',
        to: 'sales',
        note: 'upsell',
      }),
    ).toMatchObject({ status: 200, body: { status: 'rerouted' } });
    const [handed] = await receiveUntil('sales', (m) => m.detail.id === id);
    expect(handed?.detail.routing).toMatchObject({ departments: ['sales'], reroutedFrom: 'customer-care' });
    // The target reports on its own assignment.
    expect(await report('sales', { engagementId: id, status: 'acknowledged', reportId: 's-1' })).toMatchObject({
      status: 200,
      body: { department: 'sales', status: 'acknowledged', version: 2 },
    });
  });

  it('breaches an SLA of a few seconds once, escalates the assignment and delivers it to the escalation department', async () => {
    const id = await engage('itfastsla nobody has answered me');
    const [message] = await receiveUntil('it-fast', (m) => m.detail.id === id);
    expect(message?.detail.routing).toMatchObject({ departments: ['it-fast'], slaDueAt: expect.any(String) });
    const [escalated] = await receiveUntil('communications', (m) => m.detail.id === id, 30_000);
    expect(escalated?.detail.routing).toMatchObject({
      departments: ['communications'],
      priority: 'urgent',
      escalatedFrom: 'it-fast',
    });
    // Listen past the resolution deadline (8 s) too: each deadline breaches once.
    const breaches = await observe(
      (e) => e['detail-type'] === 'SLA Breached' && e.detail.engagementId === id,
      30_000,
      12_000,
    );
    expect(breaches.map((b) => b.detail.sla).sort()).toEqual(['firstResponse', 'resolution']);
    const first = breaches.find((b) => b.detail.sla === 'firstResponse')!.detail;
    expect(first).toMatchObject({ department: 'it-fast', escalatedTo: 'communications' });
    // Within a minute of the deadline (here: seconds).
    expect(Date.parse(String(first.breachedAt)) - Date.parse(String(first.dueAt))).toBeLessThan(60_000);
    expect(Date.parse(String(first.breachedAt))).toBeGreaterThanOrEqual(Date.parse(String(first.dueAt)));
    const changes = await observe(
      (e) => e['detail-type'] === 'Engagement Status Changed' && e.detail.engagementId === id,
      5_000,
    );
    expect(changes.map((c) => [c.detail.department, c.detail.from, c.detail.to])).toEqual([
      ['it-fast', 'new', 'escalated'],
    ]);
    // The escalated department's system can act on it; the breached one still can too.
    expect(await report('it-fast', { engagementId: id, status: 'responded', reportId: 'f-1' })).toMatchObject({
      status: 200,
      body: { status: 'responded' },
    });
  });

  it('sends a follow-up in an open conversation to the department holding it, and reopens the case after resolved', async () => {
    const conversationId = randomUUID();
    const first = await engage('my order never arrived', { conversationId });
    await receiveUntil('customer-care', (m) => m.detail.id === first);
    // Matches no rule (alone it would go to the default department): the case holds it.
    const sticky = await engage('hello?? anyone there', { conversationId });
    const [held] = await receiveUntil('customer-care', (m) => m.detail.id === sticky);
    expect(held?.detail.routing.departments).toEqual(['customer-care']);
    expect(
      await report('customer-care', { engagementId: sticky, status: 'resolved', reportId: 'case-1' }),
    ).toMatchObject({
      status: 200,
    });
    const followUp = await engage('it happened again with my new order', { conversationId });
    const [reopened] = await receiveUntil('customer-care', (m) => m.detail.id === followUp);
    expect(reopened?.detail.routing.departments).toEqual(['customer-care']);
    const changes = await observe(
      (e) =>
        e['detail-type'] === 'Engagement Status Changed' &&
        e.detail.engagementId === sticky &&
        e.detail.to === 'reopened',
      20_000,
    );
    expect(changes.map((c) => [c.detail.department, c.detail.from, c.detail.to])).toEqual([
      ['customer-care', 'resolved', 'reopened'],
    ]);
    // The new engagement has its own assignment, which the department works as any other.
    expect(
      await report('customer-care', { engagementId: followUp, status: 'acknowledged', reportId: 'case-2' }),
    ).toMatchObject({ status: 200, body: { status: 'acknowledged', version: 2 } });
  });
});
