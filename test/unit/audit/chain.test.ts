import { CHAIN_HEAD_SORT_KEY, canonicalJson, nextLink, verifyChains } from '#core/audit/chain.js';

type Item = Record<string, unknown>;

/** An engagement's audit records as the stores write them: the decision, then three events. */
function story(): Item[] {
  const engagement: Item = {
    pk: 'ENG#x:1',
    sk: 'ENGAGEMENT',
    type: 'engagement',
    engagement: {
      id: 'x:1',
      platform: 'x',
      kind: 'mention',
      text: 'my refund, @acme?!',
      author: { id: '42', handle: 'sam', name: 'Sam' },
      createdAt: '2026-12-06T10:00:00.000Z',
      receivedAt: '2026-12-06T10:00:01.000Z',
      routing: { departments: ['care'], rules: ['refunds'], priority: 'normal', configVersion: 'v1' },
    },
    decision: {
      at: '2026-12-06T10:00:02.000Z',
      deliveryId: 'm1',
      reasons: [{ rule: 'refunds', matched: [{ field: 'keywords', operator: 'exact', value: 'refund' }] }],
    },
  };
  const items: Item[] = [{ ...engagement, chain: nextLink(undefined, engagement) }];
  const events: Item[] = [
    {
      pk: 'ENG#x:1',
      sk: 'EVENT#2026-12-06T10:05:00.000Z#care#v2#status',
      at: '2026-12-06T10:05:00.000Z',
      event: {
        source: 'switchboard',
        detailType: 'Engagement Status Changed',
        detail: { engagementId: 'x:1', department: 'care', from: 'new', to: 'acknowledged' },
      },
    },
    {
      pk: 'ENG#x:1',
      sk: 'EVENT#2026-12-06T10:06:00.000Z#legal#routed',
      at: '2026-12-06T10:06:00.000Z',
      event: {
        source: 'switchboard',
        detailType: 'Engagement Routed',
        detail: {
          id: 'x:1',
          text: 'my refund, @acme?!',
          author: { id: '42' },
          routing: { departments: ['legal'], reroutedFrom: 'care' },
        },
      },
    },
    {
      pk: 'ENG#x:1',
      sk: 'EVENT#2026-12-06T10:07:00.000Z#care#v3#status',
      at: '2026-12-06T10:07:00.000Z',
      event: {
        source: 'switchboard',
        detailType: 'Engagement Status Changed',
        detail: { engagementId: 'x:1', department: 'care', from: 'acknowledged', to: 'rerouted' },
      },
    },
  ];
  let head = items[0]!.chain as { seq: number; hash: string };
  for (const e of events) {
    const chain = nextLink(head, e);
    items.push({ ...e, chain });
    head = chain;
  }
  items.push({ pk: 'ENG#x:1', sk: CHAIN_HEAD_SORT_KEY, seq: head.seq, hash: head.hash });
  return items;
}
const withDetail = (item: Item, change: Item): Item => ({
  ...item,
  event: { ...(item.event as Item), detail: { ...((item.event as Item).detail as Item), ...change } },
});

describe('the audit chain', () => {
  it('verifies an untouched story, and one whose personal data was erased since', () => {
    expect(verifyChains(story())).toEqual({ chains: 1, records: 4, unchained: 0, problems: [] });
    const erased = story().map((i) =>
      i.sk === 'ENGAGEMENT'
        ? { ...i, engagement: { ...(i.engagement as Item), text: '', author: { id: 'erased', handle: '', name: '' } } }
        : String(i.sk).endsWith('#routed')
          ? withDetail(i, { text: '', author: { id: 'erased' } })
          : i,
    );
    expect(verifyChains(erased).problems).toEqual([]);
  });

  it('names a changed record', () => {
    const items = story();
    items[1] = withDetail(items[1]!, { to: 'resolved' });
    expect(verifyChains(items).problems).toEqual([
      {
        pk: 'ENG#x:1',
        sk: 'EVENT#2026-12-06T10:05:00.000Z#care#v2#status',
        problem: 'was changed: its content does not match its hash',
      },
    ]);
    // A changed routing decision too: which rules matched is what an auditor relies on.
    const decision = story();
    decision[0] = { ...decision[0], decision: { ...(decision[0]!.decision as Item), reasons: [] } };
    expect(verifyChains(decision).problems[0]).toMatchObject({ sk: 'ENGAGEMENT' });
  });

  it('names where a record was removed, in the middle or at the end', () => {
    const middle = story().filter((i) => !String(i.sk).endsWith('#routed'));
    expect(verifyChains(middle).problems).toEqual([
      {
        pk: 'ENG#x:1',
        sk: 'EVENT#2026-12-06T10:07:00.000Z#care#v3#status',
        problem: 'record 2 of the chain is missing before this one (seq 3)',
      },
    ]);
    const last = story().filter((i) => !String(i.sk).includes('#v3#'));
    expect(verifyChains(last).problems).toEqual([
      {
        pk: 'ENG#x:1',
        sk: 'CHAIN',
        problem: "the chain's head names record 3, but the chain ends at record 2: records were removed",
      },
    ]);
  });

  it('names two reordered records', () => {
    const items = story();
    const a = items[1]!.chain;
    items[1] = { ...items[1], chain: items[2]!.chain };
    items[2] = { ...items[2], chain: a };
    expect(verifyChains(items).problems).toEqual([
      {
        pk: 'ENG#x:1',
        sk: 'EVENT#2026-12-06T10:06:00.000Z#legal#routed',
        problem: 'was changed: its content does not match its hash',
      },
    ]);
  });

  it('counts records written before the chain existed without failing them, and ignores other items', () => {
    const legacy = { pk: 'ENG#x:2', sk: 'ENGAGEMENT', engagement: { id: 'x:2' } };
    const report = verifyChains([...story(), legacy, { pk: 'RAW#k', sk: 'PART#000' }, { pk: 'CASE#c', sk: 'CASE' }]);
    expect(report).toMatchObject({ chains: 1, records: 4, unchained: 1, problems: [] });
  });

  it('hashes content, not the order its keys were written in', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: undefined }, null] })).toBe('{"a":[{"d":2},null],"b":1}');
  });
});
