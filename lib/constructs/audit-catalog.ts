import { Stack, Token } from 'aws-cdk-lib';
import { CfnNamedQuery, type CfnWorkGroup } from 'aws-cdk-lib/aws-athena';
import { type CfnDatabase, CfnTable } from 'aws-cdk-lib/aws-glue';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import {
  athenaViews,
  EXPORTS_FOLDER,
  exportLinesTableInput,
  type GlueTableInput,
  prestoViewTableInput,
} from '../../lambdas/core/audit/athena-views.js';
import { AUDIT_QUESTIONS } from '../../lambdas/core/audit/questions.js';

/** Props of {@link AuditCatalog}. */
export interface AuditCatalogProps {
  /** The audit Glue database's name: a plain string (it is written into each view's definition). */
  databaseName: string;
  /** The audit Glue database, so the tables are created after it. */
  database: CfnDatabase;
  /** The audit bucket; DynamoDB exports into its `exports/` prefix. */
  bucket: IBucket;
  /** The auditors' Athena workgroup, which holds the named queries. */
  workGroup: CfnWorkGroup;
}

/**
 * The audit tables on Athena (docs/auditing.md, "On AWS: Athena"): the raw table `export_lines`
 * over the bucket's `exports/AWSDynamoDB/`, the six audit tables as Athena views over it (Glue
 * tables of type VIRTUAL_VIEW, compiled from the declarations in lambdas/core/audit/tables.ts by
 * lambdas/core/audit/athena-views.ts), and the auditors' usual questions
 * (lambdas/core/audit/questions.ts) as named queries of the workgroup.
 *
 * Defined in CloudFormation rather than by DDL run at deploy time: no custom resource, no Athena
 * query on deploy, and a change to the declarations is a change to the template that review sees.
 * The views always read the newest complete export, so nothing changes when a new export lands.
 */
export class AuditCatalog extends Construct {
  /** The Glue tables by name: `export_lines` and the six views. */
  readonly tables: ReadonlyMap<string, CfnTable>;
  /** The named queries by question id. */
  readonly namedQueries: ReadonlyMap<string, CfnNamedQuery>;

  constructor(scope: Construct, id: string, props: AuditCatalogProps) {
    super(scope, id);
    const stack = Stack.of(this);
    if (Token.isUnresolved(props.databaseName))
      throw new Error('AuditCatalog needs the database name as a plain string: each view definition holds it');
    const inputs: GlueTableInput[] = [
      exportLinesTableInput(props.bucket.s3UrlForObject(`exports/${EXPORTS_FOLDER}/`)),
      ...athenaViews().map((view) => prestoViewTableInput(view, props.databaseName)),
    ];
    const tables = new Map<string, CfnTable>();
    for (const input of inputs) {
      const table = new CfnTable(this, `Table-${input.Name}`, {
        catalogId: stack.account,
        databaseName: props.databaseName,
        tableInput: cfnTableInput(input),
      });
      table.addResourceDependency(props.database);
      tables.set(input.Name, table);
    }
    this.tables = tables;

    const workGroupName = props.workGroup.name;
    const namedQueries = new Map<string, CfnNamedQuery>();
    for (const question of AUDIT_QUESTIONS) {
      const query = new CfnNamedQuery(this, `Query-${question.id}`, {
        name: question.title,
        description: question.description,
        database: props.databaseName,
        workGroup: workGroupName,
        queryString: question.sql,
      });
      // The workgroup must exist first; the views must too, for the queries to mean anything.
      query.addResourceDependency(props.workGroup);
      for (const table of tables.values()) query.addResourceDependency(table);
      namedQueries.set(question.id, query);
    }
    this.namedQueries = namedQueries;
  }
}

/** A Glue TableInput (Glue's API shape) as CloudFormation's TableInput property. */
function cfnTableInput(input: GlueTableInput): CfnTable.TableInputProperty {
  const sd = input.StorageDescriptor;
  return {
    name: input.Name,
    description: input.Description,
    tableType: input.TableType,
    parameters: input.Parameters,
    viewOriginalText: input.ViewOriginalText,
    viewExpandedText: input.ViewExpandedText,
    storageDescriptor: {
      columns: sd.Columns.map((c) => ({ name: c.Name, type: c.Type, comment: c.Comment })),
      location: sd.Location,
      inputFormat: sd.InputFormat,
      outputFormat: sd.OutputFormat,
      compressed: sd.Compressed,
      serdeInfo: { serializationLibrary: sd.SerdeInfo.SerializationLibrary, parameters: sd.SerdeInfo.Parameters },
    },
  };
}
