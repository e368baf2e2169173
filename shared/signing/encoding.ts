/**
 * Percent-encoding exactly as Alibaba Cloud's V3 signature defines it: RFC 3986 unreserved characters
 * stay, everything else is %XX of its UTF-8 bytes. encodeURIComponent leaves `!'()*` alone, so they are
 * finished by hand; the gateway and the official SDK both do this.
 */
export function acsEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Encodes one path segment (an instance ID, a function name) for use in a request path. */
export function encodePathSegment(segment: string): string {
  return acsEncode(segment);
}

const AMBIGUOUS_IN_PATH = /[+*]|%7E/;

/**
 * The canonical URI is the path as sent; the SDK normalises the three characters that its own path
 * encoder leaves ambiguous. Doing the same here keeps signatures identical for any path it would send.
 */
export function canonicalUri(path: string): string {
  // Signed once a call: es-guard's own paths never hold those characters, so one scan usually settles it.
  if (!AMBIGUOUS_IN_PATH.test(path)) return path || '/';
  return (path || '/').replace(/\+/g, '%20').replace(/\*/g, '%2A').replace(/%7E/g, '~');
}
