// Sign-in for the console's API on AWS: the OAuth 2.0 authorization-code flow with PKCE against
// the Cognito domain that `config.json` names (deployed beside the pages by the ConsoleSite
// construct). Without an `auth` entry there (the local twin, whose config.json has none) nothing
// here does anything and the API is called as it is.
//
// Tokens are kept in sessionStorage: per tab, gone when the tab closes, never in a cookie (the API
// reads them from the Authorization header, so no other site can make the browser send them).

import { codeChallenge, jwtClaims, randomString } from './pkce.js';

const BASE = new URL('./', import.meta.url);
/** sessionStorage keys: the tokens, and the sign-in under way (state, verifier, page to go back to). */
const TOKENS = 'switchboard-console:tokens';
const PENDING = 'switchboard-console:sign-in';
/** Tokens are refreshed this long before they expire, so none leaves about to lapse. */
const EARLY_MS = 60_000;
/** A 401 this soon after signing in is not mended by signing in again (that would loop): it is reported. */
const FRESH_MS = 30_000;
/** What Cognito adds to the callback URL, taken off again once read. */
const CALLBACK_PARAMS = ['code', 'state', 'error', 'error_description', 'error_uri'];

let authPromise;
let sessionPromise;
let signInPromise;
/** Cognito refused the sign-in (or its code): reported on every call until the page is loaded again. */
let failure;

/**
 * The headers an API request needs: `{ Authorization: <ID token> }` once signed in, `{}` where
 * there is no sign-in. Finishes a sign-in the URL comes back from, refreshes tokens about to
 * expire, and otherwise goes to the sign-in page (the returned promise then never settles: the
 * page is being left).
 */
export async function authHeaders() {
  const auth = await loadAuth();
  if (!auth) return {};
  if (failure) throw failure;
  sessionPromise ??= session(auth).finally(() => {
    sessionPromise = undefined;
  });
  const tokens = await sessionPromise;
  return { Authorization: tokens.idToken };
}

/**
 * After the API answered 401: signs in again, unless there is no sign-in here or the tokens are
 * only seconds old (then the 401 is not about them, and the caller reports it).
 */
export async function signInAgain() {
  const auth = await loadAuth();
  if (!auth) return;
  const tokens = readTokens();
  if (tokens && Date.now() - tokens.signedInAt < FRESH_MS) return;
  sessionStorage.removeItem(TOKENS);
  await signIn(auth);
}

/** Forgets the tokens, revokes the refresh token and signs out of Cognito, which comes back to the console. */
export async function signOut() {
  const auth = await loadAuth();
  const tokens = readTokens();
  sessionStorage.removeItem(TOKENS);
  sessionStorage.removeItem(PENDING);
  if (!auth) return;
  if (tokens?.refreshToken) {
    await fetch(new URL('/oauth2/revoke', auth.domain), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: tokens.refreshToken, client_id: auth.clientId }),
    }).catch(() => undefined); // the tokens are gone from here either way; Cognito's session is ended next
  }
  const url = new URL('/logout', auth.domain);
  url.search = new URLSearchParams({ client_id: auth.clientId, logout_uri: auth.redirectUri }).toString();
  location.assign(url.href);
}

/** Cognito's sign-in page for this client, with the request's `state` and PKCE `challenge`. */
export function authorizeUrl(auth, { state, challenge }) {
  const url = new URL('/oauth2/authorize', auth.domain);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: auth.clientId,
    redirect_uri: auth.redirectUri,
    scope: 'openid email profile',
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).toString();
  return url.href;
}

/** `href` without the parameters Cognito's callback adds; every other parameter (filters) is kept. */
export function withoutCallbackParams(href) {
  const url = new URL(href);
  for (const name of CALLBACK_PARAMS) url.searchParams.delete(name);
  return url.href;
}

