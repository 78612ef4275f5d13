import { engagementErased, parseAuthor, scrubEngagement } from '#core/lifecycle/erase.js';

describe('erasure', () => {
  it('reads the person as <platform>:<author id>, ids with colons included', () => {
    expect(parseAuthor('x:42')).toEqual({ platform: 'x', authorId: '42' });
    expect(parseAuthor('bluesky:did:plc:ana')).toEqual({ platform: 'bluesky', authorId: 'did:plc:ana' });
    for (const bad of ['nobody', ':42', 'x:']) expect(parseAuthor(bad)).toBeUndefined();
  });

  it('removes the words, the identity and the permalink, and keeps what routing and the audit need', () => {
    const engagement = {
      id: 'x:1',
      text: 'call me on 0170 1234567',
      keywords: ['call'],
      url: 'https://x.com/sam/status/1',
      author: { id: '42', handle: 'sam', name: 'Sam', followers: 10 },
      routing: { departments: ['care'] },
    };
    expect(scrubEngagement(engagement)).toEqual({
      id: 'x:1',
      text: '',
      keywords: [],
      author: { id: 'erased', handle: '', name: '' },
      routing: { departments: ['care'] },
    });
  });

  it('tells the departments that received it, as an outbox event of the engagement', () => {
    expect(engagementErased('x:1', 'x:42', '2026-12-06T10:00:00.000Z', ['care', 'legal'])).toEqual({
      engagementId: 'x:1',
      key: '2026-12-06T10:00:00.000Z#erased',
      at: '2026-12-06T10:00:00.000Z',
      source: 'switchboard',
      detailType: 'Engagement Erased',
      detail: { engagementId: 'x:1', author: 'x:42', at: '2026-12-06T10:00:00.000Z', departments: ['care', 'legal'] },
    });
  });
});
