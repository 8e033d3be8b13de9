import { Inject } from '@nestjs/common';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { CACHED_EVENT_STORE, CachedEventStore } from '../../../event-store/state-cache/cached-event-store';
import { CLOCK, Clock } from '../../../shared/clock';
import { handleCommand } from '../../../shared/command-handler';
import { metadataAt } from '../../../shared/metadata';
import { releaseSeats } from '../hold-seats.process';
import { reservationDecider, reservationStream } from '../reservation.decider';
import { returnSeats } from '../seat-allowances';

export class CancelReservationCommand extends Command<{ position: number }> {
  constructor(
    readonly reservationId: string,
    readonly userId: string,
  ) {
    super();
  }
}

/** Cancels first (so the reservation can no longer be paid), then frees the seats, then the user's allowance. */
@CommandHandler(CancelReservationCommand)
export class CancelReservationHandler implements ICommandHandler<CancelReservationCommand> {
  constructor(
    @Inject(CACHED_EVENT_STORE) private readonly store: CachedEventStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ reservationId, userId }: CancelReservationCommand) {
    const metadata = metadataAt(this.clock.now(), reservationId);
    const cancelled = await handleCommand(this.store, reservationStream(reservationId), reservationDecider, {
      type: 'CancelReservation',
      data: { reservationId, userId },
      metadata,
    });
    const request = cancelled.state.request!;
    await releaseSeats(this.store, request.seatIds, reservationId, 'cancelled', metadata);
    // Only once its seats are free: a crash before this leaves it to the sweeper.
    await returnSeats(this.store, request, metadata);
    return { position: await this.store.headPosition() };
  }
}
