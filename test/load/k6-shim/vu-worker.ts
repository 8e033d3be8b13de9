/**
 * One k6 VU in a worker thread: evaluates a k6 script (an ES module) with
 * node:vm, links `k6`, `k6/http` and `k6/metrics` to the shims below, and runs
 * setup() -> default() x iterations -> teardown() as k6 would.
 *
 * Why a worker: k6's http calls are synchronous, and the scripts rely on it.
 * This thread blocks in Atomics.wait while the main thread (which also runs
 * the service under test) makes the real request, posts the answer and wakes
 * it; receiveMessageOnPort then takes the answer without an event loop.
 * Blocking the main thread instead would starve the in-process service.
 *
 * Self-contained (node built-ins only): the spec transpiles it on the fly and
 * starts it with { eval: true }, so it cannot import the project's TS files.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import vm from 'node:vm';
import { MessagePort, parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';

export type WireRequest = { method: string; url: string; body: string | null; headers: Record<string, string> };
export type WireResponse = {
  status: number;
  body: string;
  headers: Record<string, string>;
  ms: number;
  error?: string;
};
export type ShimResult = {
  checks: Record<string, { passes: number; fails: number }>;
  /** Requests whose status the script did not mark as expected (k6's http_req_failed). */
  unexpected: { method: string; url: string; status: number; body: string }[];
  metrics: Record<string, { type: string; count: number; sum: number }>;
  errors: string[];
  logs: string[];
};

type Setup = {
  script: string;
  env: Record<string, string>;
  iterations: number;
  maxSleepMs: number;
  port: MessagePort;
  signal: SharedArrayBuffer;
};
const { script, env, iterations, maxSleepMs, port, signal } = workerData as Setup;
const flag = new Int32Array(signal);
const result: ShimResult = { checks: {}, unexpected: [], metrics: {}, errors: [], logs: [] };

function exchange(requests: WireRequest[]): WireResponse[] {
  Atomics.store(flag, 0, 0);
  port.postMessage(requests);
  Atomics.wait(flag, 0, 0);
  const answer = receiveMessageOnPort(port);
  if (!answer) throw new Error('k6 shim: the main thread woke us without an answer');
  return answer.message as WireResponse[];
}

// ---- k6/metrics -------------------------------------------------------------
const BUILTIN: Record<string, string> = {
  http_reqs: 'counter',
  http_req_failed: 'rate',
  checks: 'rate',
  iterations: 'counter',
  vus: 'gauge',
  vus_max: 'gauge',
  data_sent: 'counter',
  data_received: 'counter',
  ...Object.fromEntries(
    ['duration', 'blocked', 'connecting', 'tls_handshaking', 'sending', 'waiting', 'receiving'].map((t) => [
      `http_req_${t}`,
      'trend',
    ]),
  ),
  iteration_duration: 'trend',
  group_duration: 'trend',
};

function record(name: string, type: string, value: number): void {
  if (typeof value !== 'number' && typeof value !== 'boolean') throw new Error(`${name}.add(${String(value)})`);
  if (Number.isNaN(Number(value))) throw new Error(`${name}.add(NaN): the value the script measured is missing`);
  const metric = (result.metrics[name] ??= { type, count: 0, sum: 0 });
  metric.count++;
  metric.sum += Number(value);
}

function metricClass(type: string) {
  return class {
    constructor(readonly name: string) {
      if (!/^[a-zA-Z_][a-zA-Z0-9_]{0,127}$/.test(name)) throw new Error(`invalid metric name ${name}`);
      const known = BUILTIN[name] ?? result.metrics[name]?.type;
      if (known && known !== type) throw new Error(`metric ${name} is already a ${known}`);
      result.metrics[name] ??= { type, count: 0, sum: 0 };
    }
    add(value: number): void {
      record(this.name, type, value);
    }
  };
}

// ---- k6/http ----------------------------------------------------------------
type Expected = { expected: (status: number) => boolean };
const defaultExpected: Expected = { expected: (status) => status >= 200 && status < 400 };
let responseCallback = defaultExpected;
const PARAMS = new Set(['headers', 'tags', 'responseCallback', 'timeout', 'redirects', 'cookies', 'auth', 'jar']);

function expectedStatuses(...specs: (number | { min: number; max: number })[]): Expected {
  return {
    expected: (status) =>
      specs.some((s) => (typeof s === 'number' ? s === status : s.min <= status && status <= s.max)),
  };
}

const canonical = (name: string) =>
  name.replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase());

