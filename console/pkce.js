// PKCE (RFC 7636) for the console's sign-in: the page keeps a random verifier and sends only its
// SHA-256 (the challenge) with the sign-in request, so a code caught on its way back is of no use
// without the verifier. Pure functions over Web Crypto: the same in a browser and in Node.

/** Bytes as base64url without padding (RFC 4648 §5), as PKCE and JWTs write them. */
export function base64url(bytes) {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** A random string of `byteLength` bytes, base64url (32 bytes: a 43-character code verifier). */
export function randomString(byteLength = 32) {
  return base64url(crypto.getRandomValues(new Uint8Array(byteLength)));
}

/** The S256 code challenge of `verifier`: base64url(SHA-256(ASCII(verifier))). */
export async function codeChallenge(verifier) {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

/** The claims of a JWT (not verified: API Gateway does that; the page only reads `exp`), or undefined. */
export function jwtClaims(token) {
  const payload = typeof token === 'string' ? token.split('.')[1] : undefined;
  if (!payload) return undefined;
  try {
    const binary = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return undefined;
  }
}
