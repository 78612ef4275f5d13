import { matchPath } from '#local/api/rest-api-routes.js';

describe('matching a request path to an API route', () => {
  it('decodes path parameters', () => {
    expect(matchPath('/webhooks/{platform}', '/webhooks/google-business')).toEqual({ platform: 'google-business' });
    expect(matchPath('/webhooks/{platform}', '/webhooks/a%20b')).toEqual({ platform: 'a b' });
  });

  it('matches nothing for a malformed escape instead of throwing', () => {
    expect(matchPath('/webhooks/{platform}', '/webhooks/%E0%A4%A')).toBeUndefined();
  });

  it('needs the same number of segments and equal literal parts', () => {
    expect(matchPath('/webhooks/{platform}', '/webhooks/x/y')).toBeUndefined();
    expect(matchPath('/webhooks/{platform}', '/hooks/x')).toBeUndefined();
  });
});
