import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseManifestFiles, parseManifestSummary } from '#core/audit/export-format.js';
import { readExport } from '../../bin/commands/export-reader.js';
import { TEST_STATE_DIR } from './state-dir.js';
import { engage, receiveUntil, twin } from './twin-client.js';

/** `npx switchboard audit export` against the running twin. */
const cli = (args: string[], stateDir = TEST_STATE_DIR) =>
  spawnSync(process.execPath, ['bin/switchboard.js', 'audit', 'export', ...args], {
    encoding: 'utf8',
    env: { ...process.env, SWITCHBOARD_STATE_DIR: stateDir },
  });

describe('npx switchboard audit export', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'sb-audit-export-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('writes the twin’s table in DynamoDB’s export format, routed engagements included', async () => {
    const first = await engage('my order never arrived, refund please');
    const second = await engage('the blender broke after a day, I want a refund');
    // Routed, so stored: the department gets an engagement only after the table has it.
    expect((await receiveUntil('customer-care', (m) => m.detail.id === first)).length).toBe(1);
    expect((await receiveUntil('customer-care', (m) => m.detail.id === second)).length).toBe(1);

    // Written here, never to the state dir's exports/, where other tests may look for the newest.
    const out = join(root, 'export');
    const run = cli(['--out', out, '--json']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const result = JSON.parse(run.stdout) as { dir: string; items: number; files: number };
    expect(result).toEqual({ dir: out, items: expect.any(Number), files: expect.any(Number) });
    expect(result.items).toBeGreaterThanOrEqual(2);
    expect(result.files).toBeGreaterThanOrEqual(1);

    expect(readdirSync(out).sort()).toEqual(['_started', 'data', 'manifest-files.json', 'manifest-summary.json']);
    const summary = parseManifestSummary(readFileSync(join(out, 'manifest-summary.json'), 'utf8'));
    expect(summary).toMatchObject({
      version: '2020-06-30',
      tableArn: expect.stringContaining(`:table/${twin.tableName}`),
      manifestFilesS3Key: 'manifest-files.json',
      itemCount: result.items,
      outputFormat: 'DYNAMODB_JSON',
      exportType: 'FULL_EXPORT',
    });
    expect(summary.exportArn).toMatch(new RegExp(`:table/${twin.tableName}/export/\\d{14}-[0-9a-f]{8}$`));
    const files = parseManifestFiles(readFileSync(join(out, 'manifest-files.json'), 'utf8'));
    expect(files).toHaveLength(result.files);
    for (const file of files) {
      expect(file.dataFileS3Key).toMatch(/^data\/[a-z2-7]{26}\.json\.gz$/);
      expect(file.md5Checksum).toMatch(/^[A-Za-z0-9+/]{22}==$/);
      expect(file.etag).toMatch(/^[0-9a-f]{32}$/);
      expect(existsSync(join(out, file.dataFileS3Key))).toBe(true);
    }
    expect(files.reduce((sum, f) => sum + f.itemCount, 0)).toBe(result.items);

    const items: Record<string, unknown>[] = [];
    for await (const item of readExport(out)) items.push(item);
    expect(items).toHaveLength(result.items);
    for (const [id, text] of [
      [first, 'my order never arrived, refund please'],
      [second, 'the blender broke after a day, I want a refund'],
    ])
      expect(items.find((i) => i.pk === `ENG#${id}` && i.sk === 'ENGAGEMENT')).toMatchObject({
        engagement: expect.objectContaining({ id, text }),
      });
  });

  it('exits 1 without a twin, 1 for a folder that is not empty, and 2 for a command line that does not fit', () => {
    const noTwin = cli([], root);
    expect(noTwin.status).toBe(1);
    expect(noTwin.stderr).toContain('no running local twin found');

    const full = cli(['--out', TEST_STATE_DIR]);
    expect(full.status).toBe(1);
    expect(full.stderr).toContain('is not empty');

    expect(cli(['--nope']).status).toBe(2);
    expect(cli(['--out']).status).toBe(2);
    // A stack exports into its audit bucket: --out is the twin's; --wait follows a stack's export.
    const aws = cli(['--stack', 'Switchboard', '--out', join(tmpdir(), 'nowhere')]);
    expect(aws.status).toBe(2);
    expect(aws.stderr).toContain('audit bucket');
    expect(cli(['--wait']).status).toBe(2);
  });
});
