import { Command, Decider, Event, assertNever } from '../../shared/decider';
import { refuse } from '../../shared/domain-error';

export const concertStream = (concertId: string) => `Concert-${concertId}`;
/** A seat's id names its schedule and number, so its stream is found without a lookup. */
export const seatIdOf = (scheduleId: string, seatNo: number) => `${scheduleId}.${seatNo}`;

export type SeatDefinition = { seatId: string; seatNo: number; price: number };
export type ScheduleDefinition = { scheduleId: string; startsAt: string; seats: SeatDefinition[] };

/** Hours before a schedule starts after which its reservations can no longer be refunded, when a concert names none. */
export const DEFAULT_REFUND_CUTOFF_HOURS = 24;

export type ConcertCreated = Event<
  'ConcertCreated',
  {
    concertId: string;
    title: string;
    schedules: ScheduleDefinition[];
    /** Seats one user may hold or own across every schedule; absent: no limit. */
    maxSeatsPerUser?: number;
    /** Absent in concerts created before refunds existed: DEFAULT_REFUND_CUTOFF_HOURS. */
    refundCutoffHours?: number;
    /** The admission leader's inflow limit; absent: no limit (the ledger's AdmissionRateSet overrides it). */
    admitPerMinute?: number;
    /** When the sale opens: joins before it wait in a pre-queue, shuffled at the opening (absent: open at once). */
    onSaleAt?: string;
  }
>;
/** The opening moved, before it passed. */
export type ConcertOnSaleRescheduled = Event<'ConcertOnSaleRescheduled', { concertId: string; onSaleAt: string }>;
export type ConcertEvent = ConcertCreated | ConcertOnSaleRescheduled;

export type CreateConcert = Command<
  'CreateConcert',
  {
    concertId: string;
    title: string;
    schedules: { scheduleId: string; startsAt: string; seats: { seatNo: number; price: number }[] }[];
    maxSeatsPerUser?: number;
    refundCutoffHours?: number;
    admitPerMinute?: number;
    onSaleAt?: string;
  }
>;
export type RescheduleOnSale = Command<'RescheduleOnSale', { concertId: string; onSaleAt: string }>;
export type ConcertCommand = CreateConcert | RescheduleOnSale;

export type ConcertState = { readonly created: ConcertCreated['data'] | undefined };

export const concertDecider: Decider<ConcertState, ConcertCommand, ConcertEvent> = {
  initialState: () => ({ created: undefined }),
  evolve: (state, event) => {
    switch (event.type) {
      case 'ConcertCreated':
        return { created: event.data };
      case 'ConcertOnSaleRescheduled':
        return state.created ? { created: { ...state.created, onSaleAt: event.data.onSaleAt } } : state;
      default:
        return assertNever(event);
    }
  },
  decide: (command, state) => {
    switch (command.type) {
      case 'CreateConcert': {
        // Creating the same concert again (a retried request) is not a second concert.
        if (state.created) return [];
        const schedules = command.data.schedules.map((schedule) => {
          const seatNos = new Set(schedule.seats.map((seat) => seat.seatNo));
          if (seatNos.size !== schedule.seats.length) {
            return refuse('VALIDATION_FAILED', `schedule ${schedule.startsAt} lists a seat number twice`);
          }
          return {
            scheduleId: schedule.scheduleId,
            startsAt: schedule.startsAt,
            seats: schedule.seats.map((seat) => ({ ...seat, seatId: seatIdOf(schedule.scheduleId, seat.seatNo) })),
          };
        });
        const { concertId, title, maxSeatsPerUser } = command.data;
        const refundCutoffHours = command.data.refundCutoffHours ?? DEFAULT_REFUND_CUTOFF_HOURS;
        const admission =
          command.data.admitPerMinute !== undefined ? { admitPerMinute: command.data.admitPerMinute } : {};
        const opening =
          command.data.onSaleAt !== undefined ? { onSaleAt: new Date(command.data.onSaleAt).toISOString() } : {};
        return [
          {
            type: 'ConcertCreated',
            data: {
              concertId,
              title,
              schedules,
              ...(maxSeatsPerUser === undefined ? {} : { maxSeatsPerUser }),
              refundCutoffHours,
              ...admission,
              ...opening,
            },
          },
        ];
      }
      case 'RescheduleOnSale': {
        const { created } = state;
        if (!created) return refuse('CONCERT_NOT_FOUND', `concert ${command.data.concertId} not found`);
        const now = command.metadata.now.getTime();
        // The opening is the admission leader's to act on once it is due: moving it then would reorder a line already shuffled.
        if (!created.onSaleAt || Date.parse(created.onSaleAt) <= now) {
          return refuse('ON_SALE_STARTED', `concert ${created.concertId} is already on sale`);
        }
        const onSaleAt = Date.parse(command.data.onSaleAt);
        if (!(onSaleAt > now)) return refuse('VALIDATION_FAILED', 'onSaleAt must be in the future');
        if (onSaleAt === Date.parse(created.onSaleAt)) return [];
        return [
          {
            type: 'ConcertOnSaleRescheduled',
            data: { concertId: created.concertId, onSaleAt: new Date(onSaleAt).toISOString() },
          },
        ];
      }
      default:
        return assertNever(command);
    }
  },
};
