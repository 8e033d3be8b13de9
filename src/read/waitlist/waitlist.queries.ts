import { Controller, Get, Inject } from '@nestjs/common';
import { IQueryHandler, Query, QueryBus, QueryHandler } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CACHED_EVENT_STORE, CachedEventStore } from '../../event-store/state-cache/cached-event-store';
import { CurrentUser } from '../../http/auth/current-user.decorator';
import { CLOCK, Clock } from '../../shared/clock';
import type { WaitlistJoined } from '../../write/waitlist/waitlist-entry.decider';
import { waitlistUserStream } from '../../write/waitlist/waitlist-entry.decider';
import {
  LedgerEntry,
  WaitlistOffersState,
  waitlistOffersDecider,
  waitlistOffersStream,
} from '../../write/waitlist/waitlist-offers.decider';

export type WaitlistStatus = 'WAITING' | 'OFFERED' | 'PAID' | 'LAPSED';
export type WaitlistEntryView = {
  scheduleId: string;
  concertId: string;
  entryId: string;
  status: WaitlistStatus;
  /** 1-based, among the entries still waiting for this schedule; present while WAITING. */
  place?: number;
  offer?: { reservationId: string; seatIds: string[]; expiresAt: string };
};

export class GetWaitlist extends Query<WaitlistEntryView[]> {
  constructor(readonly userId: string) {
    super();
  }
}

/**
 * The user's waiting-list entries, read from the streams themselves (no read
 * model holds them): the user's stream says which lists and where each join
 * stands in the log; each schedule's offer ledger says who is still waiting
 * ahead and what was offered. A join the leader has not enrolled yet is
 * placed behind everyone enrolled before it.
 */
@QueryHandler(GetWaitlist)
export class GetWaitlistHandler implements IQueryHandler<GetWaitlist> {
  constructor(
    @Inject(CACHED_EVENT_STORE) private readonly store: CachedEventStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ userId }: GetWaitlist): Promise<WaitlistEntryView[]> {
    const now = this.clock.now().getTime();
    const latest = new Map<string, { joined: WaitlistJoined['data']; position: number }>();
    for (const event of await this.store.readStream(waitlistUserStream(userId))) {
      if (event.type !== 'WaitlistJoined') continue;
      const joined = event.data as WaitlistJoined['data'];
      latest.set(joined.scheduleId, { joined, position: event.position });
    }
    return Promise.all(
      [...latest.values()].map(async ({ joined, position }) => {
        const stream = waitlistOffersStream(joined.scheduleId);
        const ledger = (await this.store.load<WaitlistOffersState>(stream, waitlistOffersDecider)).state;
        return viewOf(joined, position, ledger, now);
      }),
    );
  }
}

export function viewOf(
  joined: WaitlistJoined['data'],
  position: number,
  ledger: WaitlistOffersState,
  now: number,
): WaitlistEntryView {
  const { scheduleId, concertId, entryId } = joined;
  const base = { scheduleId, concertId, entryId };
  const entry: LedgerEntry | undefined = ledger.entries.find((e) => e.entryId === entryId);
  if (!entry || entry.status === 'waiting') {
    const ahead = ledger.entries.filter((e) => e.status === 'waiting' && e.joinedPosition < position).length;
    return { ...base, status: 'WAITING', place: ahead + 1 };
  }
  if (entry.status === 'paid') return { ...base, status: 'PAID' };
  const offer = entry.offer!;
  if (entry.status === 'offered' && Date.parse(offer.expiresAt) > now) {
    const { reservationId, seatIds, expiresAt } = offer;
    return { ...base, status: 'OFFERED', offer: { reservationId, seatIds: [...seatIds], expiresAt } };
  }
  return { ...base, status: 'LAPSED' };
}

@ApiTags('waitlist')
@Controller('v1/waitlist')
export class WaitlistQueriesController {
  constructor(private readonly queries: QueryBus) {}

  @Get()
  @ApiOperation({
    summary: 'The caller’s waiting-list entries',
    description:
      'Each entry with its status (`WAITING` with its 1-based `place`, `OFFERED` with the live offer: ' +
      '`reservationId`, `seatIds`, `expiresAt`, then `PAID` or `LAPSED`).',
  })
  list(@CurrentUser() userId: string): Promise<WaitlistEntryView[]> {
    return this.queries.execute(new GetWaitlist(userId));
  }
}
