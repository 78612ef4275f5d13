import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { until } from '#test-support/browser.js';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { type ConsoleServer, defaultFixtures, startConsoleServer } from './console-server.js';

/**
 * The console's sign-in (console/auth.js) in a real headless Chromium, as on AWS: the pages are
 * served with a config.json naming a sign-in domain, which here is a loopback stand-in for
 * Cognito's OAuth endpoints (it checks the PKCE verifier against the challenge, as Cognito
 * does), and the API answers 401 to a request without a token it issued (as the Cognito
 * authorizer does).
 */

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');
const jwt = (claims: Record<string, unknown>) =>
  `${b64url(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${b64url(JSON.stringify(claims))}.sig`;

async function formOf(req: IncomingMessage): Promise<URLSearchParams> {
  let body = '';
  for await (const chunk of req) body += chunk;
  return new URLSearchParams(body);
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** The stand-in for Cognito's `/oauth2/authorize`, `/oauth2/token`, `/oauth2/revoke` and `/logout`. */
class FakeCognito {
  readonly clientId = 'console-client';
  /** Answer the next sign-ins with `error=access_denied`, as Cognito does when it refuses one. */
  deny = false;
  /** Seconds the ID tokens it issues are valid. */
  idTokenSeconds = 3600;
  /** The ID tokens issued and not revoked: the API accepts these. */
  readonly valid = new Set<string>();
  readonly authorizeRequests: URL[] = [];
  readonly tokenRequests: URLSearchParams[] = [];
  readonly logouts: URL[] = [];
  private readonly codes = new Map<string, { challenge: string; redirectUri: string }>();
  private readonly refreshTokens = new Set<string>();
  consoleOrigin = '';
  redirectUri = '';

  handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === '/oauth2/authorize') {
      this.authorizeRequests.push(url);
      const q = url.searchParams;
      const ok =
        q.get('response_type') === 'code' &&
        q.get('client_id') === this.clientId &&
        q.get('redirect_uri') === this.redirectUri &&
        q.get('code_challenge_method') === 'S256' &&
        (q.get('scope') ?? '').split(' ').includes('openid') &&
        /^[A-Za-z0-9_-]{43}$/.test(q.get('code_challenge') ?? '');
      if (!ok) return void res.writeHead(400).end('bad authorize request');
      if (this.deny) {
        const back = new URL(this.redirectUri);
        back.searchParams.set('error', 'access_denied');
        back.searchParams.set('error_description', 'User is disabled.');
        back.searchParams.set('state', q.get('state') ?? '');
        return void res.writeHead(302, { location: back.href }).end();
      }
      const code = randomUUID();
      this.codes.set(code, { challenge: q.get('code_challenge')!, redirectUri: q.get('redirect_uri')! });
      const back = new URL(this.redirectUri);
      back.searchParams.set('code', code);
      back.searchParams.set('state', q.get('state') ?? '');
      return void res.writeHead(302, { location: back.href }).end();
    }
    if (url.pathname === '/logout') {
      this.logouts.push(url);
      return void res.writeHead(302, { location: url.searchParams.get('logout_uri') ?? '/' }).end();
    }
    const cors = { 'access-control-allow-origin': this.consoleOrigin, 'content-type': 'application/json' };
    if (url.pathname === '/oauth2/revoke' && req.method === 'POST') {
      this.refreshTokens.delete((await formOf(req)).get('token') ?? '');
      return void res.writeHead(200, cors).end('{}');
    }
    if (url.pathname === '/oauth2/token' && req.method === 'POST') {
      const form = await formOf(req);
      this.tokenRequests.push(form);
      const refuse = () => void res.writeHead(400, cors).end(JSON.stringify({ error: 'invalid_grant' }));
      if (form.get('client_id') !== this.clientId) return refuse();
      if (form.get('grant_type') === 'authorization_code') {
        const issued = this.codes.get(form.get('code') ?? '');
        this.codes.delete(form.get('code') ?? ''); // a code is good once
        const verifier = form.get('code_verifier') ?? '';
        if (!issued || issued.redirectUri !== form.get('redirect_uri')) return refuse();
        if (createHash('sha256').update(verifier).digest('base64url') !== issued.challenge) return refuse();
        const refreshToken = randomUUID();
        this.refreshTokens.add(refreshToken);
        return void res.writeHead(200, cors).end(JSON.stringify({ ...this.tokens(), refresh_token: refreshToken }));
      }
      if (form.get('grant_type') === 'refresh_token' && this.refreshTokens.has(form.get('refresh_token') ?? '')) {
        return void res.writeHead(200, cors).end(JSON.stringify(this.tokens()));
      }
      return refuse();
    }
    res.writeHead(404).end();
  };

  private tokens() {
    const idToken = jwt({
      sub: 'u1',
      email: 'jane@example.com',
      exp: Math.floor(Date.now() / 1000) + this.idTokenSeconds,
    });
    this.valid.add(idToken);
    return { id_token: idToken, access_token: randomUUID(), expires_in: this.idTokenSeconds, token_type: 'Bearer' };
  }
}

