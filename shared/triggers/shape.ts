import type { FieldIssue } from '../errors';

/** Small shape checks for event envelopes: plain TS keeps the bundle free of a schema library. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value);
}

export class Issues {
  readonly list: FieldIssue[] = [];

  add(field: string, rule: string, message: string): void {
    this.list.push({ field, rule, message });
  }

  /** A non-empty string, or `undefined` after recording the issue. */
  requiredString(value: unknown, field: string): string | undefined {
    if (typeof value === 'string' && value.length > 0) return value;
    this.add(field, 'required-string', value === undefined ? 'is required' : 'must be a non-empty string');
    return undefined;
  }

  optionalString(value: unknown, field: string): string | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'string') return value;
    this.add(field, 'string', 'must be a string');
    return undefined;
  }
}
