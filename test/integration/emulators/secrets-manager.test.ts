import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { startSecretsManager, type SecretsManagerEmulator } from '#local/emulators/secrets-manager.js';
import { localCredentials } from '#test-support/aws-local.js';

const ARN_KEYED = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:switchboard/facebook-AbC123';

describe('Secrets Manager emulator', () => {
  let secrets: SecretsManagerEmulator;
  let client: SecretsManagerClient;

  beforeAll(async () => {
    secrets = await startSecretsManager({
      secrets: {
        'switchboard/generic': '{"signingSecret":"local-generic"}',
        [ARN_KEYED]: '{"appSecret":"local-fb","verifyToken":"t"}',
      },
    });
    client = new SecretsManagerClient({
      endpoint: secrets.endpoint,
      region: 'us-east-1',
      credentials: localCredentials,
    });
  });

  afterAll(async () => {
    client.destroy();
    await secrets.stop();
  });

  it('listens on an ephemeral port by default', () => {
    expect(secrets.port).toBeGreaterThan(0);
    expect(secrets.endpoint).toBe(`http://127.0.0.1:${secrets.port}`);
  });

  it('serves a secret by name, by its ARN and by its ARN without the random suffix', async () => {
    const byName = await client.send(new GetSecretValueCommand({ SecretId: 'switchboard/generic' }));
    expect(byName.SecretString).toBe('{"signingSecret":"local-generic"}');
    expect(byName.Name).toBe('switchboard/generic');
    expect(byName.ARN).toBe(secrets.arnOf('switchboard/generic'));
    expect(byName.ARN).toMatch(
      /^arn:aws:secretsmanager:us-east-1:123456789012:secret:switchboard\/generic-[A-Za-z0-9]{6}$/,
    );
    expect(byName.VersionStages).toEqual(['AWSCURRENT']);
    expect((await client.send(new GetSecretValueCommand({ SecretId: byName.ARN }))).SecretString).toBe(
      byName.SecretString,
    );

    const byArn = await client.send(new GetSecretValueCommand({ SecretId: ARN_KEYED }));
    expect(byArn.SecretString).toBe('{"appSecret":"local-fb","verifyToken":"t"}');
    expect(byArn.ARN).toBe(ARN_KEYED);
    expect(byArn.Name).toBe('switchboard/facebook');
    expect((await client.send(new GetSecretValueCommand({ SecretId: 'switchboard/facebook' }))).ARN).toBe(ARN_KEYED);
    expect(
      (
        await client.send(
          new GetSecretValueCommand({
            SecretId: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:switchboard/facebook',
          }),
        )
      ).ARN,
    ).toBe(ARN_KEYED);
  });

  it('raises ResourceNotFoundException (400) for an unknown secret', async () => {
    const error = await client.send(new GetSecretValueCommand({ SecretId: 'nope' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResourceNotFoundException);
    expect((error as ResourceNotFoundException).message).toBe("Secrets Manager can't find the specified secret.");
    expect((error as ResourceNotFoundException).$metadata.httpStatusCode).toBe(400);
  });

  it('describes and lists secrets', async () => {
    const described = await client.send(new DescribeSecretCommand({ SecretId: 'switchboard/generic' }));
    expect(described.Name).toBe('switchboard/generic');
    expect(described.CreatedDate).toBeInstanceOf(Date);
    const listed = await client.send(new ListSecretsCommand({}));
    expect(listed.SecretList?.map((s) => s.Name).sort()).toEqual(['switchboard/facebook', 'switchboard/generic']);
  });

  it('serves a new value after setSecret, with a new version id', async () => {
    const before = await client.send(new GetSecretValueCommand({ SecretId: 'switchboard/generic' }));
    secrets.setSecret('switchboard/generic', '{"signingSecret":"rotated"}');
    const after = await client.send(new GetSecretValueCommand({ SecretId: 'switchboard/generic' }));
    expect(after.SecretString).toBe('{"signingSecret":"rotated"}');
    expect(after.VersionId).not.toBe(before.VersionId);
    expect(after.ARN).toBe(before.ARN);
  });

  it('answers an unknown action with UnknownOperationException', async () => {
    const response = await fetch(secrets.endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'secretsmanager.RotateSecret' },
      body: '{}',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ __type: 'UnknownOperationException' });
  });

  it("answers the Parameters and Secrets extension's local API, to requests with the token only", async () => {
    const { startSecretsExtension } = await import('#local/emulators/secrets-extension.js');
    const { secretReader } = await import('#aws/platform-secrets.js');
    const ext = await startSecretsExtension({ getSecretValue: (id) => secrets.getSecretValue(id), token: 'session' });
    try {
      const url = (id: string) => `http://127.0.0.1:${ext.port}/secretsmanager/get?secretId=${encodeURIComponent(id)}`;
      const ok = await fetch(url('switchboard/generic'), { headers: { 'X-Aws-Parameters-Secrets-Token': 'session' } });
      expect(ok.status).toBe(200);
      const current = secrets.getSecretValue('switchboard/generic');
      expect(await ok.json()).toEqual(current);
      expect(current).toMatchObject({ Name: 'switchboard/generic', VersionStages: ['AWSCURRENT'] });
      expect((await fetch(url('switchboard/generic'))).status).toBe(401);
      expect(
        (await fetch(url('switchboard/generic'), { headers: { 'X-Aws-Parameters-Secrets-Token': 'other' } })).status,
      ).toBe(401);
      const missing = await fetch(url('nope'), { headers: { 'X-Aws-Parameters-Secrets-Token': 'session' } });
      expect(missing.status).toBe(400);
      expect(await missing.json()).toMatchObject({ __type: 'ResourceNotFoundException' });
      // the functions' reader, end to end
      const read = secretReader(
        { generic: 'switchboard/generic' },
        { env: { PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String(ext.port), AWS_SESSION_TOKEN: 'session' } },
      );
      expect(await read('generic')).toEqual(JSON.parse(String(current.SecretString)));
    } finally {
      await ext.stop();
    }
  });
});
