import { App, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readFileSync } from 'node:fs';
import { parseConfig } from '#core/config/load-config.js';
import { SwitchboardStack } from '#lib/switchboard-stack.js';

const shipped = readFileSync('config/switchboard.yaml', 'utf8');
const modelId = 'anthropic.claude-3-haiku-20240307-v1:0';
const cloud = `${shipped}\nenrichment: { provider: comprehend, intents: bedrock, bedrockModelId: ${modelId} }\n`;
const featureFlags = (JSON.parse(readFileSync('cdk.json', 'utf8')) as { context: Record<string, unknown> }).context;

/** Synthesizes with cdk.json's feature flags and bundling skipped, as stack.test.ts does. */
function synth(text: string, withNag = false) {
  const app = new App({ context: { ...featureFlags, 'aws:cdk:bundling-stacks': [] } });
  const stack = new SwitchboardStack(app, 'Switchboard', {
    config: parseConfig(text),
    alarmEmail: 'oncall@example.com',
  });
  if (withNag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}

const statementsOf = (template: Template) =>
  Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
    (p) =>
      (p as { Properties: { PolicyDocument: { Statement: { Action: unknown }[] } } }).Properties.PolicyDocument
        .Statement,
  );
const actionsOf = (template: Template) => statementsOf(template).flatMap((s) => [s.Action].flat() as string[]);

describe('cloud enrichment permissions', () => {
  const template = Template.fromStack(synth(cloud).stack);

  it('lets the process function call the three Comprehend Detect APIs', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: ['comprehend:DetectDominantLanguage', 'comprehend:DetectPiiEntities', 'comprehend:DetectSentiment'],
            Resource: '*',
          },
        ],
      },
      Roles: [{ Ref: Match.stringLikeRegexp('^ProcessFunctionServiceRole') }],
    });
  });

  it('lets it invoke only the configured foundation model', () => {
    const invoke = statementsOf(template).filter((s) => s.Action === 'bedrock:InvokeModel');
    expect(invoke).toHaveLength(1);
    expect(JSON.stringify(invoke[0])).toContain(`:foundation-model/${modelId}`);
    expect(JSON.stringify(invoke[0])).not.toContain('*');
  });

  it('passes cdk-nag AwsSolutions', () => {
    const { app } = synth(cloud, true);
    expect(() => app.synth()).not.toThrow();
  });

  it('grants no Comprehend or Bedrock permission with the shipped (local) config', () => {
    const actions = actionsOf(Template.fromStack(synth(shipped).stack));
    expect(actions.filter((a) => /^(comprehend|bedrock):/.test(a))).toEqual([]);
  });
});

describe('model drafts permissions', () => {
  const withDrafts = (id: string) =>
    shipped.replace(/^ {2}templates:\n/m, `  drafts:\n    bedrock: { modelId: ${id} }\n  templates:\n`);
  const invokeOf = (text: string) => {
    const template = Template.fromStack(synth(text).stack);
    const policies = template.findResources('AWS::IAM::Policy', {
      Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^RepliesApiFunctionServiceRole') }] },
    });
    return Object.values(policies)
      .flatMap(
        (p) =>
          (p as { Properties: { PolicyDocument: { Statement: { Action: unknown }[] } } }).Properties.PolicyDocument
            .Statement,
      )
      .filter((s) => s.Action === 'bedrock:InvokeModel');
  };

  it('lets the replies API invoke only the configured foundation model', () => {
    const invoke = invokeOf(withDrafts(modelId));
    expect(invoke).toHaveLength(1);
    expect(JSON.stringify(invoke[0])).toContain(`:foundation-model/${modelId}`);
    expect(JSON.stringify(invoke[0])).not.toContain('*');
  });

  it('lets it invoke an inference profile and only the model that profile routes to', () => {
    const profile = 'us.anthropic.claude-3-5-haiku-20241022-v1:0';
    const invoke = JSON.stringify(invokeOf(withDrafts(profile)));
    expect(invoke).toContain(`:inference-profile/${profile}`);
    expect(invoke).toContain(':bedrock:*::foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0');
    const { app } = synth(withDrafts(profile), true);
    expect(() => app.synth()).not.toThrow();
  });

  it('grants the replies API no Bedrock permission without voice.drafts', () => {
    expect(invokeOf(shipped)).toEqual([]);
  });
});
