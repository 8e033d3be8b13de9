import type {
  ReservationEvent,
  ReservationPhase,
  ReservationRequested,
} from '../write/reservations/reservation.decider';
import { Document, Projection, data, documentId } from './projection';

export type ReservationDoc = Document &
  ReservationRequested['data'] & {
    phase: ReservationPhase;
    paymentInFlight: string | undefined;
    paymentId: string | undefined;
    /** When the phase last changed, for the process managers' staleness checks. */
    updatedAt: number;
  };

export const reservationsProjection: Projection<ReservationDoc> = {
  name: 'reservations',
  version: 1,
  handles: [
    'ReservationRequested',
    'ReservationHeld',
    'ReservationRejected',
    'ReservationCancelled',
    'ReservationExpired',
    'PaymentStarted',
    'PaymentFailed',
    'ReservationPaid',
    'RefundRequested',
    'ReservationRefunded',
  ],
  documentIds: (event) => [documentId(data<{ reservationId: string }>(event).reservationId)],
  apply: (doc, recorded) => {
    const event = recorded as unknown as ReservationEvent;
    const updatedAt = recorded.recordedAt.getTime();
    if (event.type === 'ReservationRequested') {
      return {
        position: 0,
        ...event.data,
        phase: 'pending',
        paymentInFlight: undefined,
        paymentId: undefined,
        updatedAt,
      };
    }
    if (!doc) return doc;
    doc.updatedAt = updatedAt;
    switch (event.type) {
      case 'ReservationHeld':
        doc.phase = 'held';
        break;
      case 'ReservationRejected':
        doc.phase = 'rejected';
        break;
      case 'ReservationCancelled':
        doc.phase = 'cancelled';
        break;
      case 'ReservationExpired':
        doc.phase = 'expired';
        break;
      case 'PaymentStarted':
        doc.paymentInFlight = event.data.paymentId;
        break;
      case 'PaymentFailed':
        doc.paymentInFlight = undefined;
        break;
      case 'ReservationPaid':
        doc.phase = 'paid';
        doc.paymentInFlight = undefined;
        doc.paymentId = event.data.paymentId;
        break;
      case 'RefundRequested':
        // Still PAID until the refund has freed the seats and credited the wallet.
        break;
      case 'ReservationRefunded':
        doc.phase = 'refunded';
        break;
    }
    return doc;
  },
};

export type ReservationStatus = 'HELD' | 'PAID' | 'EXPIRED' | 'CANCELLED' | 'REFUNDED';

export function reservationStatus(doc: ReservationDoc, now: number): ReservationStatus {
  switch (doc.phase) {
    case 'paid':
      return 'PAID';
    case 'refunded':
      return 'REFUNDED';
    case 'cancelled':
    case 'rejected':
      return 'CANCELLED';
    case 'expired':
      return 'EXPIRED';
    default:
      return Date.parse(doc.expiresAt) > now || doc.paymentInFlight ? 'HELD' : 'EXPIRED';
  }
}
