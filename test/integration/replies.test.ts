import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { localCredentials } from '../support/aws-local.js';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FAKE_MODEL_DRAFTS } from './global-setup.js';
import { TEST_STATE_DIR } from './state-dir.js';
import { dynamodb, engage, receiveUntil, twin } from './twin-client.js';

/** What the loopback `generic` platform (global-setup.ts) got. */
interface PlatformLog {
  requests: { idempotencyKey: string; replyId: string; inReplyTo: string; text: string; signatureOk: boolean }[];
  replies: Record<string, string>;
}
const platform = JSON.parse(readFileSync(join(TEST_STATE_DIR, 'reply-platform.json'), 'utf8')) as { baseUrl: string };
const platformLog = async () => (await (await fetch(`${platform.baseUrl}/log`)).json()) as PlatformLog;

const doc = DynamoDBDocumentClient.from(dynamodb);
const tokenOf = (department: string) => `local-${department}-status-token`;
const api = async (department: string, path: string, body: unknown, token = tokenOf(department)) => {
  const res = await fetch(`${twin.webhookBaseUrl}/departments/${department}/${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};
const storedReply = async (engagementId: string, replyId: string) =>
  (
    await doc.send(
      new GetCommand({ TableName: twin.tableName, Key: { pk: `ENG#${engagementId}`, sk: `REPLY#${replyId}` } }),
    )
  ).Item?.reply as Record<string, unknown> | undefined;
const assignmentState = async (engagementId: string, department: string) =>
  (
    (
      await doc.send(
        new GetCommand({ TableName: twin.tableName, Key: { pk: `ENG#${engagementId}`, sk: `ASSIGN#${department}` } }),
      )
    ).Item?.assignment as { state?: string } | undefined
  )?.state;

async function until<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, ms = 40_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const unique = (prefix: string) => `${prefix}-${Math.random().toString(36).slice(2, 10)}`;

