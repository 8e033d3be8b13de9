/**
 * At most `size` reads in flight: an admission that moves ten thousand open
 * streams at once becomes a steady run of status reads, not ten thousand
 * concurrent calls through the store's breaker.
 */
export class ReadSlots {
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly size: number) {}

  async run<T>(read: () => Promise<T>): Promise<T> {
    if (this.inFlight >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.inFlight += 1;
    try {
      return await read();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.inFlight -= 1;
    }
  }
}
