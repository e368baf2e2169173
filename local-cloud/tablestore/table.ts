/**
 * Tables and rows of the emulated Tablestore instance, and the row operations' semantics: conditions
 * (RowExistenceExpectation and column conditions), PutRow's whole-row replace, UpdateRow's cell changes,
 * GetRange's primary-key order. Single-version rows (max_versions 1), which is what es-guard's table uses.
 */
import { CELL_OP, type CellChange, type CellValue, decodeConditionValue, type PkColumn, type PkValue, type StoredRow } from './plainbuffer';
import { Comparator, decode, FilterType, Logical, RowExistence } from './protocol';

/** A Tablestore error as the service answers it: HTTP status and the `Error{code,message}` body. */
export class OtsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'OtsError';
  }
}

// Codes and messages: https://www.alibabacloud.com/help/en/tablestore/developer-reference/error-codes
export const conditionFailed = (): OtsError => new OtsError(403, 'OTSConditionCheckFail', 'Condition check failed.');
export const tableMissing = (): OtsError => new OtsError(404, 'OTSObjectNotExist', 'Requested table does not exist.');
export const invalid = (message: string): OtsError => new OtsError(400, 'OTSParameterInvalid', message);

interface Cell {
  value: CellValue;
  timestamp: bigint;
}

interface Row {
  readonly primaryKey: readonly PkColumn[];
  readonly cells: Map<string, Cell>;
}

export interface TableSchema {
  readonly name: string;
  /** Primary key columns in order, each STRING or INTEGER. */
  readonly primaryKey: readonly { readonly name: string; readonly type: 'STRING' | 'INTEGER' }[];
}

const rank = (v: PkValue): number => (v === 'INF_MIN' ? 0 : v === 'INF_MAX' ? 2 : 1);

function comparePk(a: readonly PkColumn[], b: readonly PkColumn[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i]?.value;
    const y = b[i]?.value;
    if (x === undefined || y === undefined) return x === undefined ? (y === undefined ? 0 : -1) : 1;
    const rx = rank(x);
    const ry = rank(y);
    if (rx !== ry) return rx - ry;
    if (rx !== 1) continue;
    const c = compareValues(x as CellValue, y as CellValue);
    if (c !== 0) return c;
  }
  return 0;
}

function compareValues(x: CellValue, y: CellValue): number {
  if (typeof x === 'bigint' && typeof y === 'bigint') return x < y ? -1 : x > y ? 1 : 0;
  if (typeof x === 'number' && typeof y === 'number') return x < y ? -1 : x > y ? 1 : 0;
  if (typeof x === 'boolean' && typeof y === 'boolean') return Number(x) - Number(y);
  const bx = Buffer.isBuffer(x) ? x : Buffer.from(String(x), 'utf8');
  const by = Buffer.isBuffer(y) ? y : Buffer.from(String(y), 'utf8');
  return Buffer.compare(bx, by);
}

const sameType = (x: CellValue, y: CellValue): boolean => typeof x === typeof y && Buffer.isBuffer(x) === Buffer.isBuffer(y);

const keyOf = (pk: readonly PkColumn[]): string =>
  JSON.stringify(
    pk.map((c) =>
      Buffer.isBuffer(c.value) ? `b:${c.value.toString('hex')}` : typeof c.value === 'bigint' ? `i:${c.value}` : `s:${c.value}`,
    ),
  );

interface DecodedFilter {
  type: number;
  filter: Buffer;
}

/** Rows one GetRange call reads at most (Tablestore's GetRange page: 5,000 rows), whether a filter keeps them or not. */
export const MAX_SCANNED = 5000;

export interface Condition {
  readonly rowExistence: number;
  readonly columnCondition?: Buffer | undefined;
}

