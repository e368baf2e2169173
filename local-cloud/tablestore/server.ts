/**
 * The emulated Tablestore endpoint (`https://<instance>.<region>.ots.aliyuncs.com`): `POST /<Operation>`
 * with a protobuf body, signed with the `x-ots-*` HMAC-SHA1 signature the official `tablestore` SDK
 * computes (lib/signer.js: `path\nPOST\n\n` + sorted `x-ots-*` headers as `name:value` lines; base64
 * HMAC-SHA1 of the AccessKey secret). Errors are `Error{code,message}` protobuf bodies with the status
 * of Tablestore's error-code page.
 */
import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KeyStore } from '../gate';
import { decodeRow, encodePrimaryKey, encodeRows, type PkColumn, PlainBufferError } from './plainbuffer';
import { Direction, decode, encode } from './protocol';
import { type Condition, invalid, MAX_SCANNED, OtsError, Table, type TableSchema, tableMissing } from './table';

/** Request bodies larger than this are refused (OTSRequestBodyTooLarge; the page gives no number, *assumed* 5 MB). */
const MAX_BODY = 5 * 1024 * 1024;
const SKEW_MS = 15 * 60_000;

export interface TablestoreCall {
  readonly operation: string;
  readonly status: number;
  readonly code: string | undefined;
  readonly at: number;
}

export interface TablestoreOptions {
  readonly keys: KeyStore;
  readonly instanceName: string;
  readonly tables: readonly TableSchema[];
  readonly port?: number;
}

export interface TablestoreEmulator {
  readonly endpoint: string;
  readonly instanceName: string;
  table(name: string): Table | undefined;
  createTable(schema: TableSchema): Table;
  calls(): readonly TablestoreCall[];
  close(): Promise<void>;
}

interface RowRequest {
  tableName: string;
  row?: Buffer;
  rowChange?: Buffer;
  primaryKey?: Buffer;
  condition?: { rowExistence: number; columnCondition?: Buffer };
  columnsToGet?: string[];
  maxVersions?: number;
}

interface RangeRequest {
  tableName: string;
  direction: number;
  columnsToGet?: string[];
  limit?: number;
  inclusiveStartPrimaryKey: Buffer;
  exclusiveEndPrimaryKey: Buffer;
  filter?: Buffer;
}

const consumed = (read: number, write: number) => ({ capacityUnit: { read, write } });

function verify(req: IncomingMessage, body: Buffer, opts: TablestoreOptions): void {
  const h = (name: string): string | undefined => {
    const v = req.headers[name];
    return Array.isArray(v) ? v.join(',') : v;
  };
  for (const name of ['x-ots-date', 'x-ots-apiversion', 'x-ots-accesskeyid', 'x-ots-contentmd5', 'x-ots-signature', 'x-ots-instancename']) {
    if (h(name) === undefined) throw invalid(`Missing header: ${name}.`);
  }
  const date = Date.parse(h('x-ots-date')!);
  if (Number.isNaN(date)) throw invalid(`Invalid date format: ${h('x-ots-date')}.`);
  if (Math.abs(Date.now() - date) > SKEW_MS)
    throw new OtsError(403, 'OTSAuthFailed', `Mismatch between system time and x-ots-date: ${h('x-ots-date')}.`);
  if (h('x-ots-instancename') !== opts.instanceName) throw new OtsError(403, 'OTSAuthFailed', 'The instance is not found.');
  const key = opts.keys.entry(h('x-ots-accesskeyid')!);
  if (!key) throw new OtsError(403, 'OTSAuthFailed', 'The AccessKeyID does not exist.');
  if (key.expiresAt !== undefined && key.expiresAt < Date.now()) throw new OtsError(403, 'OTSAuthFailed', 'The AccessKeyID is disabled.');
  if (key.securityToken !== undefined && h('x-ots-ststoken') !== key.securityToken)
    throw new OtsError(403, 'OTSAuthFailed', 'Signature mismatch.');
  if (createHash('md5').update(body).digest('base64') !== h('x-ots-contentmd5')) {
    throw new OtsError(403, 'OTSAuthFailed', 'Mismatch between MD5 value of request body and x-ots-contentmd5 in header.');
  }
  const names = Object.keys(req.headers)
    .filter((n) => n.startsWith('x-ots-') && n !== 'x-ots-signature')
    .sort();
  const path = (req.url ?? '/').split('?')[0]!;
  const toSign = `${path}\n${req.method}\n\n${names.map((n) => `${n}:${h(n)}`).join('\n')}\n`;
  const want = createHmac('sha1', key.secret).update(toSign).digest();
  const got = Buffer.from(h('x-ots-signature')!, 'base64');
  if (got.length !== want.length || !timingSafeEqual(got, want)) throw new OtsError(403, 'OTSAuthFailed', 'Signature mismatch.');
}

function rowOf(buf: Buffer | undefined, what: string) {
  if (!buf || buf.length === 0) throw invalid(`${what} is required.`);
  return decodeRow(buf);
}

