import type { Trigger } from './types';

// Triggers made by decodeEvent, so other middlewares can tell a decoded trigger from a raw event that
// merely has a `kind` field.
const decoded = new WeakSet<object>();

export function markDecoded<T extends Trigger>(trigger: T): T {
  decoded.add(trigger);
  return trigger;
}

export function asDecodedTrigger(value: unknown): Trigger | undefined {
  return typeof value === 'object' && value !== null && decoded.has(value) ? (value as Trigger) : undefined;
}
