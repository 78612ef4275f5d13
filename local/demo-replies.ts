import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { createHmac, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { LOCAL_CREDENTIALS } from './emulators/local-credentials.js';
import type { LocalTwinInfo } from './twin/twin.js';

/**
 * The demo's reply (`npm start -- --demo`): a loopback `generic` platform that takes replies as
 * the contract says one does (deduping by `Idempotency-Key`), a config that replies to it, and
 * one reply carried through approval to it, printed step by step.
 */

/** The demo's loopback platform: what it was sent and made. */
export interface DemoPlatform {
  url: string;
  made: Map<string, string>;
  close(): void;
}

/** Starts the loopback platform on a free port. */
export function startDemoPlatform(): Promise<DemoPlatform> {
  const made = new Map<string, string>();
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const key = String(req.headers['idempotency-key'] ?? '');
      if (req.method !== 'POST' || !key) {
        res.writeHead(400).end();
        return;
      }
      if (!made.has(key)) made.set(key, `demo-${made.size + 1}`);
      res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ id: made.get(key) }));
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/replies`,
        made,
        close: () => server.close(),
      }),
    ),
  );
}

/**
 * The config the demo runs with: the user's, with `platforms.generic.replyUrl` set to the
 * loopback platform when the config names none (their comments and order kept). Written under
 * the state folder; undefined when the config already replies somewhere.
 */
export function demoConfig(configPath: string, stateDir: string, replyUrl: string): string | undefined {
  const doc = parseDocument(readFileSync(configPath, 'utf8'));
  if (doc.getIn(['platforms', 'generic', 'replyUrl']) !== undefined) return undefined;
  doc.setIn(['platforms', 'generic', 'replyUrl'], replyUrl);
  mkdirSync(stateDir, { recursive: true });
  const path = join(stateDir, 'demo-switchboard.yaml');
  writeFileSync(
    path,
    `# The config of \`npm start -- --demo\`: ${configPath}, replying to the demo's loopback platform.\n${doc.toString()}`,
  );
  return path;
}

/**
 * One reply through approval: an engagement from an author with 250,000 followers (the shipped
 * `big-voices` approval entry), a reply from communications that waits for approval, approved
 * by someone else, published to the loopback platform. Returns the lines to print.
 */
export async function demoReply(info: LocalTwinInfo, secretsFile: string, platform: DemoPlatform): Promise<string[]> {
  const secrets = JSON.parse(readFileSync(secretsFile, 'utf8')) as {
    generic?: { signingSecret?: string };
    departments?: Record<string, { statusToken?: string }>;
  };
  const token = (d: string) => secrets.departments?.[d]?.statusToken ?? `local-${d}-status-token`;
  const externalId = `demo-${randomUUID().slice(0, 8)}`;
  const body = JSON.stringify({
    id: externalId,
    text: 'your app logged me out 3 times today, not impressed',
    author: { id: 'demo-big-voice', handle: 'bigtechreviews', followers: 250_000 },
  });
  const ts = String(Math.floor(Date.now() / 1000));
  const signature = createHmac('sha256', secrets.generic?.signingSecret ?? '')
    .update(`${ts}.${body}`)
    .digest('hex');
  const posted = await fetch(`${info.webhookBaseUrl}/webhooks/generic`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-switchboard-signature': `sha256=${signature}`,
      'x-switchboard-timestamp': ts,
    },
    body,
  });
  if (posted.status !== 200) return [`demo reply: the engagement was refused (${posted.status})`];
  const engagementId = `generic:${externalId}`;
  const doc = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: info.dynamodbEndpoint, region: info.region, credentials: LOCAL_CREDENTIALS }),
  );
  const read = async (sk: string) =>
    (
      await doc.send(
        new GetCommand({ TableName: info.tableName, Key: { pk: `ENG#${engagementId}`, sk }, ConsistentRead: true }),
      )
    ).Item;
  const waitFor = async <T>(what: () => Promise<T | undefined>, ms = 20_000): Promise<T | undefined> => {
    for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 250))) {
      const value = await what();
      if (value !== undefined) return value;
    }
    return undefined;
  };
  if (!(await waitFor(async () => read('ENGAGEMENT')))) return ['demo reply: the engagement was not stored in time'];

  const api = async (department: string, path: string, payload: unknown) => {
    const res = await fetch(`${info.webhookBaseUrl}/departments/${department}/${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token(department)}`, 'content-type': 'application/json' },
      body: JSON.stringify(payload),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const lines = [`Demo reply to ${engagementId} (an author with 250,000 followers):`];
  const refused = await api('communications', 'replies', {
    engagementId,
    text: 'We GUARANTEE a fix today lol',
    replyId: `${externalId}-draft`,
    author: { id: 'cam', name: 'Cam' },
  });
  const violations = (refused.body.violations as { rule: string }[] | undefined) ?? [];
  lines.push(
    `  a first draft is refused: ${refused.status} (${violations.map((v) => v.rule).join(', ')}); nothing stored`,
  );
  const replyId = `${externalId}-reply`;
  const submitted = await api('communications', 'replies', {
    engagementId,
    text: 'Sorry about that! A fix for the logouts is rolling out today.',
    replyId,
    author: { id: 'cam', name: 'Cam' },
  });
  lines.push(`  submitted by cam: ${submitted.status} ${String(submitted.body.state)}`);
  const self = await api('communications', `approvals/${replyId}`, { decision: 'approve', approver: { id: 'cam' } });
  lines.push(`  cam approving their own reply: ${self.status} ${String(self.body.error)}`);
  const approved = await api('communications', `approvals/${replyId}`, {
    decision: 'approve',
    approver: { id: 'lee', name: 'Lee' },
  });
  lines.push(`  approved by lee: ${approved.status} ${String(approved.body.state)}`);
  const published = await waitFor(async () => {
    const reply = (await read(`REPLY#${replyId}`))?.reply as { state?: string; platformReplyId?: string } | undefined;
    return reply?.state === 'published' ? reply : undefined;
  });
  lines.push(
    published
      ? `  published on the loopback generic platform as ${published.platformReplyId} (it made ${platform.made.size} repl${platform.made.size === 1 ? 'y' : 'ies'}); the story: npx switchboard history ${engagementId}`
      : '  not published in time: see .switchboard/logs/',
  );
  doc.destroy();
  return lines;
}