/** `{ domain, clientId, redirectUri }` from config.json, or undefined when there is no sign-in. */
function loadAuth() {
  authPromise ??= fetch(new URL('config.json', BASE), { headers: { accept: 'application/json' }, cache: 'no-store' })
    .then(async (res) => {
      // No config.json (a 404, or S3's 403 for a missing key) means no sign-in; a 5xx may pass.
      if (res.status >= 500) throw new Error(`config.json: HTTP ${res.status}`);
      const auth = res.ok ? (await res.json().catch(() => ({})))?.auth : undefined;
      const valid = ['domain', 'clientId', 'redirectUri'].every((k) => typeof auth?.[k] === 'string' && auth[k]);
      return valid ? auth : undefined;
    })
    .catch((err) => {
      authPromise = undefined; // asked again with the next request
      throw err;
    });
  return authPromise;
}

async function session(auth) {
  const query = new URLSearchParams(location.search);
  if (query.has('state') && (query.has('code') || query.has('error'))) await finishSignIn(auth, query);
  const tokens = readTokens();
  if (tokens && tokens.expiresAt - EARLY_MS > Date.now()) return tokens;
  if (tokens?.refreshToken) {
    try {
      const fresh = await tokenRequest(auth, { grant_type: 'refresh_token', refresh_token: tokens.refreshToken });
      // Cognito answers a refresh without a new refresh token: the old one stays good.
      return storeTokens({
        ...fresh,
        refreshToken: fresh.refreshToken ?? tokens.refreshToken,
        signedInAt: tokens.signedInAt,
      });
    } catch {
      // Expired or revoked: sign in again.
    }
  }
  return signIn(auth);
}

/** Back from Cognito: takes `code`/`state` off the URL, checks `state`, and trades the code for tokens. */
async function finishSignIn(auth, query) {
  const pending = readJson(PENDING);
  sessionStorage.removeItem(PENDING);
  const here = withoutCallbackParams(location.href);
  history.replaceState(history.state, '', here);
  // Not the sign-in this tab started (an old or forged link): the code is not used.
  if (!pending || pending.state !== query.get('state')) return;
  if (query.has('error')) {
    failure = new Error(`Sign-in failed: ${query.get('error_description') || query.get('error')}`);
    throw failure;
  }
  try {
    const tokens = await tokenRequest(auth, {
      grant_type: 'authorization_code',
      code: query.get('code') ?? '',
      redirect_uri: auth.redirectUri,
      code_verifier: pending.verifier,
    });
    storeTokens({ ...tokens, signedInAt: Date.now() });
  } catch (err) {
    // Signing in again would likely come back to the same refusal, over and over.
    failure = err;
    throw err;
  }
  // Sign-in always comes back to the console's one callback address: go on to the page it left.
  const back = pending.returnTo ? new URL(pending.returnTo, location.href) : undefined;
  if (back && back.origin === location.origin && back.href !== here) {
    location.replace(back.href);
    await new Promise(() => {});
  }
}

/** Goes to Cognito's sign-in page; the promise never settles (the page is being left). */
function signIn(auth) {
  signInPromise ??= (async () => {
    const verifier = randomString(32);
    const state = randomString(16);
    sessionStorage.setItem(PENDING, JSON.stringify({ state, verifier, returnTo: location.href }));
    location.assign(authorizeUrl(auth, { state, challenge: await codeChallenge(verifier) }));
    return new Promise(() => {});
  })();
  return signInPromise;
}

async function tokenRequest(auth, form) {
  const res = await fetch(new URL('/oauth2/token', auth.domain), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: auth.clientId, ...form }),
    cache: 'no-store',
  });
  const body = await res.json().catch(() => ({}));
  if (!res.ok || typeof body.id_token !== 'string') {
    throw new Error(`Sign-in: the token request failed (${body.error ?? `HTTP ${res.status}`})`);
  }
  const exp = jwtClaims(body.id_token)?.exp;
  return {
    idToken: body.id_token,
    refreshToken: typeof body.refresh_token === 'string' ? body.refresh_token : undefined,
    expiresAt: typeof exp === 'number' ? exp * 1000 : Date.now() + (Number(body.expires_in) || 3600) * 1000,
  };
}

function storeTokens(tokens) {
  sessionStorage.setItem(TOKENS, JSON.stringify(tokens));
  return tokens;
}

function readTokens() {
  const tokens = readJson(TOKENS);
  return typeof tokens?.idToken === 'string' ? tokens : undefined;
}

function readJson(key) {
  try {
    return JSON.parse(sessionStorage.getItem(key) ?? 'null');
  } catch {
    return null;
  }
}
