import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { nextLink } from '#core/audit/chain.js';
import { TEST_STATE_DIR } from './state-dir.js';
import { engage, receiveUntil, twin } from './twin-client.js';

const audit = (...args: string[]) =>
  spawnSync(process.execPath, ['bin/switchboard.js', 'audit', ...args], {
    encoding: 'utf8',
    env: { ...process.env, SWITCHBOARD_STATE_DIR: TEST_STATE_DIR },
  });

/**
 * Rewrites an export's data lines as someone with write access to the files would, and fixes up
 * the manifests (checksums, counts) so the export still reads: only the audit chain can tell.
 */
function tamper(source: string, target: string, edit: (lines: string[]) => string[]): void {
  cpSync(source, target, { recursive: true });
  const manifest = readFileSync(join(target, 'manifest-files.json'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { dataFileS3Key: string; itemCount: number; md5Checksum: string; etag: string });
  let total = 0;
  for (const entry of manifest) {
    const file = join(target, entry.dataFileS3Key);
    const lines = edit(gunzipSync(readFileSync(file)).toString('utf8').split('\n').filter(Boolean));
    const bytes = gzipSync(lines.map((l) => `${l}\n`).join(''));
    writeFileSync(file, bytes);
    const md5 = createHash('md5').update(bytes).digest();
    Object.assign(entry, { itemCount: lines.length, md5Checksum: md5.toString('base64'), etag: md5.toString('hex') });
    total += lines.length;
  }
  writeFileSync(join(target, 'manifest-files.json'), `${manifest.map((m) => JSON.stringify(m)).join('\n')}\n`);
  const summary = JSON.parse(readFileSync(join(target, 'manifest-summary.json'), 'utf8')) as { itemCount: number };
  writeFileSync(join(target, 'manifest-summary.json'), JSON.stringify({ ...summary, itemCount: total }));
}

describe('npx switchboard audit verify', () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-verify-'));
  let id = '';
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  beforeAll(async () => {
    id = await engage('my refund still has not arrived');
    await receiveUntil('customer-care', (m) => m.detail.id === id);
    for (const [status, reportId] of [
      ['acknowledged', 'v-1'],
      ['resolved', 'v-2'],
    ])
      await fetch(`${twin.webhookBaseUrl}/departments/customer-care/status`, {
        method: 'POST',
        headers: { authorization: 'Bearer local-customer-care-status-token', 'content-type': 'application/json' },
        body: JSON.stringify({ engagementId: id, status, reportId }),
      });
    expect(audit('export', '--out', join(dir, 'clean')).status).toBe(0);
  });

  it('verifies a clean export: how many records and chains', () => {
    const clean = audit('verify', join(dir, 'clean'));
    expect(clean.stderr).toBe('');
    expect(clean.status).toBe(0);
    expect(clean.stdout).toMatch(/^verified \d+ audit record\(s\) in \d+ chain\(s\) in /);
    const report = JSON.parse(audit('verify', join(dir, 'clean'), '--json').stdout) as {
      records: number;
      chains: number;
    };
    // This engagement alone: its decision and its two status changes.
    expect(report.records).toBeGreaterThanOrEqual(3);
    expect(report.chains).toBeGreaterThanOrEqual(1);
  });

  it('names the record that was changed, or removed, and exits 1', () => {
    const changed = join(dir, 'changed');
    tamper(join(dir, 'clean'), changed, (lines) =>
      lines.map((l) =>
        l.includes(`ENG#${id}`) && l.includes('"S":"resolved"') ? l.replace('"S":"resolved"', '"S":"dismissed"') : l,
      ),
    );
    const first = audit('verify', changed);
    expect(first.status).toBe(1);
    expect(first.stderr).toMatch(
      new RegExp(
        `^switchboard: audit chain broken at pk=ENG#${id} sk=EVENT#[^ ]+#customer-care#v3#status: was changed`,
      ),
    );

    const removed = join(dir, 'removed');
    tamper(join(dir, 'clean'), removed, (lines) =>
      lines.filter((l) => !(l.includes(`ENG#${id}`) && l.includes('#customer-care#v2#status'))),
    );
    const second = audit('verify', removed);
    expect(second.status).toBe(1);
    expect(second.stderr).toContain(`pk=ENG#${id} sk=EVENT#`);
    expect(second.stderr).toContain('record 1 of the chain is missing');
  });

  it('prints the root of a clean export, which matches its anchor', () => {
    const clean = audit('verify', join(dir, 'clean'));
    expect(clean.stdout).toMatch(/\nroot [0-9a-f]{64}, as anchored/);
    const report = JSON.parse(audit('verify', join(dir, 'clean'), '--json').stdout) as {
      root: string;
      anchors: { own: string };
    };
    const anchor = JSON.parse(readFileSync(report.anchors.own, 'utf8')) as { root: string; heads: [string][] };
    expect(anchor.root).toBe(report.root);
    expect(anchor.heads.map((h) => h[0])).toContain(`ENG#${id}`);
  });

  it('names an export whose chains were rewritten consistently after it was anchored', () => {
    // Hashes recomputed, so every chain verifies on its own: only the anchor can tell.
    const rewritten = join(dir, 'rewritten');
    tamper(join(dir, 'clean'), rewritten, (lines) => {
      const items = lines.map((l) => unmarshall((JSON.parse(l) as { Item: never }).Item));
      const chain = items.filter((i) => i.pk === `ENG#${id}` && i.chain).sort((a, b) => a.chain.seq - b.chain.seq);
      chain[0]!.engagement.kind = 'dm';
      let head: { seq: number; hash: string } | undefined;
      for (const record of chain) {
        record.chain = nextLink(head, record);
        head = record.chain;
      }
      for (const i of items) if (i.pk === `ENG#${id}` && i.sk === 'CHAIN') Object.assign(i, head);
      return items.map((i) => JSON.stringify({ Item: marshall(i, { removeUndefinedValues: true }) }));
    });
    const run = audit('verify', rewritten);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(
      /^switchboard: audit chain broken at pk=\(export\) sk=\S+: its audit chains give root [0-9a-f]{64}, but its anchor .* holds [0-9a-f]{64}: the export was changed after it was anchored/,
    );
  });
});
