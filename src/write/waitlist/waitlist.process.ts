import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { RecordedEvent } from '../../event-store/event-store.port';
import { CachedEventStore } from '../../event-store/state-cache/cached-event-store';
import { Checkpoints } from '../../shared/checkpoints';
import { Clock } from '../../shared/clock';
import { handleCommand } from '../../shared/command-handler';
import { DomainError } from '../../shared/domain-error';
import { Faults } from '../../shared/faults';
import { LeaderLoop } from '../../shared/leader-loop';
import { Lease } from '../../shared/lease';
import { metadataAt } from '../../shared/metadata';
import { scheduleOf } from '../catalog/concert-catalog';
import { HoldRequest, HoldSeatsProcess } from '../reservations/hold-seats.process';
import {
  ReservationPhase,
  ReservationState,
  reservationDecider,
  reservationStream,
} from '../reservations/reservation.decider';
import { SeatState, seatDecider, seatStream } from '../reservations/seat.decider';
import {
  OfferOutcome,
  OfferTerms,
  WaitlistEntryRef,
  WaitlistOffered,
  WaitlistOffersState,
  seatIsFree,
  waitlistOffersDecider,
  waitlistOffersStream,
} from './waitlist-offers.decider';
import { LiveOffer, WAITLIST_WORK_EVENTS, WaitlistWork } from './waitlist-work';

export type WaitlistSettings = { offerSeconds: number; tickMs: number };

export const WAITLIST_CHECKPOINT = 'waitlist-offers';
const PAGE = 5_000;
const CHECKPOINT_EVERY_MS = 1_000;
/**
 * How long a freed seat nobody waits for stays in view: a join that passed its
 * "sold out" check just before the seat was freed may be written just after.
 */
const RELEASE_GRACE_MS = 5_000;
const NOTICED = new Set([
  'WaitlistJoined',
  'SeatReleased',
  'ReservationRejected',
  'ReservationCancelled',
  'ReservationExpired',
  'ReservationPaid',
]);
const OUTCOME_OF_PHASE: Partial<Record<ReservationPhase, OfferOutcome>> = {
  paid: 'paid',
  expired: 'expired',
  cancelled: 'cancelled',
  rejected: 'unavailable',
};

/**
 * The single waitlist process: while it holds the lease it enrols joins in
 * their schedule's offer ledger and offers every freed seat to the first
 * entry waiting. An offer is a hold made by the hold process for that user
 * with the offer's TTL, so the seat decider still decides who holds a seat;
 * an offered hold that expires frees its seat again, which goes to the next.
 * Decisions are appends to the ledger with the expected revision; what to look
 * at comes from its own index, fed by a filtered read of the log from a
 * low-water mark.
 */
export class WaitlistProcess {
  private work: WaitlistWork | undefined;
  private readonly loop: LeaderLoop;
  private readonly logger = new Logger('WaitlistProcess');
  private checkpointedAt = 0;

  constructor(
    private readonly store: CachedEventStore,
    private readonly holds: HoldSeatsProcess,
    private readonly faults: Faults,
    private readonly checkpoints: Checkpoints,
    lease: Lease,
    private readonly clock: Clock,
    private readonly settings: WaitlistSettings,
  ) {
    const forget = () => (this.work = undefined);
    this.loop = new LeaderLoop(lease, settings.tickMs, () => this.runOnce(), forget, 'WaitlistProcess');
  }

  start(): void {
    this.loop.start();
  }