function jsonPath(value: unknown, selector?: string): unknown {
  if (selector === undefined) return value;
  if (!/^[\w.-]+$/.test(selector)) throw new Error(`k6 shim: json('${selector}') uses a selector it does not know`);
  return selector.split('.').reduce<unknown>((v, key) => (v == null ? undefined : (v as never)[key]), value);
}

type Params = { headers?: Record<string, string>; responseCallback?: Expected; tags?: Record<string, string> };
type BatchItem = [string, string, unknown?, Params?] | { method: string; url: string; body?: unknown; params?: Params };

function toWire(method: string, url: string, body: unknown, params: Params = {}): WireRequest {
  if (!/^https?:\/\//.test(url)) throw new Error(`k6 shim: ${method} ${url} is not an absolute URL`);
  for (const key of Object.keys(params)) if (!PARAMS.has(key)) throw new Error(`k6 shim: unknown request param ${key}`);
  if (body !== null && body !== undefined && typeof body !== 'string') {
    throw new Error(
      `k6 shim: ${method} ${url} sends an object body (k6 would form-encode it); send JSON.stringify(...)`,
    );
  }
  return { method: method.toUpperCase(), url, body: (body as string | null) ?? null, headers: { ...params.headers } };
}

function toResponse(request: WireRequest, wire: WireResponse, params: Params = {}) {
  if (wire.error) throw new Error(`k6 shim: ${request.method} ${request.url}: ${wire.error}`);
  const expected = (params.responseCallback ?? responseCallback).expected(wire.status);
  record('http_reqs', 'counter', 1);
  record('http_req_failed', 'rate', expected ? 0 : 1);
  record('http_req_duration', 'trend', wire.ms);
  if (!expected)
    result.unexpected.push({ method: request.method, url: request.url, status: wire.status, body: wire.body });
  let parsed: unknown;
  return {
    status: wire.status,
    body: wire.body,
    url: request.url,
    error: '',
    error_code: 0,
    headers: Object.fromEntries(Object.entries(wire.headers).map(([k, v]) => [canonical(k), v])),
    timings: { duration: wire.ms, waiting: wire.ms, blocked: 0, connecting: 0, sending: 0, receiving: 0 },
    request: { method: request.method, url: request.url, body: request.body ?? '', headers: request.headers },
    json(selector?: string) {
      parsed ??= JSON.parse(wire.body);
      return jsonPath(parsed, selector);
    },
  };
}

function request(method: string, url: string, body?: unknown, params?: Params) {
  const wire = toWire(method, url, body, params);
  return toResponse(wire, exchange([wire])[0], params);
}

function batch(items: BatchItem[]) {
  const normalized = items.map((item) =>
    Array.isArray(item) ? { method: item[0], url: item[1], body: item[2], params: item[3] } : item,
  );
  const wires = normalized.map((r) => toWire(r.method, r.url, r.body, r.params));
  const answers = exchange(wires);
  return normalized.map((r, i) => toResponse(wires[i], answers[i], r.params));
}

const http = {
  request,
  batch,
  expectedStatuses,
  setResponseCallback: (callback: Expected) => {
    responseCallback = callback;
  },
  get: (url: string, params?: Params) => request('GET', url, null, params),
  head: (url: string, params?: Params) => request('HEAD', url, null, params),
  options: (url: string, body?: unknown, params?: Params) => request('OPTIONS', url, body, params),
  post: (url: string, body?: unknown, params?: Params) => request('POST', url, body, params),
  put: (url: string, body?: unknown, params?: Params) => request('PUT', url, body, params),
  patch: (url: string, body?: unknown, params?: Params) => request('PATCH', url, body, params),
  del: (url: string, body?: unknown, params?: Params) => request('DELETE', url, body, params),
};

// ---- k6 ---------------------------------------------------------------------
function check(value: unknown, sets: Record<string, (v: unknown) => unknown>): boolean {
  let all = true;
  for (const [name, predicate] of Object.entries(sets)) {
    const passed = Boolean(predicate(value));
    const counts = (result.checks[name] ??= { passes: 0, fails: 0 });
    if (passed) counts.passes++;
    else counts.fails++;
    record('checks', 'rate', passed ? 1 : 0);
    all &&= passed;
  }
  return all;
}

function sleep(seconds: number): void {
  // Real sleeps, capped: one smoke iteration should take seconds, not the minutes a poll loop could.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Math.min(seconds * 1000, maxSleepMs));
}

const k6 = {
  check,
  sleep,
  fail: (message = '') => {
    throw new Error(`fail(): ${message}`);
  },
  group: (_name: string, body: () => unknown) => body(),
};

const shims: Record<string, Record<string, unknown>> = {
  k6,
  'k6/http': { ...http, default: http },
  'k6/metrics': {
    Trend: metricClass('trend'),
    Counter: metricClass('counter'),
    Rate: metricClass('rate'),
    Gauge: metricClass('gauge'),
  },
};

// ---- options ----------------------------------------------------------------
const STATS: Record<string, RegExp> = {
  trend: /^(avg|min|max|med|p\(\d+(\.\d+)?\))$/,
  counter: /^(count|rate)$/,
  rate: /^rate$/,
  gauge: /^value$/,
};
const EXECUTORS = new Set([
  'shared-iterations',
  'per-vu-iterations',
  'constant-vus',
  'ramping-vus',
  'constant-arrival-rate',
  'ramping-arrival-rate',
  'externally-controlled',
]);

/** What k6 would refuse at start: an unknown metric or statistic in a threshold, an unknown executor. */
function checkOptions(options: { thresholds?: Record<string, string[]>; scenarios?: Record<string, unknown> }): void {
  for (const [key, expressions] of Object.entries(options.thresholds ?? {})) {
    const name = key.replace(/\{.*\}$/, '');
    const type = BUILTIN[name] ?? result.metrics[name]?.type;
    if (!type) throw new Error(`threshold on ${name}: no such metric`);
    for (const expression of expressions) {
      const match = /^\s*([a-z]+(?:\([\d.]+\))?)\s*(<=|>=|==|===|!=|<|>)\s*-?\d+(\.\d+)?\s*$/.exec(expression);
      if (!match || !STATS[type].test(match[1]))
        throw new Error(`threshold ${key}: '${expression}' is not valid for a ${type}`);
    }
  }
  for (const [name, scenario] of Object.entries(options.scenarios ?? {})) {
    const executor = (scenario as { executor?: string }).executor ?? '';
    if (!EXECUTORS.has(executor)) throw new Error(`scenario ${name}: unknown executor ${executor}`);
  }
}

// ---- the module graph and the run -------------------------------------------
const modules = new Map<string, vm.Module>();

function link(specifier: string, referencing: vm.Module): vm.Module {
  const shim = shims[specifier];
  if (shim) {
    const key = `shim:${specifier}`;
    if (!modules.has(key)) {
      const names = Object.keys(shim);
      modules.set(
        key,
        new vm.SyntheticModule(names, function (this: vm.SyntheticModule) {
          for (const name of names) this.setExport(name, shim[name]);
        }),
      );
    }
    return modules.get(key)!;
  }
  if (specifier.startsWith('k6'))
    throw new Error(`k6 shim: ${specifier} is not shimmed; keep the scripts' imports minimal`);
  if (!specifier.startsWith('.'))
    throw new Error(`k6 shim: only k6 modules and relative files can be imported, not ${specifier}`);
  return sourceModule(resolve(dirname(referencing.identifier), specifier));
}

function sourceModule(path: string): vm.Module {
  if (!modules.has(path)) modules.set(path, new vm.SourceTextModule(readFileSync(path, 'utf8'), { identifier: path }));
  return modules.get(path)!;
}

const globals = globalThis as unknown as Record<string, unknown>;
const copy = <T>(data: T): T => (data === undefined ? data : JSON.parse(JSON.stringify(data)));

async function main(): Promise<void> {
  globals.__ENV = env;
  globals.__VU = 0;
  globals.__ITER = 0;
  globals.console = {
    ...console,
    log: (...args: unknown[]) => void result.logs.push(args.map(String).join(' ')),
    warn: (...args: unknown[]) => void result.logs.push(args.map(String).join(' ')),
  };
  try {
    const root = sourceModule(resolve(script));
    await root.link(link);
    await root.evaluate();
    const ns = root.namespace as {
      options?: Parameters<typeof checkOptions>[0];
      setup?: () => unknown;
      default: (data: unknown) => void;
      teardown?: (data: unknown) => void;
    };
    checkOptions(ns.options ?? {});
    // setup() and teardown() run outside any VU (__VU 0), as in k6; their data crosses as JSON.
    const data = ns.setup?.();
    globals.__VU = 1;
    for (let i = 0; i < iterations; i++) {
      globals.__ITER = i;
      ns.default(copy(data));
      record('iterations', 'counter', 1);
    }
    globals.__VU = 0;
    ns.teardown?.(copy(data));
  } catch (error) {
    result.errors.push(error instanceof Error ? (error.stack ?? error.message) : String(error));
  }
  parentPort!.postMessage(result);
}

void main();
