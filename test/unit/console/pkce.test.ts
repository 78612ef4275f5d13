/**
 * The console's sign-in helpers (console/pkce.js, console/auth.js): plain browser modules without
 * type declarations, imported by a computed path so TypeScript types them as `any` here. Node has
 * the same Web Crypto, btoa and URL the browser has.
 */

interface Pkce {
  base64url(bytes: Uint8Array): string;
  randomString(byteLength?: number): string;
  codeChallenge(verifier: string): Promise<string>;
  jwtClaims(token: unknown): Record<string, unknown> | undefined;
}
interface AuthHelpers {
  authorizeUrl(
    auth: { domain: string; clientId: string; redirectUri: string },
    request: { state: string; challenge: string },
  ): string;
  withoutCallbackParams(href: string): string;
}

const consoleModule = (name: string) => import(`../../../console/${name}`);
const pkce = (await consoleModule('pkce.js')) as Pkce;
const auth = (await consoleModule('auth.js')) as AuthHelpers;

describe('PKCE', () => {
  it('computes the S256 challenge of RFC 7636 appendix B', async () => {
    expect(await pkce.codeChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe(
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    );
  });

  it('writes base64url without padding', () => {
    expect(pkce.base64url(new Uint8Array([251, 255, 191]))).toBe('-_-_');
    expect(pkce.base64url(new Uint8Array([1]))).toBe('AQ');
    expect(pkce.base64url(new Uint8Array([]))).toBe('');
  });

  it('makes 43-character verifiers of the unreserved alphabet, different every time', () => {
    const verifiers = Array.from({ length: 50 }, () => pkce.randomString(32));
    for (const v of verifiers) expect(v).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(new Set(verifiers).size).toBe(50);
    expect(pkce.randomString(16)).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it('reads a JWT’s claims (UTF-8, base64url) and nothing from what is not one', () => {
    const claims = { sub: 'u1', name: 'Zoë Ünal', exp: 1_900_000_000 };
    const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
    expect(pkce.jwtClaims(`eyJhbGciOiJub25lIn0.${payload}.sig`)).toEqual(claims);
    for (const bad of [undefined, '', 'abc', 'a.%%%.c', 'a.bm90IGpzb24.c', 42])
      expect(pkce.jwtClaims(bad)).toBeUndefined();
  });
});

describe('sign-in URLs', () => {
  const config = {
    domain: 'https://switchboard-console-123456789012.auth.eu-west-1.amazoncognito.com',
    clientId: 'abc123',
    redirectUri: 'https://d111.cloudfront.net/console/',
  };

  it('asks Cognito for a code with the S256 challenge, the state and the console as redirect', () => {
    const url = new URL(auth.authorizeUrl(config, { state: 'st4te', challenge: 'ch-all_enge' }));
    expect(`${url.origin}${url.pathname}`).toBe(`${config.domain}/oauth2/authorize`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: 'code',
      client_id: 'abc123',
      redirect_uri: 'https://d111.cloudfront.net/console/',
      scope: 'openid email profile',
      state: 'st4te',
      code_challenge: 'ch-all_enge',
      code_challenge_method: 'S256',
    });
  });

  it('takes code, state and errors off the callback address and keeps every other parameter', () => {
    expect(
      auth.withoutCallbackParams(
        'https://d111.cloudfront.net/console/?platform=x&code=c0de&state=s&department=care#top',
      ),
    ).toBe('https://d111.cloudfront.net/console/?platform=x&department=care#top');
    expect(auth.withoutCallbackParams('https://d111.cloudfront.net/console/?code=c&state=s')).toBe(
      'https://d111.cloudfront.net/console/',
    );
    expect(
      auth.withoutCallbackParams(
        'https://d/console/trends.html?error=access_denied&error_description=No&state=s&hours=168',
      ),
    ).toBe('https://d/console/trends.html?hours=168');
  });
});
