/**
 * Tablestore row operations (PutRow, GetRow, UpdateRow, DeleteRow, GetRange) through the official
 * `tablestore` SDK, loaded on first use: the build writes it beside index.js as a side file
 * (scripts/build.mjs lazyModules), so a function that never touches Tablestore never loads its 0.8 MB.
 *
 * Values are strings, booleans and safe integers (sent as INTEGER columns). Errors: a failed condition is
 * `TablestoreConditionFailedError`; everything else is `TablestoreError` with the Tablestore code when the
 * answer carried one. The SDK (5.6.5) cannot parse Tablestore's protobuf error body (it calls an XML
 * parser it does not ship), so its error holds the HTTP status as `code` and the raw body, which contains
 * the code (`OTSConditionCheckFail`, ...), as `message`: the code is recovered from there.
 */
import type * as Sdk from 'tablestore';
import type { CredentialSource } from '../credentials';
import { TablestoreConditionFailedError, TablestoreError } from './errors';

export type TsValue = string | number | boolean;
export type TsPrimaryKey = readonly (readonly [name: string, value: string | 'INF_MIN' | 'INF_MAX'])[];
export type TsRow = Readonly<Record<string, TsValue>>;

export type TsColumnCondition =
  | {
      readonly column: string;
      readonly op: 'EQUAL' | 'NOT_EQUAL' | 'LESS_THAN' | 'LESS_EQUAL' | 'GREATER_THAN';
      readonly value: TsValue;
      readonly passIfMissing?: boolean;
    }
  | { readonly and: readonly TsColumnCondition[] }
  | { readonly or: readonly TsColumnCondition[] };

export interface TsCondition {
  readonly row: 'IGNORE' | 'EXPECT_EXIST' | 'EXPECT_NOT_EXIST';
  readonly column?: TsColumnCondition;
}

const KNOWN_CODE = /\bOTS[A-Za-z]+\b/;
/** Codes Tablestore's error page marks retryable, plus connection failures. */
const RETRYABLE = new Set([
  'OTSRowOperationConflict',
  'OTSNotEnoughCapacityUnit',
  'OTSTableNotReady',
  'OTSPartitionUnavailable',
  'OTSServerBusy',
  'OTSOperationThrottled',
  'OTSTimeout',
  'OTSServerUnavailable',
  'OTSInternalServerError',
  'NetworkingError',
]);

export function isRetryableTablestoreError(error: unknown): boolean {
  return error instanceof TablestoreError && (RETRYABLE.has(error.code) || (error.httpStatus !== undefined && error.httpStatus >= 500));
}

function translate(error: unknown): Error {
  const e = error as { code?: unknown; message?: unknown; statusCode?: unknown };
  const message = typeof e?.message === 'string' ? e.message : String(error);
  const status = typeof e?.code === 'number' ? e.code : typeof e?.statusCode === 'number' ? e.statusCode : undefined;
  const code =
    typeof e?.code === 'string' ? e.code : (KNOWN_CODE.exec(message)?.[0] ?? (status !== undefined ? `HTTP${status}` : 'Unknown'));
  // The raw protobuf body holds control bytes: keep the readable part only.
  const readable = message.replace(/[^\x20-\x7e]+/g, ' ').trim();
  if (code === 'OTSConditionCheckFail') return new TablestoreConditionFailedError(readable);
  return new TablestoreError(code, status, `Tablestore ${code}: ${readable}`);
}

let sdk: Promise<typeof Sdk> | undefined;
function loadSdk(): Promise<typeof Sdk> {
  sdk ??= import('tablestore').then((m) => ((m as unknown as { default?: typeof Sdk }).default ?? m) as typeof Sdk);
  return sdk;
}

export interface TablestoreOptions {
  readonly endpoint: string;
  readonly instanceName: string;
  readonly credentials: CredentialSource;
  readonly timeoutMs?: number;
}

export class TablestoreApi {
  constructor(private readonly options: TablestoreOptions) {}

  private async client(): Promise<{ ts: typeof Sdk; client: Sdk.Client }> {
    const ts = await loadSdk();
    const key = await this.options.credentials();
    const client = new ts.Client({
      accessKeyId: key.accessKeyId,
      secretAccessKey: key.accessKeySecret,
      ...(key.securityToken && { stsToken: key.securityToken }),
      endpoint: this.options.endpoint,
      instancename: this.options.instanceName,
      maxRetries: 3,
      httpOptions: { timeout: this.options.timeoutMs ?? 10_000 },
    });
    return { ts, client };
  }

