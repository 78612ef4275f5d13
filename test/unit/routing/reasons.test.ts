import { parseConfig } from '#core/config/load-config.js';
import { buildEngagement } from '#core/lifecycle/build-engagement.js';
import type { EngagementDraft } from '#core/engagement/engagement.schema.js';
import { createRouter, type RoutableEngagement } from '#core/routing/router.js';

const config = parseConfig(`
departments:
  - { id: care, name: Care }
  - { id: comms, name: Comms }
defaultDepartment: comms
rules:
  - { id: exact, when: { keywords: [refund] }, routeTo: [care] }
  - { id: prefix, when: { text: [{ prefix: "Hey" }] }, routeTo: [care] }
  - { id: suffix, when: { author: { handle: [{ suffix: "_support" }] } }, routeTo: [care] }
  - { id: anything-but, when: { kind: [{ anything-but: [post, review] }] }, routeTo: [care] }
  - { id: numeric, when: { author: { followers: [{ numeric: [">=", 10000] }] } }, routeTo: [comms] }
  - { id: exists, when: { url: [{ exists: true }], rating: [{ exists: false }] }, routeTo: [care] }
  - { id: cidr, when: { author: { id: [{ cidr: "10.0.0.0/8" }] } }, routeTo: [care] }
  - { id: ignore-case, when: { author: { name: [{ equals-ignore-case: "ACME PRESS" }] } }, routeTo: [comms] }
  - { id: wildcard, when: { text: [{ wildcard: "*broken*" }] }, routeTo: [care] }
  - { id: verified, when: { author: { verified: [true] } }, routeTo: [comms] }
  - id: either
    when: { $or: [{ author: { followers: [{ numeric: [">", 1000000] }] } }, { keywords: [lawyer], kind: [comment] }] }
    routeTo: [comms]
`);
const router = createRouter(config);

const draft = (
  over: Omit<Partial<EngagementDraft>, 'author'> & { author?: Partial<EngagementDraft['author']> } = {},
): EngagementDraft => ({
  platform: 'generic',
  kind: 'post',
  externalId: 'e1',
  text: 'nothing to see',
  createdAt: '2026-11-25T10:00:00.000Z',
  ...over,
  author: { id: 'a1', handle: 'sam', name: 'Sam', followers: 10, ...over.author },
});
const routable = (d: EngagementDraft): RoutableEngagement => {
  const { routing: _routing, ...rest } = buildEngagement(d, '2026-11-25T10:00:05.000Z', router);
  return rest;
};
const reasonsOf = (d: EngagementDraft, rule: string) =>
  router.explain(routable(d)).find((r) => r.rule === rule)?.matched;

describe('why a rule matched', () => {
  it('names the field, the operator and the value for each operator kind', () => {
    expect(reasonsOf(draft({ text: 'I want a refund' }), 'exact')).toEqual([
      { field: 'keywords', operator: 'exact', value: 'refund' },
    ]);
    expect(reasonsOf(draft({ text: 'Hey there' }), 'prefix')).toEqual([
      { field: 'text', operator: 'prefix', value: 'Hey there' },
    ]);
    expect(reasonsOf(draft({ author: { handle: 'acme_support' } }), 'suffix')).toEqual([
      { field: 'author.handle', operator: 'suffix', value: 'acme_support' },
    ]);
    expect(reasonsOf(draft({ kind: 'comment' }), 'anything-but')).toEqual([
      { field: 'kind', operator: 'anything-but', value: 'comment' },
    ]);
    expect(reasonsOf(draft({ author: { followers: 25_000 } }), 'numeric')).toEqual([
      { field: 'author.followers', operator: 'numeric', value: 25_000 },
    ]);
    expect(reasonsOf(draft({ author: { id: '10.1.2.3' } }), 'cidr')).toEqual([
      { field: 'author.id', operator: 'cidr', value: '10.1.2.3' },
    ]);
    expect(reasonsOf(draft({ author: { name: 'Acme Press' } }), 'ignore-case')).toEqual([
      { field: 'author.name', operator: 'equals-ignore-case', value: 'Acme Press' },
    ]);
    expect(reasonsOf(draft({ text: 'it is broken again' }), 'wildcard')).toEqual([
      { field: 'text', operator: 'wildcard', value: 'it is broken again' },
    ]);
    expect(reasonsOf(draft({ author: { verified: true } }), 'verified')).toEqual([
      { field: 'author.verified', operator: 'exact', value: true },
    ]);
  });

  it('reports exists: true with the value and exists: false as an absence, every condition of the rule', () => {
    expect(reasonsOf(draft({ url: 'https://example.com/p/1' }), 'exists')).toEqual([
      { field: 'rating', operator: 'exists', absent: true },
      { field: 'url', operator: 'exists', value: 'https://example.com/p/1' },
    ]);
  });

  it('reports the $or branch that matched', () => {
    expect(reasonsOf(draft({ kind: 'comment', text: 'my lawyer will call' }), 'either')).toEqual([
      { field: 'keywords', operator: 'exact', value: 'lawyer' },
      { field: 'kind', operator: 'exact', value: 'comment' },
    ]);
    expect(reasonsOf(draft({ author: { followers: 2_000_000 } }), 'either')).toEqual([
      { field: 'author.followers', operator: 'numeric', value: 2_000_000 },
    ]);
  });

  it('explains exactly the rules route() matched, in the same order', () => {
    const e = routable(draft({ kind: 'comment', text: 'Hey, I want a refund', author: { followers: 20_000 } }));
    const { routing, reasons } = router.routeWithReasons(e);
    expect(routing).toEqual(router.route(e));
    expect(reasons.map((r) => r.rule)).toEqual(routing.rules);
    expect(routing.rules).toEqual(['exact', 'prefix', 'anything-but', 'numeric']);
    expect(router.explain(e)).toEqual(reasons);
  });

  it('leaves out rules that do not match and unknown ids', () => {
    const e = routable(draft({ text: 'I want a refund' }));
    expect(router.explain(e, ['exact', 'wildcard', 'no-such-rule'])).toEqual([
      { rule: 'exact', matched: [{ field: 'keywords', operator: 'exact', value: 'refund' }] },
    ]);
    expect(router.explain(routable(draft()))).toEqual([]);
  });

  it('picks leaves of the same array element for conditions inside an array of objects', () => {
    const r = createRouter(
      parseConfig(`
departments: [{ id: care, name: Care }]
defaultDepartment: care
rules:
  - { id: items, when: { items: { sku: [{ prefix: "B" }], qty: [{ numeric: [">", 1] }] } }, routeTo: [care] }
`),
    );
    const e = {
      ...routable(draft()),
      items: [
        { sku: 'B1', qty: 1 },
        { sku: 'A2', qty: 5 },
        { sku: 'B3', qty: 2 },
      ],
    } as RoutableEngagement;
    expect(r.explain(e)).toEqual([
      {
        rule: 'items',
        matched: [
          { field: 'items.qty', operator: 'numeric', value: 2 },
          { field: 'items.sku', operator: 'prefix', value: 'B3' },
        ],
      },
    ]);
  });
});
