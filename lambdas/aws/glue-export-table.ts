import { GetTableCommand, type GlueClient, type TableInput, UpdateTableCommand } from '@aws-sdk/client-glue';

/**
 * Points the auditors' raw Glue table (`export_lines`) at one export's folder. The audit views
 * pick the newest complete export from whatever the table reads, so they are right over the
 * whole exports folder too; but Athena bills by the bytes a query scans, and the folder holds
 * every daily export kept (years of them). After each anchor run the table reads only the
 * newest anchored export. A deploy that changes the table puts the folder back, and the next
 * run narrows it again.
 */
export function glueExportTable(
  client: GlueClient,
  databaseName: string,
  tableName: string,
  bucket: string,
): (exportId: string) => Promise<boolean> {
  return async (exportId) => {
    const location = `s3://${bucket}/exports/AWSDynamoDB/${exportId}/`;
    const { Table } = await client.send(new GetTableCommand({ DatabaseName: databaseName, Name: tableName }));
    if (!Table?.StorageDescriptor) throw new Error(`Glue table ${databaseName}.${tableName} has no storage descriptor`);
    if (Table.StorageDescriptor.Location === location) return false;
    // GetTable answers more than UpdateTable takes (CreateTime, DatabaseName…): only the input's fields go back.
    const input: TableInput = {
      Name: Table.Name,
      Description: Table.Description,
      TableType: Table.TableType,
      Parameters: Table.Parameters,
      PartitionKeys: Table.PartitionKeys,
      StorageDescriptor: { ...Table.StorageDescriptor, Location: location },
    };
    await client.send(new UpdateTableCommand({ DatabaseName: databaseName, TableInput: input }));
    return true;
  };
}
