import { Inject } from '@nestjs/common';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { CLOCK, Clock } from '../../shared/clock';
import { DomainError } from '../../shared/domain-error';
import { Answer } from '../breakers/read-breaker';
import { GuardedReads } from '../guarded-reads';
import { Deadline, ReadRequest, readNow } from '../read-deadline';
import { QueueAccess, QueueTokenClaims } from '../../write/queue/queue-access';
import { ScheduleRead, SeatRead } from '../stores/read-store.port';

export type ConcertView = { concertId: string; title: string };

/**
 * Starts the queue-token check (QueueAccess reads the event store) beside the
 * read, so it costs the query no time of its own; the function it returns
 * answers it for the concert the read found, within the query's deadline.
 */
function checkActive(access: QueueAccess, token: QueueTokenClaims, deadline: Deadline) {
  const checking = access.requireActive(token, token.concertId);
  checking.catch(() => undefined); // awaited below, unless the read failed first
  return async (concertId: string) => {
    if (concertId !== token.concertId) await access.requireActive(token, concertId); // refuses at once
    await deadline.race(checking, () => {
      throw new DomainError('SERVICE_UNAVAILABLE', 'the queue token could not be checked in time; try again shortly');
    });
  };
}

export class GetConcerts extends Query<Answer<ConcertView[]>> {
  constructor(readonly request: ReadRequest = readNow()) {
    super();
  }
}
export class GetSchedules extends Query<Answer<ScheduleRead[]>> {
  constructor(
    readonly concertId: string,
    readonly token: QueueTokenClaims,
    readonly request: ReadRequest = readNow(),
  ) {
    super();
  }
}
export class GetSeats extends Query<Answer<SeatRead[]>> {
  constructor(
    readonly scheduleId: string,
    readonly token: QueueTokenClaims,
    readonly request: ReadRequest = readNow(),
  ) {
    super();
  }
}

@QueryHandler(GetConcerts)
export class GetConcertsHandler implements IQueryHandler<GetConcerts> {
  constructor(private readonly reads: GuardedReads) {}

  async execute({ request }: GetConcerts): Promise<Answer<ConcertView[]>> {
    const { value, staleMs } = await this.reads.documents(request, 'concerts', (r) => r.concerts(), {
      shared: true,
    });
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

  async execute({ concertId, token, request }: GetSchedules): Promise<Answer<ScheduleRead[]>> {
    const now = this.clock.now().getTime();
    const active = checkActive(this.access, token, this.reads.deadlineOf(request, 'documents'));
    const { value, staleMs } = await this.reads.documents(
      request,
      `schedules:${concertId}`,
      (r) => r.schedules(concertId, now),
      { shared: true },
    );
    if (!value) throw new DomainError('CONCERT_NOT_FOUND', `concert ${concertId} not found`);
    await active(concertId);
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

  async execute({ scheduleId, token, request }: GetSeats): Promise<Answer<SeatRead[]>> {
    const now = this.clock.now().getTime();
    const active = checkActive(this.access, token, this.reads.deadlineOf(request, 'documents'));
    const { value, staleMs } = await this.reads.documents(
      request,
      `seats:${scheduleId}`,
      (r) => r.seatMap(scheduleId, now),
      { shared: true },
    );
    if (!value) throw new DomainError('SCHEDULE_NOT_FOUND', `schedule ${scheduleId} not found`);
    await active(value.concertId);
    return { value: value.seats, staleMs };
  }
}
