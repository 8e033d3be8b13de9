import { CachedEventStore } from '../../event-store/state-cache/cached-event-store';
import { handleCommand } from '../../shared/command-handler';
import { CommandMetadata } from '../../shared/decider';
import { concertState } from '../catalog/concert-catalog';
import { ReservationRequested } from './reservation.decider';
import { seatAllowanceDecider, seatAllowanceStream } from './seat-allowance.decider';

type Request = Pick<ReservationRequested['data'], 'reservationId' | 'userId' | 'concertId' | 'seatIds'>;

/** The concert's seat limit per user, or undefined when it has none (and its holds skip the allowance). */
export async function seatLimitOf(store: CachedEventStore, concertId: string): Promise<number | undefined> {
  return (await concertState(store, concertId)).created?.maxSeatsPerUser;
}

/** Grants the reservation its seats out of the user's allowance; refuses SEAT_LIMIT_REACHED. Idempotent. */
export async function grantSeats(
  store: CachedEventStore,
  request: Request,
  limit: number,
  metadata: CommandMetadata,
): Promise<void> {
  const { concertId, userId, reservationId, seatIds } = request;
  await handleCommand(store, seatAllowanceStream(concertId, userId), seatAllowanceDecider, {
    type: 'GrantSeats',
    data: { concertId, userId, reservationId, seats: seatIds.length, limit },
    metadata,
  });
}

/**
 * Gives back what the reservation was granted, once it ended without keeping its seats.
 * A no-op for a concert without a limit, a reservation never granted, or one already returned.
 */
export async function returnSeats(store: CachedEventStore, request: Request, metadata: CommandMetadata): Promise<void> {
  if ((await seatLimitOf(store, request.concertId)) === undefined) return;
  const { concertId, userId, reservationId } = request;
  await handleCommand(store, seatAllowanceStream(concertId, userId), seatAllowanceDecider, {
    type: 'ReturnSeats',
    data: { concertId, userId, reservationId },
    metadata,
  });
}
