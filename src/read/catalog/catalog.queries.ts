import { Inject } from '@nestjs/common';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { CLOCK, Clock } from '../../shared/clock';
import { DomainError } from '../../shared/domain-error';
import { Answer } from '../breakers/read-breaker';
import { GuardedReads } from '../guarded-reads';
import { QueueAccess, QueueTokenClaims } from '../../write/queue/queue-access';
import { ScheduleRead, SeatRead } from '../stores/read-store.port';

export type ConcertView = { concertId: string; title: string };

export class GetConcerts extends Query<Answer<ConcertView[]>> {}
export class GetSchedules extends Query<Answer<ScheduleRead[]>> {
  constructor(
    readonly concertId: string,
    readonly token: QueueTokenClaims,
  ) {
    super();
  }
}
export class GetSeats extends Query<Answer<SeatRead[]>> {
  constructor(
    readonly scheduleId: string,
    readonly token: QueueTokenClaims,
  ) {
    super();
  }
}

@QueryHandler(GetConcerts)
export class GetConcertsHandler implements IQueryHandler<GetConcerts> {
  constructor(private readonly reads: GuardedReads) {}

  async execute(): Promise<Answer<ConcertView[]>> {
    const { value, staleMs } = await this.reads.documents('concerts', (r) => r.concerts(), { shared: true });
    return { value: (value ?? []).map(({ concertId, title }) => ({ concertId, title })), staleMs };
  }
}

/** Seat counts and statuses are computed against `now`, so a hold past its TTL shows AVAILABLE before its expiry event. */
@QueryHandler(GetSchedules)
export class GetSchedulesHandler implements IQueryHandler<GetSchedules> {
  constructor(
    private readonly reads: GuardedReads,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly access: QueueAccess,
  ) {}

  async execute({ concertId, token }: GetSchedules): Promise<Answer<ScheduleRead[]>> {
    const now = this.clock.now().getTime();
    const { value, staleMs } = await this.reads.documents(
      `schedules:${concertId}`,
      (r) => r.schedules(concertId, now),
      {
        shared: true,
      },
    );
    if (!value) throw new DomainError('CONCERT_NOT_FOUND', `concert ${concertId} not found`);
    await this.access.requireActive(token, concertId);
    return { value, staleMs };
  }
}

@QueryHandler(GetSeats)
export class GetSeatsHandler implements IQueryHandler<GetSeats> {
  constructor(
    private readonly reads: GuardedReads,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly access: QueueAccess,
  ) {}

  async execute({ scheduleId, token }: GetSeats): Promise<Answer<SeatRead[]>> {
    const now = this.clock.now().getTime();
    const { value, staleMs } = await this.reads.documents(`seats:${scheduleId}`, (r) => r.seatMap(scheduleId, now), {
      shared: true,
    });
    if (!value) throw new DomainError('SCHEDULE_NOT_FOUND', `schedule ${scheduleId} not found`);
    await this.access.requireActive(token, value.concertId);
    return { value: value.seats, staleMs };
  }
}