function conditionOf(c: RowRequest['condition']): Condition {
  if (!c) throw invalid('condition is required.');
  return { rowExistence: c.rowExistence ?? 0, columnCondition: c.columnCondition };
}

export async function startTablestore(opts: TablestoreOptions): Promise<TablestoreEmulator> {
  const tables = new Map<string, Table>();
  for (const t of opts.tables) tables.set(t.name, new Table(t));
  const log: TablestoreCall[] = [];
  const tableOf = (name: string): Table =>
    tables.get(name) ??
    (() => {
      throw tableMissing();
    })();

  const operations: Record<string, (body: Buffer) => Buffer> = {
    PutRow(body) {
      const req = decode<RowRequest>('PutRowRequest', body);
      const row = rowOf(req.row, 'row');
      tableOf(req.tableName).put(row.primaryKey, row.cells, conditionOf(req.condition));
      return encode('PutRowResponse', { consumed: consumed(0, 1) });
    },
    UpdateRow(body) {
      const req = decode<RowRequest>('UpdateRowRequest', body);
      const row = rowOf(req.rowChange, 'row_change');
      tableOf(req.tableName).update(row.primaryKey, row.cells, conditionOf(req.condition));
      return encode('UpdateRowResponse', { consumed: consumed(0, 1) });
    },
    DeleteRow(body) {
      const req = decode<RowRequest>('DeleteRowRequest', body);
      const row = rowOf(req.primaryKey, 'primary_key');
      tableOf(req.tableName).delete(row.primaryKey, conditionOf(req.condition));
      return encode('DeleteRowResponse', { consumed: consumed(0, 1) });
    },
    GetRow(body) {
      const req = decode<RowRequest>('GetRowRequest', body);
      const pk = rowOf(req.primaryKey, 'primary_key').primaryKey;
      const found = tableOf(req.tableName).get(pk, req.columnsToGet);
      return encode('GetRowResponse', { consumed: consumed(1, 0), row: found ? encodeRows([found]) : Buffer.alloc(0) });
    },
    GetRange(body) {
      const req = decode<RangeRequest>('GetRangeRequest', body);
      const start: readonly PkColumn[] = rowOf(req.inclusiveStartPrimaryKey, 'inclusive_start_primary_key').primaryKey;
      const end: readonly PkColumn[] = rowOf(req.exclusiveEndPrimaryKey, 'exclusive_end_primary_key').primaryKey;
      const limit = Math.min(req.limit && req.limit > 0 ? req.limit : MAX_SCANNED, MAX_SCANNED);
      const backward = req.direction === Direction.BACKWARD;
      const { rows, next } = tableOf(req.tableName).range(start, end, backward, limit, req.columnsToGet, req.filter);
      return encode('GetRangeResponse', {
        consumed: consumed(Math.max(1, rows.length), 0),
        rows: encodeRows(rows),
        ...(next && { nextStartPrimaryKey: encodePrimaryKey(next) }),
      });
    },
  };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) tooLarge = true;
      else chunks.push(c);
    });
    req.on('end', () => {
      const operation = (req.url ?? '/').split('?')[0]!.slice(1);
      const requestId = randomUUID();
      let status = 200;
      let code: string | undefined;
      let out: Buffer;
      try {
        if (req.method !== 'POST') throw new OtsError(405, 'OTSMethodNotAllowed', 'Only POST method for requests is supported.');
        if (tooLarge) throw new OtsError(413, 'OTSRequestBodyTooLarge', 'The size of POST data is too large.');
        const body = Buffer.concat(chunks);
        verify(req, body, opts);
        const op = operations[operation];
        if (!op) throw invalid(`Unsupported operation: ${operation}.`);
        out = op(body);
      } catch (error) {
        const e =
          error instanceof OtsError
            ? error
            : error instanceof PlainBufferError
              ? invalid(error.message)
              : new OtsError(500, 'OTSInternalServerError', 'Internal server error.');
        if (!(error instanceof OtsError) && !(error instanceof PlainBufferError)) console.error('tablestore emulator:', error);
        status = e.status;
        code = e.code;
        out = encode('Error', { code: e.code, message: e.message });
      }
      log.push({ operation, status, code, at: Date.now() });
      if (log.length > 100_000) log.splice(0, log.length - 100_000);
      res.writeHead(status, {
        'content-type': 'application/x.pb2',
        'content-length': String(out.length),
        'x-ots-requestid': requestId,
        'x-ots-contentmd5': createHash('md5').update(out).digest('base64'),
        'x-ots-contenttype': 'protocol buffer',
        'x-ots-date': new Date().toISOString(),
      });
      res.end(out);
    });
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    instanceName: opts.instanceName,
    table: (name) => tables.get(name),
    createTable: (schema) => {
      const t = new Table(schema);
      tables.set(schema.name, t);
      return t;
    },
    calls: () => log,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