  notice(events: readonly RecordedEvent[]): void {
    if (this.loop.isLeader && events.some((e) => NOTICED.has(e.type))) void this.tick();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  get isLeader(): boolean {
    return this.loop.isLeader;
  }

  tick(): Promise<void> {
    return this.loop.tick();
  }

  private async runOnce(): Promise<void> {
    const work = await this.follow();
    const now = this.clock.now();
    for (const [scheduleId, joins] of work.joins) {
      const entries = [...joins.values()];
      await handleCommand(this.store, waitlistOffersStream(scheduleId), waitlistOffersDecider, {
        type: 'EnrollEntries',
        data: { scheduleId, entries },
        metadata: metadataAt(now),
      });
      work.enrolled(scheduleId, entries);
    }
    for (const offer of [...work.offers.values()]) await this.tend(work, offer, now);
    for (const scheduleId of [...work.releases.keys()]) await this.offerFreed(work, scheduleId, now);
    if (now.getTime() - this.checkpointedAt >= CHECKPOINT_EVERY_MS) {
      await this.checkpoints.save(WAITLIST_CHECKPOINT, work.lowWater());
      this.checkpointedAt = now.getTime();
    }
  }

  private async follow(): Promise<WaitlistWork> {
    if (!this.work) {
      this.work = new WaitlistWork(await this.checkpoints.load(WAITLIST_CHECKPOINT));
      this.logger.log({ from: this.work.cursor }, 'waitlist leader: following the log from its low-water mark');
    }
    for (;;) {
      const events = await this.store.readAll(this.work.cursor, PAGE, { types: WAITLIST_WORK_EVENTS });
      this.work.apply(events);
      this.store.observe(events);
      if (events.length < PAGE) return this.work;
    }
  }

  /** Records how an offer's hold ended; starts a hold a crash left unstarted. */
  private async tend(work: WaitlistWork, offer: LiveOffer, now: Date): Promise<void> {
    if (!offer.outcome && !offer.started) {
      const { state } = await this.store.load<ReservationState>(
        reservationStream(offer.reservationId),
        reservationDecider,
      );
      if (state.phase === 'none') {
        const ledger = await this.ledger(offer.scheduleId);
        const entry = ledger.entries.find((e) => e.offer?.reservationId === offer.reservationId);
        if (!entry || entry.status !== 'offered') return;
        await this.hold(offer, holdRequestOf(offer.scheduleId, entry, entry.offer!), now);
        return;
      }
      offer.started = true;
      offer.outcome = OUTCOME_OF_PHASE[state.phase];
    }
    if (!offer.outcome) return;
    const { scheduleId, reservationId, outcome } = offer;
    await handleCommand(this.store, waitlistOffersStream(scheduleId), waitlistOffersDecider, {
      type: 'EndOffer',
      data: { scheduleId, reservationId, outcome },
      metadata: metadataAt(now, reservationId),
    });
    work.offers.delete(reservationId);
  }

  /** Offers each freed seat of a schedule that is still free to the first entry waiting. */
  private async offerFreed(work: WaitlistWork, scheduleId: string, now: Date): Promise<void> {
    let ledger = await this.ledger(scheduleId);
    for (const release of [...(work.releases.get(scheduleId)?.values() ?? [])]) {
      const { seatId } = release;
      const first = ledger.entries.find((e) => e.status === 'waiting');
      // Most freed seats belong to schedules nobody waits for: no seat read for those.
      if (!first) {
        if (now.getTime() - release.releasedAt >= RELEASE_GRACE_MS) work.settled(scheduleId, seatId);
        continue;
      }
      const seat = (await this.store.load<SeatState>(seatStream(seatId), seatDecider)).state;
      const price = (await scheduleOf(this.store, first.concertId, scheduleId))?.prices.get(seatId);
      if (!seatIsFree(seat, now.getTime()) || price === undefined) {
        work.settled(scheduleId, seatId);
        continue;
      }
      const reservationId = randomUUID();
      const offered = await handleCommand(this.store, waitlistOffersStream(scheduleId), waitlistOffersDecider, {
        type: 'OfferSeat',
        data: { scheduleId, seatId, seat, price, reservationId, offerSeconds: this.settings.offerSeconds },
        metadata: metadataAt(now, reservationId),
      });
      ledger = offered.state;
      const event = offered.events[0] as WaitlistOffered | undefined;
      // Not offered on the ledger as it is: the seat has a live offer already, or nobody waits after all.
      if (!event) {
        if (ledger.entries.some((e) => e.status === 'waiting')) work.settled(scheduleId, seatId);
        continue;
      }
      work.settled(scheduleId, seatId);
      if (!work.offers.has(reservationId)) {
        work.offers.set(reservationId, {
          scheduleId,
          reservationId,
          // The seat's release comes before the offer: a new leader reading on from before it sees both.
          after: release.after,
          outcome: undefined,
          started: false,
        });
      }
      await this.hold(work.offers.get(reservationId)!, holdRequestOf(scheduleId, event.data, event.data), now);
    }
  }

  private async hold(offer: LiveOffer, request: HoldRequest, now: Date): Promise<void> {
    try {
      this.faults.check('waitlist:after-offer');
      await this.holds.start(request, metadataAt(now, request.reservationId));
      offer.started = true;
    } catch (error) {
      // Refused (the seat went to someone else first): the reservation says so in the log, which ends the offer.
      if (error instanceof DomainError) offer.started = true;
      else this.logger.warn({ err: error, reservationId: request.reservationId }, 'could not hold an offered seat yet');
    }
  }

  private async ledger(scheduleId: string): Promise<WaitlistOffersState> {
    const stream = waitlistOffersStream(scheduleId);
    return (await this.store.load<WaitlistOffersState>(stream, waitlistOffersDecider)).state;
  }
}

function holdRequestOf(
  scheduleId: string,
  entry: Pick<WaitlistEntryRef, 'userId' | 'concertId' | 'queueEntryId'>,
  offer: OfferTerms,
): HoldRequest {
  const { reservationId, seatIds, amount, expiresAt } = offer;
  const { userId, concertId, queueEntryId } = entry;
  return { reservationId, userId, concertId, scheduleId, queueEntryId, seatIds: [...seatIds], amount, expiresAt };
}