describe('console sign-in in Chromium', () => {
  let browser: Browser;
  let backend: ConsoleServer;
  let cognito: FakeCognito;
  let cognitoServer: Server;
  let front: Server;
  let consoleUrl: string;
  let cognitoBase: string;
  let digests: string;
  let context: BrowserContext;
  let page: Page;
  /** The Authorization header of every API request, in order ('' without one). */
  const apiAuthorizations: string[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    digests = mkdtempSync(join(tmpdir(), 'console-digests-'));
    cognito = new FakeCognito();
    cognitoServer = createServer((req, res) => void cognito.handle(req, res));
    const cognitoUrl = await listen(cognitoServer);
    [browser, backend] = await Promise.all([
      chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox'] }),
      startConsoleServer(defaultFixtures(), digests),
    ]);
    cognitoBase = cognitoUrl;
  });

  /**
   * In front of the fixture server, as CloudFront and API Gateway are: config.json with the
   * sign-in, and the API only for a token the stand-in issued. A new one each test (its own
   * port): a page of an earlier test that is still polling reaches a closed server, never this
   * test's counts.
   */
  async function startFront(): Promise<void> {
    const target = new URL(backend.console);
    front = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (url.pathname === '/console/config.json') {
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-cache' });
        return void res.end(
          JSON.stringify({ auth: { domain: cognitoBase, clientId: cognito.clientId, redirectUri: consoleUrl } }),
        );
      }
      if (url.pathname.startsWith('/console/api/')) {
        const authorization = req.headers.authorization ?? '';
        apiAuthorizations.push(authorization);
        if (!cognito.valid.has(authorization)) {
          res.writeHead(401, { 'content-type': 'application/json' });
          return void res.end('{"message":"Unauthorized"}');
        }
      }
      const upstream = request(
        { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      req.pipe(upstream);
    });
    consoleUrl = `${await listen(front)}/console/`;
    cognito.consoleOrigin = new URL(consoleUrl).origin;
    cognito.redirectUri = consoleUrl;
  }

  async function stopFront(): Promise<void> {
    front?.closeAllConnections();
    await new Promise((resolve) => front?.close(resolve));
  }

  afterAll(async () => {
    await browser?.close();
    await backend?.close();
    cognitoServer?.closeAllConnections();
    await new Promise((resolve) => cognitoServer?.close(resolve));
    rmSync(digests, { recursive: true, force: true });
  });
  beforeEach(async () => {
    cognito.idTokenSeconds = 3600;
    cognito.deny = false;
    cognito.authorizeRequests.length = 0;
    cognito.tokenRequests.length = 0;
    apiAuthorizations.length = 0;
    pageErrors.length = 0;
    // A context per test (its own session storage, cookies and pages): closing it ends every
    // page and request of the test, even one caught mid-navigation to the sign-in, so nothing of
    // it reaches the next test's counts.
    await startFront();
    context = await browser.newContext();
    page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
  });
  afterEach(async () => {
    // What the test's pages raised, before anything is torn down.
    const raised = [...pageErrors];
    // The server first: a page caught mid-request then fails fast instead of holding the close.
    await stopFront();
    await Promise.race([context.close(), new Promise((resolve) => setTimeout(resolve, 10_000))]);
    expect(raised).toEqual([]);
  });

  const rows = () => page.locator('#feed tbody tr[data-id]');
  /** The tokens the page keeps (undefined while it is between two documents). */
  const storedTokens = () =>
    page
      .evaluate(() => JSON.parse(sessionStorage.getItem('switchboard-console:tokens') ?? 'null'))
      .catch(() => undefined);

  it('signs in with the code flow and PKCE, comes back to the page and filters it left, and sends the ID token', async () => {
    await page.goto(`${consoleUrl}index.html?platform=bluesky&department=billing`);
    await rows().first().waitFor();

    // One trip to the sign-in page, with an S256 challenge and a state, and back.
    expect(cognito.authorizeRequests).toHaveLength(1);
    const authorize = cognito.authorizeRequests[0]!.searchParams;
    expect(authorize.get('code_challenge_method')).toBe('S256');
    expect(authorize.get('state')).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(authorize.get('scope')).toBe('openid email profile');
    // The code was traded once, with the verifier (the stand-in checked it against the challenge).
    const exchanges = cognito.tokenRequests.filter((f) => f.get('grant_type') === 'authorization_code');
    expect(exchanges).toHaveLength(1);
    expect(exchanges[0]!.get('code_verifier')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(exchanges[0]!.get('redirect_uri')).toBe(consoleUrl);

    // Back on the page it left, filters kept, no code or state left in the address.
    const url = new URL(page.url());
    expect(url.pathname).toBe('/console/index.html');
    expect(url.searchParams.get('platform')).toBe('bluesky');
    expect(url.searchParams.get('department')).toBe('billing');
    expect(url.searchParams.has('code')).toBe(false);
    expect(url.searchParams.has('state')).toBe(false);
    expect(await page.getByLabel('Department').inputValue()).toBe('billing');

    // Every API request after the sign-in carries the ID token, as the Cognito authorizer wants it.
    const tokens = await storedTokens();
    expect(cognito.valid.has(tokens.idToken)).toBe(true);
    await until('a signed API request', () => apiAuthorizations.includes(tokens.idToken));
    expect(apiAuthorizations.every((a) => a === tokens.idToken)).toBe(true);
    expect(cognito.authorizeRequests).toHaveLength(1);
  });

  it('refreshes an ID token about to expire with the refresh token, without going to the sign-in page', async () => {
    cognito.idTokenSeconds = 30; // inside the minute before expiry: refreshed at once
    await page.goto(consoleUrl);
    await rows().first().waitFor();
    await until('a refresh', () => cognito.tokenRequests.some((f) => f.get('grant_type') === 'refresh_token'));
    cognito.idTokenSeconds = 3600;
    await page.reload();
    await rows().first().waitFor();
    await until('a refreshed token in use', () => cognito.valid.has(apiAuthorizations.at(-1) ?? ''));
    // Refreshed every time, never sent back to sign in.
    expect(cognito.authorizeRequests).toHaveLength(1);
    expect(cognito.tokenRequests.filter((f) => f.get('grant_type') === 'authorization_code')).toHaveLength(1);
  });

  it('signs in again when the API answers 401 to a token it no longer takes', async () => {
    await page.goto(`${consoleUrl}trends.html?hours=168`);
    await until(
      'signed in and back on the trends page',
      async () => new URL(page.url()).pathname === '/console/trends.html' && (await storedTokens())?.idToken,
    );
    await page.locator('#page-status').waitFor({ state: 'attached' });
    expect(cognito.authorizeRequests).toHaveLength(1);
    // The token is revoked (and the sign-in is not seconds old, or it would be reported instead).
    cognito.valid.clear();
    await page.evaluate(() => {
      const key = 'switchboard-console:tokens';
      const tokens = JSON.parse(sessionStorage.getItem(key) ?? '{}');
      sessionStorage.setItem(key, JSON.stringify({ ...tokens, signedInAt: Date.now() - 120_000 }));
    });
    // The page's own poll may meet the 401 first and leave to sign in again, aborting the reload:
    // either way the next step is the second sign-in.
    await page.reload().catch((err: Error) => {
      if (!/ERR_ABORTED|frame was detached/.test(err.message)) throw err;
    });
    await until('a second sign-in', () => cognito.authorizeRequests.length === 2);
    await until('back on the trends page', () => new URL(page.url()).pathname === '/console/trends.html');
    expect(new URL(page.url()).searchParams.get('hours')).toBe('168');
    const tokens = await until('new tokens', async () => {
      const t = await storedTokens();
      return cognito.valid.has(t?.idToken) ? t : undefined;
    });
    await until('the new token in use', () => apiAuthorizations.at(-1) === tokens.idToken);
  });

  it('reports a refused sign-in on the page instead of going round again', async () => {
    cognito.deny = true;
    await page.goto(`${consoleUrl}?language=de`);
    await until('the refusal reported', async () =>
      ((await page.locator('#page-status').textContent()) ?? '').includes('Sign-in failed: User is disabled.'),
    );
    // The callback's parameters are gone (the page stays at the callback address, /console/).
    expect(new URL(page.url()).search).toBe('');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(cognito.authorizeRequests).toHaveLength(1);
    expect(cognito.tokenRequests).toHaveLength(0);
    expect(apiAuthorizations).toEqual([]);
  });

  it('does not use a code whose state it did not send, and signs out through Cognito', async () => {
    await page.goto(`${consoleUrl}?code=forged&state=not-mine`);
    await rows().first().waitFor();
    // The forged code was never traded; a sign-in of its own was made instead.
    expect(cognito.tokenRequests.map((f) => f.get('code'))).not.toContain('forged');
    expect(cognito.authorizeRequests).toHaveLength(1);

    // Not awaited in the page: it leaves for the logout. (The module the page already loaded.)
    await page.evaluate((module) => {
      void import(module).then(({ signOut }) => signOut());
    }, new URL('auth.js', consoleUrl).href);
    await until('the Cognito logout', () => cognito.logouts.length === 1);
    const logout = cognito.logouts[0]!.searchParams;
    expect(logout.get('client_id')).toBe(cognito.clientId);
    expect(logout.get('logout_uri')).toBe(consoleUrl);
    // Back from the logout there are no tokens: the console sends its reader to sign in again.
    await until('a new sign-in', () => cognito.authorizeRequests.length === 2);
    await rows().first().waitFor();
  });
});
