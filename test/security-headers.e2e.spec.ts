import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { RunningApp, startApp } from './support/app';
import { Response, User } from './support/client';
import { expectProblem, freshDataDir, removeDataDirs } from './support/e2e';

const CHROMIUM = '/usr/bin/chromium';
// Without the background-networking flags Chromium dials out at start, which this closed network refuses.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const SHOP = 'https://shop.example';

const header = (response: Response, name: string) => response.headers.get(name);

/** Issue 12, item 5: security headers on every answer, no CORS unless configured, and a /docs UI that still works. */
describe('security headers', () => {
  let running: RunningApp;
  let user: User;
  beforeAll(async () => {
    running = await startApp({ DATA_DIR: await freshDataDir() });
    user = await running.client.user(`hdr_${Math.random().toString(36).slice(2, 8)}`);
  });
  afterAll(async () => {
    await running.close();
    removeDataDirs();
  });

  it('says nosniff and no-store on every answer: authenticated ones, logins, public ones and problem+json errors', async () => {
    const c = running.client;
    const answers: Record<string, Response> = {
      'an authenticated query': await user.call('GET', '/v1/wallet'),
      'an authenticated command': await user.charge(100),
      'a login, with its token': await c.request('POST', '/v1/auth/login', {
        body: { username: 'nobody_here', password: 'whatever-it-is' },
      }),
      'a public query': await c.request('GET', '/v1/concerts'),
      'no token (401)': await c.request('GET', '/v1/wallet'),
      'a bad body (400)': await user.call('POST', '/v1/wallet/charge', { amount: -1 }),
      'an unknown route (404)': await c.request('GET', '/v1/nothing-here'),
      'a wrong method (404/405)': await c.request('DELETE', '/v1/concerts'),
      'a URL the router cannot parse (400)': await c.request('GET', '/%'),
    };
    for (const [name, response] of Object.entries(answers)) {
      expect({ name, nosniff: header(response, 'x-content-type-options') }).toEqual({ name, nosniff: 'nosniff' });
      expect({ name, cache: header(response, 'cache-control') }).toEqual({ name, cache: 'no-store' });
    }
    expect(answers['an authenticated query'].status).toBe(200);
    for (const name of ['no token (401)', 'a bad body (400)', 'an unknown route (404)']) {
      expectProblem(answers[name]);
      // Helmet's headers ride on the errors too.
      expect(header(answers[name], 'x-frame-options')).toBe('DENY');
      expect(header(answers[name], 'content-security-policy')).toBe("default-src 'none';frame-ancestors 'none'");
    }
  });

  it('sends no CORS headers when CORS_ORIGINS is not set, and answers no preflight', async () => {
    const simple = await running.client.request('GET', '/v1/concerts', { headers: { origin: SHOP } });
    expect(simple.status).toBe(200);
    expect(header(simple, 'access-control-allow-origin')).toBeNull();
    const preflight = await running.client.request('OPTIONS', '/v1/wallet/charge', {
      headers: {
        origin: SHOP,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization',
      },
    });
    expect(preflight.status).toBeGreaterThanOrEqual(400);
    expect(header(preflight, 'access-control-allow-origin')).toBeNull();
    expect(header(preflight, 'access-control-allow-methods')).toBeNull();
  });

  it('gives /docs a CSP of its own that lets the UI load its scripts and styles from here', async () => {
    const page = await running.client.request('GET', '/docs');
    expect(page.status).toBe(200);
    expect(header(page, 'content-type')).toMatch(/text\/html/);
    expect(header(page, 'x-content-type-options')).toBe('nosniff');
    const csp = header(page, 'content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self' 'unsafe-inline'");
    expect(csp).not.toContain('upgrade-insecure-requests');
    // Only the docs are relaxed: the API keeps its own.
    const api = await running.client.request('GET', '/v1/concerts');
    expect(header(api, 'content-security-policy')).toBe("default-src 'none';frame-ancestors 'none'");
  });

  describeWithChromium('the OpenAPI UI in a browser', () => {
    it('renders every operation under its CSP, with no violation or console error', async () => {
      const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
      try {
        const page = await browser.newPage();
        const errors: string[] = [];
        page.on('console', (message) => {
          if (message.type() === 'error') errors.push(message.text());
        });
        page.on('pageerror', (error) => errors.push(error.message));
        // A blocked script, style or image reports itself as a console error.
        await page.addInitScript(
          "document.addEventListener('securitypolicyviolation', (e) => console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI))",
        );
        await page.goto(`${running.url}/docs`);
        await page.waitForSelector('.swagger-ui .info .title', { timeout: 20_000 });
        expect(await page.textContent('.swagger-ui .info .title')).toContain('Rush Tickets API');
        await page.waitForSelector('.opblock');
        expect((await page.$$('.opblock')).length).toBeGreaterThan(10);
        expect(errors).toEqual([]);
      } finally {
        await browser.close();
      }
    });
  });
});

describe('CORS when CORS_ORIGINS is set', () => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await startApp({ DATA_DIR: await freshDataDir(), CORS_ORIGINS: `${SHOP}, http://localhost:5173` });
  });
  afterAll(async () => {
    await running.close();
    removeDataDirs();
  });

  it('lets a configured origin call the API, with the headers the contract uses, and no other origin', async () => {
    const preflight = await running.client.request('OPTIONS', '/v1/wallet/charge', {
      headers: {
        origin: SHOP,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type, idempotency-key',
      },
    });
    expect(preflight.status).toBe(204);
    expect(header(preflight, 'access-control-allow-origin')).toBe(SHOP);
    expect(header(preflight, 'access-control-allow-headers')).toEqual(
      expect.stringContaining('authorization, content-type, idempotency-key'),
    );
    expect(header(preflight, 'access-control-allow-credentials')).toBeNull();

    const simple = await running.client.request('GET', '/v1/concerts', {
      headers: { origin: 'http://localhost:5173' },
    });
    expect(header(simple, 'access-control-allow-origin')).toBe('http://localhost:5173');
    expect(header(simple, 'access-control-expose-headers')).toContain('x-event-position');
    expect(header(simple, 'vary')).toMatch(/origin/i);

    const other = await running.client.request('GET', '/v1/concerts', { headers: { origin: 'https://evil.example' } });
    expect(other.status).toBe(200);
    expect(header(other, 'access-control-allow-origin')).toBeNull();
  });
});

/** Skips without Chromium (infra/chromium.sh installs it), except under REQUIRE_SERVICES=1, where that fails. */
function describeWithChromium(name: string, body: () => void): void {
  if (existsSync(CHROMIUM)) return describe(name, body);
  if (process.env.REQUIRE_SERVICES === '1') {
    return describe(name, () => {
      it('needs Chromium', () => {
        throw new Error(`${CHROMIUM} is missing but REQUIRE_SERVICES=1 (run infra/chromium.sh)`);
      });
    });
  }
  describe.skip(`${name} (install Chromium with infra/chromium.sh to run)`, () => {
    it('skipped', () => undefined);
  });
}