  /**
   * Retryable failures (connection errors, 5xx, Tablestore's busy and throttling codes) are retried up to
   * three times. The SDK itself retries only its read operations; es-guard's writes are all conditional
   * or idempotent, so a write that landed before its answer was lost fails its condition on the retry,
   * which the callers treat as "someone, possibly this call, already did it".
   */
  private async run<T>(fn: (ts: typeof Sdk, client: Sdk.Client) => Promise<T>): Promise<T> {
    const { ts, client } = await this.client();
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn(ts, client);
      } catch (raw) {
        const error = translate(raw);
        if (attempt >= 4 || !isRetryableTablestoreError(error)) throw error;
        await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 100 * 2 ** attempt)));
      }
    }
  }

  async getRow(table: string, pk: TsPrimaryKey): Promise<TsRow | undefined> {
    return this.run(async (ts, c) => {
      const res = await c.getRow({ tableName: table, primaryKey: pkOf(ts, pk), maxVersions: 1 });
      return res.row.primaryKey && res.row.primaryKey.length > 0 ? attributes(res.row) : undefined;
    });
  }

  async putRow(table: string, pk: TsPrimaryKey, row: TsRow, condition: TsCondition): Promise<void> {
    await this.run((ts, c) =>
      c.putRow({ tableName: table, condition: conditionOf(ts, condition), primaryKey: pkOf(ts, pk), attributeColumns: columns(ts, row) }),
    );
  }

  async updateRow(
    table: string,
    pk: TsPrimaryKey,
    change: { readonly put?: TsRow; readonly delete?: readonly string[] },
    condition: TsCondition,
  ): Promise<void> {
    await this.run((ts, c) => {
      const ops: unknown[] = [];
      if (change.put && Object.keys(change.put).length > 0) ops.push({ PUT: columns(ts, change.put) });
      if (change.delete && change.delete.length > 0) ops.push({ DELETE_ALL: [...change.delete] });
      return c.updateRow({
        tableName: table,
        condition: conditionOf(ts, condition),
        primaryKey: pkOf(ts, pk),
        updateOfAttributeColumns: ops,
      });
    });
  }

  async deleteRow(table: string, pk: TsPrimaryKey, condition: TsCondition): Promise<void> {
    await this.run((ts, c) => c.deleteRow({ tableName: table, condition: conditionOf(ts, condition), primaryKey: pkOf(ts, pk) }));
  }

  /**
   * Every row in [start, end) that passes `opts.filter` (applied by the service, so rows it drops are not
   * sent), following next_start_primary_key until the range is exhausted or `opts.max` rows are read.
   */
  async getRange(
    table: string,
    start: TsPrimaryKey,
    end: TsPrimaryKey,
    opts: { readonly max?: number; readonly filter?: TsColumnCondition } = {},
  ): Promise<{ pk: Record<string, string>; row: TsRow }[]> {
    const max = opts.max ?? Number.POSITIVE_INFINITY;
    return this.run(async (ts, c) => {
      const out: { pk: Record<string, string>; row: TsRow }[] = [];
      let from: unknown = pkOf(ts, start);
      for (;;) {
        const res = await c.getRange({
          tableName: table,
          direction: ts.Direction.FORWARD,
          inclusiveStartPrimaryKey: from,
          exclusiveEndPrimaryKey: pkOf(ts, end),
          maxVersions: 1,
          limit: Math.min(5000, Math.max(1, max - out.length)),
          ...(opts.filter && { columnFilter: columnCondition(ts, opts.filter) }),
        });
        for (const r of res.rows)
          out.push({ pk: Object.fromEntries((r.primaryKey ?? []).map((p) => [p.name, String(p.value)])), row: attributes(r) });
        if (!res.nextStartPrimaryKey || out.length >= max) return out;
        // The SDK answers [{name, value}] and takes [{<name>: value}].
        from = res.nextStartPrimaryKey.map((p) => ({ [p.name]: p.value }));
      }
    });
  }
}

function pkOf(ts: typeof Sdk, pk: TsPrimaryKey): unknown[] {
  return pk.map(([name, value]) => ({ [name]: value === 'INF_MIN' ? ts.INF_MIN : value === 'INF_MAX' ? ts.INF_MAX : value }));
}

function cell(ts: typeof Sdk, v: TsValue): unknown {
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new TypeError(`Tablestore values here are safe integers, got ${v}`);
    return ts.Long.fromNumber(v);
  }
  return v;
}

function columns(ts: typeof Sdk, row: TsRow): unknown[] {
  return Object.entries(row).map(([k, v]) => ({ [k]: cell(ts, v) }));
}

function attributes(row: Sdk.SdkRow): TsRow {
  const out: Record<string, TsValue> = {};
  for (const a of row.attributes ?? []) {
    const v = a.columnValue;
    out[a.columnName] = typeof v === 'object' && v !== null && 'toNumber' in v ? (v as Sdk.Int64).toNumber() : (v as TsValue);
  }
  return out;
}

function columnCondition(ts: typeof Sdk, c: TsColumnCondition): unknown {
  if ('and' in c || 'or' in c) {
    const list = 'and' in c ? c.and : c.or;
    const composite = new ts.CompositeCondition('and' in c ? ts.LogicalOperator.AND : ts.LogicalOperator.OR);
    for (const sub of list) composite.addSubCondition(columnCondition(ts, sub));
    return composite;
  }
  return new ts.SingleColumnCondition(c.column, cell(ts, c.value), ts.ComparatorType[c.op], c.passIfMissing ?? false, true);
}

function conditionOf(ts: typeof Sdk, c: TsCondition): unknown {
  return new ts.Condition(ts.RowExistenceExpectation[c.row], c.column ? columnCondition(ts, c.column) : null);
}
