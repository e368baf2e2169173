import { defineService } from '../service';
import { LOCAL_TABLESTORE_INSTANCE, startTablestore, type TablestoreEmulator, WHITELIST_TABLE } from './index';

export type TablestoreFacade = Pick<TablestoreEmulator, 'endpoint' | 'instanceName' | 'table' | 'calls'>;

/** Tablestore on a port of its own (its x-ots signature and protobuf protocol): the whitelist's change records. */
export const tablestoreService = defineService({
  name: 'tablestore',
  start: async (setup) => {
    const tablestore = await startTablestore({ keys: setup.keys, instanceName: LOCAL_TABLESTORE_INSTANCE, tables: [WHITELIST_TABLE] });
    const facade: TablestoreFacade = {
      endpoint: tablestore.endpoint,
      instanceName: tablestore.instanceName,
      table: (name) => tablestore.table(name),
      calls: () => tablestore.calls(),
    };
    return {
      operations: [],
      endpointVariables: [],
      env: {
        WHITELIST_TABLESTORE_ENDPOINT: tablestore.endpoint,
        WHITELIST_TABLESTORE_INSTANCE: tablestore.instanceName,
        WHITELIST_TABLE: WHITELIST_TABLE.name,
      },
      facades: { tablestore: facade },
      close: () => tablestore.close(),
    };
  },
});
