/** Outgoing HTTP(S) with keep-alive, one deadline per exchange and a bounded answer. */

export { TransportError } from './errors';
export { firstHeader } from './headers';
export type { HttpResponse, RequestTarget } from './send';
export { send } from './send';
