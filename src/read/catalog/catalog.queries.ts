import { Inject } from '@nestjs/common';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { EVENT_STORE, EventStore } from '../../event-store/event-store.port';
import { ScheduleDoc, SeatStatus, seatStatus } from '../../projections/catalog.projection';
import { CLOCK, Clock } from '../../shared/clock';
import { DomainError } from '../../shared/domain-error';
import { QueueAccess, QueueTokenClaims } from '../queue/queue-access';
import { READ_MODELS, ReadModels } from '../read-models';

export type ConcertView = { concertId: string; title: string };
export type ScheduleView = { scheduleId: string; startsAt: string; availableSeats: number; totalSeats: number };
export type SeatView = { seatId: string; seatNo: number; price: number; status: SeatStatus };

export class GetConcerts extends Query<ConcertView[]> {}
export class GetSchedules extends Query<ScheduleView[]> {
  constructor(
    readonly concertId: string,
    readonly token: QueueTokenClaims,
  ) {
    super();
  }
}
export class GetSeats extends Query<SeatView[]> {
  constructor(
    readonly scheduleId: string,
    readonly token: QueueTokenClaims,
  ) {
    super();
  }
}

@QueryHandler(GetConcerts)
export class GetConcertsHandler implements IQueryHandler<GetConcerts> {
  constructor(@Inject(READ_MODELS) private readonly readModels: ReadModels) {}

  async execute(): Promise<ConcertView[]> {
    return [...this.readModels.concerts()].map(({ concertId, title }) => ({ concertId, title }));
  }
}

@QueryHandler(GetSchedules)
export class GetSchedulesHandler implements IQueryHandler<GetSchedules> {
  constructor(
    @Inject(READ_MODELS) private readonly readModels: ReadModels,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly access: QueueAccess,
  ) {}

  async execute({ concertId, token }: GetSchedules): Promise<ScheduleView[]> {
    const concert = await this.readModels.lookup(this.store, () => this.readModels.concert(concertId));
    if (!concert) throw new DomainError('CONCERT_NOT_FOUND', `concert ${concertId} not found`);
    await this.access.requireActive(token, concertId);
    const now = this.clock.now().getTime();
    return concert.scheduleIds.map((id) => {
      const schedule = this.readModels.schedule(id)!;
      return {
        scheduleId: id,
        startsAt: schedule.startsAt,
        availableSeats: countAvailable(schedule, now),
        totalSeats: schedule.seats.size,
      };
    });
  }
}

@QueryHandler(GetSeats)
export class GetSeatsHandler implements IQueryHandler<GetSeats> {
  constructor(
    @Inject(READ_MODELS) private readonly readModels: ReadModels,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly access: QueueAccess,
  ) {}

  async execute({ scheduleId, token }: GetSeats): Promise<SeatView[]> {
    const schedule = await this.readModels.lookup(this.store, () => this.readModels.schedule(scheduleId));
    if (!schedule) throw new DomainError('SCHEDULE_NOT_FOUND', `schedule ${scheduleId} not found`);
    await this.access.requireActive(token, schedule.concertId);
    const now = this.clock.now().getTime();
    return [...schedule.seats.values()].map((seat) => ({
      seatId: seat.seatId,
      seatNo: seat.seatNo,
      price: seat.price,
      status: seatStatus(seat, now),
    }));
  }
}

/** Counted against `now`, so a hold past its TTL is available before any expiry event lands. */
function countAvailable(schedule: ScheduleDoc, now: number): number {
  let available = 0;
  for (const seat of schedule.seats.values()) if (seatStatus(seat, now) === 'AVAILABLE') available += 1;
  return available;
}
