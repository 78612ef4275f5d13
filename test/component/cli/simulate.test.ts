import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
describe('npx switchboard simulate', () => {
  it('prints one JSON line per engagement from a JSON Lines file and exits 0', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-sim-'));
    const file = join(dir, 'in.jsonl');
    writeFileSync(
      file,
      '{"platform":"generic","text":"my lawyer will call"}\n{"platform":"facebook","text":"lovely"}\n',
    );
    const out = spawnSync(process.execPath, ['bin/switchboard.js', 'simulate', file], { encoding: 'utf8' });
    expect(out.status).toBe(0);
    const lines = out.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { routing: { departments: string[] } });
    expect(lines.map((l) => l.routing.departments)).toEqual([['legal', 'communications'], ['communications']]);
  });

  it('exits non-zero with usage for a missing command', () => {
    const out = spawnSync(process.execPath, ['bin/switchboard.js'], { encoding: 'utf8' });
    expect(out.status).toBe(2);
    expect(out.stderr).toContain('Usage: switchboard simulate');
  });
});
