import { secretReader } from '#aws/platform-secrets.js';

const ARN = 'arn:aws:secretsmanager:us-east-1:123:secret:x-AbCdEf';

/** A fake extension: answers each request with the next scripted response, and lists the requests. */
function extension(...answers: (() => Response)[]) {
  const requests: { url: string; token: string | null }[] = [];
  const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    requests.push({ url: String(input), token: new Headers(init?.headers).get('x-aws-parameters-secrets-token') });
    const next = answers.shift();
    if (!next) throw new Error('no more answers');
    return next();
  }) as typeof globalThis.fetch;
  return { fetch, requests };
}
const ok = (secret: unknown) => () =>
  new Response(JSON.stringify({ ARN, SecretString: typeof secret === 'string' ? secret : JSON.stringify(secret) }), {
    status: 200,
  });

describe('platform secrets through the Parameters and Secrets extension', () => {
  it('asks the extension on its configured port with the session token, and keeps the secret a minute', async () => {
    let clock = 0;
    const ext = extension(ok({ consumerSecret: 'one' }), ok({ consumerSecret: 'two' }));
    const read = secretReader(
      { x: ARN },
      {
        fetch: ext.fetch,
        now: () => clock,
        env: { PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: '9999', AWS_SESSION_TOKEN: 'tok' },
      },
    );
    expect(await read('x')).toEqual({ consumerSecret: 'one' });
    clock = 59_000;
    expect(await read('x')).toEqual({ consumerSecret: 'one' });
    clock = 60_000;
    expect(await read('x')).toEqual({ consumerSecret: 'two' });
    expect(ext.requests).toEqual([
      { url: `http://localhost:9999/secretsmanager/get?secretId=${encodeURIComponent(ARN)}`, token: 'tok' },
      { url: `http://localhost:9999/secretsmanager/get?secretId=${encodeURIComponent(ARN)}`, token: 'tok' },
    ]);
  });

  it('throws, naming the platform and the answer, when the extension refuses, and keeps nothing', async () => {
    const ext = extension(
      () =>
        new Response(
          '{"__type":"ResourceNotFoundException","message":"Secrets Manager can\'t find the specified secret."}',
          { status: 400 },
        ),
      ok({ consumerSecret: 'back' }),
    );
    const read = secretReader({ x: ARN }, { fetch: ext.fetch, env: {} });
    await expect(read('x')).rejects.toThrow(
      /platform "x" could not be read \(extension answered 400: .*ResourceNotFoundException/,
    );
    expect(await read('x')).toEqual({ consumerSecret: 'back' });
    expect(ext.requests[0]?.url).toContain('http://localhost:2773/');
  });

  it('refuses a secret that is not a JSON object, and a platform without a secret', async () => {
    for (const value of ['not json', '[1,2]', '"text"']) {
      await expect(secretReader({ x: ARN }, { fetch: extension(ok(value)).fetch, env: {} })('x')).rejects.toThrow(
        'The secret for platform "x" is not a JSON object',
      );
    }
    await expect(secretReader({}, { fetch: extension().fetch, env: {} })('x')).rejects.toThrow(
      'No secret is configured for platform "x"',
    );
  });
});
