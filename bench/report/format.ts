import type { Summary } from '../measure/stats';

export const fixed = (x: number, digits = 1): string => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');
export const kib = (bytes: number): string => `${fixed(bytes / 1024)} KiB`;
export const mib = (bytes: number): string => `${fixed(bytes / 1048576)} MiB`;
export const seconds = (ms: number): string => `${fixed(ms / 1000, 1)} s`;

/** `median (min–max) unit`. */
export function spread(s: Summary, unit: string, digits = 1, scale = 1): string {
  return `${fixed(s.median * scale, digits)} ${unit} (${fixed(s.min * scale, digits)}–${fixed(s.max * scale, digits)})`;
}
