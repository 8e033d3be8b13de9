import { Upcasters } from './upcasters';

/**
 * This build's event schemas. When an event type's shape changes, keep the
 * old events as they are and register the step from the old version here,
 * next to nothing else, for example:
 *
 *   EVENT_UPCASTERS.register('WalletCharged', 1, (v1) => ({ ...v1, currency: 'KRW' }));
 *
 * From then on appends stamp version 2 and every read (handlers, process
 * managers, projections, the Kafka feed) sees version 2.
 */
export const EVENT_UPCASTERS = new Upcasters();
