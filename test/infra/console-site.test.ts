import { App, Stack, Validations } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  LogGroupLogDestination,
  MethodLoggingLevel,
  MockIntegration,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { CachePolicy, OriginRequestPolicy } from 'aws-cdk-lib/aws-cloudfront';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CONSOLE_REQUEST_FUNCTION, ConsoleSite, consoleDomainPrefix } from '#lib/constructs/console-site.js';

const featureFlags = (JSON.parse(readFileSync('cdk.json', 'utf8')) as { context: Record<string, unknown> }).context;

/**
 * A small stack standing in for the Switchboard stack: a REST API shaped like the webhooks API
 * (stage "live", access logs, execution logs, tracing) with one unauthenticated dummy method,
 * two plain functions, and the console site.
 */
function synth(withNag = false) {
  const app = new App({ context: { ...featureFlags, 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Switchboard');
  const api = new RestApi(stack, 'Api', {
    cloudWatchRole: true,
    deployOptions: {
      stageName: 'live',
      tracingEnabled: true,
      loggingLevel: MethodLoggingLevel.ERROR,
      accessLogDestination: new LogGroupLogDestination(new LogGroup(stack, 'ApiLogs')),
      accessLogFormat: AccessLogFormat.jsonWithStandardFields(),
    },
  });
  const dummy = api.root.addResource('ping').addMethod('GET', new MockIntegration());
  const fn = (id: string) =>
    new LambdaFunction(stack, id, {
      runtime: Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: Code.fromInline('exports.handler = async () => ({ statusCode: 200, body: "{}" });'),
    });
  const consoleFunction = fn('ConsoleFunction');
  const digestFunction = fn('DigestFunction');
  const site = new ConsoleSite(stack, 'Console', { api, consoleFunction, digestFunction });

  // What the stand-ins lack is theirs, not the console's: acknowledged on them alone.
  Validations.of(dummy).acknowledge(
    { id: 'AwsSolutions-APIG4', reason: 'Test stand-in for the webhooks API’s HMAC-checked methods.' },
    { id: 'AwsSolutions-COG4', reason: 'Test stand-in for the webhooks API’s HMAC-checked methods.' },
  );
  Validations.of(api).acknowledge(
    {
      id: 'AwsSolutions-APIG2',
      reason: 'Test stand-in: the webhooks API validates bodies in its functions (see WebhookApi).',
    },
    { id: 'AwsSolutions-APIG3', reason: 'Test stand-in: the webhooks API has no WAF either (see WebhookApi).' },
    {
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      reason: 'Test stand-in: API Gateway’s account role, as in WebhookApi.',
    },
  );
  for (const f of [consoleFunction, digestFunction])
    Validations.of(f).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'Test stand-in for an AppFunction, acknowledged in the stack as every function is.',
    });
  if (withNag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack, site };
}

const { app, stack, site } = synth();
const template = Template.fromStack(stack);
const ref = (construct: { node: { defaultChild?: unknown } }) =>
  stack.getLogicalId(construct.node.defaultChild as Parameters<typeof stack.getLogicalId>[0]);

/** The one resource of `type` whose properties match `props`, as [logical id, resource]. */
function only(type: string, props: Record<string, unknown> = {}) {
  const found = Object.entries(template.findResources(type, { Properties: Match.objectLike(props) }));
  expect(found).toHaveLength(1);
  return found[0] as [string, { Properties: Record<string, unknown>; DeletionPolicy?: string }];
}

describe('ConsoleSite', () => {
  afterAll(() => rmSync(app.outdir, { recursive: true, force: true }));

  it('passes cdk-nag AwsSolutions with every acknowledgement justified', () => {
    const nagged = synth(true).app;
    expect(() => nagged.synth()).not.toThrow();
    rmSync(nagged.outdir, { recursive: true, force: true });
  });

  it('keeps the files in a private, encrypted, TLS-only bucket with access logs, retained', () => {
    const bucket = ref(site.bucket);
    template.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        LoggingConfiguration: Match.objectLike({ LogFilePrefix: 's3/' }),
      }),
    });
    expect(template.toJSON().Resources[bucket].DeletionPolicy).toBe('Retain');
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucket },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: 's3:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it('serves the bucket through Origin Access Control only', () => {
    const [oac] = only('AWS::CloudFront::OriginAccessControl');
    template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: { OriginAccessControlOriginType: 's3', SigningBehavior: 'always' },
    });
    const [, distribution] = only('AWS::CloudFront::Distribution');
    const config = distribution.Properties.DistributionConfig as {
      Origins: { Id: string; OriginAccessControlId?: unknown; S3OriginConfig?: unknown; DomainName: unknown }[];
      DefaultCacheBehavior: Record<string, unknown>;
      CacheBehaviors: Record<string, unknown>[];
      Logging: unknown;
    };
    const s3Origin = config.Origins.find((o) => o.S3OriginConfig);
    expect(s3Origin?.OriginAccessControlId).toEqual({ 'Fn::GetAtt': [oac, 'Id'] });
    expect(s3Origin?.S3OriginConfig).toEqual({ OriginAccessIdentity: '' });
    expect(config.DefaultCacheBehavior).toMatchObject({
      TargetOriginId: s3Origin?.Id,
      ViewerProtocolPolicy: 'redirect-to-https',
      AllowedMethods: ['GET', 'HEAD'],
    });
    // Only CloudFront, for this distribution, may read the bucket.
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: ref(site.bucket) },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudfront.amazonaws.com' },
            Action: 's3:GetObject',
            Condition: { StringEquals: { 'AWS:SourceArn': Match.anyValue() } },
          }),
        ]),
      },
    });
    expect(config.Logging).toMatchObject({ Prefix: 'cloudfront/' });
  });

  it('sends console/api/* to the REST API, uncached, with the viewer headers but Host, GET and HEAD only', () => {
    const [, distribution] = only('AWS::CloudFront::Distribution');
    const config = distribution.Properties.DistributionConfig as {
      Origins: { Id: string; DomainName: unknown; OriginPath?: unknown; CustomOriginConfig?: unknown }[];
      CacheBehaviors: Record<string, unknown>[];
    };
    expect(config.CacheBehaviors).toHaveLength(1);
    const api = config.CacheBehaviors[0]!;
    expect(api).toMatchObject({
      PathPattern: 'console/api/*',
      CachePolicyId: CachePolicy.CACHING_DISABLED.cachePolicyId,
      OriginRequestPolicyId: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER.originRequestPolicyId,
      AllowedMethods: ['GET', 'HEAD'],
      ViewerProtocolPolicy: 'https-only',
    });
    const origin = config.Origins.find((o) => o.Id === api.TargetOriginId);
    expect(JSON.stringify(origin?.DomainName)).toContain('.execute-api.');
    expect(JSON.stringify(origin?.DomainName)).toContain(stack.getLogicalId(apiOf(stack)));
    expect(origin?.CustomOriginConfig).toMatchObject({
      OriginProtocolPolicy: 'https-only',
      OriginSSLProtocols: ['TLSv1.2'],
    });
  });

  it('puts GET /console/api/{name} behind the Cognito authorizer (ID token in Authorization), with its own throttle', () => {
    const [nameResource] = only('AWS::ApiGateway::Resource', { PathPart: '{name}' });
    const [authorizer] = only('AWS::ApiGateway::Authorizer', {
      Type: 'COGNITO_USER_POOLS',
      IdentitySource: 'method.request.header.Authorization',
      ProviderARNs: [{ 'Fn::GetAtt': [ref(site.userPool), 'Arn'] }],
    });
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      ResourceId: { Ref: nameResource },
      HttpMethod: 'GET',
      AuthorizationType: 'COGNITO_USER_POOLS',
      AuthorizerId: { Ref: authorizer },
      Integration: Match.objectLike({
        Type: 'AWS_PROXY',
        Uri: Match.objectLike({
          'Fn::Join': ['', Match.arrayWith([{ 'Fn::GetAtt': [Match.stringLikeRegexp('^ConsoleFunction'), 'Arn'] }])],
        }),
      }),
    });
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'live',
      MethodSettings: Match.arrayWith([
        Match.objectLike({ ResourcePath: '/*', HttpMethod: '*' }),
        {
          HttpMethod: 'GET',
          ResourcePath: '/~1console~1api~1{name}',
          ThrottlingRateLimit: 20,
          ThrottlingBurstLimit: 40,
          LoggingLevel: 'ERROR',
          DataTraceEnabled: false,
        },
      ]),
    });
  });

  it('signs people in with an admin-only user pool: e-mail, strong passwords, TOTP MFA required, retained', () => {
    template.hasResource('AWS::Cognito::UserPool', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        AdminCreateUserConfig: Match.objectLike({ AllowAdminCreateUserOnly: true }),
        UsernameAttributes: ['email'],
        MfaConfiguration: 'ON',
        EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
        DeletionProtection: 'ACTIVE',
        Policies: {
          PasswordPolicy: Match.objectLike({
            MinimumLength: 14,
            RequireLowercase: true,
            RequireUppercase: true,
            RequireNumbers: true,
            RequireSymbols: true,
          }),
        },
      }),
    });
    template.hasResourceProperties('AWS::Cognito::UserPoolDomain', {
      Domain: { 'Fn::Join': ['', ['switchboard-console-', { Ref: 'AWS::AccountId' }]] },
      ManagedLoginVersion: 2,
    });
    template.hasResourceProperties('AWS::Cognito::ManagedLoginBranding', {
      ClientId: { Ref: ref(site.client) },
      UseCognitoProvidedValues: true,
    });
  });

  it('gives the pages a public client: the code grant (PKCE), no secret, one-hour tokens, the console as callback', () => {
    const consoleUrl = {
      'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [ref(site.distribution), 'DomainName'] }, '/console/']],
    };
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      GenerateSecret: false,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthScopes: ['openid', 'email', 'profile'],
      SupportedIdentityProviders: ['COGNITO'],
      CallbackURLs: [consoleUrl],
      LogoutURLs: [consoleUrl],
      IdTokenValidity: 60,
      AccessTokenValidity: 60,
      AuthSessionValidity: 15,
      TokenValidityUnits: Match.objectLike({ IdToken: 'minutes', AccessToken: 'minutes' }),
    });
    template.hasOutput('ConsoleUrl', { Value: consoleUrl });
    template.hasOutput('ConsoleUserPoolId', { Value: { Ref: ref(site.userPool) } });
    template.hasOutput('ConsoleBucketName', { Value: { Ref: ref(site.bucket) } });
  });

  it('sends security headers: a CSP naming only itself and the sign-in domain, HSTS, no framing, no sniffing, no referrer', () => {
    const [, policy] = only('AWS::CloudFront::ResponseHeadersPolicy');
    const security = (
      policy.Properties.ResponseHeadersPolicyConfig as { SecurityHeadersConfig: Record<string, unknown> }
    ).SecurityHeadersConfig;
    expect(security).toMatchObject({
      ContentTypeOptions: { Override: true },
      FrameOptions: { FrameOption: 'DENY', Override: true },
      ReferrerPolicy: { ReferrerPolicy: 'no-referrer', Override: true },
      StrictTransportSecurity: { AccessControlMaxAgeSec: 63_072_000, IncludeSubdomains: true, Override: true },
    });
    const csp = cspOf(security);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain(`connect-src 'self' https://<${domainRef()}>.auth.<Region>.amazoncognito.com;`);
    // index.html's one inline script (moving /console to /console/), by its hash.
    const inline = /<script>([\s\S]*?)<\/script>/.exec(readFileSync('console/index.html', 'utf8'))![1]!;
    expect(csp).toContain(`'sha256-${createHash('sha256').update(inline).digest('base64')}'`);
  });

  it('deploys the pages and a config.json with the sign-in, and the chart libraries, never pruning digests', () => {
    const deployments = Object.values(template.findResources('Custom::CDKBucketDeployment')).map(
      (r) => (r as { Properties: Record<string, unknown> }).Properties,
    );
    expect(deployments).toHaveLength(2);
    const files = deployments.find((d) => d.DestinationBucketKeyPrefix === 'console/')!;
    const vendor = deployments.find((d) => d.DestinationBucketKeyPrefix === 'console/vendor/')!;
    expect(files).toMatchObject({ Prune: true, Exclude: ['digests/*', 'vendor/*'], DistributionPaths: ['/console/*'] });
    expect(vendor).toMatchObject({ Prune: true });
    for (const d of [files, vendor]) expect(d.SystemMetadata).toEqual({ 'cache-control': 'no-cache' });
    // config.json's deploy-time values: the sign-in domain (its prefix, the region), the client, the distribution.
    expect(Object.values((files.SourceMarkers as Record<string, unknown>[])[1]!)).toEqual([
      { Ref: domainRef() },
      { Ref: 'AWS::Region' },
      { Ref: ref(site.client) },
      { 'Fn::GetAtt': [ref(site.distribution), 'DomainName'] },
    ]);

    // What the assets hold: the pages without the twin's config.json; each library's one build.
    const assets = JSON.parse(readFileSync(join(app.outdir, 'Switchboard.assets.json'), 'utf8')) as {
      files: Record<string, { source: { path: string } }>;
    };
    const contents = (key: string) =>
      readdirSync(join(app.outdir, assets.files[key.replace(/\.zip$/, '')]!.source.path)).sort();
    const [pages, configJson] = (files.SourceObjectKeys as string[]).map(contents);
    expect(pages).toEqual(expect.arrayContaining(['index.html', 'console.js', 'auth.js', 'pkce.js', 'console.css']));
    expect(pages).not.toContain('config.json');
    expect(configJson).toEqual(['config.json']);
    expect((vendor.SourceObjectKeys as string[]).map(contents)).toEqual([
      ['vega.min.js'],
      ['vega-lite.min.js'],
      ['vega-embed.min.js'],
    ]);
  });

  it('keeps the digests in a bucket CloudFront does not serve: the console function lists and reads them, the digest function writes them', () => {
    const bucket = ref(site.digestBucket);
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: Match.objectLike({ BlockPublicAcls: true, RestrictPublicBuckets: true }),
    });
    // No origin of the distribution is the digest bucket.
    const distribution = Object.values(template.findResources('AWS::CloudFront::Distribution'))[0];
    expect(JSON.stringify(distribution)).not.toContain(bucket);
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^ConsoleFunctionServiceRole') }],
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: 's3:ListBucket',
            Resource: { 'Fn::GetAtt': [bucket, 'Arn'] },
            Condition: { StringLike: { 's3:prefix': ['digests/*'] } },
          },
          {
            Effect: 'Allow',
            Action: 's3:GetObject',
            Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucket, 'Arn'] }, '/digests/*']] },
          },
        ],
      },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^DigestFunctionServiceRole') }],
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: 's3:PutObject',
            Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucket, 'Arn'] }, '/digests/*']] },
          },
        ],
      },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { DIGEST_BUCKET: { Ref: bucket } } },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: {
          DIGEST_BUCKET: { Ref: bucket },
          CONSOLE_URL: {
            'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [ref(site.distribution), 'DomainName'] }, '/console/']],
          },
        },
      },
    });
  });

  it('moves / and /console to /console/ and serves a folder its index.html at the edge', () => {
    template.hasResourceProperties('AWS::CloudFront::Function', {
      FunctionCode: CONSOLE_REQUEST_FUNCTION,
      FunctionConfig: Match.objectLike({ Runtime: 'cloudfront-js-2.0' }),
    });
    const handler = new Function(`${CONSOLE_REQUEST_FUNCTION}; return handler;`)() as (event: unknown) => {
      uri?: string;
      statusCode?: number;
      headers?: { location?: { value: string } };
    };
    const run = (uri: string, querystring: Record<string, unknown> = {}) => handler({ request: { uri, querystring } });
    expect(run('/')).toMatchObject({ statusCode: 302, headers: { location: { value: '/console/' } } });
    expect(run('/console')).toMatchObject({ statusCode: 302, headers: { location: { value: '/console/' } } });
    expect(run('/console', { platform: { value: 'x' } }).uri).toBe('/console/index.html');
    expect(run('/console/').uri).toBe('/console/index.html');
    expect(run('/console/trends.html').uri).toBe('/console/trends.html');
    expect(run('/console/digests/2026-12-05.html').uri).toBe('/console/digests/2026-12-05.html');
    expect(run('/console/vendor/vega.min.js').uri).toBe('/console/vendor/vega.min.js');
  });

  it('derives a valid Cognito domain prefix from the stack name and account', () => {
    const valid = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
    for (const [name, prefix] of [
      ['Switchboard', 'switchboard-console-123456789012'],
      ['My_AWS-Stack', 'my-stack-console-123456789012'],
      ['CognitoAmazon', 'switchboard-console-123456789012'],
      ['x'.repeat(80), `${'x'.repeat(42)}-console-123456789012`],
      [`${'a'.repeat(41)}--b`, `${'a'.repeat(41)}-console-123456789012`],
    ] as const) {
      const made = consoleDomainPrefix(name, '123456789012');
      expect([name, made]).toEqual([name, prefix]);
      expect(made).toMatch(valid);
      expect(made).not.toMatch(/aws|amazon|cognito/);
    }
  });
});

function domainRef(): string {
  return Object.keys(template.findResources('AWS::Cognito::UserPoolDomain'))[0]!;
}

function apiOf(scope: Stack) {
  return (scope.node.findChild('Api') as RestApi).node.defaultChild as Parameters<typeof scope.getLogicalId>[0];
}

/** The CSP with the account and region written as <AccountId> and <Region>. */
function cspOf(security: Record<string, unknown>): string {
  const value = (security.ContentSecurityPolicy as { ContentSecurityPolicy: unknown }).ContentSecurityPolicy;
  if (typeof value === 'string') return value;
  const [, parts] = (value as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
  return parts
    .map((p) => (typeof p === 'string' ? p : `<${String((p as { Ref: string }).Ref).replace('AWS::', '')}>`))
    .join('');
}