describe('replies through Switchboard', () => {
  let orderId = '';
  beforeAll(async () => {
    orderId = await engage('where is my refund?? ordered 3 weeks ago, order 5531');
    await receiveUntil('customer-care', (m) => m.detail.id === orderId);
  });

  it('refuses a reply that breaks the voice policy with 422, naming each violation where it is, and stores nothing', async () => {
    const replyId = unique('banned');
    const text = 'We GUARANTEE your refund by friday';
    const refused = await api('customer-care', 'replies', {
      engagementId: orderId,
      text,
      replyId,
      author: { id: 'agent-1' },
    });
    expect(refused.status).toBe(422);
    expect(refused.body.error).toBe('voice_policy');
    const violations = refused.body.violations as { rule: string; start: number; end: number }[];
    expect(violations).toEqual([expect.objectContaining({ rule: 'no-promises', start: 3, end: 12 })]);
    expect(text.slice(violations[0]!.start, violations[0]!.end)).toBe('GUARANTEE');
    expect(await storedReply(orderId, replyId)).toBeUndefined();
    // The id stays free: the same id with a good text is a new reply.
    const fixed = await api('customer-care', 'replies', {
      engagementId: orderId,
      text: 'We aim to refund you by friday, sorry for the wait',
      replyId,
      author: { id: 'agent-1' },
    });
    expect(fixed.status).toBe(201);
  });

  it('publishes a reply exactly once although the first attempt times out, and the assignment becomes responded', async () => {
    const replyId = unique('slow');
    const body = {
      engagementId: orderId,
      text: 'So sorry! Your refund went out today [slow-first]',
      replyId,
      author: { id: 'agent-2', name: 'Ana' },
    };
    const submitted = await api('customer-care', 'replies', body);
    expect(submitted.status).toBe(201);
    expect(submitted.body).toMatchObject({ replyId, state: 'queued' });
    expect((submitted.body.checks as { rule: string; ok: boolean }[]).every((c) => c.ok)).toBe(true);
    // The same replyId again answers the stored reply, never a second one.
    expect((await api('customer-care', 'replies', body)).status).toBe(200);

    const published = await until(
      'the reply to be published',
      () => storedReply(orderId, replyId),
      (r) => r?.state === 'published',
    );
    const log = await platformLog();
    const sent = log.requests.filter((r) => r.idempotencyKey === replyId);
    // Sent twice (the first answer came too late), made once, with the same key and signature each time.
    expect(sent.length).toBe(2);
    expect(sent.every((r) => r.signatureOk && r.inReplyTo === orderId.slice('generic:'.length))).toBe(true);
    expect(published?.platformReplyId).toBe(log.replies[replyId]);
    expect(Object.keys(log.replies).filter((k) => k === replyId)).toHaveLength(1);
    expect(
      await until(
        'responded',
        () => assignmentState(orderId, 'customer-care'),
        (s) => s === 'responded',
      ),
    ).toBe('responded');

    // The whole story: drafted and checked, published (on the second attempt), the assignment responded.
    const env = { ...process.env, SWITCHBOARD_STATE_DIR: TEST_STATE_DIR };
    const history = spawnSync(process.execPath, ['bin/switchboard.js', 'history', orderId], { encoding: 'utf8', env });
    expect(history.status).toBe(0);
    expect(history.stdout).toMatch(
      new RegExp(`reply ${replyId} of customer-care drafted by agent-2 \\(Ana\\): \\d+ check\\(s\\) passed, queued`),
    );
    expect(history.stdout).toContain(
      `reply ${replyId} of customer-care published on generic as ${log.replies[replyId]} (attempt 2)`,
    );
    // The first reply published (the one fixed above) made the assignment responded.
    expect(history.stdout).toMatch(/customer-care: new → responded by agent-\d, report reply:/);
    const json = JSON.parse(
      spawnSync(process.execPath, ['bin/switchboard.js', 'history', orderId, '--json'], { encoding: 'utf8', env })
        .stdout,
    ) as { replies: { replyId: string; state: string; platformReplyId?: string; attempts?: number }[] };
    expect(json.replies).toContainEqual(
      expect.objectContaining({ replyId, state: 'published', platformReplyId: log.replies[replyId], attempts: 2 }),
    );
  }, 60_000);

  it('holds a reply that needs approval until approved, refuses self-approval and others, then publishes it', async () => {
    const bigVoice = await engage('your app keeps logging me out, not impressed', { followers: 250_000 });
    await receiveUntil('communications', (m) => m.detail.id === bigVoice);
    const replyId = unique('approve');
    const submitted = await api('communications', 'replies', {
      engagementId: bigVoice,
      text: 'Thanks for flagging! A fix is rolling out today 🙏',
      replyId,
      author: { id: 'cam' },
    });
    expect(submitted.status).toBe(201);
    expect(submitted.body.state).toBe('pending_approval');

    // The approving department hears of it on its queue.
    const awaited = await receiveUntil(
      'communications',
      (m) => m['detail-type'] === 'Reply Submitted' && (m.detail as { replyId?: string }).replyId === replyId,
    );
    expect(awaited[0]?.detail).toMatchObject({
      state: 'pending_approval',
      approvals: [{ entry: 'big-voices', approvers: 'communications' }],
    });

    const self = await api('communications', `approvals/${replyId}`, { decision: 'approve', approver: { id: 'cam' } });
    expect(self.status).toBe(403);
    expect(self.body.error).toBe('own_reply');
    const stranger = await api('sales', `approvals/${replyId}`, { decision: 'approve', approver: { id: 'sal' } });
    expect(stranger.status).toBe(403);
    expect(
      (await api('communications', 'approvals/nope-404', { decision: 'approve', approver: { id: 'x' } })).status,
    ).toBe(404);

    // Nothing went out while it waited.
    await new Promise((r) => setTimeout(r, 1_500));
    expect((await platformLog()).requests.filter((r) => r.idempotencyKey === replyId)).toEqual([]);
    expect((await storedReply(bigVoice, replyId))?.state).toBe('pending_approval');

    const approved = await api('communications', `approvals/${replyId}`, {
      decision: 'approve',
      approver: { id: 'lee', name: 'Lee' },
      note: 'fine',
    });
    expect(approved).toEqual({ status: 200, body: { replyId, state: 'queued' } });
    expect(
      (await api('communications', `approvals/${replyId}`, { decision: 'reject', approver: { id: 'kim' } })).status,
    ).toBe(409);
    const published = await until(
      'the approved reply to be published',
      () => storedReply(bigVoice, replyId),
      (r) => r?.state === 'published',
    );
    expect(published?.approver).toEqual({ id: 'lee', name: 'Lee' });
    // And the replying department hears how it went.
    const outcome = await receiveUntil(
      'communications',
      (m) => m['detail-type'] === 'Reply Published' && (m.detail as { replyId?: string }).replyId === replyId,
    );
    expect(outcome[0]?.detail).toMatchObject({ platform: 'generic', platformReplyId: published?.platformReplyId });
    expect((await platformLog()).requests.filter((r) => r.idempotencyKey === replyId)).toHaveLength(1);
  }, 60_000);

  it('answers only a department’s own token, and replies only to what it was given', async () => {
    const wrongToken = await api(
      'customer-care',
      'replies',
      { engagementId: orderId, text: 'hi', replyId: unique('t'), author: { id: 'a' } },
      tokenOf('sales'),
    );
    expect(wrongToken.status).toBe(403);
    const notRouted = await api('sales', 'replies', {
      engagementId: orderId,
      text: 'Hello there',
      replyId: unique('nr'),
      author: { id: 'a' },
    });
    expect(notRouted.status).toBe(403);
    expect(notRouted.body.error).toBe('not_routed');
    const malformed = await api('customer-care', 'replies', { engagementId: orderId, replyId: 'x' });
    expect(malformed.status).toBe(400);
    expect(String(malformed.body.message)).toContain('text');
  });

  it('takes a reply a department puts on the bus, and refuses one that breaks the policy back to its queue', async () => {
    const eventBridge = new EventBridgeClient({
      endpoint: twin.eventBridgeEndpoint,
      region: twin.region,
      credentials: localCredentials,
    });
    const put = (detail: unknown) =>
      eventBridge.send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: twin.eventBusName,
              Source: 'switchboard.department.customer-care',
              DetailType: 'Reply Requested',
              Detail: JSON.stringify(detail),
            },
          ],
        }),
      );
    const good = unique('bus');
    await put({
      engagementId: orderId,
      text: 'Thanks for your patience, it is sorted now',
      replyId: good,
      author: { id: 'agent-3' },
    });
    const published = await until(
      'the bus reply to be published',
      () => storedReply(orderId, good),
      (r) => r?.state === 'published',
    );
    expect(published?.author).toEqual({ id: 'agent-3' });

    const bad = unique('bus-bad');
    await put({ engagementId: orderId, text: 'we guarantee it lol', replyId: bad, author: { id: 'agent-3' } });
    const refused = await receiveUntil(
      'customer-care',
      (m) => m['detail-type'] === 'Reply Refused' && (m.detail as { replyId?: string }).replyId === bad,
    );
    expect(refused[0]?.detail).toMatchObject({
      statusCode: 422,
      error: 'voice_policy',
      violations: [expect.objectContaining({ rule: 'no-promises', start: 3, end: 12 })],
    });
    expect(await storedReply(orderId, bad)).toBeUndefined();
  }, 60_000);

  it('publishes "SLA Breached" for an approval that waits past its entry’s deadline, once', async () => {
    const replyId = unique('late');
    const submitted = await api('customer-care', 'replies', {
      engagementId: orderId,
      text: 'Refund approved, itapprovalfast check pending',
      replyId,
      author: { id: 'agent-4' },
    });
    expect(submitted.body.state).toBe('pending_approval');
    const breached = await until(
      'the approval deadline to pass',
      () => storedReply(orderId, replyId),
      (r) => ((r?.approvals as { breachedAt?: string }[] | undefined) ?? []).some((a) => a.breachedAt),
      30_000,
    );
    expect(breached?.state).toBe('pending_approval');
    const history = spawnSync(process.execPath, ['bin/switchboard.js', 'history', orderId, '--json'], {
      encoding: 'utf8',
      env: { ...process.env, SWITCHBOARD_STATE_DIR: TEST_STATE_DIR },
    });
    expect(history.status).toBe(0);
    const text = spawnSync(process.execPath, ['bin/switchboard.js', 'history', orderId], {
      encoding: 'utf8',
      env: { ...process.env, SWITCHBOARD_STATE_DIR: TEST_STATE_DIR },
    }).stdout;
    expect(text.match(/SLA approval breached at legal/g)).toHaveLength(1);
    // Approving late still works; the breach stays on record.
    const approved = await api('legal', `approvals/${replyId}`, { decision: 'approve', approver: { id: 'lee' } });
    expect(approved.body.state).toBe('queued');
  }, 60_000);

  it('suggests drafts from the templates and the model, each through the voice policy, with no personal data sent', async () => {
    const engagementId = await engage('my order STILL hasnt arrived, awful service. mail me at sam.k@example.org', {
      author: 'u-suggest',
    });
    await receiveUntil('customer-care', (m) => m.detail.id === engagementId);
    const suggested = await api('customer-care', 'replies/suggest', { engagementId });
    expect(suggested.status).toBe(200);
    const drafts = suggested.body.drafts as { text: string; source: string; template?: string; checks: unknown[] }[];
    // The shipped complaint template in English, then the model's draft the policy allows, its
    // placeholder filled in; the model's promise (no-promises) is dropped.
    expect(drafts.map((d) => [d.source, d.template])).toEqual([
      ['template', 'sorry-en'],
      ['bedrock', undefined],
    ]);
    // The generic platform's author has no name here: the placeholder goes, with its comma.
    expect(drafts[1]?.text).toBe(FAKE_MODEL_DRAFTS[0]!.replace(', {author.name}', ''));
    expect(drafts[0]?.text).toBe("So sorry about this. Could you DM us your order number? We'll look into it today.");
    expect(drafts.every((d) => d.checks.length > 0)).toBe(true);
    expect(suggested.body.unavailable).toBeUndefined();

    const prompts = readFileSync(join(TEST_STATE_DIR, 'bedrock-prompts.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { model: string; system: string; user: string });
    const prompt = prompts.find((p) => p.user.includes('awful service'));
    expect(prompt?.model).toBe('test.fake-drafts-v1');
    expect(prompt?.user).not.toContain('sam.k@example.org');
    expect(prompt?.system).toContain('Never write "guarantee"');
    // Suggesting stores nothing: no reply was made for it.
    expect((await platformLog()).requests.some((r) => r.inReplyTo === engagementId.slice('generic:'.length))).toBe(
      false,
    );
  });
});
