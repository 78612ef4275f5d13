import { App, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readFileSync } from 'node:fs';
import { decodePrestoViewText } from '#core/audit/athena-views.js';
import { AUDIT_QUESTIONS } from '#core/audit/questions.js';
import { AUDIT_TABLES } from '#core/audit/tables.js';
import { parseConfig } from '#core/config/load-config.js';
import { SwitchboardStack } from '#lib/switchboard-stack.js';

const featureFlags = (JSON.parse(readFileSync('cdk.json', 'utf8')) as { context: Record<string, unknown> }).context;

/** Synthesizes the real stack as test/infra/stack.test.ts does: cdk.json's flags, no bundling. */
function synth(withNag = false) {
  const app = new App({ context: { ...featureFlags, 'aws:cdk:bundling-stacks': [] } });
  const stack = new SwitchboardStack(app, 'Switchboard', {
    config: parseConfig(readFileSync('config/switchboard.yaml', 'utf8')),
    alarmEmail: 'oncall@example.com',
  });
  if (withNag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}

const template = Template.fromStack(synth().stack);
const DATABASE = 'switchboard_audit';

interface TableResource {
  Properties: {
    DatabaseName: string;
    TableInput: {
      Name: string;
      TableType: string;
      Parameters: Record<string, string>;
      ViewOriginalText?: string;
      ViewExpandedText?: string;
      StorageDescriptor: { Columns: { Name: string; Type: string }[]; Location?: unknown };
    };
  };
  DependsOn?: string[];
}

const tables = Object.values(template.findResources('AWS::Glue::Table')) as TableResource[];
const byName = new Map(tables.map((t) => [t.Properties.TableInput.Name, t]));

describe('the audit catalog on AWS', () => {
  it('defines export_lines and the six audit views in the audit database, after the database', () => {
    expect([...byName.keys()].sort()).toEqual(['export_lines', ...AUDIT_TABLES.map((t) => t.name)].sort());
    const [databaseId] = Object.keys(template.findResources('AWS::Glue::Database'));
    template.hasResourceProperties('AWS::Glue::Database', { DatabaseInput: Match.objectLike({ Name: DATABASE }) });
    for (const table of tables) {
      expect(table.Properties.DatabaseName).toBe(DATABASE);
      expect(table.DependsOn).toContain(databaseId);
    }
  });

  it('reads export_lines from the audit bucket’s exports/AWSDynamoDB/', () => {
    const lines = byName.get('export_lines')!.Properties.TableInput;
    expect(lines.TableType).toBe('EXTERNAL_TABLE');
    const [bucketId] = Object.keys(
      template.findResources('AWS::S3::Bucket', { Properties: { ObjectLockEnabled: true } }),
    );
    expect(lines.StorageDescriptor.Location).toEqual({
      'Fn::Join': ['', ['s3://', { Ref: bucketId }, '/exports/AWSDynamoDB/']],
    });
  });

  it('gives each view the columns tables.ts declares, in order, in Glue and in its Presto definition (drift)', () => {
    for (const declared of AUDIT_TABLES) {
      const input = byName.get(declared.name)!.Properties.TableInput;
      expect(input.TableType).toBe('VIRTUAL_VIEW');
      expect(input.Parameters).toEqual({ presto_view: 'true', comment: 'Presto View' });
      expect(input.ViewExpandedText).toBe('/* Presto View */');
      const names = declared.columns.map((c) => c.name);
      expect(input.StorageDescriptor.Columns.map((c) => c.Name)).toEqual(names);
      // A plain string in the template: the definition holds no unresolved token.
      expect(typeof input.ViewOriginalText).toBe('string');
      const definition = decodePrestoViewText(input.ViewOriginalText!);
      expect(definition.columns.map((c) => c.name)).toEqual(names);
      expect(definition).toMatchObject({ catalog: 'awsdatacatalog', schema: DATABASE });
      expect(definition.originalSql).toContain('FROM export_lines');
    }
  });

  it('saves every question as a named query of the auditors’ workgroup, on the audit database', () => {
    const queries = Object.values(template.findResources('AWS::Athena::NamedQuery')) as {
      Properties: { Name: string; Database: string; WorkGroup: string; QueryString: string };
      DependsOn: string[];
    }[];
    expect(queries.map((q) => q.Properties.Name).sort()).toEqual(AUDIT_QUESTIONS.map((q) => q.title).sort());
    const [workGroupId] = Object.keys(template.findResources('AWS::Athena::WorkGroup'));
    for (const query of queries) {
      expect(query.Properties.WorkGroup).toBe('Switchboard-audit');
      expect(query.Properties.Database).toBe(DATABASE);
      expect(query.DependsOn).toContain(workGroupId);
      expect(AUDIT_QUESTIONS.find((q) => q.title === query.Properties.Name)?.sql).toBe(query.Properties.QueryString);
    }
  });

  it('lets the auditor role read the views and list the saved queries as the console does', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: Match.objectLike({
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: Match.arrayWith(['athena:BatchGetNamedQuery', 'athena:GetNamedQuery', 'athena:ListNamedQueries']),
          }),
          Match.objectLike({ Action: Match.arrayWith(['glue:GetTable', 'glue:GetTables']) }),
        ]),
      }),
    });
  });

  it('still passes cdk-nag AwsSolutions with nothing unacknowledged', () => {
    const { app } = synth(true);
    expect(() => app.synth()).not.toThrow();
  });
});
