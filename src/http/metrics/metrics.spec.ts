import { TokenService } from '../auth/token.service';
import { createEdgeTestApp, EdgeTestApp } from '../testing/edge-test-app';
import { MetricsService } from './metrics.service';

describe('GET /metrics', () => {
  let edge: EdgeTestApp;
  beforeAll(async () => {
    edge = await createEdgeTestApp();
  });
  afterAll(async () => {
    await edge.app.close();
    await edge.sql.close();
  });

  const scrape = async () => {
    const res = await edge.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    return res.body;
  };

  it('times requests by route pattern, never by raw URL', async () => {
    const { accessToken } = edge.app.get(TokenService).signAccess({ userId: 'u-1', username: 'u-1' });
    await edge.app.inject({
      method: 'GET',
      url: '/v1/things/t-123',
      headers: { authorization: `Bearer ${accessToken}` },
    });
    await edge.app.inject({ method: 'GET', url: '/v1/things/t-456' }); // 401 from the guard still counts
    await edge.app.inject({ method: 'GET', url: '/no/such/route/9f8e7d' });
    const text = await scrape();
    expect(text).toMatch(
      /http_request_duration_seconds_count\{method="GET",route="\/v1\/things\/:id",status_code="200"\} 1\n/,
    );
    expect(text).toMatch(
      /http_request_duration_seconds_count\{method="GET",route="\/v1\/things\/:id",status_code="401"\} 1\n/,
    );
    expect(text).toMatch(
      /http_request_duration_seconds_bucket\{le="0\.005",method="GET",route="\/v1\/things\/:id",status_code="200"\}/,
    );
    expect(text).toMatch(/http_request_duration_seconds_count\{method="GET",route="unmatched",status_code="404"\} 1\n/);
    expect(text).not.toMatch(/t-123|9f8e7d/);
  });

  it('exposes the event and projection metrics other slices update, plus process defaults', async () => {
    const metrics = edge.app.get(MetricsService);
    metrics.eventsAppended.inc({ type: 'SeatHeld' }, 3);
    metrics.projectionLag.set({ projection: 'reservations' }, 12);
    metrics.projectionPosition.set({ projection: 'reservations' }, 4500);
    const text = await scrape();
    expect(text).toContain('events_appended_total{type="SeatHeld"} 3');
    expect(text).toContain('projection_lag_events{projection="reservations"} 12');
    expect(text).toContain('projection_position{projection="reservations"} 4500');
    expect(text).toContain('process_cpu_user_seconds_total');
  });
});
