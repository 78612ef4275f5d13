import {
  AnchorFormatError,
  anchorRoot,
  buildAnchor,
  chainHeads,
  checkAnchor,
  parseAnchor,
} from '#core/audit/anchor.js';
import { CHAIN_HEAD_SORT_KEY, nextLink } from '#core/audit/chain.js';

type Item = Record<string, unknown>;

/** A chain of `events` status events after the engagement's decision, as the stores write it. */
function chain(id: string, events: number, receivedAt = '2026-12-06T10:00:01.000Z'): Item[] {
  const decision: Item = {
    pk: `ENG#${id}`,
    sk: 'ENGAGEMENT',
    engagement: {
      id,
      platform: 'x',
      kind: 'mention',
      text: 'wheres my refund?!',
      receivedAt,
      routing: { departments: ['care'] },
    },
    decision: { at: receivedAt, reasons: [] },
  };
  const items: Item[] = [{ ...decision, chain: nextLink(undefined, decision) }];
  for (let i = 1; i <= events; i++) {
    const at = `2026-12-06T10:0${i}:00.000Z`;
    const event: Item = {
      pk: `ENG#${id}`,
      sk: `EVENT#${at}#care#v${i}#status`,
      at,
      event: {
        source: 'switchboard',
        detailType: 'Engagement Status Changed',
        detail: { engagementId: id, to: `s${i}` },
      },
    };
    const before = items.at(-1)!.chain as { seq: number; hash: string };
    items.push({ ...event, chain: nextLink(before, event) });
  }
  const last = items.at(-1)!.chain as { seq: number; hash: string };
  if (events > 0) items.push({ pk: `ENG#${id}`, sk: CHAIN_HEAD_SORT_KEY, seq: last.seq, hash: last.hash });
  return items;
}

const input = {
  exportId: '01765000000000-aaaaaaaa',
  tableId: 't-1',
  exportTime: '2026-12-06T12:00:00.000Z',
  anchoredAt: '2026-12-06T12:30:00.000Z',
};

describe('an audit anchor', () => {
  const items = [...chain('x:2', 2), ...chain('x:1', 0), { pk: 'CURSOR#x', sk: 'STATE' }];

  it('holds each chain’s last record, in key order, and when its engagement came in', () => {
    const heads = chainHeads(items);
    expect(heads.map(([pk, seq]) => [pk, seq])).toEqual([
      ['ENG#x:1', 0],
      ['ENG#x:2', 2],
    ]);
    expect(heads[1]![2]).toBe((items[2]!.chain as { hash: string }).hash);
    expect(heads[1]![3]).toBe('2026-12-06T10:00:01.000Z');
  });

  it('has a root over its heads and the anchor before it, so changing either moves it', () => {
    const first = buildAnchor(items, input).anchor;
    const second = buildAnchor(items, { ...input, previous: first }).anchor;
    expect(first.previousRoot).toBe('');
    expect(second.previousRoot).toBe(first.root);
    expect(second.root).not.toBe(first.root);
    expect(first.root).toBe(anchorRoot('', first.heads));
    const changed = structuredClone(first.heads);
    changed[0]![1] = 1;
    expect(anchorRoot('', changed)).not.toBe(first.root);
  });

  it('records the problems of the chains it was made from', () => {
    const tampered = chain('x:3', 1);
    (tampered[1]!.event as { detail: Item }).detail.to = 'resolved';
    const { anchor } = buildAnchor(tampered, input);
    expect(anchor.problems).toEqual([expect.objectContaining({ pk: 'ENG#x:3', sk: tampered[1]!.sk })]);
  });

  it('reads back as written, and refuses one whose heads were edited', () => {
    const { anchor } = buildAnchor(items, input);
    expect(parseAnchor(JSON.stringify(anchor), 'a.json')).toEqual(anchor);
    const edited = { ...anchor, heads: anchor.heads.slice(1) };
    expect(() => parseAnchor(JSON.stringify(edited), 'a.json')).toThrow(AnchorFormatError);
    expect(() => parseAnchor(JSON.stringify(edited), 'a.json')).toThrow('a.json: its root does not match its heads');
    expect(() => parseAnchor('{"format":"other"}', 'b.json')).toThrow('b.json: not an audit anchor');
  });
});

describe('a later export against an anchor', () => {
  const anchored = buildAnchor([...chain('x:1', 1), ...chain('x:2', 1)], input).anchor;

  it('holds when every anchored chain is still there, extended or not', () => {
    const later = [...chain('x:1', 3), ...chain('x:2', 1), ...chain('x:4', 0)];
    expect(checkAnchor(anchored, later)).toEqual({ held: 2, expired: 0, problems: [] });
  });

  it('names a chain rewritten after it was anchored', () => {
    const rewritten = chain('x:1', 1);
    // Rewritten consistently: the chain verifies on its own, only the anchor shows it.
    (rewritten[0]!.engagement as Item).kind = 'dm';
    rewritten[0]!.chain = nextLink(undefined, rewritten[0]!);
    rewritten[1]!.chain = nextLink(rewritten[0]!.chain as { seq: number; hash: string }, rewritten[1]!);
    const check = checkAnchor(anchored, [...rewritten, ...chain('x:2', 1)]);
    expect(check.held).toBe(1);
    expect(check.problems).toEqual([
      expect.objectContaining({ pk: 'ENG#x:1', sk: 'chain record 1', problem: expect.stringContaining('rewritten') }),
    ]);
  });

  it('names a chain cut short or removed, unless retention was due to remove it', () => {
    const cut = chain('x:1', 1).slice(0, 1);
    expect(checkAnchor(anchored, [...cut, ...chain('x:2', 1)]).problems).toEqual([
      expect.objectContaining({ pk: 'ENG#x:1', problem: expect.stringContaining('is gone') }),
    ]);
    expect(checkAnchor(anchored, chain('x:2', 1)).problems).toHaveLength(1);
    expect(checkAnchor(anchored, chain('x:2', 1), '2026-12-07T00:00:00.000Z')).toEqual({
      held: 1,
      expired: 1,
      problems: [],
    });
    // Received after the cut-off: retention had no business removing it.
    expect(checkAnchor(anchored, chain('x:2', 1), '2026-12-06T00:00:00.000Z').problems).toHaveLength(1);
  });
});
