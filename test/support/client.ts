export type Response<T = any> = { status: number; body: T; headers: Headers };

/**
 * A small HTTP client speaking exactly API.md, as the k6 scripts and black-box
 * checks do. Given several instances' URLs it alternates between them per
 * request, like a round-robin load balancer. Commands answer before any read
 * model has their events, so, as API.md asks of a client that reads its own
 * writes, it sends back the highest X-Event-Position it was given as
 * X-Min-Position on every query (unless the caller sets that header).
 */
export class Client {
  private readonly urls: readonly string[];
  private turn = 0;
  /** The highest X-Event-Position a command answered this client with. */
  lastPosition = 0;

  constructor(
    url: string | readonly string[],
    readonly adminKey: string,
    readonly readYourWrites = true,
  ) {
    this.urls = typeof url === 'string' ? [url] : url;
  }

  get url(): string {
    return this.urls[0];
  }

  async request<T = any>(
    method: string,
    path: string,
    options: { body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
  ): Promise<Response<T>> {
    const headers: Record<string, string> = { ...options.headers };
    let body: string | undefined = options.rawBody;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] = 'application/json';
    }
    if (options.rawBody !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
    const explicit = Object.keys(headers).some((name) => name.toLowerCase() === 'x-min-position');
    if (method === 'GET' && this.readYourWrites && this.lastPosition > 0 && !explicit) {
      headers['x-min-position'] = String(this.lastPosition);
    }
    const base = this.urls[this.turn++ % this.urls.length];
    const response = await fetch(base + path, { method, headers, body });
    const position = Number(response.headers.get('x-event-position'));
    if (method !== 'GET' && position > this.lastPosition) this.lastPosition = position;
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    return { status: response.status, body: parsed as T, headers: response.headers };
  }

  /** `settings` adds concert fields such as `maxSeatsPerUser` or `refundCutoffHours`. */
  async createConcert(seats: number, schedules = 1, price = 1000, settings: Record<string, unknown> = {}) {
    const response = await this.request('POST', '/v1/admin/concerts', {
      headers: { 'x-admin-key': this.adminKey },
      body: {
        ...settings,
        title: `Concert ${Date.now()}`,
        schedules: Array.from({ length: schedules }, (_, s) => ({
          startsAt: new Date(Date.UTC(2027, 0, 1 + s, 19)).toISOString(),
          seats: Array.from({ length: seats }, (_, i) => ({ seatNo: i + 1, price })),
        })),
      },
    });
    if (response.status !== 201) throw new Error(`createConcert: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body as { concertId: string; schedules: { scheduleId: string; seatIds: string[] }[] };
  }

  async user(name = `u${Math.random().toString(36).slice(2, 12)}`): Promise<User> {
    const password = 'correct horse battery';
    const signup = await this.request('POST', '/v1/auth/signup', { body: { username: name, password } });
    if (signup.status !== 201) throw new Error(`signup: ${signup.status} ${JSON.stringify(signup.body)}`);
    const login = await this.request('POST', '/v1/auth/login', { body: { username: name, password } });
    if (login.status !== 200) throw new Error(`login: ${login.status}`);
    return new User(this, login.body.userId, login.body.accessToken);
  }
}

export class User {
  queueToken = '';

  constructor(
    readonly client: Client,
    readonly userId: string,
    readonly accessToken: string,
  ) {}

  private headers(extra: Record<string, string> = {}) {
    return { authorization: `Bearer ${this.accessToken}`, 'x-queue-token': this.queueToken, ...extra };
  }

  call<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    return this.client.request<T>(method, path, { body, headers: this.headers(headers) });
  }

  async join(concertId: string) {
    const response = await this.call('POST', `/v1/concerts/${concertId}/queue`);
    if (response.status === 201 || response.status === 200) this.queueToken = response.body.queueToken;
    return response;
  }

  status() {
    return this.call('GET', '/v1/queue/status');
  }

  async waitForStatus(wanted: string, timeoutMs = 5_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const response = await this.status();
      if (response.body?.status === wanted || Date.now() > deadline) return response;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  async joinAndWaitActive(concertId: string) {
    await this.join(concertId);
    const response = await this.waitForStatus('ACTIVE');
    if (response.body?.status !== 'ACTIVE') throw new Error(`never ACTIVE: ${JSON.stringify(response.body)}`);
  }

  charge(amount: number, key?: string) {
    return this.call('POST', '/v1/wallet/charge', { amount }, key ? { 'idempotency-key': key } : {});
  }

  hold(scheduleId: string, seatIds: string[]) {
    return this.call('POST', '/v1/reservations', { scheduleId, seatIds });
  }

  pay(reservationId: string, key?: string) {
    return this.call('POST', '/v1/payments', { reservationId }, key ? { 'idempotency-key': key } : {});
  }
}