/** First index of `sorted` whose key is not below `pk`: a range starts where the service seeks to, not at the table's first row. */
function lowerBound(sorted: readonly Row[], pk: readonly PkColumn[]): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (comparePk(sorted[mid]!.primaryKey, pk) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class Table {
  private readonly rows = new Map<string, Row>();
  /** Every row in primary-key order, kept in order as rows come and go. */
  private readonly sorted: Row[] = [];

  constructor(readonly schema: TableSchema) {}

  private checkPk(pk: readonly PkColumn[], allowInf = false): void {
    if (pk.length !== this.schema.primaryKey.length)
      throw invalid(`The number of primary key columns must be ${this.schema.primaryKey.length}, got ${pk.length}.`);
    this.schema.primaryKey.forEach((col, i) => {
      const c = pk[i]!;
      if (c.name !== col.name) throw invalid(`Validate PK name fail. Input: ${c.name}, Meta: ${col.name}.`);
      if (allowInf && (c.value === 'INF_MIN' || c.value === 'INF_MAX')) return;
      const ok = col.type === 'STRING' ? typeof c.value === 'string' : typeof c.value === 'bigint';
      if (!ok) throw invalid(`Validate PK type fail. Input: ${typeof c.value}, Meta: ${col.type}.`);
    });
  }

  private check(row: Row | undefined, condition: Condition): void {
    if (condition.rowExistence === RowExistence.EXPECT_EXIST && !row) throw conditionFailed();
    if (condition.rowExistence === RowExistence.EXPECT_NOT_EXIST && row) throw conditionFailed();
    if (condition.columnCondition && condition.columnCondition.length > 0) {
      const filter = decode<DecodedFilter>('filter.proto.Filter', condition.columnCondition);
      if (!matches(filter, row)) throw conditionFailed();
    }
  }

  get(pk: readonly PkColumn[], columns?: readonly string[]): StoredRow | undefined {
    this.checkPk(pk);
    const row = this.rows.get(keyOf(pk));
    return row && stored(row, columns);
  }

  put(pk: readonly PkColumn[], cells: readonly CellChange[], condition: Condition): void {
    this.checkPk(pk);
    const key = keyOf(pk);
    this.check(this.rows.get(key), condition);
    const now = BigInt(Date.now());
    const next: Row = { primaryKey: pk, cells: new Map() };
    for (const c of cells) {
      if (c.value === undefined || c.op !== undefined) throw invalid('PutRow takes column values only.');
      next.cells.set(c.name, { value: c.value, timestamp: c.timestamp ?? now });
    }
    const existing = this.rows.get(key);
    if (existing) this.sorted[lowerBound(this.sorted, pk)] = next;
    else this.sorted.splice(lowerBound(this.sorted, pk), 0, next);
    this.rows.set(key, next);
  }

  update(pk: readonly PkColumn[], cells: readonly CellChange[], condition: Condition): void {
    this.checkPk(pk);
    const key = keyOf(pk);
    const existing = this.rows.get(key);
    this.check(existing, condition);
    const now = BigInt(Date.now());
    const row: Row = existing ?? { primaryKey: pk, cells: new Map() };
    for (const c of cells) {
      if (c.op === undefined) {
        if (c.value === undefined) throw invalid(`Column ${c.name} has no value to put.`);
        row.cells.set(c.name, { value: c.value, timestamp: c.timestamp ?? now });
      } else if (c.op === CELL_OP.DELETE_ALL_VERSION || c.op === CELL_OP.DELETE_ONE_VERSION) {
        row.cells.delete(c.name);
      } else if (c.op === CELL_OP.INCREMENT) {
        const have = row.cells.get(c.name)?.value ?? 0n;
        if (typeof have !== 'bigint' || typeof c.value !== 'bigint') throw invalid(`Increment needs integer values (column ${c.name}).`);
        row.cells.set(c.name, { value: have + c.value, timestamp: now });
      } else {
        throw invalid(`Unknown cell operation ${c.op}.`);
      }
    }
    if (!existing) {
      this.sorted.splice(lowerBound(this.sorted, pk), 0, row);
      this.rows.set(key, row);
    }
  }

  delete(pk: readonly PkColumn[], condition: Condition): void {
    this.checkPk(pk);
    const key = keyOf(pk);
    this.check(this.rows.get(key), condition);
    if (this.rows.delete(key)) this.sorted.splice(lowerBound(this.sorted, pk), 1);
  }

  /**
   * Rows in [start, end) (or (end, start] backwards) that pass `filter`, at most `limit`, and the key to go
   * on from. A call scans at most MAX_SCANNED rows whether they pass or not (GetRange with a filter: when
   * none of the scanned rows passes, the answer has no rows and a next key).
   */
  range(
    start: readonly PkColumn[],
    end: readonly PkColumn[],
    backward: boolean,
    limit: number,
    columns?: readonly string[],
    filter?: Buffer,
  ): { rows: StoredRow[]; next: readonly PkColumn[] | undefined } {
    this.checkPk(start, true);
    this.checkPk(end, true);
    const decoded = filter && filter.length > 0 ? decode<DecodedFilter>('filter.proto.Filter', filter) : undefined;
    const out: StoredRow[] = [];
    // Forward: from the first key >= start up to end; backward: from the last key <= start down to the first > end.
    const step = backward ? -1 : 1;
    let i = lowerBound(this.sorted, start);
    if (backward && (i === this.sorted.length || comparePk(this.sorted[i]!.primaryKey, start) > 0)) i -= 1;
    for (let scanned = 0; i >= 0 && i < this.sorted.length; i += step) {
      const r = this.sorted[i]!;
      if (backward ? comparePk(r.primaryKey, end) <= 0 : comparePk(r.primaryKey, end) >= 0) break;
      if (out.length === limit || scanned === MAX_SCANNED) return { rows: out, next: r.primaryKey };
      scanned += 1;
      if (decoded && !matches(decoded, r)) continue;
      out.push(stored(r, columns));
    }
    return { rows: out, next: undefined };
  }

  /** For tests: every row, in primary-key order, as plain values. */
  dump(): StoredRow[] {
    return this.sorted.map((r) => stored(r));
  }
}

function stored(row: Row, columns?: readonly string[]): StoredRow {
  const want = columns && columns.length > 0 ? new Set(columns) : undefined;
  return {
    primaryKey: row.primaryKey,
    attributes: [...row.cells]
      .filter(([name]) => !want || want.has(name))
      .map(([name, c]) => ({ name, value: c.value, timestamp: c.timestamp })),
  };
}

interface SingleFilter {
  comparator: number;
  columnName: string;
  columnValue: Buffer;
  filterIfMissing: boolean;
  latestVersionOnly: boolean;
}

interface CompositeFilter {
  combinator: number;
  subFilters: DecodedFilter[];
}

/** Column conditions: SingleColumnValueFilter and CompositeColumnValueFilter (tablestore_filter.proto). */
function matches(f: DecodedFilter, row: Row | undefined): boolean {
  if (f.type === FilterType.SINGLE) {
    const s = decode<SingleFilter>('filter.proto.SingleColumnValueFilter', f.filter);
    const cell = row?.cells.get(s.columnName);
    if (!cell) return !s.filterIfMissing;
    const want = decodeConditionValue(s.columnValue);
    if (!sameType(cell.value, want)) return false;
    const c = compareValues(cell.value, want);
    switch (s.comparator) {
      case Comparator.EQUAL:
        return c === 0;
      case Comparator.NOT_EQUAL:
        return c !== 0;
      case Comparator.GREATER_THAN:
        return c > 0;
      case Comparator.GREATER_EQUAL:
        return c >= 0;
      case Comparator.LESS_THAN:
        return c < 0;
      case Comparator.LESS_EQUAL:
        return c <= 0;
    }
    throw invalid(`Unknown comparator ${s.comparator}.`);
  }
  if (f.type === FilterType.COMPOSITE) {
    const c = decode<CompositeFilter>('filter.proto.CompositeColumnValueFilter', f.filter);
    const subs = c.subFilters ?? [];
    if (c.combinator === Logical.NOT) {
      if (subs.length !== 1) throw invalid('NOT takes exactly one sub-condition.');
      return !matches(subs[0]!, row);
    }
    if (subs.length < 2) throw invalid('AND and OR take at least two sub-conditions.');
    return c.combinator === Logical.AND ? subs.every((s) => matches(s, row)) : subs.some((s) => matches(s, row));
  }
  throw invalid(`Filter type ${f.type} is not a row condition.`);
}
